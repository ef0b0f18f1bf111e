/**
 * The writing half of staging a data file: takes the producer's messages (file-producer.ts), in
 * the worker or not, and writes every row to the workspace in large transactions; settles
 * duplicates (record-writer.ts) and typed association copies against associations.csv (§4.7);
 * records each physical file's accounting (D31 rows against the manifest).
 */
import type { PlannedFile } from '../reader/export-layout'
import type { DataFileSpec } from '../spec'
import type { QuarantineReason } from '../spec'
import type { DefectCode, RowIssue } from '../validate/issues'
import { BATCH_INTS, mergeTally, type ProducerMessage, type RowBatch } from './file-producer'
import type { Producer } from './producer-pool'
import {
  contentHash as hashOf,
  type DuplicatePolicy,
  type PreparedRow,
  type PreparedStage,
  type RowOrigin,
  type WriteOutcome,
} from './record-writer'
import { ROWS_PER_COMMIT, type StageContext } from './stage-context'

const FIRST_KEPT = new Set([
  'associations',
  'associations_contact_company',
  'associations_contact_deal',
  'associations_deal_company',
  'associations_contact_contact',
  'engagement_associations',
])

/** The manifest object a file's rows are staged as: typed copies are association rows (§4.7). */
export const stagedObjectOf = (spec: DataFileSpec): string =>
  spec.associationDirection !== null ? 'associations' : spec.object

/**
 * Reads a batch's rows in order (file-producer.ts RowBatch): `next` returns the next prepared row,
 * with its place and facts in the reader's fields.
 */
class BatchReader {
  readonly #b: RowBatch
  #i = 0
  #s = 0
  row = 0
  line = 0
  raw = ''
  facts: Array<string | null> | null = null

  constructor(b: RowBatch) {
    this.#b = b
  }

  next(): PreparedRow {
    const ints = this.#b.ints
    const strings = this.#b.strings
    const at = this.#i
    this.#i += BATCH_INTS
    this.row = ints[at + 1]!
    this.line = ints[at + 2]!
    this.raw = strings[this.#s++]!
    const sourceId = strings[this.#s++] ?? null
    if (ints[at] === 1) {
      const reason = strings[this.#s++] as QuarantineReason
      const defect = strings[this.#s++] as DefectCode
      const message = strings[this.#s++] ?? ''
      this.facts = null
      return { kind: 'quarantine', reason, defect, message, sourceId }
    }
    const dataJson = strings[this.#s++]!
    const contentHash = strings[this.#s++] ?? hashOf(dataJson)
    const warningsJson = strings[this.#s++] ?? null
    const updatedAt = strings[this.#s++] ?? null
    const take = (n: number) => {
      if (n === 0) return null
      const out = strings.slice(this.#s, this.#s + n) as string[]
      this.#s += n
      return out
    }
    const refs = take(ints[at + 4]!)
    const keys = take(ints[at + 5]!)
    const factCount = ints[at + 6]!
    this.facts = factCount === 0 ? null : strings.slice(this.#s, this.#s + factCount)
    this.#s += factCount
    return {
      kind: 'stage',
      sourceId: sourceId!,
      dataJson,
      contentHash,
      warningsJson,
      archived: ints[at + 3] === 1,
      updatedAt,
      refs,
      keys,
    }
  }
}

/** Stages every part of one data file through `producer`. */
export async function stageDataFile(
  ctx: StageContext,
  planned: Extract<PlannedFile, { kind: 'data' }>,
  producer: Producer,
): Promise<void> {
  const spec = planned.spec
  const object = stagedObjectOf(spec)
  const policy: DuplicatePolicy = FIRST_KEPT.has(spec.object) ? 'first-kept' : 'latest-updated-at'
  const isCopy = spec.associationDirection !== null
  const declared = new Map(planned.parts.map((p) => [p.path, p]))
  let sinceCommit = 0

  const consume = (m: ProducerMessage): void => {
    switch (m.t) {
      case 'finding':
        ctx.fileFinding(m.code, m.file, m.reason, m.message, m.column)
        return
      case 'part-start':
        ctx.writer.registerFile(m.path, m.header, m.format)
        if (spec.object === 'associations') {
          ctx.associationFiles.add(m.path)
          ctx.associationsPresent = true
        }
        ctx.tally.file(m.path)
        ctx.repo.begin()
        return
      case 'rows': {
        const b = m.batch
        const reader = new BatchReader(b)
        const fileTally = ctx.tally.file(b.path)
        ctx.repo.begin()
        for (let i = 0; i < b.count; i++) {
          const prepared = reader.next()
          const origin: RowOrigin = { file: b.path, row: reader.row, line: reader.line, raw: reader.raw }
          fileTally.read++
          const outcome =
            isCopy && ctx.associationsPresent
              ? writeCopyRow(ctx, b.path, prepared, origin)
              : ctx.writer.writePrepared(object, prepared, origin, policy)
          if (outcome === 'staged' && prepared.kind === 'stage') {
            ctx.facts.add(
              object,
              { recordId: ctx.writer.lastStagedId, file: b.path, row: origin.row },
              prepared.sourceId,
              reader.facts,
              prepared.refs,
            )
          }
          if (++sinceCommit >= ROWS_PER_COMMIT) {
            ctx.repo.commit()
            ctx.repo.begin()
            sinceCommit = 0
          }
        }
        ctx.rowsDone += b.count
        ctx.onProgress({ file: b.path, rowsDone: ctx.rowsDone, rowsTotal: ctx.rowsTotal, phase: 'reading' })
        return
      }
      case 'part-end': {
        ctx.repo.commit()
        sinceCommit = 0
        const part = declared.get(m.path)
        const tally = ctx.tally.file(m.path)
        if (m.header === null) {
          ctx.fileFinding(
            'D31',
            m.path,
            'empty_file',
            `${m.path} is empty (no header row); it reads as zero rows.`,
          )
        }
        if (part?.declared != null && part.declared.rows !== m.rows) {
          ctx.fileFinding(
            'D31',
            m.path,
            'rows_mismatch',
            `${m.path} has ${m.rows} rows; the manifest says ${part.declared.rows}.`,
          )
        }
        ctx.repo.recordFile(ctx.importId, {
          path: m.path,
          object: spec.object,
          format: part?.format === 'xlsx' ? 'xlsx' : 'csv',
          part: part?.part ?? null,
          encoding: m.encoding,
          declaredEncoding: part?.declared?.encoding ?? null,
          bytes: m.bytes,
          sha256: m.sha256,
          header: m.header,
          columns: m.columns,
          rowsRead: tally.read,
          staged: tally.staged,
          quarantined: tally.quarantined,
          skipped: tally.skipped,
        })
        return
      }
      case 'file-end': {
        mergeTally(ctx.tally, m.tally)
        const props =
          spec.customProperties === null ? [] : (ctx.validation.properties.get(spec.customProperties) ?? [])
        for (const o of m.observed) {
          const id = `${spec.object}|${o.key}`
          const known = ctx.observed.get(id)
          if (known === undefined) {
            ctx.observed.set(id, {
              object: spec.object,
              key: o.key,
              header: o.header,
              kind: o.kind,
              property: o.kind === 'custom' ? (props.find((p) => p.name === o.key) ?? null) : null,
              stats: o.stats,
            })
          }
        }
        return
      }
    }
  }

  try {
    await producer.run({ object: spec.object, parts: planned.parts, validation: ctx.validation }, consume)
  } catch (error) {
    ctx.repo.rollback()
    throw error
  }
}

/**
 * A typed-copy row while associations.csv is present (§4.7): identical to its associations.csv
 * row → skipped; same identity, other values → quarantined (associations.csv wins); no match →
 * read as an associations.csv row, with D42.
 */
function writeCopyRow(
  ctx: StageContext,
  path: string,
  prepared: PreparedRow,
  origin: RowOrigin,
): WriteOutcome {
  if (prepared.kind === 'quarantine')
    return ctx.writer.writePrepared('associations', prepared, origin, 'first-kept')
  const staged = ctx.repo.findStaged(ctx.importId, 'associations', prepared.sourceId)
  const match =
    staged !== undefined && ctx.associationFiles.has(staged.file)
      ? staged
      : ctx.repo
          .findQuarantined(ctx.importId, 'associations', prepared.sourceId)
          .find((q) => ctx.associationFiles.has(q.file))
  if (match !== undefined) {
    ctx.copyMatches.set(path, (ctx.copyMatches.get(path) ?? 0) + 1)
    if (ctx.writer.isIdentical(match, origin)) return ctx.writer.skip(origin)
    return ctx.writer.quarantine(
      'associations',
      {
        kind: 'quarantine',
        reason: 'duplicate_id_conflict',
        defect: 'D42',
        message: `Same association as ${match.file} row ${match.row ?? '?'} with other values; associations.csv wins.`,
        sourceId: prepared.sourceId,
      },
      origin,
    )
  }
  const warning: RowIssue = { code: 'D42', column: null, raw: null, reason: 'copy_without_match' }
  const warnings = [
    ...(prepared.warningsJson === null ? [] : (JSON.parse(prepared.warningsJson) as RowIssue[])),
    warning,
  ]
  const withWarning: PreparedStage = { ...prepared, warningsJson: JSON.stringify(warnings) }
  ctx.writer.countIssues([warning], origin, prepared.sourceId)
  return ctx.writer.writePrepared('associations', withWarning, origin, 'first-kept')
}
