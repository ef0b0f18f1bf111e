/**
 * Streams the records of one physical CSV or XLSX file in batches: CSV decoded per its detected
 * encoding (D07) and parsed by CsvRecordParser; XLSX with exceljs's streaming reader, one sheet,
 * header in row 1 (§7). Only the records of one chunk are held at a time.
 */
import type { Readable } from 'node:stream'
import { CsvRecordParser, type CsvRecord } from './csv-records'
import { decodeChunks, type TextEncoding } from './encoding'

/** One record: CSV fields are strings; XLSX cells are exceljs values, converted by the caller. */
export type TabularRow = Readonly<{
  cells: ReadonlyArray<unknown>
  line: number
  /** The record's text (CSV); null for XLSX, where the caller writes it from the converted cells. */
  raw: string | null
  strayQuote: boolean
  malformed: boolean
}>

/** Batches of records; the first record of the file is its header. */
export type TabularStream = AsyncGenerator<ReadonlyArray<TabularRow>>

const fromCsv = (r: CsvRecord): TabularRow => ({
  cells: r.fields,
  line: r.line,
  raw: r.raw,
  strayQuote: r.strayQuote,
  malformed: r.malformed,
})

/** Reads a CSV byte stream decoded as `encoding`. */
export async function* readCsv(bytes: Readable, encoding: TextEncoding): TabularStream {
  let batch: TabularRow[] = []
  const parser = new CsvRecordParser((r) => batch.push(fromCsv(r)))
  try {
    for await (const text of decodeChunks(bytes, encoding)) {
      parser.push(text)
      if (batch.length > 0) {
        const out = batch
        batch = []
        yield out
      }
    }
    parser.end()
    if (batch.length > 0) yield batch
  } finally {
    bytes.destroy()
  }
}

/** Reads the first sheet of an XLSX byte stream; row numbers are the sheet's. */
export async function* readXlsx(bytes: Readable): TabularStream {
  // Loaded on first use: exceljs takes a few hundred ms to load, and most exports have no XLSX
  // (a staging worker would pay it at every start).
  const { default: ExcelJS } = await import('exceljs')
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(bytes, {
    entries: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    worksheets: 'emit',
  })
  let sheets = 0
  try {
    for await (const sheet of workbook) {
      sheets++
      if (sheets > 1) {
        // §7: one sheet; a second is not read (the caller reports nothing lost: it holds no export rows).
        continue
      }
      let batch: TabularRow[] = []
      for await (const row of sheet) {
        const values = row.values as unknown[]
        // exceljs rows are 1-based sparse arrays.
        const cells: unknown[] = []
        for (let i = 1; i < values.length; i++) cells.push(values[i] ?? null)
        batch.push({ cells, line: row.number, raw: null, strayQuote: false, malformed: false })
        if (batch.length >= 500) {
          yield batch
          batch = []
        }
      }
      if (batch.length > 0) yield batch
    }
  } finally {
    bytes.destroy()
  }
}

const pad2 = (n: number) => String(n).padStart(2, '0')

/**
 * The text of an XLSX cell as the ui flavour writes it: numbers without exponent (ids, ZIPs and
 * phones stay integers, §7), dates as wall-clock `MM/DD/YYYY hh:mm AM/PM` (exceljs gives the
 * serial's wall-clock time in UTC fields), booleans as Yes/No.
 */
export function xlsxCellText(value: unknown, kind: 'date' | 'datetime' | 'other'): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Number.isSafeInteger(value)) return String(value)
    if (Number.isInteger(value)) return BigInt(value).toString()
    return String(value)
  }
  if (typeof value === 'boolean') return value ? 'Yes' : 'No'
  if (value instanceof Date) {
    const date = `${pad2(value.getUTCMonth() + 1)}/${pad2(value.getUTCDate())}/${value.getUTCFullYear()}`
    if (kind === 'date') return date
    const h = value.getUTCHours()
    const m = value.getUTCMinutes()
    const s = value.getUTCSeconds()
    const h12 = h % 12 === 0 ? 12 : h % 12
    const seconds = s === 0 ? '' : `:${pad2(s)}`
    return `${date} ${pad2(h12)}:${pad2(m)}${seconds} ${h < 12 ? 'AM' : 'PM'}`
  }
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>
    if (Array.isArray(v['richText'])) {
      return (v['richText'] as Array<{ text?: unknown }>).map((t) => String(t.text ?? '')).join('')
    }
    if ('result' in v) return xlsxCellText(v['result'], kind)
    if ('text' in v) return xlsxCellText(v['text'], kind)
    if ('error' in v) return ''
  }
  return String(value)
}

/** CSV text of one record (quoted where RFC 4180 requires), for the raw text of XLSX rows. */
export function csvLine(fields: ReadonlyArray<string>): string {
  return fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')
}
