/**
 * Verify's comparison rules (pure): which columns of a table are read back, and whether a value
 * read from Dataverse is the value the mapping says the record must have.
 *
 * The expected record is `buildRecord`'s, from the same mapping document the run used, so what is
 * checked is exactly what was meant to be written (plan/mapping/build-record.ts). Types compare as
 * Dataverse stores them: money and decimals within the column's precision, date-times to the
 * second, date-only columns as dates, choices as integers, lookups by the target record's id and
 * table (read back as `_x_value` with its `lookuplogicalname` annotation, WEB-API-NOTES.md §5).
 */
import {
  type Bind,
  CREATE_ONLY_COLUMNS,
  type TargetRecord,
  type TargetValue,
} from '../plan/mapping/build-record'
import type { FieldMapping, ObjectMapping } from '../plan/mapping/model'
import { TARGET_TABLES, type ColumnType } from '../plan/mapping/target-tables'

/** A record as the Web API returns it (columns, `_x_value` lookups, annotations). */
export type ReadBackRow = Readonly<Record<string, unknown>>

/** Why a field did not verify. */
export type MismatchReason = 'value' | 'lookup' | 'missing-record'

/** One field that is not what the mapping says it must be. */
export type Mismatch = Readonly<{
  table: string
  sourceKey: string
  targetId: string | null
  /** The Dataverse column compared (the read-back column: `createdon` for overriddencreatedon). */
  column: string
  /** The mapping field's id, for the operator to find the rule. */
  field: string
  reason: MismatchReason
  expected: string
  actual: string
}>

/** One verifiable field of a table, with the name `$select` reads it by. */
export type VerifiableField = Readonly<{
  mapping: string
  field: FieldMapping
  /** The column compared (readBack or target). */
  column: string
  /** The `$select` name: the column, or `_column_value` for a lookup. */
  select: string
  kind: 'value' | 'lookup'
}>

const LOOKUP_NAME = '@Microsoft.Dynamics.CRM.lookuplogicalname'

const isLookupType = (type: ColumnType): boolean => type === 'lookup' || type === 'owner'

/** The fields of one object mapping that verify compares (verify: true, mapped, not parties or files). */
export function verifiableFields(objectMapping: ObjectMapping): ReadonlyArray<VerifiableField> {
  const out: VerifiableField[] = []
  for (const field of objectMapping.fields) {
    if (!field.verify || field.status === 'unmapped') continue
    if (field.transform.kind === 'parties' || field.transform.kind === 'file-body') continue
    const column = field.readBack ?? field.target
    const lookup = isLookupType(field.type)
    out.push({
      mapping: objectMapping.id,
      field,
      column,
      select: lookup ? `_${column}_value` : column,
      kind: lookup ? 'lookup' : 'value',
    })
  }
  return out
}

/** The `$select` list that reads back every verifiable field of these mappings, plus the key column. */
export function selectFor(mappings: ReadonlyArray<ObjectMapping>, keyColumn: string): ReadonlyArray<string> {
  const names = new Set<string>([keyColumn])
  for (const m of mappings) for (const f of verifiableFields(m)) names.add(f.select)
  return [...names].sort()
}

/**
 * The decimal places a money or decimal column keeps: the custom column's precision, else 2 (the
 * default of money columns and of new decimal columns in Dataverse).
 */
const precisionOf = (field: FieldMapping): number => field.custom?.precision ?? 2

const isEmpty = (v: unknown): boolean => v === null || v === undefined || v === ''

/** A value as the report shows it. */
export function display(v: unknown): string {
  if (v === null || v === undefined || v === '') return '(empty)'
  if (typeof v === 'string') return v
  return JSON.stringify(v)
}

const expectedOf = (v: TargetValue): unknown => (v.t === 'null' ? null : v.v)

const secondOf = (text: string): number | null => {
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000)
}

/** Does the read-back `actual` equal `expected` for a column of `type`? */
export function valuesEqual(
  type: ColumnType,
  expected: TargetValue,
  actual: unknown,
  precision = 2,
): boolean {
  const want = expectedOf(expected)
  if (isEmpty(want) || isEmpty(actual)) return isEmpty(want) && isEmpty(actual)
  switch (type) {
    case 'money':
    case 'decimal': {
      const a = typeof actual === 'number' ? actual : Number(actual)
      const e = Number(want)
      // Dataverse rounds to the column's precision; allow half a unit of the last place.
      return Number.isFinite(a) && Math.abs(a - e) <= 0.5 * 10 ** -precision + 1e-9
    }
    case 'datetime': {
      const a = secondOf(String(actual))
      const e = secondOf(String(want))
      return a !== null && e !== null ? a === e : String(actual) === String(want)
    }
    case 'date':
      return String(actual).slice(0, 10) === String(want).slice(0, 10)
    case 'int':
    case 'option':
      return Number(actual) === Number(want)
    case 'bool':
      return actual === want || String(actual) === String(want)
    case 'string':
    case 'memo':
      return String(actual) === String(want)
    case 'lookup':
    case 'owner':
      return String(actual).toLowerCase() === String(want).toLowerCase()
  }
}

/** Looks up the target id of a record bound by its alternate key. */
export type IdResolver = (entitySet: string, key: string) => string | null

const TABLE_OF_SET: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.values(TARGET_TABLES).map((t) => [t.entitySet, t.table])),
  systemusers: 'systemuser',
  teams: 'team',
  connectionroles: 'connectionrole',
}

/** What a lookup must point at: a table and an id, nothing, or a key that resolves to no record. */
type ExpectedLink =
  | Readonly<{ kind: 'none' }>
  | Readonly<{ kind: 'record'; table: string | null; id: string; label: string }>
  | Readonly<{ kind: 'unresolved'; label: string }>

function expectedLink(bind: Bind, resolve: IdResolver): ExpectedLink {
  if (bind.entitySet === null) return { kind: 'none' }
  const table = TABLE_OF_SET[bind.entitySet] ?? null
  if ('id' in bind)
    return { kind: 'record', table, id: bind.id, label: `${table ?? bind.entitySet} ${bind.id}` }
  const id = resolve(bind.entitySet, bind.key)
  const label = `${table ?? bind.entitySet} ${bind.key}`
  return id === null
    ? { kind: 'unresolved', label }
    : { kind: 'record', table, id, label: `${label} (${id})` }
}

export type CompareOptions = Readonly<{
  resolve: IdResolver
  /** Was the record created by a run? Create-only columns (overriddencreatedon) are checked only then. */
  createdByRun: boolean
  keyColumn: string
}>

/**
 * Compares one read-back record with what the mapping built for it; returns every field that
 * differs (empty when the record verifies).
 */
export function compareRecord(
  objectMapping: ObjectMapping,
  expected: TargetRecord,
  actual: ReadBackRow,
  options: CompareOptions,
): ReadonlyArray<Mismatch> {
  const table = expected.table
  const primaryKey = TARGET_TABLES[table].primaryKey
  const targetId = typeof actual[primaryKey] === 'string' ? String(actual[primaryKey]) : null
  const out: Mismatch[] = []
  const push = (f: VerifiableField, reason: MismatchReason, want: string, got: string) =>
    out.push({
      table,
      sourceKey: expected.sourceKey,
      targetId,
      column: f.column,
      field: f.field.id,
      reason,
      expected: want,
      actual: got,
    })
  for (const f of verifiableFields(objectMapping)) {
    if (CREATE_ONLY_COLUMNS.has(f.field.target) && !options.createdByRun) continue
    if (f.kind === 'value') {
      const want = expected.values[f.field.target]
      if (want === undefined) continue
      const got = actual[f.select]
      if (!valuesEqual(f.field.type, want, got, precisionOf(f.field))) {
        push(f, 'value', display(expectedOf(want)), display(got))
      }
      continue
    }
    const bind = expected.binds[f.field.target]
    // No bind: the loader sent nothing for the lookup (an owner left to the platform), so nothing is expected.
    if (bind === undefined) continue
    const link = expectedLink(bind, options.resolve)
    const gotId = actual[f.select]
    const gotTable = actual[`${f.select}${LOOKUP_NAME}`]
    const gotLabel = isEmpty(gotId)
      ? '(empty)'
      : `${typeof gotTable === 'string' ? gotTable : '?'} ${String(gotId)}`
    switch (link.kind) {
      case 'none':
        if (!isEmpty(gotId)) push(f, 'lookup', '(empty)', gotLabel)
        break
      case 'unresolved':
        push(f, 'lookup', `${link.label} (not in the target)`, gotLabel)
        break
      case 'record': {
        const sameId = !isEmpty(gotId) && String(gotId).toLowerCase() === link.id.toLowerCase()
        const sameTable = link.table === null || typeof gotTable !== 'string' || gotTable === link.table
        if (!sameId || !sameTable) push(f, 'lookup', link.label, gotLabel)
        break
      }
    }
  }
  return out
}

/** The mismatch that stands for a record the journal says was loaded but the target does not hold. */
export function missingRecord(table: string, sourceKey: string, keyColumn: string): Mismatch {
  return {
    table,
    sourceKey,
    targetId: null,
    column: keyColumn,
    field: '(record)',
    reason: 'missing-record',
    expected: 'the record',
    actual: 'no record with this source id',
  }
}

/** The mapping field that carries a file (`documentbody`), if the mapping has one. */
export const fileFieldOf = (objectMapping: ObjectMapping): FieldMapping | undefined =>
  objectMapping.fields.find((f) => f.transform.kind === 'file-body' && f.status !== 'unmapped')

/**
 * Checks an attachment's file by its size: Dataverse keeps the bytes it decoded from the Base64
 * body in `filesize` ([files]); the body itself is not read back (verify: false in the mapping).
 */
export function compareFileSize(
  field: FieldMapping,
  expected: TargetRecord,
  actual: ReadBackRow,
  bytes: number | null,
): Mismatch | null {
  if (bytes === null) return null
  const got = actual['filesize']
  if (typeof got === 'number' && got === bytes) return null
  const primaryKey = TARGET_TABLES[expected.table].primaryKey
  return {
    table: expected.table,
    sourceKey: expected.sourceKey,
    targetId: typeof actual[primaryKey] === 'string' ? String(actual[primaryKey]) : null,
    column: 'filesize',
    field: field.id,
    reason: 'value',
    expected: `${bytes} bytes`,
    actual: typeof got === 'number' ? `${got} bytes` : display(got),
  }
}
