/**
 * Writes row decisions to the workspace: each input row becomes one staged record, one
 * quarantined row, or (typed association copies only) one skip (EXPORT-FORMAT.md §1).
 *
 * Duplicate ids are settled here, as the rows arrive (§9 D21, D42): an identical row is
 * quarantined `duplicate_row`; a different one with the same id keeps the latest `updated_at`
 * (association rows and engagement links: the first) and quarantines the other
 * `duplicate_id_conflict`. The comparison reads both rows by header, trimmed, CRLF and CR as LF.
 */
import { hash } from 'node:crypto'
import type { StagingRepository, StagedRow } from '../../../workspace/staging-repository'
import { parseCsvText } from '../reader/csv-records'
import type { DefectCode, RowIssue } from '../validate/issues'
import type { QuarantineDecision, RowDecision } from '../validate/row-validator'
import type { FindingsTally } from './findings'
import type { KnownIds } from './known-ids'

/** Where a row came from. */
export type RowOrigin = Readonly<{
  /** The physical file (export-relative path). */
  file: string
  row: number
  line: number
  /** The record's raw text. */
  raw: string
}>

/** How duplicates of an object are settled. */
export type DuplicatePolicy = 'latest-updated-at' | 'first-kept'

/** What happened to one row. */
export type WriteOutcome = 'staged' | 'quarantined' | 'skipped'

const normaliseForCompare = (s: string) => s.replace(/\r\n?/g, '\n').trim()

/**
 * Content hash of a record's normalised values (delta detection, §8): SHA-256 of their JSON, in
 * base64url (43 characters, where hex would take 64 in every staged row and delta head).
 */
export const contentHash = (dataJson: string): string => hash('sha256', dataJson, 'base64url')

/**
 * A staged row ready for the workspace: values serialised, hash computed, references and keys
 * flattened ([column, target, id, …], [kind, key, …]); what the producer hands the writer.
 */
export type PreparedStage = Readonly<{
  kind: 'stage'
  sourceId: string
  dataJson: string
  contentHash: string
  warningsJson: string | null
  archived: boolean
  updatedAt: string | null
  refs: ReadonlyArray<string> | null
  keys: ReadonlyArray<string> | null
}>

/** A row to write: prepared for staging, or to quarantine. */
export type PreparedRow = PreparedStage | QuarantineDecision

/** Serialises a staged decision (rows of JSON files and post-read checks). */
export function prepare(decision: RowDecision): PreparedRow {
  if (decision.kind === 'quarantine') return decision
  const dataJson = JSON.stringify(decision.data)
  return {
    kind: 'stage',
    sourceId: decision.sourceId,
    dataJson,
    contentHash: contentHash(dataJson),
    warningsJson: decision.issues.length === 0 ? null : JSON.stringify(decision.issues),
    archived: decision.archived,
    updatedAt: decision.updatedAt,
    refs: decision.refs.length === 0 ? null : decision.refs.flatMap((r) => [r.column, r.target, r.id]),
    keys: decision.keys.length === 0 ? null : decision.keys.flatMap((k) => [k.kind, k.key]),
  }
}

/** Writes decisions of one import. */
export class RecordWriter {
  readonly #repo: StagingRepository
  readonly #importId: number
  readonly #tally: FindingsTally
  /** Headers of the physical files read so far, for comparing rows by header (D21). */
  readonly #headers = new Map<string, ReadonlyArray<string>>()
  readonly #formats = new Map<string, 'csv' | 'xlsx' | 'json'>()
  /** The record id of the row most recently staged. */
  lastStagedId = 0
  /** Staged (and archived) records per object, kept as they are written. */
  readonly stagedCounts = new Map<string, { staged: number; archived: number }>()

  /** Counts a staged record in or out of its object's figures. */
  count(object: string, archived: boolean, delta: 1 | -1): void {
    let c = this.stagedCounts.get(object)
    if (c === undefined) this.stagedCounts.set(object, (c = { staged: 0, archived: 0 }))
    c.staged += delta
    if (archived) c.archived += delta
  }

  readonly #known: KnownIds

  readonly #flavour: 'api' | 'ui'

  constructor(
    repo: StagingRepository,
    importId: number,
    tally: FindingsTally,
    known: KnownIds,
    flavour: 'api' | 'ui',
  ) {
    this.#repo = repo
    this.#importId = importId
    this.#tally = tally
    this.#known = known
    this.#flavour = flavour
  }

  /** Registers a physical file's header (CSV/XLSX) before its rows are written. */
  registerFile(path: string, header: ReadonlyArray<string> | null, format: 'csv' | 'xlsx' | 'json'): void {
    if (header !== null) this.#headers.set(path, header)
    this.#formats.set(path, format)
  }

  /** Counts a finding for each warning (rows whose warnings the producer did not count). */
  countIssues(
    issues: ReadonlyArray<RowIssue>,
    origin: Pick<RowOrigin, 'file' | 'row'>,
    sourceId: string | null,
  ): void {
    for (const i of issues) {
      this.#tally.add(i.code, {
        file: origin.file,
        row: origin.row,
        column: i.column,
        raw: i.raw,
        reason: i.reason ?? null,
        sourceId,
      })
    }
  }

  /** Quarantines a row. */
  quarantine(object: string, d: QuarantineDecision, origin: RowOrigin): WriteOutcome {
    if (d.sourceId !== null) this.#known.quarantined(object, d.sourceId)
    this.#repo.insertQuarantined(this.#importId, {
      object,
      file: origin.file,
      row: origin.row,
      line: origin.line,
      sourceId: d.sourceId,
      reason: d.reason,
      defect: d.defect,
      message: d.message,
      raw: origin.raw,
    })
    this.#tally.addQuarantine(d.reason)
    this.#tally.add(d.defect, {
      file: origin.file,
      row: origin.row,
      column: null,
      raw: origin.raw.slice(0, 200),
      reason: d.reason,
      sourceId: d.sourceId,
    })
    this.#tally.file(origin.file).quarantined++
    return 'quarantined'
  }

  /** Writes one decision, counting its warnings; `object` is the manifest object it is staged as. */
  write(object: string, decision: RowDecision, origin: RowOrigin, policy: DuplicatePolicy): WriteOutcome {
    if (decision.kind === 'stage') this.countIssues(decision.issues, origin, decision.sourceId)
    return this.writePrepared(object, prepare(decision), origin, policy)
  }

  /** Writes one prepared row (its warnings already counted). */
  writePrepared(
    object: string,
    prepared: PreparedRow,
    origin: RowOrigin,
    policy: DuplicatePolicy,
  ): WriteOutcome {
    if (prepared.kind === 'quarantine') return this.quarantine(object, prepared, origin)
    const settled = prepared.refs === null ? null : this.#settleRefs(object, prepared.refs)
    const record = {
      object,
      sourceId: prepared.sourceId,
      file: origin.file,
      row: origin.row,
      line: origin.line,
      origin: 'file' as const,
      archived: prepared.archived,
      updatedAt: prepared.updatedAt,
      data: prepared.dataJson,
      raw: origin.raw,
      contentHash: prepared.contentHash,
      warnings:
        settled === null || settled.issues.length === 0
          ? prepared.warningsJson
          : appendIssues(prepared.warningsJson, settled.issues),
    }
    const recordId = this.#repo.insertStaged(this.#importId, record)
    if (recordId !== null) {
      this.#afterStage(recordId, prepared, origin, object, settled)
      return 'staged'
    }
    // The id is already staged: settle the duplicate (D21; D42 for association rows and links).
    const existing = this.#repo.findStaged(this.#importId, object, prepared.sourceId)
    if (existing === undefined) throw new Error(`staged record ${object}/${prepared.sourceId} vanished`)
    const defect: DefectCode = policy === 'first-kept' ? 'D42' : 'D21'
    if (this.isIdentical(existing, origin)) {
      return this.quarantine(
        object,
        {
          kind: 'quarantine',
          reason: 'duplicate_row',
          defect,
          message: `An identical copy of ${existing.file} row ${existing.row}.`,
          sourceId: prepared.sourceId,
        },
        origin,
      )
    }
    // A tie, or no updated_at: the last in file order wins (§9 D21).
    const newerWins = policy === 'latest-updated-at' && !isEarlier(prepared.updatedAt, existing.updatedAt)
    if (!newerWins) {
      return this.quarantine(
        object,
        {
          kind: 'quarantine',
          reason: 'duplicate_id_conflict',
          defect,
          message: `Same id as ${existing.file} row ${existing.row} with other values; ${policy === 'first-kept' ? 'the first is kept' : 'the later updated_at is kept'}.`,
          sourceId: prepared.sourceId,
        },
        origin,
      )
    }
    // This row wins: the staged one moves to the quarantine.
    this.count(object, existing.archived, -1)
    this.#repo.moveToQuarantine(
      existing.recordId,
      'duplicate_id_conflict',
      defect,
      `Same id as ${origin.file} row ${origin.row} with other values; the later updated_at is kept.`,
    )
    this.#tally.addQuarantine('duplicate_id_conflict')
    this.#tally.add(defect, {
      file: existing.file,
      row: existing.row,
      column: null,
      raw: existing.raw.slice(0, 200),
      reason: 'duplicate_id_conflict',
      sourceId: existing.sourceId,
    })
    const previousFile = this.#tally.file(existing.file)
    previousFile.staged--
    previousFile.quarantined++
    this.#repo.adjustFileCounts(this.#importId, existing.file, -1, 1)
    const again = this.#repo.insertStaged(this.#importId, record)
    if (again === null) throw new Error(`could not restage ${object}/${prepared.sourceId}`)
    this.#afterStage(again, prepared, origin, object, settled)
    return 'staged'
  }

  /** Counts a typed-copy row skipped as a copy of an associations.csv row (§4.7). */
  skip(origin: RowOrigin): WriteOutcome {
    this.#tally.file(origin.file).skipped++
    return 'skipped'
  }

  /**
   * Settles what it can of a staged row's references (see known-ids.ts): a reference to a record
   * staged already needs nothing; one to an object read to the end is D11 at once, as
   * checkReferences (post-checks.ts) would find it: `target_quarantined` when such a row was
   * quarantined, else `orphan_field` (none for a ui merge target, §9 D17). The rest, and the
   * orphans of association and history rows (which checkReferences quarantines), wait in
   * staged_ref. The ui association cells always go there: the run reads associations from them.
   */
  #settleRefs(object: string, refs: ReadonlyArray<string>): SettledRefs {
    const issues: RowIssue[] = []
    const pending: number[] = []
    for (let i = 0; i + 2 < refs.length; i += 3) {
      const column = refs[i]!
      const target = refs[i + 1]!
      const id = refs[i + 2]!
      if (column.startsWith('Associated ')) {
        pending.push(i)
        continue
      }
      if (this.#known.has(target, id)) continue
      if (!this.#known.complete(target)) {
        pending.push(i)
        continue
      }
      const outcome = orphanOutcome(object, column, this.#known.isQuarantined(target, id), this.#flavour)
      if (outcome === 'orphan_association' || outcome === 'orphan_history') pending.push(i)
      else if (outcome !== null) issues.push({ code: 'D11', column, raw: id, reason: outcome })
    }
    return { issues, pending }
  }

  #afterStage(
    recordId: number,
    prepared: PreparedStage,
    origin: RowOrigin,
    object: string,
    settled: SettledRefs | null,
  ): void {
    this.lastStagedId = recordId
    this.count(object, prepared.archived, 1)
    this.#known.staged(object, prepared.sourceId)
    if (settled !== null) {
      const refs = prepared.refs!
      for (const i of settled.pending)
        this.#repo.insertRef(this.#importId, recordId, refs[i]!, refs[i + 1]!, refs[i + 2]!)
      // Counted as checkReferences counts them: the row's place, no source id.
      this.countIssues(settled.issues, origin, null)
    }
    const keys = prepared.keys
    if (keys !== null) {
      for (let i = 0; i + 1 < keys.length; i += 2)
        this.#repo.insertKey(this.#importId, recordId, keys[i]!, keys[i + 1]!)
    }
    this.#tally.file(origin.file).staged++
  }

  /** Are a staged row and a new row identical by §9 D21 (every field by header, trimmed, LF)? */
  isIdentical(existing: Pick<StagedRow, 'file' | 'raw'>, origin: Pick<RowOrigin, 'file' | 'raw'>): boolean {
    const a = this.#fieldsByHeader(existing.file, existing.raw)
    const b = this.#fieldsByHeader(origin.file, origin.raw)
    if (a === null || b === null) return normaliseForCompare(existing.raw) === normaliseForCompare(origin.raw)
    const keys = new Set([...a.keys(), ...b.keys()])
    for (const k of keys) if ((a.get(k) ?? '') !== (b.get(k) ?? '')) return false
    return true
  }

  #fieldsByHeader(file: string, raw: string): Map<string, string> | null {
    const header = this.#headers.get(file)
    const format = this.#formats.get(file)
    if (header === undefined || format === 'json') return null
    const fields = parseCsvText(raw)[0]?.fields ?? []
    const out = new Map<string, string>()
    header.forEach((h, i) => {
      const key = out.has(h) ? `${h}#${i}` : h
      out.set(key, normaliseForCompare(fields[i] ?? ''))
    })
    return out
  }
}

/** References of a staged row: the D11 warnings settled as it is written, and the rest (offsets into refs). */
type SettledRefs = Readonly<{ issues: ReadonlyArray<RowIssue>; pending: ReadonlyArray<number> }>

/** Objects whose rows are links between records: an orphan one is quarantined after the read. */
const LINK_OBJECTS: ReadonlySet<string> = new Set(['associations', 'engagement_associations'])

/**
 * What D11 makes of a reference to nothing staged (§9 D11, D17), for the writer and for
 * checkReferences alike: the warning's reason on the row (`target_quarantined`, `orphan_field`),
 * the row itself quarantined (an association or history row pointing at nothing at all), or
 * nothing (a ui merge target, absent because ui leaves archived records out).
 */
export function orphanOutcome(
  object: string,
  column: string,
  targetQuarantined: boolean,
  flavour: 'api' | 'ui',
): 'target_quarantined' | 'orphan_field' | 'orphan_association' | 'orphan_history' | null {
  if (targetQuarantined) return 'target_quarantined'
  if (column === 'merged_into_id' && flavour === 'ui') return null
  if (LINK_OBJECTS.has(object)) return 'orphan_association'
  if (object === 'deal_stage_history' && column === 'deal_id') return 'orphan_history'
  return 'orphan_field'
}

/** A warnings JSON array with `issues` appended (as the repository's appendWarnings would). */
function appendIssues(warningsJson: string | null, issues: ReadonlyArray<RowIssue>): string {
  const added = JSON.stringify(issues)
  return warningsJson === null || warningsJson === '[]'
    ? added
    : `${warningsJson.slice(0, -1)},${added.slice(1)}`
}

/** Is `a` strictly earlier than `b`? Unknown times are never earlier. */
function isEarlier(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false
  const ta = Date.parse(a)
  const tb = Date.parse(b)
  return Number.isFinite(ta) && Number.isFinite(tb) && ta < tb
}
