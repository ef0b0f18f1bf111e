/**
 * Splits an OData resource path into segments and reads key and parameter lists:
 * `accounts(accountnumber='ABC123')`, `contacts(firstname='Joe',emailaddress1='abc@example.com')`,
 * `accounts(<guid>)`, `RetrieveTotalRecordCount(EntityNames=@p1)` ([altkey-ref], [functions]).
 */
import { badQuery } from '../web-api/errors'
import { TokenStream, type Token } from './lexer'

/** One path segment: a name and the raw text inside its parentheses, if any. */
export type Segment = Readonly<{ name: string; args: string | null }>

/** A literal in a key or parameter list. */
export type Literal =
  | Readonly<{ kind: 'string'; value: string }>
  | Readonly<{ kind: 'number'; value: number }>
  | Readonly<{ kind: 'guid'; value: string }>
  | Readonly<{ kind: 'datetime'; value: string }>
  | Readonly<{ kind: 'boolean'; value: boolean }>
  | Readonly<{ kind: 'null' }>
  | Readonly<{ kind: 'alias'; value: string }>
  | Readonly<{ kind: 'array'; items: ReadonlyArray<Literal> }>

/** Splits a path on `/`, keeping slashes inside quotes or parentheses. */
export function splitSegments(path: string): Segment[] {
  const segments: Segment[] = []
  let depth = 0
  let quoted = false
  let start = 0
  const push = (end: number) => {
    const text = path.slice(start, end)
    if (text.length === 0) return
    const open = text.indexOf('(')
    if (open > 0 && text.endsWith(')')) {
      segments.push({ name: text.slice(0, open), args: text.slice(open + 1, -1) })
    } else segments.push({ name: text, args: null })
  }
  for (let i = 0; i < path.length; i++) {
    const ch = path.charAt(i)
    if (ch === "'") quoted = !quoted
    else if (!quoted && ch === '(') depth++
    else if (!quoted && ch === ')') depth--
    else if (!quoted && depth === 0 && ch === '/') {
      push(i)
      start = i + 1
    }
  }
  push(path.length)
  return segments
}

const literalOf = (token: Token, stream: TokenStream): Literal => {
  switch (token.kind) {
    case 'string':
      return { kind: 'string', value: token.value }
    case 'number':
      return { kind: 'number', value: token.value }
    case 'guid':
      return { kind: 'guid', value: token.value }
    case 'datetime':
      return { kind: 'datetime', value: token.value }
    case 'alias':
      return { kind: 'alias', value: token.value }
    case 'name':
      if (token.value === 'true' || token.value === 'false')
        return { kind: 'boolean', value: token.value === 'true' }
      if (token.value === 'null') return { kind: 'null' }
      throw badQuery(`Unexpected '${token.value}' in '${stream.source}'.`)
    case 'punct':
      if (token.value === '[') {
        const items: Literal[] = []
        if (!stream.accept(']')) {
          do items.push(literalOf(stream.next(), stream))
          while (stream.accept(','))
          stream.expect(']')
        }
        return { kind: 'array', items }
      }
      throw badQuery(`Unexpected '${token.value}' in '${stream.source}'.`)
    default:
      throw badQuery(`Unexpected end of '${stream.source}'.`)
  }
}

/** Reads a literal (JSON arrays and strings too) from an alias value or a parameter. */
export function parseLiteral(text: string): Literal {
  const trimmed = text.trim()
  if (trimmed.startsWith('[') && trimmed.includes('"')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown[]
      return {
        kind: 'array',
        items: parsed.map((v) =>
          typeof v === 'string' ? { kind: 'string', value: v } : { kind: 'number', value: Number(v) },
        ),
      }
    } catch {
      throw badQuery(`Invalid array literal '${text}'.`)
    }
  }
  const stream = new TokenStream(trimmed)
  const literal = literalOf(stream.next(), stream)
  if (!stream.atEnd()) throw badQuery(`Invalid literal '${text}'.`)
  return literal
}

/**
 * Reads the inside of a key or parameter list: either one bare literal (`<guid>`) or
 * `name=literal` pairs. A bare literal is returned under the empty name.
 */
export function parseArgs(args: string): Map<string, Literal> {
  const out = new Map<string, Literal>()
  if (args.trim() === '') return out
  const stream = new TokenStream(args)
  const first = stream.peek()
  const second = stream.peek(1)
  if (!(first.kind === 'name' && second.kind === 'punct' && second.value === '=')) {
    out.set('', literalOf(stream.next(), stream))
    if (!stream.atEnd()) throw badQuery(`Invalid key '${args}'.`)
    return out
  }
  do {
    const name = stream.next()
    if (name.kind !== 'name') throw badQuery(`Invalid key '${args}'.`)
    stream.expect('=')
    out.set(name.value, literalOf(stream.next(), stream))
  } while (stream.accept(','))
  if (!stream.atEnd()) throw badQuery(`Invalid key '${args}'.`)
  return out
}
