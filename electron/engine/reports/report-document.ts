/**
 * A report as data: a title, a few headline facts, and sections of prose, notes and tables. Every
 * report Leafbridge writes for the operator (schema plan, owners preflight, workflow reference,
 * audit) is built as one of these, then rendered by the writers beside this file, so Markdown,
 * HTML, XLSX, CSV and JSON always say the same thing.
 */

/** One cell: text, a number, a yes/no, or empty. */
export type ReportCell = string | number | boolean | null

/** A table column; `key` indexes the row objects. */
export type ReportColumn = Readonly<{ key: string; label: string; width?: number }>

/** A table with a stable id (the CSV writer and the XLSX sheet names use it). */
export type ReportTable = Readonly<{
  id: string
  title: string
  columns: ReadonlyArray<ReportColumn>
  rows: ReadonlyArray<Readonly<Record<string, ReportCell>>>
}>

/** A note that stands out: a warning, an error or plain information. */
export type ReportNote = Readonly<{ tone: 'info' | 'warning' | 'error'; text: string }>

/** A section: a heading, then prose, notes, a preformatted block and a table, each optional. */
export type ReportSection = Readonly<{
  heading: string
  paragraphs?: ReadonlyArray<string>
  notes?: ReadonlyArray<ReportNote>
  /** Preformatted text (an XML definition, a JSON excerpt), shown as is. */
  code?: Readonly<{ language: string; text: string }>
  table?: ReportTable
}>

/** The whole report. `generatedAt` is ISO-8601 UTC. */
export type ReportDocument = Readonly<{
  title: string
  subtitle?: string
  generatedAt: string
  facts: ReadonlyArray<Readonly<{ label: string; value: string | number }>>
  sections: ReadonlyArray<ReportSection>
}>

/** Every table of the report, in order. */
export const tablesOf = (doc: ReportDocument): ReadonlyArray<ReportTable> =>
  doc.sections.flatMap((s) => (s.table ? [s.table] : []))

/** A cell as display text (yes/no for booleans, empty for null). */
export function cellText(value: ReportCell): string {
  if (value === null) return ''
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  return String(value)
}
