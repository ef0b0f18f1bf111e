/**
 * System query options of a request: `$select`, `$filter`, `$orderby`, `$top`, `$count`, `$expand`
 * (with nested options), `$skiptoken` (the sandbox's paging cookie) and parameter aliases (`@p1`).
 * Parsed into plain data here; applied against the schema in web-api/query.ts.
 */
import { badQuery } from '../web-api/errors'

/** One `$expand` item and its nested options. */
export type ExpandItem = Readonly<{ navigation: string; options: QueryOptions }>

/** The options of one request (or of one nested expand). */
export type QueryOptions = Readonly<{
  select: ReadonlyArray<string> | null
  filter: string | null
  orderby: ReadonlyArray<Readonly<{ property: string; descending: boolean }>>
  top: number | null
  count: boolean
  expand: ReadonlyArray<ExpandItem>
  skiptoken: string | null
  aliases: ReadonlyMap<string, string>
  /** Options the sandbox does not implement, named so the error can say which. */
  unsupported: ReadonlyArray<string>
}>

/** Splits on a separator at parenthesis depth 0, outside quotes. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quoted = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i)
    if (ch === "'") quoted = !quoted
    else if (!quoted && ch === '(') depth++
    else if (!quoted && ch === ')') depth--
    else if (!quoted && depth === 0 && ch === separator) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts.map((p) => p.trim()).filter((p) => p.length > 0)
}

const parseOrderby = (text: string): QueryOptions['orderby'] =>
  splitTopLevel(text, ',').map((part) => {
    const [property = '', direction = 'asc'] = part.split(/\s+/)
    if (direction !== 'asc' && direction !== 'desc')
      throw badQuery(`Invalid $orderby direction '${direction}'.`)
    return { property, descending: direction === 'desc' }
  })

const parseTop = (text: string): number => {
  const top = Number(text)
  if (!Number.isInteger(top) || top < 0) throw badQuery(`Invalid $top value '${text}'.`)
  return top
}

const parseExpand = (text: string, aliases: ReadonlyMap<string, string>): ExpandItem[] =>
  splitTopLevel(text, ',').map((item) => {
    const open = item.indexOf('(')
    if (open < 0) return { navigation: item, options: fromEntries([], aliases) }
    if (!item.endsWith(')')) throw badQuery(`Invalid $expand '${item}'.`)
    const nested = splitTopLevel(item.slice(open + 1, -1), ';').map((option) => {
      const eq = option.indexOf('=')
      if (eq < 0) throw badQuery(`Invalid $expand option '${option}'.`)
      return [option.slice(0, eq).trim(), option.slice(eq + 1)] as const
    })
    return { navigation: item.slice(0, open), options: fromEntries(nested, aliases) }
  })

function fromEntries(
  entries: ReadonlyArray<readonly [string, string]>,
  inheritedAliases: ReadonlyMap<string, string>,
): QueryOptions {
  const aliases = new Map(inheritedAliases)
  for (const [key, value] of entries) if (key.startsWith('@')) aliases.set(key, value)
  let select: string[] | null = null
  let filter: string | null = null
  let orderby: QueryOptions['orderby'] = []
  let top: number | null = null
  let count = false
  let expand: ExpandItem[] = []
  let skiptoken: string | null = null
  const unsupported: string[] = []
  for (const [key, value] of entries) {
    switch (key) {
      case '$select':
        select = splitTopLevel(value, ',')
        break
      case '$filter':
        filter = value
        break
      case '$orderby':
        orderby = parseOrderby(value)
        break
      case '$top':
        top = parseTop(value)
        break
      case '$count':
        count = value === 'true'
        break
      case '$expand':
        expand = parseExpand(value, aliases)
        break
      case '$skiptoken':
        skiptoken = value
        break
      case '$skip':
      case '$apply':
      case '$search':
      case 'fetchXml':
      case 'savedQuery':
      case 'userQuery':
        unsupported.push(key)
        break
      default:
        if (key.startsWith('$')) unsupported.push(key)
        break
    }
  }
  return { select, filter, orderby, top, count, expand, skiptoken, aliases, unsupported }
}

/** Parses a URL's query options (URLSearchParams already percent-decoded them). */
export function parseQueryOptions(params: URLSearchParams): QueryOptions {
  const entries: Array<readonly [string, string]> = []
  for (const [key, value] of params) entries.push([key, value])
  return fromEntries(entries, new Map())
}

/** No options at all. */
export const NO_OPTIONS: QueryOptions = fromEntries([], new Map())
