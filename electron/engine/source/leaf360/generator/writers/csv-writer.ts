/**
 * A hand-controlled CSV writer (RFC 4180, §5 dialect).
 *
 * csv-stringify is not used: the generator must also write what a conforming writer never would —
 * wrong field counts (D22), stray and unterminated quotes (D24) — byte for byte under its control,
 * and count rows per partition for the truth file. The clean path is plain RFC 4180: a field with
 * `,`, `"`, CR or LF is quoted, quotes doubled.
 */
import { renameSync } from 'node:fs'
import { join } from 'node:path'
import type { Encoding } from '../../spec/value-types'
import { UTF8_BOM } from './encoding'
import { FileSink, HashSink, type ByteSink } from './sink'
import {
  finalPartPath,
  type Cell,
  type PartSummary,
  type RowMode,
  type RowRef,
  type TableWriter,
} from './table'

const NEEDS_QUOTES = /[",\r\n]/

/** Quotes a field if RFC 4180 requires it. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

const cellText = (cell: Cell): string =>
  cell === null
    ? ''
    : typeof cell === 'string'
      ? cell
      : cell instanceof Date
        ? cell.toISOString()
        : String(cell)

/** Options of one CSV table. */
export type CsvTableOptions = Readonly<{
  /** Export root on disk; null hashes without writing (delta verification). */
  root: string | null
  logicalPath: string
  header: ReadonlyArray<string>
  encoding: Encoding
  lineEnding: '\n' | '\r\n'
  maxRows: number
}>

type OpenPart = { sink: ByteSink; rows: number; tempPath: string }

/** Writes one CSV table, partitioned at `maxRows` rows per file. */
export class CsvTableWriter implements TableWriter {
  readonly logicalPath: string
  readonly format = 'csv' as const
  readonly #options: CsvTableOptions
  readonly #closedParts: Array<{
    summary: Promise<{ bytes: number; sha256: string }>
    rows: number
    tempPath: string
  }> = []
  #current: OpenPart
  #rowCount = 0

  constructor(options: CsvTableOptions) {
    this.#options = options
    this.logicalPath = options.logicalPath
    this.#current = this.#openPart(1)
  }

  get rowCount(): number {
    return this.#rowCount
  }

  #openPart(part: number): OpenPart {
    // Parts are written under a temporary suffixed name and renamed once the count is known (§2:
    // a split file has only suffixed parts, an unsplit one only the plain name).
    const tempPath = `${this.logicalPath}.part${part}.tmp`
    const sink =
      this.#options.root === null ? new HashSink() : new FileSink(join(this.#options.root, tempPath))
    if (this.#options.encoding === 'utf-8-bom') sink.write(UTF8_BOM)
    sink.writeText(
      this.#options.header.map(csvField).join(',') + this.#options.lineEnding,
      this.#options.encoding,
    )
    return { sink, rows: 0, tempPath }
  }

  writeRow(cells: ReadonlyArray<Cell>, mode?: RowMode): RowRef {
    if (this.#current.rows >= this.#options.maxRows) {
      this.#closedParts.push({
        summary: this.#current.sink.close(),
        rows: this.#current.rows,
        tempPath: this.#current.tempPath,
      })
      this.#current = this.#openPart(this.#closedParts.length + 1)
    }
    const kept = mode?.dropFields ? cells.slice(0, Math.max(1, cells.length - mode.dropFields)) : cells
    const fields = kept.map((cell, index) => {
      const text = cellText(cell)
      if (mode?.unterminatedAt === index) return `"${text}`
      if (mode?.verbatim?.includes(index)) return text
      return csvField(text)
    })
    if (mode?.unterminatedAt !== undefined) fields.splice(mode.unterminatedAt + 1)
    if (mode?.extraFields) fields.push(...mode.extraFields)
    this.#current.sink.writeText(fields.join(',') + this.#options.lineEnding, this.#options.encoding)
    this.#current.rows += 1
    this.#rowCount += 1
    return { table: this.logicalPath, part: this.#closedParts.length + 1, row: this.#current.rows }
  }

  async drain(): Promise<void> {
    await this.#current.sink.drain()
  }

  async close(): Promise<ReadonlyArray<PartSummary>> {
    const parts = [
      ...this.#closedParts,
      { summary: this.#current.sink.close(), rows: this.#current.rows, tempPath: this.#current.tempPath },
    ]
    const summaries: PartSummary[] = []
    for (const [index, part] of parts.entries()) {
      const { bytes, sha256 } = await part.summary
      const path = finalPartPath(this.logicalPath, 'csv', index + 1, parts.length)
      if (this.#options.root !== null)
        renameSync(join(this.#options.root, part.tempPath), join(this.#options.root, path))
      summaries.push({
        path,
        format: 'csv',
        encoding: this.#options.encoding,
        rows: part.rows,
        bytes,
        sha256,
        part: parts.length === 1 ? null : index + 1,
      })
    }
    return summaries
  }
}
