/**
 * Writes a report to a folder in the formats asked for, under one base name
 * (`schema-plan.md`, `schema-plan.html`, …), and says which files it wrote.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AppError } from '../errors'
import { renderCsv } from './csv-writer'
import { renderHtml } from './html-writer'
import { renderMarkdown } from './markdown-writer'
import { type ReportDocument, tablesOf } from './report-document'
import { renderXlsx } from './xlsx-writer'

/** The formats a report can be written in. */
export const REPORT_FORMATS = ['md', 'html', 'xlsx', 'csv', 'json'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

/** One file written. */
export type WrittenFile = Readonly<{ format: ReportFormat; path: string; bytes: number }>

export type WriteReportOptions = Readonly<{
  formats: ReadonlyArray<ReportFormat>
  /** The JSON document to write (a report's own structured data); the report itself when absent. */
  json?: unknown
  /** The table the CSV holds (by id); the first table when absent. */
  csvTable?: string
}>

/** Writes `doc` into `dir` (created when missing) as `<baseName>.<format>` for each format. */
export async function writeReport(
  dir: string,
  baseName: string,
  doc: ReportDocument,
  options: WriteReportOptions,
): Promise<ReadonlyArray<WrittenFile>> {
  try {
    mkdirSync(dir, { recursive: true })
  } catch (error) {
    throw new AppError(
      {
        code: 'report-folder-unwritable',
        kind: 'fatal',
        message: `Cannot create the report folder ${dir}: ${error instanceof Error ? error.message : String(error)}. Choose a folder you can write to.`,
      },
      { cause: error },
    )
  }
  const written: WrittenFile[] = []
  const put = (format: ReportFormat, data: string | Buffer) => {
    const path = join(dir, `${baseName}.${format}`)
    writeFileSync(path, data)
    written.push({ format, path, bytes: Buffer.byteLength(data) })
  }
  for (const format of options.formats) {
    switch (format) {
      case 'md':
        put('md', renderMarkdown(doc))
        break
      case 'html':
        put('html', renderHtml(doc))
        break
      case 'xlsx':
        put('xlsx', await renderXlsx(doc))
        break
      case 'csv': {
        const tables = tablesOf(doc)
        const table = tables.find((t) => t.id === options.csvTable) ?? tables[0]
        if (table) put('csv', renderCsv(table))
        break
      }
      case 'json':
        put('json', JSON.stringify(options.json ?? doc, null, 2) + '\n')
        break
    }
  }
  return written
}
