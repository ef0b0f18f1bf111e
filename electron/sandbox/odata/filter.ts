/**
 * `$filter` for the sandbox: comparison operators (eq ne gt ge lt le), `and`/`or`/`not`,
 * `contains`/`startswith`/`endswith`, `_x_value` lookups, single-valued navigation paths
 * (`sdkmessageid/name eq 'CreateMultiple'`), `any`/`all` over collections, parameter aliases and the
 * Dataverse query functions In, NotIn, Between, NotBetween, Null, NotNull, EqualUserId, NotEqualUserId
 * ([filter], WEB-API-NOTES §16). String comparisons are case-insensitive, as in Dataverse.
 *
 * The parser compiles straight to closures over rows, so a filter runs at Map-scan speed.
 */
import type { ColumnDef, TableDef } from '../schema/model'
import type { Row, Value } from '../store/store'
import { isLookup } from '../store/store'
import { badQuery, propertyNotFound } from '../web-api/errors'
import { literalToValue, normaliseDateTime } from '../web-api/values'
import { TokenStream, type Token } from './lexer'
import { parseLiteral, type Literal } from './path'

/** What a filter needs to resolve names and navigation paths. */
export type FilterContext = Readonly<{
  table: TableDef
  tableOf: (logicalName: string) => TableDef | undefined
  get: (table: string, id: string) => Row | undefined
  /** Rows of `table` whose `column` points at `id` (one-to-many paths). */
  referencing: (table: string, column: string, id: string) => Row[]
  /** Rows related through a many-to-many navigation. */
  related: (table: TableDef, navName: string, row: Row) => Row[]
  aliases: ReadonlyMap<string, string>
  userId: string
}>

type Operand = Readonly<{ evaluate: (row: Row) => Value | undefined; column: ColumnDef | null }>
type Predicate = (row: Row) => boolean

const plain = (value: Value | undefined): Value | undefined => (isLookup(value) ? value.id : value)

const comparable = (value: Value | undefined, column: ColumnDef | null): string | number | boolean | null => {
  const v = plain(value)
  if (v === undefined || v === null) return null
  if (typeof v === 'string') {
    if (column?.attributeType === 'DateTime') {
      const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)
      return Number.isNaN(ms) ? v.toLowerCase() : ms
    }
    const asDate = /^\d{4}-\d{2}-\d{2}T/.test(v) ? normaliseDateTime(v) : null
    if (asDate !== null && column === null) return Date.parse(asDate)
    return v.toLowerCase()
  }
  return v as string | number | boolean
}

const compare = (op: string, left: Operand, right: Operand): Predicate => {
  const column = left.column ?? right.column
  return (row) => {
    const a = comparable(left.evaluate(row), column)
    const b = comparable(right.evaluate(row), column)
    switch (op) {
      case 'eq':
        return a === b
      case 'ne':
        return a !== b
      default:
        if (a === null || b === null) return false
        if (op === 'gt') return a > b
        if (op === 'ge') return a >= b
        if (op === 'lt') return a < b
        return a <= b
    }
  }
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le'])

/** Compiles `$filter` text into a predicate over rows of `ctx.table`. */
export function compileFilter(text: string, ctx: FilterContext): Predicate {
  const stream = new TokenStream(text)
  const predicate = parseOr(stream, ctx, ctx.table, null)
  if (!stream.atEnd()) throw badQuery(`Syntax error at the end of '$filter=${text}'.`)
  return predicate
}

type Scope = Readonly<{ variable: string; table: TableDef; outer: Scope | null }> | null

function parseOr(s: TokenStream, ctx: FilterContext, table: TableDef, scope: Scope): Predicate {
  let left = parseAnd(s, ctx, table, scope)
  while (s.isName('or')) {
    s.next()
    const l = left
    const r = parseAnd(s, ctx, table, scope)
    left = (row) => l(row) || r(row)
  }
  return left
}

function parseAnd(s: TokenStream, ctx: FilterContext, table: TableDef, scope: Scope): Predicate {
  let left = parseNot(s, ctx, table, scope)
  while (s.isName('and')) {
    s.next()
    const l = left
    const r = parseNot(s, ctx, table, scope)
    left = (row) => l(row) && r(row)
  }
  return left
}

function parseNot(s: TokenStream, ctx: FilterContext, table: TableDef, scope: Scope): Predicate {
  if (s.isName('not')) {
    s.next()
    const inner = parseNot(s, ctx, table, scope)
    return (row) => !inner(row)
  }
  return parseComparison(s, ctx, table, scope)
}

function parseComparison(s: TokenStream, ctx: FilterContext, table: TableDef, scope: Scope): Predicate {
  if (s.peek().kind === 'punct' && (s.peek() as { value: string }).value === '(') {
    s.next()
    const inner = parseOr(s, ctx, table, scope)
    s.expect(')')
    return inner
  }
  const head = s.peek()
  if (head.kind === 'name' && isFunctionName(head.value) && isCall(s)) {
    const predicate = parseBooleanFunction(s, ctx, table, scope)
    if (predicate !== null) return predicate
  }
  const left = parseOperand(s, ctx, table, scope)
  const op = s.peek()
  if (op.kind === 'name' && COMPARISONS.has(op.value)) {
    s.next()
    const right = parseOperand(s, ctx, table, scope)
    return compare(op.value, left, right)
  }
  if (left.column === null) throw badQuery(`A boolean expression was expected in '$filter=${s.source}'.`)
  return (row) => left.evaluate(row) === true
}

const isFunctionName = (name: string): boolean =>
  ['contains', 'startswith', 'endswith', 'tolower', 'toupper', 'trim'].includes(name) ||
  name.startsWith('Microsoft.Dynamics.CRM.')

const isCall = (s: TokenStream): boolean => {
  const next = s.peek(1)
  return next.kind === 'punct' && next.value === '('
}

function resolveAlias(ctx: FilterContext, token: Token): Literal {
  if (token.kind !== 'alias') throw badQuery('A parameter alias was expected.')
  const raw = ctx.aliases.get(token.value)
  if (raw === undefined) throw badQuery(`The parameter alias '${token.value}' is not defined in the query.`)
  return parseLiteral(raw)
}

function literalOperand(literal: Literal): Operand {
  const value = literal.kind === 'array' ? null : literalToValue(null, literal)
  return { evaluate: () => value, column: null }
}

function parseOperand(s: TokenStream, ctx: FilterContext, table: TableDef, scope: Scope): Operand {
  const token = s.peek()
  switch (token.kind) {
    case 'string':
    case 'number':
    case 'guid':
    case 'datetime':
      s.next()
      return literalOperand(token as Literal)
    case 'alias':
      s.next()
      return literalOperand(resolveAlias(ctx, token))
    case 'name': {
      if (token.value === 'true' || token.value === 'false') {
        s.next()
        const v = token.value === 'true'
        return { evaluate: () => v, column: null }
      }
      if (token.value === 'null') {
        s.next()
        return { evaluate: () => null, column: null }
      }
      if (isFunctionName(token.value) && isCall(s)) return parseValueFunction(s, ctx, table, scope)
      return parsePath(s, ctx, table, scope)
    }
    default:
      throw badQuery(`Syntax error in '$filter=${s.source}'.`)
  }
}

function columnOf(table: TableDef, name: string): ColumnDef {
  const column = table.byProperty.get(name)
  if (column === undefined) throw propertyNotFound(name, table.logicalName)
  return column
}

function parsePath(s: TokenStream, ctx: FilterContext, table: TableDef, scope: Scope): Operand {
  const first = s.next()
  if (first.kind !== 'name') throw badQuery(`Syntax error in '$filter=${s.source}'.`)
  let current = table
  let resolveRow: (row: Row) => Row | undefined = (row) => row
  let name = first.value
  // A lambda variable (`o/subject`) refers to the row inside any()/all().
  for (let sc: Scope = scope; sc !== null; sc = sc.outer) {
    if (sc.variable === name && s.accept('/')) {
      const next = s.next()
      if (next.kind !== 'name') throw badQuery(`Syntax error in '$filter=${s.source}'.`)
      current = sc.table
      name = next.value
      break
    }
  }
  for (;;) {
    const nav = current.navigations.get(name)
    if (nav !== undefined && s.peek().kind === 'punct' && (s.peek() as { value: string }).value === '/') {
      s.next()
      if (nav.kind === 'single') {
        const previous = resolveRow
        const column = nav.column
        const targets = nav.targets
        resolveRow = (row) => {
          const base = previous(row)
          const value = base?.[column]
          if (value === undefined || value === null) return undefined
          const target = isLookup(value) ? value.table : targets[0]
          const id = isLookup(value) ? value.id : String(value)
          return target === undefined ? undefined : ctx.get(target, id)
        }
        const nextTable = ctx.tableOf(nav.targets[0] ?? '')
        if (nextTable === undefined) throw propertyNotFound(name, current.logicalName)
        current = nextTable
        const next = s.next()
        if (next.kind !== 'name') throw badQuery(`Syntax error in '$filter=${s.source}'.`)
        name = next.value
        continue
      }
      // Collection navigation: must be followed by any()/all().
      const lambda = s.next()
      if (lambda.kind !== 'name' || (lambda.value !== 'any' && lambda.value !== 'all')) {
        throw badQuery(`A collection navigation property needs any() or all() in '$filter=${s.source}'.`)
      }
      const target = ctx.tableOf(nav.target)
      if (target === undefined) throw propertyNotFound(name, current.logicalName)
      s.expect('(')
      const variable = s.next()
      if (variable.kind !== 'name') throw badQuery(`A lambda variable was expected in '$filter=${s.source}'.`)
      s.expect(':')
      const inner = parseOr(s, ctx, target, { variable: variable.value, table: target, outer: scope })
      s.expect(')')
      const owner = current
      const navDef = nav
      const previous = resolveRow
      const children = (row: Row): Row[] => {
        const base = previous(row)
        if (base === undefined) return []
        if (navDef.kind === 'one-to-many') {
          const id = base[owner.primaryId]
          return typeof id === 'string' ? ctx.referencing(navDef.target, navDef.referencingColumn, id) : []
        }
        return ctx.related(owner, navDef.name, base)
      }
      const all = lambda.value === 'all'
      return {
        evaluate: (row) => (all ? children(row).every(inner) : children(row).some(inner)),
        column: null,
      }
    }
    const column = columnOf(current, name)
    const final = resolveRow
    const logical = column.logicalName
    return { evaluate: (row) => final(row)?.[logical] ?? null, column }
  }
}

function parseValueFunction(s: TokenStream, ctx: FilterContext, table: TableDef, scope: Scope): Operand {
  const name = s.next() as { value: string }
  s.expect('(')
  const arg = parseOperand(s, ctx, table, scope)
  s.expect(')')
  const transform =
    name.value === 'tolower'
      ? (v: string) => v.toLowerCase()
      : name.value === 'toupper'
        ? (v: string) => v.toUpperCase()
        : name.value === 'trim'
          ? (v: string) => v.trim()
          : null
  if (transform === null) throw badQuery(`The function '${name.value}' cannot be used as a value here.`)
  return {
    evaluate: (row) => {
      const v = arg.evaluate(row)
      return typeof v === 'string' ? transform(v) : v
    },
    column: arg.column,
  }
}

function parseBooleanFunction(
  s: TokenStream,
  ctx: FilterContext,
  table: TableDef,
  scope: Scope,
): Predicate | null {
  const name = (s.peek() as { value: string }).value
  if (name === 'contains' || name === 'startswith' || name === 'endswith') {
    s.next()
    s.expect('(')
    const target = parseOperand(s, ctx, table, scope)
    s.expect(',')
    const needle = parseOperand(s, ctx, table, scope)
    s.expect(')')
    const test =
      name === 'contains'
        ? (a: string, b: string) => a.includes(b)
        : name === 'startswith'
          ? (a: string, b: string) => a.startsWith(b)
          : (a: string, b: string) => a.endsWith(b)
    return (row) => {
      const a = plain(target.evaluate(row))
      const b = plain(needle.evaluate(row))
      return typeof a === 'string' && typeof b === 'string' && test(a.toLowerCase(), b.toLowerCase())
    }
  }
  if (!name.startsWith('Microsoft.Dynamics.CRM.')) return null
  s.next()
  const fn = name.slice('Microsoft.Dynamics.CRM.'.length)
  s.expect('(')
  const params = new Map<string, Literal>()
  if (!s.accept(')')) {
    do {
      const key = s.next()
      if (key.kind !== 'name') throw badQuery(`Invalid parameters for ${fn}.`)
      s.expect('=')
      const valueToken = s.peek()
      let literal: Literal
      if (valueToken.kind === 'alias') {
        s.next()
        literal = resolveAlias(ctx, valueToken)
      } else if (valueToken.kind === 'punct' && valueToken.value === '[') {
        const items: Literal[] = []
        s.next()
        if (!s.accept(']')) {
          do {
            const item = s.next()
            items.push(item.kind === 'alias' ? resolveAlias(ctx, item) : (item as Literal))
          } while (s.accept(','))
          s.expect(']')
        }
        literal = { kind: 'array', items }
      } else {
        literal = s.next() as Literal
      }
      params.set(key.value, literal)
    } while (s.accept(','))
    s.expect(')')
  }
  const propertyParam = params.get('PropertyName')
  if (propertyParam === undefined || propertyParam.kind !== 'string') {
    throw badQuery(`The query function ${fn} needs a PropertyName.`)
  }
  const column = columnOf(table, propertyParam.value)
  const logical = column.logicalName
  const valueOf = (row: Row) => comparable(row[logical] ?? null, column)
  const valuesParam = params.get('PropertyValues') ?? params.get('PropertyValue')
  const values = (valuesParam?.kind === 'array' ? valuesParam.items : valuesParam ? [valuesParam] : []).map(
    (l) => comparable(literalToValue(column, l), column),
  )
  switch (fn) {
    case 'In':
      return (row) => values.includes(valueOf(row))
    case 'NotIn':
      return (row) => !values.includes(valueOf(row))
    case 'Between':
    case 'NotBetween': {
      const [low, high] = values
      if (low === undefined || high === undefined || low === null || high === null) {
        throw badQuery(`${fn} needs two PropertyValues.`)
      }
      const inside = (row: Row) => {
        const v = valueOf(row)
        return v !== null && v >= low && v <= high
      }
      return fn === 'Between' ? inside : (row) => !inside(row)
    }
    case 'Null':
      return (row) => valueOf(row) === null
    case 'NotNull':
      return (row) => valueOf(row) !== null
    case 'EqualUserId':
      return (row) => valueOf(row) === ctx.userId
    case 'NotEqualUserId':
      return (row) => valueOf(row) !== ctx.userId
    default:
      throw badQuery(`The query function Microsoft.Dynamics.CRM.${fn} is not supported by the sandbox.`)
  }
}
