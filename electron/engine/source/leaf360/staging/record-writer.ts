/**
 * Writes row decisions to the workspace: each input row becomes one staged record, one
 * quarantined row, or (typed association copies only) one skip (EXPORT-FORMAT.md §1).
 *
 * Duplicate ids are settled here, as the rows arrive (§9 D21, D42): an identical row is
 * quarantined `duplicate_row`; a different one with the same id keeps the latest `updated_at`
 * (association rows and engagement links: the first) and quarantines the other
 * `duplicate_id_conflict`. The comparison reads both rows by header, trimmed, CRLF and CR as LF.
 */
import { createHash } from 'node:crypto'
import type { StagingRepository, StagedRow } from '../../../workspace/staging-repository'
import { parseCsvText } from '../reader/csv-records'
import type { DefectCode, RowIssue } from '../validate/issues'
import type { QuarantineDecision, RowDecision, StageDecision } from '../validate/row-validator'
import type { FindingsTally } from './findings'

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

/** Content hash of a record's normalised values (delta detection, §8). */
export const contentHash = (dataJson: string): string => createHash('sha256').update(dataJson).digest('hex')

/** Writes decisions of one import. */
export class RecordWriter {
  readonly #repo: StagingRepository
  readonly #importId: number
  readonly #tally: FindingsTally
  /** Headers of the physical files read so far, for comparing rows by header (D21). */
  readonly #headers = new Map<string, ReadonlyArray<string>>()
  readonly #formats = new Map<string, 'csv' | 'xlsx' | 'json'>()

  constructor(repo: StagingRepository, importId: number, tally: FindingsTally) {
    this.#repo = repo
    this.#importId = importId
    this.#tally = tally
  }

  /** Registers a physical file's header (CSV/XLSX) before its rows are written. */
  registerFile(path: string, header: ReadonlyArray<string> | null, format: 'csv' | 'xlsx' | 'json'): void {
    if (header !== null) this.#headers.set(path, header)
    this.#formats.set(path, format)
  }

  /** Counts a finding for every warning of a staged row. */
  #countIssues(issues: ReadonlyArray<RowIssue>, origin: RowOrigin, sourceId: string): void {
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

  /** Writes one decision; `object` is the manifest object the row is staged as. */
  write(object: string, decision: RowDecision, origin: RowOrigin, policy: DuplicatePolicy): WriteOutcome {
    if (decision.kind === 'quarantine') return this.quarantine(object, decision, origin)
    const dataJson = JSON.stringify(decision.data)
    const warnings = decision.issues.length === 0 ? null : JSON.stringify(decision.issues)
    const record = {
      object,
      sourceId: decision.sourceId,
      file: origin.file,
      row: origin.row,
      line: origin.line,
      origin: 'file' as const,
      archived: decision.archived,
      updatedAt: decision.updatedAt,
      data: dataJson,
      raw: origin.raw,
      contentHash: contentHash(dataJson),
      warnings,
    }
    const recordId = this.#repo.insertStaged(this.#importId, record)
    if (recordId !== null) {
      this.#afterStage(recordId, decision, origin)
      return 'staged'
    }
    // The id is already staged: settle the duplicate (D21; D42 for association rows and links).
    const existing = this.#repo.findStaged(this.#importId, object, decision.sourceId)
    if (existing === undefined) throw new Error(`staged record ${object}/${decision.sourceId} vanished`)
    const defect: DefectCode = policy === 'first-kept' ? 'D42' : 'D21'
    if (this.isIdentical(existing, origin)) {
      return this.quarantine(
        object,
        {
          kind: 'quarantine',
          reason: 'duplicate_row',
          defect,
          message: `An identical copy of ${existing.file} row ${existing.row}.`,
          sourceId: decision.sourceId,
        },
        origin,
      )
    }
    // A tie, or no updated_at: the last in file order wins (§9 D21).
    const newerWins = policy === 'latest-updated-at' && !isEarlier(decision.updatedAt, existing.updatedAt)
    if (!newerWins) {
      return this.quarantine(
        object,
        {
          kind: 'quarantine',
          reason: 'duplicate_id_conflict',
          defect,
          message: `Same id as ${existing.file} row ${existing.row} with other values; ${policy === 'first-kept' ? 'the first is kept' : 'the later updated_at is kept'}.`,
          sourceId: decision.sourceId,
        },
        origin,
      )
    }
    // This row wins: the staged one moves to the quarantine.
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
    if (again === null) throw new Error(`could not restage ${object}/${decision.sourceId}`)
    this.#afterStage(again, decision, origin)
    return 'staged'
  }

  /** Counts a typed-copy row skipped as a copy of an associations.csv row (§4.7). */
  skip(origin: RowOrigin): WriteOutcome {
    this.#tally.file(origin.file).skipped++
    return 'skipped'
  }

  #afterStage(recordId: number, decision: StageDecision, origin: RowOrigin): void {
    for (const ref of decision.refs)
      this.#repo.insertRef(this.#importId, recordId, ref.column, ref.target, ref.id)
    for (const key of decision.keys) this.#repo.insertKey(this.#importId, recordId, key.kind, key.key)
    this.#countIssues(decision.issues, origin, decision.sourceId)
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

/** Is `a` strictly earlier than `b`? Unknown times are never earlier. */
function isEarlier(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false
  const ta = Date.parse(a)
  const tb = Date.parse(b)
  return Number.isFinite(ta) && Number.isFinite(tb) && ta < tb
}
