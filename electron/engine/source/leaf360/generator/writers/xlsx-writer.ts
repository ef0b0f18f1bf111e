/**
 * XLSX tables for the ui flavour (§7: contacts, companies, deals and activities may be XLSX), written
 * with exceljs's streaming WorkbookWriter: one sheet, header in row 1, rows committed as they come.
 *
 * Determinism: exceljs stamps the zip entries and docProps/core.xml with the current time. The core
 * properties take a fixed `created`; the zip entry dates are pinned by wrapping the archiver's
 * `append` in `addThemes`, the first thing the WorkbookWriter constructor does with its zip (exceljs
 * 4.4 `lib/stream/xlsx/workbook-writer.js`). Archiver writes UTC DOS times, so a fixed UTC date gives
 * the same bytes on every machine.
 */
import { renameSync } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import ExcelJS from 'exceljs'
import { XLSX_MAX_DATA_ROWS } from '../../spec/value-types'
import { FileSink, HashSink, type ByteSink } from './sink'
import { finalPartPath, type Cell, type PartSummary, type RowRef, type TableWriter } from './table'

/** The fixed timestamp of every XLSX zip entry and core property (2020-01-01T00:00:00Z). */
export const XLSX_FIXED_DATE = new Date(Date.UTC(2020, 0, 1))

/** Number formats of typed XLSX cells (§7 values). */
export const XLSX_FORMATS = {
  datetime: 'mm/dd/yyyy hh:mm AM/PM',
  date: 'mm/dd/yyyy',
  money: '"$"#,##0.00',
} as const

type ZipLike = { append: (source: unknown, data: Record<string, unknown>) => unknown }
type WorkbookWriterLike = {
  zip: ZipLike
  addWorksheet: (name: string) => WorksheetLike
  commit: () => Promise<void>
}
type RowLike = { commit: () => void; getCell: (index: number) => { numFmt: string } }
type WorksheetLike = { addRow: (values: ReadonlyArray<unknown>) => RowLike; commit: () => void }

const Base = ExcelJS.stream.xlsx.WorkbookWriter as unknown as new (
  options: Record<string, unknown>,
) => WorkbookWriterLike

/** A WorkbookWriter whose zip entries all carry `XLSX_FIXED_DATE`. */
class PinnedWorkbookWriter extends Base {
  addThemes(): unknown {
    const zip = this.zip
    const append = zip.append.bind(zip)
    zip.append = (source, data) => append(source, { ...data, date: XLSX_FIXED_DATE })
    return (Base.prototype as unknown as { addThemes: () => unknown }).addThemes.call(this)
  }
}

/** A cell's number format by column, for numbers and dates (`null`: none). */
export type XlsxColumnFormat = keyof typeof XLSX_FORMATS | null

/** Options of one XLSX table. */
export type XlsxTableOptions = Readonly<{
  root: string | null
  logicalPath: string
  sheetName: string
  header: ReadonlyArray<string>
  formats: ReadonlyArray<XlsxColumnFormat>
  maxRows: number
}>

type OpenPart = {
  sink: ByteSink
  workbook: WorkbookWriterLike
  sheet: WorksheetLike
  finished: Promise<unknown>
  rows: number
  tempPath: string
}

/** Writes one XLSX table, partitioned at min(maxRows, 1,048,575) rows per file (§2). */
export class XlsxTableWriter implements TableWriter {
  readonly logicalPath: string
  readonly format = 'xlsx' as const
  readonly #options: XlsxTableOptions
  readonly #maxRows: number
  readonly #closed: Array<{
    done: Promise<{ bytes: number; sha256: string }>
    rows: number
    tempPath: string
  }> = []
  #current: OpenPart
  #rowCount = 0

  constructor(options: XlsxTableOptions) {
    this.#options = options
    this.logicalPath = options.logicalPath.replace(/\.csv$/, '.xlsx')
    this.#maxRows = Math.min(options.maxRows, XLSX_MAX_DATA_ROWS)
    this.#current = this.#openPart(1)
  }

  get rowCount(): number {
    return this.#rowCount
  }

  #openPart(part: number): OpenPart {
    const tempPath = `${this.logicalPath}.part${part}.tmp`
    const sink =
      this.#options.root === null ? new HashSink() : new FileSink(join(this.#options.root, tempPath))
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        sink.write(chunk)
        sink.drain().then(() => callback(), callback)
      },
    })
    const workbook = new PinnedWorkbookWriter({
      stream,
      useStyles: true,
      useSharedStrings: false,
      created: XLSX_FIXED_DATE,
      modified: XLSX_FIXED_DATE,
      creator: 'Leaf360',
      lastModifiedBy: 'Leaf360',
    })
    const sheet = workbook.addWorksheet(this.#options.sheetName)
    sheet.addRow([...this.#options.header]).commit()
    return { sink, workbook, sheet, finished: once(stream, 'finish'), rows: 0, tempPath }
  }

  async #finishPart(part: OpenPart): Promise<{ bytes: number; sha256: string }> {
    part.sheet.commit()
    await part.workbook.commit()
    await part.finished
    return part.sink.close()
  }

  writeRow(cells: ReadonlyArray<Cell>): RowRef {
    if (this.#current.rows >= this.#maxRows) {
      this.#closed.push({
        done: this.#finishPart(this.#current),
        rows: this.#current.rows,
        tempPath: this.#current.tempPath,
      })
      this.#current = this.#openPart(this.#closed.length + 1)
    }
    const row = this.#current.sheet.addRow(cells.map((c) => (c === null ? null : c)))
    cells.forEach((cell, index) => {
      const format = this.#options.formats[index]
      if (format !== null && format !== undefined && (typeof cell === 'number' || cell instanceof Date)) {
        row.getCell(index + 1).numFmt = XLSX_FORMATS[format]
      }
    })
    row.commit()
    this.#current.rows += 1
    this.#rowCount += 1
    return { table: this.logicalPath, part: this.#closed.length + 1, row: this.#current.rows }
  }

  async drain(): Promise<void> {
    // exceljs buffers committed rows until its archiver reads them; yielding lets it catch up.
    if (this.#current.rows % 512 === 0) await new Promise((resolve) => setImmediate(resolve))
    await this.#current.sink.drain()
  }

  async close(): Promise<ReadonlyArray<PartSummary>> {
    const parts = [
      ...this.#closed,
      { done: this.#finishPart(this.#current), rows: this.#current.rows, tempPath: this.#current.tempPath },
    ]
    const summaries: PartSummary[] = []
    for (const [index, part] of parts.entries()) {
      const { bytes, sha256 } = await part.done
      const path = finalPartPath(this.logicalPath, 'xlsx', index + 1, parts.length)
      if (this.#options.root !== null)
        renameSync(join(this.#options.root, part.tempPath), join(this.#options.root, path))
      summaries.push({
        path,
        format: 'xlsx',
        encoding: null,
        rows: part.rows,
        bytes,
        sha256,
        part: parts.length === 1 ? null : index + 1,
      })
    }
    return summaries
  }
}
