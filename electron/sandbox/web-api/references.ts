/**
 * Record addressing: key segments (`(<guid>)`, `(accountnumber='ABC123')`, `(_primarycontactid_value=<guid>)`)
 * and `@odata.bind` / `@odata.id` URIs in all their documented forms — relative with or without a
 * leading `/`, absolute with the service root, or by alternate key ([create], [altkey-ref]).
 */
import type { Schema, TableDef } from '../schema/model'
import type { Row, Store } from '../store/store'
import { splitSegments, parseArgs, type Literal } from '../odata/path'
import { GUID_PATTERN } from '../util/ids'
import { badPayload, invalidKey, recordNotFound, resourceNotFound } from './errors'
import { literalToValue, lookup } from './values'

/** How a request names one record. */
export type KeySpec =
  Readonly<{ kind: 'id'; id: string }> | Readonly<{ kind: 'alternate'; values: ReadonlyMap<string, Literal> }>

/** Reads a key segment's argument text into a KeySpec. */
export function parseKeySpec(args: string, table: TableDef): KeySpec {
  const parsed = parseArgs(args)
  const bare = parsed.get('')
  if (bare !== undefined) {
    if (bare.kind !== 'guid') throw invalidKey(table.setName)
    return { kind: 'id', id: bare.value }
  }
  if (parsed.size === 1) {
    const only = parsed.get(table.primaryId) ?? parsed.get(table.keyProperty)
    if (only !== undefined && only.kind === 'guid') return { kind: 'id', id: only.value }
  }
  return { kind: 'alternate', values: parsed }
}

/** A printable form of a key for error messages. */
export function describeKey(key: KeySpec): string {
  if (key.kind === 'id') return key.id
  return [...key.values.entries()]
    .map(([k, v]) => `${k}=${v.kind === 'string' ? `'${v.value}'` : 'value' in v ? String(v.value) : ''}`)
    .join(',')
}

/**
 * Finds the record a key names, or undefined. An alternate key must match an Active key of the
 * table column for column ([altkey-ref]: "The key in the request URI is not valid…" otherwise).
 */
export function resolveKey(store: Store, table: TableDef, key: KeySpec): string | undefined {
  if (key.kind === 'id') {
    const id = key.id.toLowerCase()
    return store.get(table.logicalName, id) === undefined ? undefined : id
  }
  const names = [...key.values.keys()]
  for (const def of table.keys.values()) {
    if (def.status !== 'Active') continue
    const wanted = def.attributes
    const matches =
      wanted.length === names.length &&
      names.every((n) => {
        const column = table.byProperty.get(n) ?? table.columns.get(n)
        return column !== undefined && wanted.includes(column.logicalName)
      })
    if (!matches) continue
    return store.findByKey(table.logicalName, def.logicalName, keyValues(table, key))
  }
  throw invalidKey(table.setName)
}

/** The key's values as a row fragment (lookups as lookup values), for indexing and for create. */
export function keyValues(table: TableDef, key: KeySpec): Row {
  const row: Row = {}
  if (key.kind === 'id') {
    row[table.primaryId] = key.id.toLowerCase()
    return row
  }
  for (const [name, literal] of key.values) {
    const column = table.byProperty.get(name) ?? table.columns.get(name)
    if (column === undefined) throw invalidKey(table.setName)
    const value = literalToValue(column, literal)
    row[column.logicalName] =
      column.targets.length > 0 && typeof value === 'string' && GUID_PATTERN.test(value)
        ? lookup(column.targets[0] ?? '', value)
        : value
  }
  return row
}

/** Strips the origin and `/api/data/v9.x/` prefix from a URI, leaving `accounts(...)`. */
export function relativePath(uri: string): string {
  let path = uri.trim()
  const schemeEnd = path.indexOf('://')
  if (schemeEnd >= 0) {
    const slash = path.indexOf('/', schemeEnd + 3)
    path = slash < 0 ? '' : path.slice(slash)
  }
  path = path.replace(/^\[Org\]/i, '')
  const api = /\/?api\/data\/v9\.\d\//.exec(path)
  if (api !== null) path = path.slice(api.index + api[0].length)
  return path.replace(/^\/+/, '')
}

/** A record named by an `@odata.bind` / `@odata.id` value: its table and id (it must exist). */
export function parseReference(schema: Schema, store: Store, uri: unknown): { table: TableDef; id: string } {
  if (typeof uri !== 'string')
    throw badPayload(`A reference must be a URI string, got ${JSON.stringify(uri)}.`)
  const segments = splitSegments(relativePath(uri))
  const [segment] = segments
  if (segment === undefined || segments.length !== 1 || segment.args === null) {
    throw badPayload(`The reference '${uri}' does not name one record.`)
  }
  const table = schema.tableBySet(segment.name)
  if (table === undefined) throw resourceNotFound(segment.name)
  const key = parseKeySpec(segment.args, table)
  const id = resolveKey(store, table, key)
  if (id === undefined) throw recordNotFound(table.logicalName, describeKey(key))
  return { table, id }
}
