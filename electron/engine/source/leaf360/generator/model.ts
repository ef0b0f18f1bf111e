/**
 * The generator's in-memory model of one portal at one moment: plain api-form rows (the values an
 * api export writes, strings or null), with the association graph and a few facts the renderers and
 * defect injectors need. One story's records are held at a time; only the small static tables
 * (owners, teams, fixed companies, partners) live for the whole run.
 */
import type { ObjectType } from '../spec/association-types'
import type { EngagementType } from '../spec/columns'

/** An api-form row: column name → value (null = empty). */
export type Row = Record<string, string | null>

/** A forward association; the writers add the inverse row (§4.7 "once in each direction"). */
export type Assoc = Readonly<{
  fromType: ObjectType
  fromId: string
  toType: ObjectType
  toId: string
  typeId: number
  isPrimary: boolean
  createdAt: string | null
}>

/** A contact with what the injectors need to know about it. */
export type ContactRecord = {
  row: Row
  /** `primary` (the story's main contact), `co_borrower`, `partner`, or `duplicate` (D01, not canonical). */
  role: 'primary' | 'co_borrower' | 'partner' | 'duplicate'
  /** The latest deal's stage as the D27 check sees it, null if exempt or without deals. */
  latestDealStage: string | null
  /** D01 group and canonical id for duplicates. */
  duplicateOf: string | null
  duplicateGroup: string | null
  /** Records in this story that reference the contact (all in-story), for D11 target_quarantined. */
  storyLocal: boolean
}

/** A deal with its stage history and the latest entry into each stage (ui `Date entered`). */
export type DealRecord = {
  row: Row
  /** The latest non-archived deal of its contacts (the one the D27 check reads, §6.1). */
  latest: boolean
  history: Row[]
  /** stage_id → latest entry time (api datetime). */
  dateEntered: Map<string, string>
}

/** A company with its kind. */
export type CompanyRecord = {
  row: Row
  kind: 'fixed' | 'household'
}

/** One engagement with its type and links (`engagement_associations.csv`, §4.8). */
export type EngagementRecord = {
  type: EngagementType
  row: Row
  contacts: string[]
  companies: string[]
  deals: string[]
}

/** The content of one attachment binary (placeholder bytes of a realistic type, §11.1). */
export type AttachmentRecord = {
  row: Row
  /** The bytes written under files/, or null when no binary is included (binary_present=false). */
  binary: Buffer | null
  /** Stored file name inside `files/{file_id}/`. */
  storedName: string
  /** The record was uploaded under an unsafe name (D13); canonical holds the normalised one. */
  unsafeOriginalName: string | null
}

/** Everything one story produces at one moment. */
export type StoryOutput = {
  index: number
  contacts: ContactRecord[]
  companies: CompanyRecord[]
  deals: DealRecord[]
  assocs: Assoc[]
  engagements: EngagementRecord[]
  attachments: AttachmentRecord[]
  enrollments: Row[]
  /** World-fact defects the story holds (recorded identically for every flavour). */
  facts: WorldFact[]
  /** Partners or companies whose ui rows change because of this story without a link of theirs (delta edits). */
  touches?: Array<{ id: string; ms: number }>
}

/** A defect that is part of the world (present in canonical too), recorded when its row is written. */
export type WorldFact = Readonly<{
  defectId: string
  variant: string
  /** The manifest object and record id the fact sits on. */
  object: string
  recordId: string
  column: string | null
  group?: string
  canonicalId?: string
}>

/** The ids of an association's endpoints as a flat key (for maps and delta identity). */
export function assocKey(a: Assoc): string {
  return `${a.fromType}|${a.fromId}|${a.toType}|${a.toId}|${a.typeId}`
}
