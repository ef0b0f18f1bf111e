/**
 * Records as the Web API returns them: `@odata.etag`, every column (or the `$select`ed ones plus the
 * primary key, [select]), lookups as `_x_value`, `$expand`ed navigation properties, and the
 * annotations `Prefer: odata.include-annotations` asks for: formatted values, and for lookups the
 * target's logical name and navigation property ([compose], [select]).
 */
import type { TableDef } from '../schema/model'
import type { Row, Value } from '../store/store'
import { isLookup } from '../store/store'
import type { ExpandItem, QueryOptions } from '../odata/query-options'
import type { Dataverse } from './dataverse'
import { badQuery, propertyNotFound } from './errors'
import { formattedValue, toJson } from './values'
import { filterAndSort } from './query'

const FORMATTED = 'OData.Community.Display.V1.FormattedValue'
const LOOKUP_NAME = 'Microsoft.Dynamics.CRM.lookuplogicalname'
const NAV_NAME = 'Microsoft.Dynamics.CRM.associatednavigationproperty'

/** Which annotations the client asked for; null means none. */
export type AnnotationFilter = ((term: string) => boolean) | null

/** Reads `odata.include-annotations="…"` (comma list, `*` wildcards, `-` exclusions). */
export function annotationFilter(preference: string | null): AnnotationFilter {
  if (preference === null) return null
  const patterns = preference
    .replace(/^"|"$/g, '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
  if (patterns.length === 0) return null
  const matches = (pattern: string, term: string) =>
    pattern === '*' || pattern === term || (pattern.endsWith('.*') && term.startsWith(pattern.slice(0, -1)))
  return (term) =>
    patterns.some((p) => !p.startsWith('-') && matches(p, term)) &&
    !patterns.some((p) => p.startsWith('-') && matches(p.slice(1), term))
}

/** Options for one record's JSON. */
export type SerializeOptions = Readonly<{
  select: ReadonlyArray<string> | null
  expand: ReadonlyArray<ExpandItem>
  annotations: AnnotationFilter
  userId: string
}>

/** Checks `$select` names against the table (unknown names are a 400, [clienterr]). */
export function validateSelect(table: TableDef, select: ReadonlyArray<string> | null): void {
  if (select === null) return
  for (const name of select) {
    if (name === '*') continue
    if (!table.byProperty.has(name)) throw propertyNotFound(name, table.logicalName)
  }
}

/** The name of the related record a lookup points at, for its formatted value. */
function lookupName(dv: Dataverse, value: Value | undefined): string | null {
  if (!isLookup(value)) return null
  const target = dv.schema.table(value.table)
  const row = dv.store.get(value.table, value.id)
  if (target === undefined || row === undefined || target.primaryName === null) return null
  const name = row[target.primaryName]
  return typeof name === 'string' ? name : null
}

/** The navigation property that binds a lookup to its current target (`parentcustomerid_account`). */
function navigationFor(table: TableDef, column: string, targetTable: string): string | null {
  let fallback: string | null = null
  for (const nav of table.navigations.values()) {
    if (nav.kind !== 'single' || nav.column !== column || !nav.targets.includes(targetTable)) continue
    if (nav.name === column || nav.name === `${column}_${targetTable}`) return nav.name
    fallback ??= nav.name
  }
  return fallback
}

/** One record as JSON. */
export function serializeRow(
  dv: Dataverse,
  table: TableDef,
  row: Row,
  options: SerializeOptions,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const version = row['versionnumber']
  if (version !== undefined && version !== null) out['@odata.etag'] = `W/"${String(version)}"`
  const wanted = options.select === null || options.select.includes('*') ? null : new Set(options.select)
  const annotate = options.annotations
  for (const column of table.columns.values()) {
    if (wanted !== null && !wanted.has(column.property) && !column.isPrimaryId) continue
    const value = row[column.logicalName]
    if (column.property !== column.logicalName && annotate !== null && isLookup(value)) {
      if (annotate(FORMATTED)) {
        const name = lookupName(dv, value)
        if (name !== null) out[`${column.property}@${FORMATTED}`] = name
      }
      if (annotate(NAV_NAME)) {
        const nav = navigationFor(table, column.logicalName, value.table)
        if (nav !== null) out[`${column.property}@${NAV_NAME}`] = nav
      }
      if (annotate(LOOKUP_NAME)) out[`${column.property}@${LOOKUP_NAME}`] = value.table
    } else if (annotate !== null && annotate(FORMATTED)) {
      const formatted = formattedValue(column, value)
      if (formatted !== null) out[`${column.property}@${FORMATTED}`] = formatted
    }
    out[column.property] = toJson(column, value)
  }
  if (table.keyProperty !== table.primaryId && table.columns.has(table.keyProperty)) {
    out[table.keyProperty] = row[table.primaryId] ?? null
  }
  for (const item of options.expand) expandInto(dv, table, row, item, out, options)
  return out
}

function expandInto(
  dv: Dataverse,
  table: TableDef,
  row: Row,
  item: ExpandItem,
  out: Record<string, unknown>,
  parent: SerializeOptions,
): void {
  const nav = table.navigations.get(item.navigation)
  if (nav === undefined) throw propertyNotFound(item.navigation, table.logicalName)
  const nested = (target: TableDef): SerializeOptions => {
    validateSelect(target, item.options.select)
    return {
      select: item.options.select,
      expand: item.options.expand,
      annotations: parent.annotations,
      userId: parent.userId,
    }
  }
  if (nav.kind === 'single') {
    const value = row[nav.column]
    if (!isLookup(value) || !nav.targets.includes(value.table)) {
      out[item.navigation] = null
      return
    }
    const target = dv.schema.table(value.table)
    const related = dv.store.get(value.table, value.id)
    out[item.navigation] =
      target === undefined || related === undefined ? null : serializeRow(dv, target, related, nested(target))
    return
  }
  const target = dv.schema.table(nav.target)
  if (target === undefined) throw badQuery(`Cannot expand '${item.navigation}'.`)
  const id = row[table.primaryId]
  const children =
    nav.kind === 'one-to-many'
      ? typeof id === 'string'
        ? dv.referencing(nav.target, nav.referencingColumn, id)
        : []
      : dv.related(table, nav.name, row)
  const selected = filterAndSort(dv, target, children, item.options as QueryOptions, parent.userId)
  const limited = item.options.top === null ? selected : selected.slice(0, item.options.top)
  const options = nested(target)
  out[item.navigation] = limited.map((child) => serializeRow(dv, target, child, options))
}
