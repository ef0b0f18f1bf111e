/**
 * The reconciliation report (issue 6 item 4): per target table, the export's rows, what was
 * staged, quarantined, expected, loaded, failed, skipped and verified, then every mismatch
 * (record, column, expected, actual). Written as HTML, XLSX, Markdown, JSON and CSV
 * (`reconciliation.csv` per table, `mismatches.csv` every mismatch).
 */
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'csv-stringify/sync'
import type { MismatchView, ReportFile, TableReconciliation, VerifyReport } from '../../shared/dto/verify'
import type { ReportDocument, ReportNote, ReportTable } from './report-document'
import { writeReport } from './write-report'

/** Mismatch rows the HTML, XLSX and Markdown files hold; the CSV and JSON hold every one. */
export const MISMATCH_ROWS_IN_DOCUMENT = 50_000

const n = (v: number | null): number | string => (v === null ? '—' : v)

const TABLE_COLUMNS = [
  { key: 'table', label: 'Table', width: 14 },
  { key: 'mappings', label: 'Mappings', width: 26 },
  { key: 'source', label: 'Source rows' },
  { key: 'staged', label: 'Staged' },
  { key: 'quarantined', label: 'Quarantined' },
  { key: 'expected', label: 'Expected' },
  { key: 'loaded', label: 'Loaded' },
  { key: 'failed', label: 'Failed' },
  { key: 'skipped', label: 'Skipped' },
  { key: 'notLoaded', label: 'Not loaded' },
  { key: 'verified', label: 'Verified' },
  { key: 'mismatched', label: 'Records with mismatches' },
  { key: 'mismatches', label: 'Mismatches' },
  { key: 'missing', label: 'Missing' },
  { key: 'unexpected', label: 'Unexpected' },
] as const

const MISMATCH_COLUMNS = [
  { key: 'table', label: 'Table', width: 14 },
  { key: 'sourceKey', label: 'Record (source id)', width: 24 },
  { key: 'targetId', label: 'Dataverse id', width: 38 },
  { key: 'column', label: 'Column', width: 22 },
  { key: 'field', label: 'Mapping field', width: 26 },
  { key: 'reason', label: 'Kind', width: 14 },
  { key: 'expected', label: 'Expected', width: 40 },
  { key: 'actual', label: 'Actual', width: 40 },
] as const

function tablesTable(rows: ReadonlyArray<TableReconciliation>): ReportTable {
  return {
    id: 'tables',
    title: 'Reconciliation per table',
    columns: TABLE_COLUMNS,
    rows: rows.map((r) => ({
      table: r.table,
      mappings: r.mappings.join(', '),
      source: n(r.source),
      staged: n(r.staged),
      quarantined: n(r.quarantined),
      expected: r.expected,
      loaded: r.loaded,
      failed: r.failed,
      skipped: r.skipped,
      notLoaded: r.notLoaded,
      verified: r.verified,
      mismatched: r.mismatched,
      mismatches: r.mismatches,
      missing: r.missing,
      unexpected: r.unexpected,
    })),
  }
}

const mismatchRow = (m: MismatchView) => ({
  table: m.table,
  sourceKey: m.sourceKey,
  targetId: m.targetId,
  column: m.column,
  field: m.field,
  reason: m.reason,
  expected: m.expected,
  actual: m.actual,
})

/** The report as a document: headline facts, the per-table reconciliation, then the mismatches. */
export function reconciliationDocument(
  report: VerifyReport,
  mismatches: ReadonlyArray<MismatchView>,
): ReportDocument {
  const totals = report.reconciliation.reduce(
    (t, r) => ({
      expected: t.expected + r.expected,
      loaded: t.loaded + r.loaded,
      failed: t.failed + r.failed,
      verified: t.verified + r.verified,
    }),
    { expected: 0, loaded: 0, failed: 0, verified: 0 },
  )
  const notes: ReportNote[] = []
  if (report.mismatches === 0 && totals.failed === 0)
    notes.push({
      tone: 'info',
      text: 'Every loaded record read back with every mapped field as the mapping says.',
    })
  if (report.mismatches > 0)
    notes.push({
      tone: 'error',
      text: `${report.mismatches} field(s) did not read back as expected; they are listed below and in mismatches.csv.`,
    })
  if (totals.failed > 0)
    notes.push({
      tone: 'warning',
      text: `${totals.failed} record(s) failed to load; the run's error list says why. Fix them and run the migration again.`,
    })
  for (const r of report.reconciliation) {
    if (r.sharedSource)
      notes.push({
        tone: 'info',
        text: `${r.table}: ${r.sourceObjects.join(', ')} also feed other tables, so their source, staged and quarantined rows count in each.`,
      })
    if (r.notLoaded > 0)
      notes.push({
        tone: 'warning',
        text: `${r.table}: ${r.notLoaded} expected record(s) have no outcome in the run (a phase not run, or the run stopped early).`,
      })
    if (r.unexpected > 0)
      notes.push({
        tone: 'warning',
        text: `${r.table}: ${r.unexpected} record(s) in Dataverse carry a Leafbridge source id the mapping does not expect (changed mapping, or another workspace).`,
      })
  }
  const shown = mismatches.slice(0, MISMATCH_ROWS_IN_DOCUMENT)
  return {
    title: 'Reconciliation report',
    subtitle: `Run ${report.runNo} against ${report.targetUrl}`,
    generatedAt: report.finishedAt,
    facts: [
      { label: 'Run', value: `${report.runNo} (${report.runId})` },
      { label: 'Target', value: report.targetUrl },
      { label: 'Verified at', value: report.finishedAt },
      { label: 'Expected records', value: totals.expected },
      { label: 'Loaded', value: totals.loaded },
      { label: 'Failed', value: totals.failed },
      { label: 'Verified', value: totals.verified },
      { label: 'Mismatches', value: report.mismatches },
    ],
    sections: [
      {
        heading: 'Per table',
        paragraphs: [
          'Source rows are the export’s rows of the objects that feed the table; expected records are those the mapping routes to it. Loaded and failed come from the run’s journal; verified records were read back from Dataverse with every mapped field equal to the value the mapping computes.',
        ],
        notes,
        table: tablesTable(report.reconciliation),
      },
      {
        heading: 'Mismatches',
        paragraphs:
          mismatches.length > shown.length
            ? [
                `The first ${shown.length} of ${mismatches.length}; mismatches.csv and reconciliation.json hold every one.`,
              ]
            : [],
        table: {
          id: 'mismatches',
          title: 'Mismatches',
          columns: MISMATCH_COLUMNS,
          rows: shown.map(mismatchRow),
        },
      },
    ],
  }
}

/** Streams every mismatch to `mismatches.csv` (header first, CRLF, UTF-8 with a BOM like the other CSVs). */
async function writeMismatchCsv(path: string, mismatches: Iterable<MismatchView>): Promise<number> {
  const out = createWriteStream(path)
  let bytes = 0
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      bytes += Buffer.byteLength(text)
      out.write(text, (e) => (e ? reject(e) : resolve()))
    })
  const line = (cells: ReadonlyArray<string>) =>
    stringify([cells as string[]], { record_delimiter: '\r\n', quoted_match: /^[=+\-@]/ })
  await write('\ufeff' + line(MISMATCH_COLUMNS.map((c) => c.label)))
  for (const m of mismatches) {
    const row = mismatchRow(m)
    await write(line(MISMATCH_COLUMNS.map((c) => String(row[c.key] ?? ''))))
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
  return bytes
}

/**
 * Writes the reconciliation report into `dir`: `reconciliation.{html,xlsx,md,csv,json}` and
 * `mismatches.csv`. `mismatches` is read twice (documents, then the CSV), so pass a re-iterable.
 */
export async function writeReconciliationReports(
  dir: string,
  report: VerifyReport,
  mismatches: () => Iterable<MismatchView>,
): Promise<ReadonlyArray<ReportFile>> {
  const all = [...mismatches()]
  const doc = reconciliationDocument(report, all)
  const { files: _files, sample: _sample, ...rest } = report
  const written = await writeReport(dir, 'reconciliation', doc, {
    formats: ['html', 'xlsx', 'md', 'csv', 'json'],
    csvTable: 'tables',
    json: { ...rest, mismatchList: all },
  })
  const csv = join(dir, 'mismatches.csv')
  const bytes = await writeMismatchCsv(csv, mismatches())
  return [
    ...written.map((w) => ({ report: 'reconciliation', format: w.format, path: w.path, bytes: w.bytes })),
    { report: 'mismatches', format: 'csv', path: csv, bytes },
  ]
}
