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
import { mergeTally, type ProducerMessage, type RowBatch } from './file-producer'
import type { Producer } from './producer-pool'
import type { DuplicatePolicy, PreparedRow, PreparedStage, RowOrigin, WriteOutcome } from './record-writer'
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

/** The prepared row `i` of a batch. */
function rowOf(b: RowBatch, i: number): PreparedRow {
  if (b.kind[i] === 1) {
    return {
      kind: 'quarantine',
      reason: b.reason[i] as QuarantineReason,
      defect: b.defect[i] as DefectCode,
      message: b.message[i] ?? '',
      sourceId: b.sourceId[i] ?? null,
    }
  }
  return {
    kind: 'stage',
    sourceId: b.sourceId[i]!,
    dataJson: b.data[i]!,
    contentHash: b.hash[i]!,
    warningsJson: b.warnings[i] ?? null,
    archived: b.archived[i] === 1,
    updatedAt: b.updatedAt[i] ?? null,
    refs: b.refs[i] ?? null,
    keys: b.keys[i] ?? null,
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
        ctx.repo.begin()
        for (let i = 0; i < b.kind.length; i++) {
          const origin: RowOrigin = { file: b.path, row: b.row[i]!, line: b.line[i]!, raw: b.raw[i]! }
          ctx.tally.file(b.path).read++
          const prepared = rowOf(b, i)
          const outcome =
            isCopy && ctx.associationsPresent
              ? writeCopyRow(ctx, b.path, prepared, origin)
              : ctx.writer.writePrepared(object, prepared, origin, policy)
          if (outcome === 'staged' && prepared.kind === 'stage') {
            ctx.facts.add(
              object,
              { recordId: ctx.writer.lastStagedId, file: b.path, row: origin.row },
              prepared.sourceId,
              b.facts[i] ?? null,
              prepared.refs,
            )
          }
          if (++sinceCommit >= ROWS_PER_COMMIT) {
            ctx.repo.commit()
            ctx.repo.begin()
            sinceCommit = 0
          }
        }
        ctx.rowsDone += b.kind.length
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
