/**
 * Verify: reads back every migrated record of a run, paged and with only the mapped columns, and
 * compares every verifiable field with the value the mapping computes for it (issue 6 item 4).
 *
 * Expected records come from `buildRecord` over the same source view and mapping document the run
 * used (the run row keeps the mapping), through the `expected` port; the comparison rules are in
 * verify-compare.ts. Read-back uses `$select` with lookups as `_x_value` and
 * `Prefer: odata.include-annotations="*"` for their `lookuplogicalname`, `$filter` on the
 * source-id column, and follows `@odata.nextLink` (WEB-API-NOTES.md §5, §16).
 */
import type { MismatchView, TableReconciliation } from '../../shared/dto/verify'
import { CancelledError } from '../errors'
import { PLACEHOLDER_ACCOUNT_KEY, type TargetRecord } from '../plan/mapping/build-record'
import { type MappingDocument, type ObjectMapping, PHASES, logicalNameOf } from '../plan/mapping/model'
import { TARGET_TABLES, type TargetTableName } from '../plan/mapping/target-tables'
import type { DataverseClient } from '../target/dataverse/client'
import type { VerifyRepository } from '../workspace/verify-repository'
import {
  type IdResolver,
  type Mismatch,
  compareFileSize,
  compareRecord,
  fileFieldOf,
  missingRecord,
  selectFor,
} from './verify-compare'

/** Rows of one Leaf360 object in the export: read (source), staged and quarantined. */
export type SourceCounts = Readonly<
  Record<string, Readonly<{ read: number; staged: number; quarantined: number }>>
>

/** Progress of a verify pass, in records compared. */
export type VerifyProgress = Readonly<{ table: string; done: number; total: number }>

export type VerifyOptions = Readonly<{
  client: DataverseClient
  mapping: MappingDocument
  runId: string
  verifyId: number
  repo: VerifyRepository
  /** The records an object mapping expects in the target (buildRecord over the run's source view). */
  expected: (objectMapping: ObjectMapping) => Iterable<TargetRecord>
  /** How many records `expected` yields for a mapping (for progress). */
  expectedCount?: (objectMapping: ObjectMapping) => number
  sourceCounts: SourceCounts
  /** The size of an attachment's file in the export, bytes (null when unknown): checked against `filesize`. */
  fileSize?: (attachmentId: string) => number | null
  /** Only these tables (default: every table the mapping loads). */
  tables?: ReadonlyArray<string>
  signal?: AbortSignal
  onProgress?: (p: VerifyProgress) => void
  /** Records per read-back page (≤ 5,000, §16). */
  pageSize?: number
}>

export type VerifyOutcome = Readonly<{
  reconciliation: ReadonlyArray<TableReconciliation>
  mismatches: number
  /** The first mismatches found (every one is in the repository). */
  sample: ReadonlyArray<MismatchView>
}>

const SAMPLE = 200
const FLUSH = 1000

/** The table a Web API entity set belongs to. */
const TABLE_OF_SET: Readonly<Record<string, TargetTableName>> = Object.fromEntries(
  Object.values(TARGET_TABLES).map((t) => [t.entitySet, t.table]),
) as Record<string, TargetTableName>

/** The tables an object mapping document loads, in phase order, with the mappings of each. */
export function tablesOf(
  mapping: MappingDocument,
): ReadonlyArray<Readonly<{ table: TargetTableName; mappings: ReadonlyArray<ObjectMapping> }>> {
  const byTable = new Map<TargetTableName, { phase: number; mappings: ObjectMapping[] }>()
  for (const m of mapping.objects) {
    if (m.target.kind !== 'table') continue
    const table = m.target.table as TargetTableName
    const phase = PHASES.indexOf(m.target.phase)
    const entry = byTable.get(table)
    if (entry === undefined) byTable.set(table, { phase, mappings: [m] })
    else {
      entry.mappings.push(m)
      entry.phase = Math.min(entry.phase, phase)
    }
  }
  return [...byTable.entries()]
    .sort(([, a], [, b]) => a.phase - b.phase)
    .map(([table, { mappings }]) => ({ table, mappings }))
}

const throwIfCancelled = (signal: AbortSignal | undefined) => {
  if (signal?.aborted) throw new CancelledError()
}

/** Reads back every record of a table that carries a source id, keyed by it. */
async function readBack(
  client: DataverseClient,
  table: TargetTableName,
  select: ReadonlyArray<string>,
  keyColumn: string,
  pageSize: number,
  signal: AbortSignal | undefined,
): Promise<Map<string, Readonly<Record<string, unknown>>>> {
  const def = TARGET_TABLES[table]
  // A connection is two rows, the second its reciprocal (WEB-API-NOTES §13); the one Leafbridge
  // wrote is the master.
  const columns = [def.primaryKey, ...select, ...(table === 'connection' ? ['ismaster'] : [])]
  const path = `${def.entitySet}?$select=${columns.join(',')}&$filter=${keyColumn} ne null`
  const rows = new Map<string, Readonly<Record<string, unknown>>>()
  for await (const page of client.pages<Record<string, unknown>>(
    path,
    `Reading back ${def.entitySet}`,
    pageSize,
    {
      maxAttempts: 8,
      ...(signal ? { signal } : {}),
    },
  )) {
    throwIfCancelled(signal)
    for (const row of page) {
      const key = row[keyColumn]
      if (typeof key !== 'string') continue
      if (rows.has(key) && row['ismaster'] === false) continue
      rows.set(key, row)
    }
  }
  return rows
}

const toView = (m: Mismatch): MismatchView => ({ ...m })

/** Runs one verify pass; mismatches go to the repository as they are found. */
export async function verifyRun(o: VerifyOptions): Promise<VerifyOutcome> {
  const keyColumn = logicalNameOf(`${o.mapping.prefix}_SourceId`)
  const loads = o.repo.loadOutcomes(o.runId)
  const skipped = o.repo.skippedKeys(o.runId)
  const pageSize = o.pageSize ?? 5000
  const only = o.tables === undefined ? null : new Set(o.tables)
  const plan = tablesOf(o.mapping).filter((t) => only === null || only.has(t.table))

  const idMaps = new Map<string, ReadonlyMap<string, Readonly<{ id: string; created: boolean }>>>()
  const idMapOf = (table: string) => {
    let m = idMaps.get(table)
    if (m === undefined) idMaps.set(table, (m = o.repo.idMap(table)))
    return m
  }
  /** What the target itself says, for tables already read: key → id. */
  const readIds = new Map<string, Map<string, string>>()
  const resolve: IdResolver = (entitySet, key) => {
    const table = TABLE_OF_SET[entitySet]
    if (table === undefined) return null
    return idMapOf(table).get(key)?.id ?? readIds.get(table)?.get(key) ?? null
  }

  const sourceObjectUse = new Map<string, Set<string>>()
  for (const t of plan)
    for (const m of t.mappings) {
      const tables = sourceObjectUse.get(m.source.object) ?? new Set<string>()
      tables.add(t.table)
      sourceObjectUse.set(m.source.object, tables)
    }

  const reconciliation: TableReconciliation[] = []
  const sample: MismatchView[] = []
  let pending: MismatchView[] = []
  let total = 0
  const record = (m: Mismatch) => {
    const view = toView(m)
    total += 1
    if (sample.length < SAMPLE) sample.push(view)
    pending.push(view)
    if (pending.length >= FLUSH) {
      o.repo.addMismatches(o.verifyId, pending)
      pending = []
    }
  }

  for (const { table, mappings } of plan) {
    throwIfCancelled(o.signal)
    const withFiles = o.fileSize !== undefined && mappings.some((m) => fileFieldOf(m) !== undefined)
    const select = [...selectFor(mappings, keyColumn), ...(withFiles ? ['filesize'] : [])]
    const rows = await readBack(o.client, table, select, keyColumn, pageSize, o.signal)
    const primaryKey = TARGET_TABLES[table].primaryKey
    const ids = new Map<string, string>()
    for (const [key, row] of rows)
      if (typeof row[primaryKey] === 'string') ids.set(key, String(row[primaryKey]))
    readIds.set(table, ids)

    const idMap = idMapOf(table)
    const skippedHere = skipped.get(table) ?? new Set<string>()
    const seen = new Set<string>()
    const totalExpected = mappings.reduce((n, m) => n + (o.expectedCount?.(m) ?? 0), 0)
    let expected = 0
    let loaded = 0
    let failed = 0
    let skippedCount = 0
    let notLoaded = 0
    let verified = 0
    let mismatched = 0
    let missing = 0
    let mismatchCount = 0
    for (const mapping of mappings) {
      for (const built of o.expected(mapping)) {
        expected += 1
        if (expected % 500 === 0) {
          throwIfCancelled(o.signal)
          o.onProgress?.({ table, done: expected, total: totalExpected })
        }
        seen.add(built.sourceKey)
        const status = loads.get(`${table}\u0000${built.sourceKey}`)
        if (status === 'applied') loaded += 1
        else if (status === 'failed') failed += 1
        else if (skippedHere.has(built.sourceKey)) skippedCount += 1
        else notLoaded += 1
        const row = rows.get(built.sourceKey)
        if (row === undefined) {
          if (status === 'applied') {
            missing += 1
            mismatchCount += 1
            record(missingRecord(table, built.sourceKey, keyColumn))
          }
          continue
        }
        const found = [
          ...compareRecord(mapping, built, row, {
            resolve,
            createdByRun: idMap.get(built.sourceKey)?.created ?? status === 'applied',
            keyColumn,
          }),
        ]
        const fileField = withFiles && built.file !== null ? fileFieldOf(mapping) : undefined
        if (fileField !== undefined && built.file !== null) {
          const file = compareFileSize(fileField, built, row, o.fileSize!(built.file.attachmentId))
          if (file !== null) found.push(file)
        }
        if (found.length === 0) verified += 1
        else {
          mismatched += 1
          mismatchCount += found.length
          for (const m of found) record(m)
        }
      }
    }
    o.onProgress?.({ table, done: expected, total: Math.max(totalExpected, expected) })
    let unexpected = 0
    for (const key of rows.keys()) if (!seen.has(key) && key !== PLACEHOLDER_ACCOUNT_KEY) unexpected += 1

    const objects = [...new Set(mappings.map((m) => m.source.object))]
    const stored = objects.filter((obj) => o.sourceCounts[obj] !== undefined)
    const sum = (pick: (c: SourceCounts[string]) => number) =>
      stored.length === 0 ? null : stored.reduce((acc, obj) => acc + pick(o.sourceCounts[obj]!), 0)
    reconciliation.push({
      table,
      mappings: mappings.map((m) => m.id),
      sourceObjects: objects,
      // Connections are derived from associations and record columns: no one object's rows.
      source: table === 'connection' ? null : sum((c) => c.read),
      staged: table === 'connection' ? null : sum((c) => c.staged),
      quarantined: table === 'connection' ? null : sum((c) => c.quarantined),
      sharedSource:
        table !== 'connection' && objects.some((obj) => (sourceObjectUse.get(obj)?.size ?? 0) > 1),
      expected,
      loaded,
      failed,
      skipped: skippedCount,
      notLoaded,
      verified,
      mismatched,
      mismatches: mismatchCount,
      missing,
      unexpected,
    })
  }
  o.repo.addMismatches(o.verifyId, pending)
  return { reconciliation, mismatches: total, sample }
}
