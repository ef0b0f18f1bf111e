/**
 * What row validation knows about the export beyond one row: flavour and time zone, the
 * portal's pipelines, property definitions and association types (from schema/, falling back to
 * the §6 defaults), and in ui the owner and team names that stand for their ids (§7).
 */
import type {
  AssociationTypeSpec,
  CustomPropertyObject,
  Flavour,
  PipelineSpec,
  PropertyDefinitionJson,
} from '../spec'
import type { DateContext } from './datetime'

/** One stage as the portal defines it. */
export type StageInfo = Readonly<{ stageId: string; pipelineId: string; label: string; archived: boolean }>

/** The portal's pipelines, indexed for both flavours (§4.6, §7: a stage resolves by pipeline + stage label). */
export type PipelineIndex = Readonly<{
  list: ReadonlyArray<PipelineSpec>
  pipelineIds: ReadonlySet<string>
  pipelineByLabel: ReadonlyMap<string, string>
  stageById: ReadonlyMap<string, StageInfo>
  /** pipeline id → lower-cased, whitespace-collapsed stage label → stage id. */
  stageByLabel: ReadonlyMap<string, ReadonlyMap<string, string>>
}>

const loose = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase()

/** Indexes pipelines for lookups by id and by label. */
export function indexPipelines(list: ReadonlyArray<PipelineSpec>): PipelineIndex {
  const pipelineByLabel = new Map<string, string>()
  const stageById = new Map<string, StageInfo>()
  const stageByLabel = new Map<string, Map<string, string>>()
  for (const p of list) {
    if (!pipelineByLabel.has(loose(p.label))) pipelineByLabel.set(loose(p.label), p.pipelineId)
    const labels = new Map<string, string>()
    for (const s of p.stages) {
      if (!stageById.has(s.stageId)) {
        stageById.set(s.stageId, {
          stageId: s.stageId,
          pipelineId: p.pipelineId,
          label: s.label,
          archived: s.archived || p.archived,
        })
      }
      if (!labels.has(loose(s.label))) labels.set(loose(s.label), s.stageId)
    }
    stageByLabel.set(p.pipelineId, labels)
  }
  return {
    list,
    pipelineIds: new Set(list.map((p) => p.pipelineId)),
    pipelineByLabel,
    stageById,
    stageByLabel,
  }
}

/** Looks up a label the way the ui flavour writes it. */
export const looseKey = loose

/** One owner as a ui name can refer to it. */
export type OwnerName = Readonly<{ ownerId: string; active: boolean }>

/** ui owner names (`first_name last_name`, §7), lower-cased with whitespace collapsed → owners. */
export type OwnerNameIndex = ReadonlyMap<string, ReadonlyArray<OwnerName>>

/** Everything row validation reads besides the row. */
export type ValidationContext = Readonly<{
  flavour: Flavour
  dates: DateContext
  /** exported_at in ms, or null without a manifest (D39 then skips its created-after-export check). */
  exportedAtMs: number | null
  associationRowCap: number
  pipelines: PipelineIndex
  properties: ReadonlyMap<CustomPropertyObject, ReadonlyArray<PropertyDefinitionJson>>
  associationTypes: ReadonlyArray<AssociationTypeSpec>
  /** ui only: owner names → owners, and team names → team ids (§4.1, §7). */
  ownerNames: OwnerNameIndex | null
  teamNames: ReadonlyMap<string, string> | null
}>
