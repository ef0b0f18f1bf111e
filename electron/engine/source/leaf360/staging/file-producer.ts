/**
 * The reading half of staging a data file: bytes checked against the manifest (D31), encoding
 * decided (D07), header compiled into a validator (D43), every row validated, attachments'
 * binaries streamed (D12–D14, D36), and each decision serialised for the writer (values JSON,
 * content hash, warnings JSON). It never touches the workspace, so it can run in a worker thread
 * while the main thread writes (see producer-pool.ts).
 */
import { hash } from 'node:crypto'
import { CancelledError } from '../../../errors'
import { decideEncoding, scanBytes, type TextEncoding } from '../reader/encoding'
import type { ExportSource } from '../reader/export-source'
import type { PlannedPart } from '../reader/export-layout'
import { csvLine, readCsv, readXlsx, xlsxCellText, type TabularStream } from '../reader/tabular'
import { DATA_FILES, type DataObject } from '../spec'
import { compileRowValidator, type RowDecision, type RowValidator } from '../validate/row-validator'
import type { ValidationContext } from '../validate/validation-context'
import { newColumnStats, observe, type ColumnStats } from '../profile/column-stats'
import { checkAttachment } from './attachments'
import { FindingsTally } from './findings'
import { FACT_KEYS, factValue } from './source-facts'

/** One data file to produce, as the main thread hands it over (structured-cloneable). */
export type ProduceTask = Readonly<{
  object: DataObject
  parts: ReadonlyArray<PlannedPart>
  validation: ValidationContext
}>

/** Rows of one batch, column-wise (cheap to pass between threads). */
export type RowBatch = {
  path: string
  /** 0: stage, 1: quarantine. */
  kind: number[]
  row: number[]
  line: number[]
  raw: string[]
  sourceId: Array<string | null>
  data: Array<string | null>
  hash: Array<string | null>
  warnings: Array<string | null>
  archived: number[]
  updatedAt: Array<string | null>
  /** Flat [column, target, id, …] per row. */
  refs: Array<string[] | null>
  /** Flat [kind, key, …] per row. */
  keys: Array<string[] | null>
  reason: Array<string | null>
  defect: Array<string | null>
  message: Array<string | null>
  /** The FACT_KEYS values of a staged row (source-facts.ts), else null. */
  facts: Array<Array<string | null> | null>
}

/** A custom or undeclared column's observed values (custom fields inventory). */
export type ObservedStats = Readonly<{
  key: string
  header: string
  kind: 'custom' | 'unknown'
  stats: ColumnStats
}>

/** What the producer tells the writer, in order. */
export type ProducerMessage =
  | Readonly<{
      t: 'finding'
      code: string | null
      file: string
      reason: string
      message: string
      column: string | null
    }>
  | Readonly<{ t: 'part-start'; path: string; header: ReadonlyArray<string> | null; format: 'csv' | 'xlsx' }>
  | Readonly<{ t: 'rows'; batch: RowBatch }>
  | Readonly<{
      t: 'part-end'
      path: string
      rows: number
      header: ReadonlyArray<string> | null
      encoding: TextEncoding | null
      bytes: number
      sha256: string
    }>
  | Readonly<{
      t: 'file-end'
      observed: ReadonlyArray<ObservedStats>
      /** Warning findings of staged rows, counted where they were found. */
      tally: SerializedTally
    }>

/** A FindingsTally as plain data. */
export type SerializedTally = Readonly<{
  counts: Array<[string, number]>
  reasons: Array<[string, Array<[string, number]>]>
  examples: Array<[string, ReturnType<FindingsTally['examples']['get']>]>
}>

/** Turns a tally into plain data. */
export const serializeTally = (t: FindingsTally): SerializedTally => ({
  counts: [...t.counts],
  reasons: [...t.reasons].map(([code, m]) => [code, [...m]]),
  examples: [...t.examples],
})

/** Adds a serialized tally's findings to `into`. */
export function mergeTally(into: FindingsTally, from: SerializedTally): void {
  for (const [code, n] of from.counts) into.counts.set(code, (into.counts.get(code) ?? 0) + n)
  for (const [code, pairs] of from.reasons) {
    const m = into.reasons.get(code) ?? new Map<string, number>()
    for (const [reason, n] of pairs) m.set(reason, (m.get(reason) ?? 0) + n)
    into.reasons.set(code, m)
  }
  for (const [code, list] of from.examples) {
    const mine = into.examples.get(code) ?? []
    for (const e of list ?? []) if (mine.length < 5) mine.push(e)
    into.examples.set(code, mine)
  }
}

const BATCH_ROWS = 500

const newBatch = (path: string): RowBatch => ({
  path,
  kind: [],
  row: [],
  line: [],
  raw: [],
  sourceId: [],
  data: [],
  hash: [],
  warnings: [],
  archived: [],
  updatedAt: [],
  refs: [],
  keys: [],
  reason: [],
  defect: [],
  message: [],
  facts: [],
})

/** Appends one decision to a batch, serialising a staged row's values, hash and warnings. */
function append(
  batch: RowBatch,
  d: RowDecision,
  row: number,
  line: number,
  raw: string,
  tally: FindingsTally,
  factKeys: ReadonlyArray<string> | undefined,
): void {
  batch.row.push(row)
  batch.line.push(line)
  batch.raw.push(raw)
  if (d.kind === 'quarantine') {
    batch.kind.push(1)
    batch.sourceId.push(d.sourceId)
    batch.data.push(null)
    batch.hash.push(null)
    batch.warnings.push(null)
    batch.archived.push(0)
    batch.updatedAt.push(null)
    batch.refs.push(null)
    batch.keys.push(null)
    batch.reason.push(d.reason)
    batch.defect.push(d.defect)
    batch.message.push(d.message)
    batch.facts.push(null)
    return
  }
  const json = JSON.stringify(d.data)
  batch.kind.push(0)
  batch.sourceId.push(d.sourceId)
  batch.data.push(json)
  batch.hash.push(hash('sha256', json, 'hex'))
  batch.warnings.push(d.issues.length === 0 ? null : JSON.stringify(d.issues))
  batch.archived.push(d.archived ? 1 : 0)
  batch.updatedAt.push(d.updatedAt)
  if (d.refs.length === 0) batch.refs.push(null)
  else {
    const flat: string[] = []
    for (const r of d.refs) flat.push(r.column, r.target, r.id)
    batch.refs.push(flat)
  }
  if (d.keys.length === 0) batch.keys.push(null)
  else {
    const flat: string[] = []
    for (const k of d.keys) flat.push(k.kind, k.key)
    batch.keys.push(flat)
  }
  batch.reason.push(null)
  batch.defect.push(null)
  batch.message.push(null)
  batch.facts.push(factKeys === undefined ? null : factKeys.map((k) => factValue(d.data, k)))
  for (const i of d.issues) {
    tally.add(i.code, {
      file: batch.path,
      row,
      column: i.column,
      raw: i.raw,
      reason: i.reason ?? null,
      sourceId: d.sourceId,
    })
  }
}

/**
 * Produces every part of one data file. `emit` receives the messages in order; it may return a
 * promise (a worker waiting for the writer to catch up), which is awaited before reading on.
 */
export async function produceDataFile(
  source: ExportSource,
  binaries: ReadonlyMap<string, number>,
  task: ProduceTask,
  emit: (m: ProducerMessage) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const spec = DATA_FILES.find((f) => f.object === task.object)
  if (spec === undefined) throw new Error(`no data file spec for ${task.object}`)
  const tally = new FindingsTally()
  const observed = new Map<string, ObservedStats>()
  const factKeys = FACT_KEYS[spec.object]
  const finding = (
    code: string | null,
    file: string,
    reason: string,
    message: string,
    column: string | null = null,
  ) => emit({ t: 'finding', code, file, reason, message, column })

  for (const part of task.parts) {
    const facts = await scanBytes(await source.open(part.path))
    const declared = part.declared
    if (declared !== null) {
      if (declared.bytes !== facts.bytes) {
        await finding(
          'D31',
          part.path,
          'bytes_mismatch',
          `${part.path} has ${facts.bytes} bytes; the manifest says ${declared.bytes}.`,
        )
      }
      if (declared.sha256 !== facts.sha256) {
        await finding(
          'D31',
          part.path,
          'sha256_mismatch',
          `${part.path} does not match the manifest's sha256.`,
        )
      }
    }
    let encoding: TextEncoding | null = null
    if (part.format !== 'xlsx') {
      const decision = decideEncoding(declared?.encoding ?? null, facts)
      encoding = decision.encoding
      if (decision.warn) {
        await finding(
          'D07',
          part.path,
          decision.informational ? `${decision.encoding}_declared` : decision.encoding,
          `${part.path}: ${decision.detail}.`,
        )
      }
    }
    const stream: TabularStream =
      part.format === 'xlsx'
        ? readXlsx(await source.open(part.path))
        : readCsv(await source.open(part.path), encoding ?? 'utf-8')

    let validator: RowValidator | null = null
    let header: string[] | null = null
    let kinds: Array<'date' | 'datetime' | 'other'> = []
    let watched: Array<readonly [string, ColumnStats]> = []
    let row = 0
    let batch = newBatch(part.path)
    for await (const records of stream) {
      if (signal?.aborted) throw new CancelledError()
      for (const rec of records) {
        const texts =
          part.format === 'xlsx'
            ? rec.cells.map((c, i) => xlsxCellText(c, kinds[i] ?? 'other'))
            : (rec.cells as string[])
        if (header === null) {
          header = texts.map((t) => t.replace(/^\ufeff/, ''))
          validator = compileRowValidator(spec, header, task.validation)
          kinds = header.map((_, i) => {
            const c = validator!.columns.find((col) => col.index === i)
            return c?.type === 'date' ? 'date' : c?.type === 'datetime' ? 'datetime' : 'other'
          })
          watched = []
          for (const c of validator.columns) {
            if (c.kind !== 'custom' && c.kind !== 'unknown') continue
            let o = observed.get(c.key)
            if (o === undefined) {
              o = { key: c.key, header: c.header, kind: c.kind, stats: newColumnStats() }
              observed.set(c.key, o)
            }
            watched.push([c.key, o.stats])
          }
          await emit({
            t: 'part-start',
            path: part.path,
            header,
            format: part.format === 'xlsx' ? 'xlsx' : 'csv',
          })
          for (const issue of validator.fileIssues) {
            await finding(issue.code, part.path, issue.reason, `${part.path}: ${issue.message}`, issue.column)
          }
          continue
        }
        row++
        // Spreadsheet rows drop trailing empty cells; they are not missing fields (§7).
        const fields =
          part.format === 'xlsx' && texts.length < header.length
            ? [...texts, ...Array<string>(header.length - texts.length).fill('')]
            : texts
        let typedDates: Set<number> | undefined
        if (part.format === 'xlsx') {
          rec.cells.forEach((c, i) => {
            if (c instanceof Date) (typedDates ??= new Set()).add(i)
          })
        }
        let decision: RowDecision = validator!.validate({
          fields,
          row,
          line: rec.line,
          strayQuote: rec.strayQuote,
          malformed: rec.malformed,
          ...(typedDates === undefined ? {} : { typedDates }),
        })
        if (spec.object === 'attachments' && decision.kind === 'stage') {
          decision = await checkAttachment(decision, source, binaries)
        }
        if (decision.kind === 'stage') for (const [key, stats] of watched) observe(stats, decision.data[key])
        append(batch, decision, row, rec.line, rec.raw ?? csvLine(fields), tally, factKeys)
        if (batch.kind.length >= BATCH_ROWS) {
          await emit({ t: 'rows', batch })
          batch = newBatch(part.path)
        }
      }
    }
    if (batch.kind.length > 0) await emit({ t: 'rows', batch })
    await emit({
      t: 'part-end',
      path: part.path,
      rows: row,
      header,
      encoding,
      bytes: facts.bytes,
      sha256: facts.sha256,
    })
  }
  await emit({ t: 'file-end', observed: [...observed.values()], tally: serializeTally(tally) })
}
