/**
 * The sandbox's record store: in-memory tables (a Map per table, keyed by primary id) with an undo
 * log, so a change set, a bulk message or a failed request rolls back completely, and a write-behind
 * to SQLite at the end of each outermost transaction (one SQLite transaction per request).
 *
 * Alternate-key indexes live here too: one Map per active key, from the normalised key values to
 * the record id. String key values compare case-insensitively, as Dataverse's default collation does.
 */
import type { Persistence } from './persistence'

/** A lookup value: the target table and record id. */
export type Lookup = Readonly<{ table: string; id: string }>

/** A stored column value. Dates are ISO strings; money and decimals are numbers. */
export type Value = string | number | boolean | null | Lookup

/** A record: column logical name → value. */
export type Row = Record<string, Value>

/** Is this value a lookup? */
export const isLookup = (value: Value | undefined): value is Lookup =>
  typeof value === 'object' && value !== null

/** Prefix of settings that survive a reset (the tenant, app registrations, certificates). */
export const IDENTITY_PREFIX = 'identity.'

type UndoEntry = Readonly<{ table: string; id: string; before: Row | undefined }>

type KeyIndex = { readonly attributes: ReadonlyArray<string>; readonly map: Map<string, string> }

/** Normalises one key column value for comparison (lookups by id, strings case-insensitively). */
const keyPart = (value: Value | undefined): string | null => {
  if (value === undefined || value === null) return null
  if (isLookup(value)) return value.id.toLowerCase()
  if (typeof value === 'string') return `s:${value.toLowerCase()}`
  return `${typeof value}:${String(value)}`
}

/** The index key of a row for a key's attributes, or null when a key column is empty. */
export function keyOf(row: Row, attributes: ReadonlyArray<string>): string | null {
  const parts: string[] = []
  for (const attribute of attributes) {
    const part = keyPart(row[attribute])
    if (part === null) return null
    parts.push(part)
  }
  return parts.join('\u0001')
}

/** In-memory tables with transactions and optional SQLite persistence. */
export class Store {
  readonly #tables = new Map<string, Map<string, Row>>()
  readonly #indexes = new Map<string, Map<string, KeyIndex>>()
  readonly #persistence: Persistence | null
  #undo: UndoEntry[] = []
  #depth = 0
  #dirty = new Map<string, { table: string; id: string }>()
  #kvDirty = new Map<string, string>()
  readonly #kv = new Map<string, string>()
  /** Reverse lookup index: target id → "table\u0000column" → ids of the rows pointing at it. */
  readonly #refs = new Map<string, Map<string, Set<string>>>()

  constructor(persistence: Persistence | null) {
    this.#persistence = persistence
  }

  /** Loads persisted rows and key-values (called once, before serving). */
  loadFrom(rows: Iterable<readonly [string, string, Row]>, kv: Iterable<readonly [string, string]>): void {
    for (const [table, id, row] of rows) {
      this.#tableMap(table).set(id, row)
      this.#addRefs(table, id, row)
    }
    for (const [k, v] of kv) this.#kv.set(k, v)
  }

  /** All rows of a table (live view; do not mutate). */
  rows(table: string): ReadonlyMap<string, Row> {
    return this.#tables.get(table) ?? new Map()
  }

  /** Names of tables that hold at least one row. */
  tableNames(): string[] {
    return [...this.#tables.entries()].filter(([, rows]) => rows.size > 0).map(([name]) => name)
  }

  /** One record, or undefined. Ids are lower-case GUIDs. */
  get(table: string, id: string): Row | undefined {
    return this.#tables.get(table)?.get(id)
  }

  /** Inserts or replaces a record (the caller has validated it). */
  put(table: string, id: string, row: Row): void {
    const rows = this.#tableMap(table)
    const before = rows.get(id)
    this.#log(table, id, before)
    this.#unindex(table, id, before)
    rows.set(id, row)
    this.#index(table, id, row)
  }

  /** Removes a record if present. */
  remove(table: string, id: string): void {
    const rows = this.#tables.get(table)
    const before = rows?.get(id)
    if (rows === undefined || before === undefined) return
    this.#log(table, id, before)
    this.#unindex(table, id, before)
    rows.delete(id)
  }

  /** A persisted string setting (counters, identity, organisation settings). */
  getSetting(key: string): string | undefined {
    return this.#kv.get(key)
  }

  /** Sets a persisted string setting; written with the current transaction (not undone). */
  setSetting(key: string, value: string): void {
    this.#kv.set(key, value)
    this.#kvDirty.set(key, value)
    if (this.#depth === 0) this.#flush()
  }

  /**
   * Runs `fn` atomically: if it throws, every put and remove it made is undone (nested calls undo to
   * their own start), and nothing reaches SQLite. The outermost commit writes all changes in one
   * SQLite transaction.
   */
  transaction<T>(fn: () => T): T {
    const mark = this.#undo.length
    this.#depth++
    try {
      const result = fn()
      this.#depth--
      if (this.#depth === 0) this.#flush()
      return result
    } catch (error) {
      this.#rollbackTo(mark)
      this.#depth--
      if (this.#depth === 0) {
        this.#undo = []
        this.#dirty.clear()
        this.#flush()
      }
      throw error
    }
  }

  /** Builds (or rebuilds) the index of an alternate key; returns the ids that clash, if any. */
  buildIndex(table: string, keyName: string, attributes: ReadonlyArray<string>): string[] {
    const map = new Map<string, string>()
    const clashes: string[] = []
    for (const [id, row] of this.rows(table)) {
      const key = keyOf(row, attributes)
      if (key === null) continue
      if (map.has(key)) clashes.push(id)
      else map.set(key, id)
    }
    if (clashes.length === 0) this.#indexMap(table).set(keyName, { attributes, map })
    return clashes
  }

  /** Drops a key's index (the key failed or was deleted). */
  dropIndex(table: string, keyName: string): void {
    this.#indexes.get(table)?.delete(keyName)
  }

  /** The record id holding these key values under an active key, or undefined. */
  findByKey(table: string, keyName: string, values: Row): string | undefined {
    const index = this.#indexes.get(table)?.get(keyName)
    if (index === undefined) return undefined
    const key = keyOf(values, index.attributes)
    return key === null ? undefined : index.map.get(key)
  }

  /** Is this key indexed (active)? */
  hasIndex(table: string, keyName: string): boolean {
    return this.#indexes.get(table)?.has(keyName) ?? false
  }

  /** Removes every row and setting (reset); indexes are emptied but kept. */
  clear(): void {
    this.#tables.clear()
    this.#refs.clear()
    for (const key of [...this.#kv.keys()]) if (!key.startsWith(IDENTITY_PREFIX)) this.#kv.delete(key)
    for (const byKey of this.#indexes.values()) for (const index of byKey.values()) index.map.clear()
    this.#undo = []
    this.#dirty.clear()
    this.#kvDirty.clear()
    this.#persistence?.clear()
  }

  #tableMap(table: string): Map<string, Row> {
    let rows = this.#tables.get(table)
    if (rows === undefined) {
      rows = new Map()
      this.#tables.set(table, rows)
    }
    return rows
  }

  #indexMap(table: string): Map<string, KeyIndex> {
    let byKey = this.#indexes.get(table)
    if (byKey === undefined) {
      byKey = new Map()
      this.#indexes.set(table, byKey)
    }
    return byKey
  }

  /** Rows pointing at `targetId` through a lookup: [table, id, column] triples. */
  referencesTo(targetId: string): Array<readonly [string, string, string]> {
    const byColumn = this.#refs.get(targetId)
    if (byColumn === undefined) return []
    const out: Array<readonly [string, string, string]> = []
    for (const [key, ids] of byColumn) {
      const split = key.indexOf('\u0000')
      const table = key.slice(0, split)
      const column = key.slice(split + 1)
      for (const id of ids) out.push([table, id, column])
    }
    return out
  }

  /** Ids of rows of `table` whose `column` points at `targetId`. */
  referencingIds(targetId: string, table: string, column: string): ReadonlySet<string> {
    return this.#refs.get(targetId)?.get(`${table}\u0000${column}`) ?? new Set()
  }

  #addRefs(table: string, id: string, row: Row): void {
    for (const column in row) {
      const value = row[column]
      if (!isLookup(value)) continue
      let byColumn = this.#refs.get(value.id)
      if (byColumn === undefined) {
        byColumn = new Map()
        this.#refs.set(value.id, byColumn)
      }
      const key = `${table}\u0000${column}`
      let ids = byColumn.get(key)
      if (ids === undefined) {
        ids = new Set()
        byColumn.set(key, ids)
      }
      ids.add(id)
    }
  }

  #removeRefs(table: string, id: string, row: Row): void {
    for (const column in row) {
      const value = row[column]
      if (!isLookup(value)) continue
      const byColumn = this.#refs.get(value.id)
      const key = `${table}\u0000${column}`
      const ids = byColumn?.get(key)
      if (byColumn === undefined || ids === undefined) continue
      ids.delete(id)
      if (ids.size === 0) byColumn.delete(key)
      if (byColumn.size === 0) this.#refs.delete(value.id)
    }
  }

  #index(table: string, id: string, row: Row): void {
    this.#addRefs(table, id, row)
    const byKey = this.#indexes.get(table)
    if (byKey === undefined) return
    for (const index of byKey.values()) {
      const key = keyOf(row, index.attributes)
      if (key !== null) index.map.set(key, id)
    }
  }

  #unindex(table: string, id: string, row: Row | undefined): void {
    if (row !== undefined) this.#removeRefs(table, id, row)
    const byKey = this.#indexes.get(table)
    if (byKey === undefined || row === undefined) return
    for (const index of byKey.values()) {
      const key = keyOf(row, index.attributes)
      if (key !== null && index.map.get(key) === id) index.map.delete(key)
    }
  }

  #log(table: string, id: string, before: Row | undefined): void {
    if (this.#depth > 0) this.#undo.push({ table, id, before })
    this.#dirty.set(`${table}\u0000${id}`, { table, id })
    if (this.#depth === 0) this.#flushSoon()
  }

  #rollbackTo(mark: number): void {
    while (this.#undo.length > mark) {
      const entry = this.#undo.pop()
      if (entry === undefined) break
      const rows = this.#tableMap(entry.table)
      this.#unindex(entry.table, entry.id, rows.get(entry.id))
      if (entry.before === undefined) rows.delete(entry.id)
      else {
        rows.set(entry.id, entry.before)
        this.#index(entry.table, entry.id, entry.before)
      }
    }
  }

  #flushSoon(): void {
    // A put outside any transaction (seeding) is written at once.
    this.#flush()
  }

  #flush(): void {
    this.#undo = []
    if (this.#persistence === null) {
      this.#dirty.clear()
      this.#kvDirty.clear()
      return
    }
    if (this.#dirty.size === 0 && this.#kvDirty.size === 0) return
    const puts: Array<readonly [string, string, Row]> = []
    const deletes: Array<readonly [string, string]> = []
    for (const { table, id } of this.#dirty.values()) {
      const row = this.get(table, id)
      if (row === undefined) deletes.push([table, id])
      else puts.push([table, id, row])
    }
    const kv = [...this.#kvDirty.entries()]
    this.#dirty.clear()
    this.#kvDirty.clear()
    this.#persistence.write(puts, deletes, kv)
  }
}
