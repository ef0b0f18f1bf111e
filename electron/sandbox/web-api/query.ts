/**
 * Collection queries: `$filter`, `$orderby`, `$top`, `$count`, and server-driven paging with
 * `Prefer: odata.maxpagesize` and `@odata.nextLink` ([paging], WEB-API-NOTES §16).
 *
 * Paging follows Dataverse's shape: the next link repeats the query with a `$skiptoken` holding a
 * paging cookie (`<cookie pagenumber="2" … />`); follow it unchanged with the same page size. The
 * default page size is 5,000 and `$count` stops at 5,000, flagging
 * `@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded`, as documented.
 */
import type { TableDef } from '../schema/model'
import type { Row } from '../store/store'
import { isLookup } from '../store/store'
import { compileFilter } from '../odata/filter'
import type { QueryOptions } from '../odata/query-options'
import type { Dataverse } from './dataverse'
import { badQuery, propertyNotFound } from './errors'

/** Dataverse's largest page. */
export const MAX_PAGE_SIZE = 5000

/** Rows of a table matching `$filter`, ordered by `$orderby` (insertion order otherwise). */
export function filterAndSort(
  dv: Dataverse,
  table: TableDef,
  source: Iterable<Row>,
  options: QueryOptions,
  userId: string,
): Row[] {
  let rows = [...source]
  if (options.filter !== null && options.filter.trim() !== '') {
    const predicate = compileFilter(options.filter, {
      table,
      tableOf: (name) => dv.schema.table(name),
      get: (t, id) => dv.store.get(t, id),
      referencing: (t, column, id) => dv.referencing(t, column, id),
      related: (t, nav, row) => dv.related(t, nav, row),
      aliases: options.aliases,
      userId,
    })
    rows = rows.filter(predicate)
  }
  if (options.orderby.length > 0) {
    const keys = options.orderby.map(({ property, descending }) => {
      const column = table.byProperty.get(property)
      if (column === undefined) throw propertyNotFound(property, table.logicalName)
      return { column: column.logicalName, descending }
    })
    const value = (row: Row, column: string): string | number | boolean | null => {
      const v = row[column]
      if (v === undefined || v === null) return null
      if (isLookup(v)) return v.id
      return typeof v === 'string' ? v.toLowerCase() : v
    }
    rows.sort((a, b) => {
      for (const { column, descending } of keys) {
        const x = value(a, column)
        const y = value(b, column)
        if (x === y) continue
        // SQL Server puts nulls first in ascending order.
        const cmp = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1
        return descending ? -cmp : cmp
      }
      return 0
    })
  }
  return rows
}

/** One page of a collection query. */
export type Page = Readonly<{
  rows: Row[]
  count: number | null
  countLimitExceeded: boolean
  /** The `$skiptoken` of the next page, or null on the last. */
  nextSkiptoken: string | null
}>

/** Reads the page number out of a paging cookie. */
function pageNumber(skiptoken: string | null): number {
  if (skiptoken === null) return 1
  const match = /pagenumber="(\d+)"/.exec(skiptoken)
  if (match === null)
    throw badQuery(`The $skiptoken '${skiptoken}' is not a paging cookie this environment issued.`)
  return Number(match[1])
}

/** A paging cookie in Dataverse's shape. */
function cookie(page: number, lastId: string, firstId: string): string {
  const inner = `<cookie page="${page - 1}"><${'id'} last="{${lastId.toUpperCase()}}" first="{${firstId.toUpperCase()}}" /></cookie>`
  return `<cookie pagenumber="${page}" pagingcookie="${encodeURIComponent(encodeURIComponent(inner))}" istracking="False" />`
}

/** Runs a collection query and cuts the page. `maxPageSize` comes from the Prefer header. */
export function queryPage(
  dv: Dataverse,
  table: TableDef,
  source: Iterable<Row>,
  options: QueryOptions,
  maxPageSize: number | null,
  userId: string,
): Page {
  if (options.unsupported.length > 0) {
    throw badQuery(`The query option '${options.unsupported[0] ?? ''}' is not supported by the sandbox.`)
  }
  const rows = filterAndSort(dv, table, source, options, userId)
  const total = rows.length
  const count = options.count ? Math.min(total, MAX_PAGE_SIZE) : null
  const countLimitExceeded = options.count && total > MAX_PAGE_SIZE
  // [paging]: with odata.maxpagesize the page size rules and $top is not applied.
  const limited = maxPageSize === null && options.top !== null ? rows.slice(0, options.top) : rows
  const size = Math.min(maxPageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE)
  const page = pageNumber(options.skiptoken)
  const start = (page - 1) * size
  const slice = limited.slice(start, start + size)
  const more = start + size < limited.length
  const last = slice.at(-1)
  const first = slice[0]
  const nextSkiptoken =
    more && last !== undefined && first !== undefined
      ? cookie(page + 1, String(last[table.primaryId]), String(first[table.primaryId]))
      : null
  return { rows: slice, count, countLimitExceeded, nextSkiptoken }
}
