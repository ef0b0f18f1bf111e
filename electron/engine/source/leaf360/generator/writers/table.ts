/**
 * The interface every generated data table (CSV or XLSX) implements: rows go in one at a time,
 * partitions roll over at `max_rows_per_file` (§2), and closing reports one manifest entry per part.
 */
import type { Encoding, FileFormat } from '../../spec/value-types'

/** A cell as the renderers produce it: CSV writes strings; XLSX may write numbers and dates. */
export type Cell = string | number | Date | null

/**
 * Hand-controlled row shapes for the CSV-level defects (D22, D24), which a conforming CSV library
 * cannot produce by design.
 */
export type RowMode = Readonly<{
  /** Fields appended after the row's cells (D22: all empty → normalise, else quarantine). */
  extraFields?: ReadonlyArray<string>
  /** Number of trailing cells left out (D22 too few fields). */
  dropFields?: number
  /** Cell indices written verbatim, never quoted (D24 stray quote inside an unquoted field). */
  verbatim?: ReadonlyArray<number>
  /** Cell index that opens a quote never closed (D24); must be the file's last row. */
  unterminatedAt?: number
}>

/** Where a row landed: the table's logical path, the part (1-based) and the row number (per Terms). */
export type RowRef = Readonly<{ table: string; part: number; row: number }>

/** One physical file of a table, after closing (a manifest `files` entry less `object`). */
export type PartSummary = Readonly<{
  path: string
  format: FileFormat
  encoding: Encoding | null
  rows: number
  bytes: number
  sha256: string
  part: number | null
}>

/** A data table being written. */
export interface TableWriter {
  /** Export-relative logical path (`data/contacts.csv`), whatever the format and parts. */
  readonly logicalPath: string
  readonly format: FileFormat
  /** Rows written so far, all parts. */
  readonly rowCount: number
  writeRow(cells: ReadonlyArray<Cell>, mode?: RowMode): RowRef
  drain(): Promise<void>
  /** Closes every part, renames them to their final names, and reports them. */
  close(): Promise<ReadonlyArray<PartSummary>>
}

/** The final export-relative path of a part, once the number of parts is known (§2). */
export function finalPartPath(logicalPath: string, format: FileFormat, part: number, parts: number): string {
  const base = logicalPath.replace(/\.(csv|xlsx)$/, '')
  return parts === 1 ? `${base}.${format}` : `${base}_part${part}.${format}`
}
