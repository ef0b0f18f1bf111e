/**
 * Stages one data file (all its parts, CSV or XLSX): bytes checked against the manifest (D31),
 * encoding decided (D07), header compiled into a validator (D43), every row validated and written,
 * typed association copies matched against associations.csv (§4.7).
 */
import { CancelledError } from '../../../errors'
import { decideEncoding, scanBytes, type TextEncoding } from '../reader/encoding'
import type { PlannedFile, PlannedPart } from '../reader/export-layout'
import { csvLine, readCsv, readXlsx, xlsxCellText, type TabularStream } from '../reader/tabular'
import type { DataFileSpec } from '../spec'
import { compileRowValidator, type RowDecision, type RowValidator } from '../validate/row-validator'
import { newColumnStats, observe, type ColumnStats } from '../profile/column-stats'
import { checkAttachment } from './attachments'
import type { DuplicatePolicy, RowOrigin } from './record-writer'
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

/** Checks a part's bytes against its manifest entry and decides its encoding. */
async function checkPart(
  ctx: StageContext,
  spec: DataFileSpec,
  part: PlannedPart,
): Promise<{ encoding: TextEncoding | null; bytes: number; sha256: string }> {
  const facts = await scanBytes(await ctx.source.open(part.path))
  const d = part.declared
  if (d !== null) {
    if (d.bytes !== facts.bytes) {
      ctx.fileFinding(
        'D31',
        part.path,
        'bytes_mismatch',
        `${part.path} has ${facts.bytes} bytes; the manifest says ${d.bytes}.`,
      )
    }
    if (d.sha256 !== facts.sha256) {
      ctx.fileFinding(
        'D31',
        part.path,
        'sha256_mismatch',
        `${part.path} does not match the manifest's sha256.`,
      )
    }
  }
  if (part.format === 'xlsx') return { encoding: null, bytes: facts.bytes, sha256: facts.sha256 }
  const decision = decideEncoding(d?.encoding ?? null, facts)
  if (decision.warn) {
    ctx.fileFinding(
      'D07',
      part.path,
      decision.informational ? `${decision.encoding}_declared` : decision.encoding,
      `${part.path}: ${decision.detail}.`,
    )
  }
  void spec
  return { encoding: decision.encoding, bytes: facts.bytes, sha256: facts.sha256 }
}

/** Stages every part of one data file. */
export async function stageDataFile(
  ctx: StageContext,
  planned: Extract<PlannedFile, { kind: 'data' }>,
): Promise<void> {
  const spec = planned.spec
  for (const part of planned.parts) {
    const checked = await checkPart(ctx, spec, part)
    const stream: TabularStream =
      part.format === 'xlsx'
        ? readXlsx(await ctx.source.open(part.path))
        : readCsv(await ctx.source.open(part.path), checked.encoding ?? 'utf-8')
    await stagePart(ctx, spec, part, stream, checked)
  }
}

async function stagePart(
  ctx: StageContext,
  spec: DataFileSpec,
  part: PlannedPart,
  stream: TabularStream,
  checked: { encoding: TextEncoding | null; bytes: number; sha256: string },
): Promise<void> {
  const object = stagedObjectOf(spec)
  const policy: DuplicatePolicy = FIRST_KEPT.has(spec.object) ? 'first-kept' : 'latest-updated-at'
  const isCopy = spec.associationDirection !== null
  const isAssociationsCsv = spec.object === 'associations'
  if (isAssociationsCsv) {
    ctx.associationFiles.add(part.path)
    ctx.associationsPresent = true
  }
  const tally = ctx.tally.file(part.path)
  let validator: RowValidator | null = null
  let header: string[] | null = null
  let kinds: Array<'date' | 'datetime' | 'other'> = []
  let row = 0
  let sinceCommit = 0
  let observedColumns: ReadonlyArray<readonly [string, ColumnStats]> = []
  ctx.repo.begin()
  try {
    for await (const batch of stream) {
      if (ctx.signal?.aborted) throw new CancelledError()
      for (const rec of batch) {
        const texts =
          part.format === 'xlsx'
            ? rec.cells.map((c, i) => xlsxCellText(c, kinds[i] ?? 'other'))
            : (rec.cells as string[])
        if (header === null) {
          header = texts.map((t) => t.replace(/^\ufeff/, ''))
          validator = compileRowValidator(spec, header, ctx.validation)
          kinds = header.map((_, i) => {
            const c = validator!.columns.find((col) => col.index === i)
            return c?.type === 'date' ? 'date' : c?.type === 'datetime' ? 'datetime' : 'other'
          })
          ctx.writer.registerFile(part.path, header, part.format === 'xlsx' ? 'xlsx' : 'csv')
          observedColumns = watchColumns(ctx, spec, validator)
          for (const issue of validator.fileIssues) {
            ctx.fileFinding(
              issue.code,
              part.path,
              issue.reason,
              `${part.path}: ${issue.message}`,
              issue.column,
            )
          }
          continue
        }
        row++
        tally.read++
        ctx.rowsDone++
        // Spreadsheet rows drop trailing empty cells; they are not missing fields (§7).
        const fields =
          part.format === 'xlsx' && texts.length < header.length
            ? [...texts, ...Array<string>(header.length - texts.length).fill('')]
            : texts
        const origin: RowOrigin = {
          file: part.path,
          row,
          line: rec.line,
          raw: rec.raw ?? csvLine(fields),
        }
        let decision: RowDecision = validator!.validate({
          fields,
          row,
          line: rec.line,
          strayQuote: rec.strayQuote,
          malformed: rec.malformed,
        })
        if (spec.object === 'attachments' && decision.kind === 'stage') {
          decision = await checkAttachment(decision, ctx.source, ctx.binaries)
        }
        if (decision.kind === 'stage')
          for (const [key, stats] of observedColumns) observe(stats, decision.data[key])
        if (isCopy && ctx.associationsPresent) writeCopyRow(ctx, part.path, decision, origin)
        else ctx.writer.write(object, decision, origin, policy)
        if (++sinceCommit >= ROWS_PER_COMMIT) {
          ctx.repo.commit()
          ctx.repo.begin()
          sinceCommit = 0
        }
      }
      ctx.onProgress({ file: part.path, rowsDone: ctx.rowsDone, rowsTotal: ctx.rowsTotal, phase: 'reading' })
    }
    ctx.repo.commit()
  } catch (error) {
    ctx.repo.rollback()
    throw error
  }
  if (header === null) {
    ctx.fileFinding(
      'D31',
      part.path,
      'empty_file',
      `${part.path} is empty (no header row); it reads as zero rows.`,
    )
  }
  if (part.declared !== null && part.declared.rows !== row) {
    ctx.fileFinding(
      'D31',
      part.path,
      'rows_mismatch',
      `${part.path} has ${row} rows; the manifest says ${part.declared.rows}.`,
    )
  }
  ctx.repo.recordFile(ctx.importId, {
    path: part.path,
    object: spec.object,
    format: part.format,
    part: part.part,
    encoding: checked.encoding,
    declaredEncoding: part.declared?.encoding ?? null,
    bytes: checked.bytes,
    sha256: checked.sha256,
    header,
    rowsRead: tally.read,
    staged: tally.staged,
    quarantined: tally.quarantined,
    skipped: tally.skipped,
  })
}

/** The custom and undeclared columns of a file, with the accumulators their values go to. */
function watchColumns(
  ctx: StageContext,
  spec: DataFileSpec,
  validator: RowValidator,
): ReadonlyArray<readonly [string, ColumnStats]> {
  const props =
    spec.customProperties === null ? [] : (ctx.validation.properties.get(spec.customProperties) ?? [])
  const out: Array<readonly [string, ColumnStats]> = []
  for (const c of validator.columns) {
    if (c.kind !== 'custom' && c.kind !== 'unknown') continue
    const id = `${spec.object}|${c.key}`
    let observed = ctx.observed.get(id)
    if (observed === undefined) {
      observed = {
        object: spec.object,
        key: c.key,
        header: c.header,
        kind: c.kind,
        property: c.kind === 'custom' ? (props.find((p) => p.name === c.key) ?? null) : null,
        stats: newColumnStats(),
      }
      ctx.observed.set(id, observed)
    }
    out.push([c.key, observed.stats])
  }
  return out
}

/**
 * A typed-copy row while associations.csv is present (§4.7): identical to its associations.csv
 * row → skipped; same identity, other values → quarantined (associations.csv wins); no match →
 * read as an associations.csv row, with D42.
 */
function writeCopyRow(ctx: StageContext, path: string, decision: RowDecision, origin: RowOrigin): void {
  if (decision.kind === 'quarantine') {
    ctx.writer.write('associations', decision, origin, 'first-kept')
    return
  }
  const staged = ctx.repo.findStaged(ctx.importId, 'associations', decision.sourceId)
  const match =
    staged !== undefined && ctx.associationFiles.has(staged.file)
      ? staged
      : ctx.repo
          .findQuarantined(ctx.importId, 'associations', decision.sourceId)
          .find((q) => ctx.associationFiles.has(q.file))
  if (match !== undefined) {
    ctx.copyMatches.set(path, (ctx.copyMatches.get(path) ?? 0) + 1)
    if (ctx.writer.isIdentical(match, origin)) {
      ctx.writer.skip(origin)
      return
    }
    ctx.writer.quarantine(
      'associations',
      {
        kind: 'quarantine',
        reason: 'duplicate_id_conflict',
        defect: 'D42',
        message: `Same association as ${match.file} row ${match.row ?? '?'} with other values; associations.csv wins.`,
        sourceId: decision.sourceId,
      },
      origin,
    )
    return
  }
  const withWarning: RowDecision = {
    ...decision,
    issues: [...decision.issues, { code: 'D42', column: null, raw: null, reason: 'copy_without_match' }],
  }
  ctx.writer.write('associations', withWarning, origin, 'first-kept')
}
