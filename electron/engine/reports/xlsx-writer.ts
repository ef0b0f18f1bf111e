/**
 * Renders a report as an XLSX workbook: a Summary sheet (title, facts, notes), then one sheet per
 * table with a bold frozen header and an auto filter.
 */
import ExcelJS from 'exceljs'
import { type ReportDocument, type ReportTable, tablesOf } from './report-document'

/** Excel's sheet-name rules: ≤ 31 characters, none of []:*?/\ , unique in the workbook. */
function sheetName(title: string, taken: Set<string>): string {
  const base =
    title
      .replace(/[[\]:*?/\\]/g, ' ')
      .slice(0, 31)
      .trim() || 'Sheet'
  let name = base
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base.slice(0, 27)} (${i})`
  taken.add(name.toLowerCase())
  return name
}

function addTable(book: ExcelJS.Workbook, t: ReportTable, taken: Set<string>): void {
  const sheet = book.addWorksheet(sheetName(t.title, taken), { views: [{ state: 'frozen', ySplit: 1 }] })
  sheet.columns = t.columns.map((c) => ({
    header: c.label,
    key: c.key,
    width: c.width ?? Math.min(60, Math.max(10, c.label.length + 2)),
  }))
  sheet.getRow(1).font = { bold: true }
  for (const r of t.rows) sheet.addRow(Object.fromEntries(t.columns.map((c) => [c.key, r[c.key] ?? null])))
  if (t.rows.length > 0 && t.columns.length > 0)
    sheet.autoFilter = {
      from: { row: 1, column: 1 },
      to: { row: 1 + t.rows.length, column: t.columns.length },
    }
}

/** The report as XLSX bytes. */
export async function renderXlsx(doc: ReportDocument): Promise<Buffer> {
  const book = new ExcelJS.Workbook()
  book.creator = 'Leafbridge'
  book.created = new Date(doc.generatedAt)
  const taken = new Set<string>()
  const summary = book.addWorksheet(sheetName('Summary', taken))
  summary.columns = [{ width: 34 }, { width: 100 }]
  summary.addRow([doc.title]).font = { bold: true, size: 14 }
  if (doc.subtitle) summary.addRow([doc.subtitle])
  summary.addRow(['Generated', doc.generatedAt])
  for (const f of doc.facts) summary.addRow([f.label, f.value])
  for (const s of doc.sections) {
    const notes = s.notes ?? []
    if (notes.length === 0 && !(s.paragraphs && s.paragraphs.length > 0)) continue
    summary.addRow([])
    summary.addRow([s.heading]).font = { bold: true }
    for (const p of s.paragraphs ?? []) summary.addRow(['', p])
    for (const n of notes) summary.addRow([n.tone, n.text])
  }
  for (const t of tablesOf(doc)) addTable(book, t, taken)
  return Buffer.from(await book.xlsx.writeBuffer())
}
