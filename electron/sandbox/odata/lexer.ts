/**
 * Tokens of OData URL expressions ($filter, key segments, function parameters): quoted strings
 * (`'` escaped as `''`, WEB-API-NOTES §16), numbers, GUIDs, dates, names, parameter aliases and
 * punctuation.
 */
import { badQuery } from '../web-api/errors'

/** One token of an OData expression. */
export type Token =
  | Readonly<{ kind: 'string'; value: string }>
  | Readonly<{ kind: 'number'; value: number; text: string }>
  | Readonly<{ kind: 'guid'; value: string }>
  | Readonly<{ kind: 'datetime'; value: string }>
  | Readonly<{ kind: 'name'; value: string }>
  | Readonly<{ kind: 'alias'; value: string }>
  | Readonly<{ kind: 'punct'; value: '(' | ')' | ',' | '=' | '/' | ':' | '[' | ']' }>
  | Readonly<{ kind: 'end' }>

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/
const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/
const NAME = /^[A-Za-z_$][A-Za-z0-9_.$]*/

/** Splits an expression into tokens; throws a 400 on a character it cannot read. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const ch = text.charAt(i)
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++
      continue
    }
    if (ch === "'") {
      let value = ''
      i++
      for (;;) {
        if (i >= text.length) throw badQuery(`Unterminated string literal in '${text}'.`)
        const c = text.charAt(i)
        if (c === "'") {
          if (text.charAt(i + 1) === "'") {
            value += "'"
            i += 2
            continue
          }
          i++
          break
        }
        value += c
        i++
      }
      tokens.push({ kind: 'string', value })
      continue
    }
    if ('(),=/:[]'.includes(ch)) {
      tokens.push({ kind: 'punct', value: ch as '(' })
      i++
      continue
    }
    const rest = text.slice(i)
    if (ch === '@') {
      const match = NAME.exec(rest.slice(1))
      if (match === null) throw badQuery(`Invalid parameter alias in '${text}'.`)
      tokens.push({ kind: 'alias', value: `@${match[0]}` })
      i += match[0].length + 1
      continue
    }
    const guid = GUID.exec(rest)
    if (guid !== null && !/[0-9A-Za-z]/.test(rest.charAt(36))) {
      tokens.push({ kind: 'guid', value: guid[0].toLowerCase() })
      i += 36
      continue
    }
    const dt = DATETIME.exec(rest)
    if (dt !== null && dt[0].length >= 10 && !/[0-9A-Za-z]/.test(rest.charAt(dt[0].length))) {
      tokens.push({ kind: 'datetime', value: dt[0] })
      i += dt[0].length
      continue
    }
    const num = NUMBER.exec(rest)
    if (num !== null && !/[A-Za-z_]/.test(rest.charAt(num[0].length))) {
      const numeric = num[0].replace(/[mMdDfFlL]$/, '')
      tokens.push({ kind: 'number', value: Number(numeric), text: numeric })
      i += num[0].length
      continue
    }
    const name = NAME.exec(rest)
    if (name !== null) {
      i += name[0].length
      // An enum literal, `Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'`, compares as its member name.
      if (text.charAt(i) === "'" && name[0].includes('.')) {
        const end = text.indexOf("'", i + 1)
        if (end < 0) throw badQuery(`Unterminated enum literal in '${text}'.`)
        tokens.push({ kind: 'string', value: text.slice(i + 1, end) })
        i = end + 1
        continue
      }
      tokens.push({ kind: 'name', value: name[0] })
      continue
    }
    throw badQuery(`Syntax error at position ${i} in '${text}'.`)
  }
  tokens.push({ kind: 'end' })
  return tokens
}

/** A cursor over tokens with the small helpers every parser here needs. */
export class TokenStream {
  readonly #tokens: Token[]
  #pos = 0
  readonly source: string

  constructor(source: string) {
    this.source = source
    this.#tokens = tokenize(source)
  }

  peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#pos + offset, this.#tokens.length - 1)] ?? { kind: 'end' }
  }

  next(): Token {
    const token = this.peek()
    if (this.#pos < this.#tokens.length - 1) this.#pos++
    return token
  }

  /** Consumes a punctuation token or throws a syntax error. */
  expect(value: string): void {
    const token = this.next()
    if (token.kind !== 'punct' || token.value !== value) {
      throw badQuery(`Syntax error: '${value}' expected in '${this.source}'.`)
    }
  }

  /** Consumes the punctuation if it is next. */
  accept(value: string): boolean {
    const token = this.peek()
    if (token.kind === 'punct' && token.value === value) {
      this.next()
      return true
    }
    return false
  }

  /** Is the next token this (case-sensitive) name? */
  isName(value: string): boolean {
    const token = this.peek()
    return token.kind === 'name' && token.value === value
  }

  atEnd(): boolean {
    return this.peek().kind === 'end'
  }
}
