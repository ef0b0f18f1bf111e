/**
 * Writes `_truth/defects.jsonl` (§10). Lines are known before the file part they land in has its final
 * name (a table is split only once it outgrows `max_rows_per_file`), so they are spooled with their
 * table and part and resolved when the tables close.
 */
import { createReadStream, rmSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { defectVariant, type DefectId } from '../spec/defects'
import type { DefectLine } from '../spec/truth'
import { FileSink } from './writers/sink'
import { finalPartPath, type RowRef } from './writers/table'
import type { FileFormat } from '../spec/value-types'

/** A truth line before its file and row are known. */
export type PendingLine = Readonly<{
  defectId: DefectId
  variant: string
  column: string | null
  cleanValue: string | null
  dirtyValue?: string | null
  recordId?: string
  canonicalId?: string
  group?: string
}>

/** Counts of injected defects by id. */
export type DefectCounts = Record<string, number>

/** Spools and resolves `_truth/defects.jsonl`. */
export class TruthWriter {
  readonly #spool: FileSink
  readonly #spoolPath: string
  readonly #finalPath: string
  readonly #counts: DefectCounts = {}
  readonly #variants: Record<string, number> = {}
  #lines = 0

  constructor(root: string) {
    this.#spoolPath = join(root, '_truth', 'defects.jsonl.spool')
    this.#finalPath = join(root, '_truth', 'defects.jsonl')
    this.#spool = new FileSink(this.#spoolPath)
  }

  /** Lines injected so far by defect id. */
  get counts(): Readonly<DefectCounts> {
    return this.#counts
  }

  /** Lines by `Dxx/variant`. */
  get variantCounts(): Readonly<Record<string, number>> {
    return this.#variants
  }

  /** Records lines of a row that landed at `ref` (a table row) or of a whole file (`ref` = path, row null). */
  add(lines: ReadonlyArray<PendingLine>, ref: RowRef | { path: string; row: number | null }): void {
    for (const line of lines) {
      const spec = defectVariant(line.defectId, line.variant)
      const record: Omit<DefectLine, 'file'> = {
        defect_id: line.defectId,
        row: 'table' in ref ? ref.row : ref.row,
        column: line.column,
        clean_value: line.cleanValue,
        ...(line.recordId !== undefined ? { record_id: line.recordId } : {}),
        ...(line.dirtyValue !== undefined ? { dirty_value: line.dirtyValue } : {}),
        ...(spec?.expect != null ? { expect: spec.expect } : {}),
        ...(spec?.reason != null ? { reason: spec.reason } : {}),
        ...(line.canonicalId !== undefined ? { canonical_id: line.canonicalId } : {}),
        ...(line.group !== undefined ? { group: line.group } : {}),
        variant: line.variant,
      }
      const key = 'table' in ref ? `T${ref.table}\t${ref.part}` : `P${ref.path}\t0`
      this.#spool.writeText(`${key}\t${JSON.stringify(record)}\n`, 'utf-8')
      this.#counts[line.defectId] = (this.#counts[line.defectId] ?? 0) + 1
      const v = `${line.defectId}/${line.variant}`
      this.#variants[v] = (this.#variants[v] ?? 0) + 1
      this.#lines++
    }
  }

  async drain(): Promise<void> {
    await this.#spool.drain()
  }

  /**
   * Resolves every line's file once the tables are closed: `parts` gives each table's part count and
   * format. Writes defects.jsonl with `file` as the first key (§10 order).
   */
  async finish(
    parts: ReadonlyMap<string, Readonly<{ parts: number; format: FileFormat }>>,
  ): Promise<{ lines: number; bytes: number }> {
    await this.#spool.close()
    const out = new FileSink(this.#finalPath)
    const reader = createInterface({ input: createReadStream(this.#spoolPath, 'utf8'), crlfDelay: Infinity })
    for await (const line of reader) {
      const [key = '', part = '0', json = '{}'] = line.split('\t')
      const kind = key.charAt(0)
      const name = key.slice(1)
      let file = name
      if (kind === 'T') {
        const info = parts.get(name)
        file = info === undefined ? name : finalPartPath(name, info.format, Number(part), info.parts)
      }
      out.writeText(
        `{"defect_id":${json.slice(json.indexOf(':') + 1, json.indexOf(','))},"file":${JSON.stringify(file)},${json.slice(json.indexOf(',') + 1)}\n`,
        'utf-8',
      )
      await out.drain()
    }
    const summary = await out.close()
    rmSync(this.#spoolPath)
    return { lines: this.#lines, bytes: summary.bytes }
  }
}
