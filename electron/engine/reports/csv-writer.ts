/**
 * Renders one report table as CSV (RFC 4180, CRLF, UTF-8 with a BOM so spreadsheet programs read
 * non-ASCII names correctly).
 */
import { stringify } from 'csv-stringify/sync'
import { type ReportTable, cellText } from './report-document'

/** The table as CSV text, header first. */
export function renderCsv(table: ReportTable): string {
  const rows = table.rows.map((r) => table.columns.map((c) => cellText(r[c.key] ?? null)))
  return (
    '\ufeff' +
    stringify([table.columns.map((c) => c.label), ...rows], {
      record_delimiter: '\r\n',
      quoted_match: /^[=+\-@]/,
    })
  )
}
