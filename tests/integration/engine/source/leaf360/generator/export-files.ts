/**
 * Test helpers that read a generated export back with real parsers: an RFC 4180 record counter,
 * exceljs for XLSX, csv-parse for rows, and the `_truth/` files.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { parse } from 'csv-parse/sync'
import { CP1252_DECODE } from '../../../../../../electron/engine/source/leaf360/generator/writers/encoding'
import {
  defectLineSchema,
  type DefectLine,
} from '../../../../../../electron/engine/source/leaf360/spec/truth'
import {
  manifestFileSchema,
  manifestSchema,
  type Manifest,
} from '../../../../../../electron/engine/source/leaf360/spec/manifest'

/** Logical CSV records after the header (§ Terms): quoted fields may span lines; an unterminated quote ends the file. */
export function countCsvRecords(bytes: Buffer): number {
  let records = 0
  let inQuotes = false
  let fieldStart = true
  let lineHasContent = false
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (inQuotes) {
      if (b === 0x22) {
        if (bytes[i + 1] === 0x22) i++
        else inQuotes = false
      }
      continue
    }
    if (b === 0x22 && fieldStart) {
      inQuotes = true
      fieldStart = false
      lineHasContent = true
    } else if (b === 0x0a || b === 0x0d) {
      if (b === 0x0d && bytes[i + 1] === 0x0a) i++
      if (lineHasContent) records++
      lineHasContent = false
      fieldStart = true
    } else {
      lineHasContent = true
      fieldStart = b === 0x2c
    }
  }
  if (lineHasContent || inQuotes) records++
  return records - 1
}

/** Data rows of the single sheet of an XLSX file (header excluded). */
export async function countXlsxRows(path: string): Promise<number> {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.readFile(path)
  const sheet = workbook.worksheets[0]
  return sheet === undefined ? 0 : sheet.actualRowCount - 1
}

/** The first sheet's rows as arrays of cell values. */
export async function xlsxRows(path: string): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.readFile(path)
  const rows: unknown[][] = []
  workbook.worksheets[0]?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
  return rows
}

/** Parses a well-formed CSV (UTF-8 or Windows-1252) into objects keyed by header. */
export function csvObjects(
  path: string,
  encoding: 'utf-8' | 'windows-1252' = 'utf-8',
): Array<Record<string, string>> {
  const bytes = readFileSync(path)
  const text =
    // Node 20's TextDecoder('windows-1252') is Latin-1 in 0x80–0x9F, so decode by the table.
    encoding === 'windows-1252'
      ? [...bytes].map((b) => String.fromCharCode(CP1252_DECODE.get(b) ?? b)).join('')
      : bytes.toString('utf8')
  return parse(text, {
    columns: true,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  }) as Array<Record<string, string>>
}

/**
 * The manifest, each files entry validated by the spec's schema. Keys are not: a dirty export holds
 * one invalid key on purpose (D31 key-invalid); `strict` checks the whole document.
 */
export function readManifest(root: string, strict = false): Manifest {
  const raw = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as Manifest
  if (strict) return manifestSchema.parse(raw)
  for (const f of raw.files) manifestFileSchema.parse(f)
  return raw
}

/** Every line of `_truth/defects.jsonl`, validated by the spec's schema. */
export function readDefects(root: string): DefectLine[] {
  return readFileSync(join(root, '_truth', 'defects.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => defectLineSchema.parse(JSON.parse(l)))
}

/** sha256 of a file. */
export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}
