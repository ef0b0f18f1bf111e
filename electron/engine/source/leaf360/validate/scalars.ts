/**
 * Ids, numbers, money, percentages and booleans of both flavours (EXPORT-FORMAT.md §5; defects
 * D30 and D33). Money and percentages stay exact decimal strings; ids stay strings (19 digits
 * exceed 2^53), so no value here ever passes through a float.
 *
 * Every function takes a trimmed, non-empty value that is not a §5 null token.
 */
import type { IssueSink } from './issues'

type Flavour = 'api' | 'ui'

const ID = /^[0-9]{1,19}$/
const ID_DOT_ZERO = /^([0-9]{1,19})\.0+$/
const ID_EXPONENT = /^[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+$/

/** What reading an id found. */
export type IdReading =
  | Readonly<{ kind: 'ok'; id: string }>
  /** Spreadsheet damage undone (`.0`, leading `'`): D33 normalise. */
  | Readonly<{ kind: 'repaired'; id: string }>
  /** `1.23457E+11`: the digits are gone (D33). */
  | Readonly<{ kind: 'exponent' }>
  | Readonly<{ kind: 'invalid' }>

/** Reads an id (§5: 1–19 ASCII digits), undoing the spreadsheet damage of §9 D33 where it can. */
export function readId(value: string): IdReading {
  if (ID.test(value)) return { kind: 'ok', id: value }
  let v = value
  if (v.startsWith("'")) v = v.slice(1).trim()
  const dotZero = ID_DOT_ZERO.exec(v)
  if (dotZero !== null) return { kind: 'repaired', id: dotZero[1]! }
  if (ID.test(v)) return { kind: 'repaired', id: v }
  if (ID_EXPONENT.test(v)) return { kind: 'exponent' }
  return { kind: 'invalid' }
}

/**
 * A reference id (a foreign key or a multi-id element): repaired with D33, or null with D33 when
 * the digits are lost or it is not an id at all.
 */
export function normaliseRefId(value: string, column: string, sink: IssueSink): string | null {
  const r = readId(value)
  switch (r.kind) {
    case 'ok':
      return r.id
    case 'repaired':
      sink.warn('D33', column, value)
      return r.id
    case 'exponent':
      sink.warn('D33', column, value, 'exponent')
      return null
    case 'invalid':
      sink.warn('D33', column, value, 'not_an_id')
      return null
  }
}

const INT_API = /^-?\d+$/
const INT_UI = /^-?\d{1,3}(,\d{3})+$/
const DECIMAL_API = /^-?\d+(\.\d+)?$/
const DECIMAL_UI = /^-?\d{1,3}(,\d{3})+(\.\d+)?$/
const SUFFIXED = /^-?\$?\d+(\.\d+)?[KkMm]$/

/** Strips a leading zero run without touching `0` or the sign. */
function canonicalInteger(digits: string): string {
  const negative = digits.startsWith('-')
  const body = (negative ? digits.slice(1) : digits).replace(/^0+(?=\d)/, '')
  return negative && body !== '0' ? `-${body}` : body
}

/**
 * Canonical exact decimal: no thousands separators, no leading zeros, trailing fraction zeros kept
 * to `places` when given.
 */
function canonicalDecimal(value: string, places: number | null): string {
  const negative = value.startsWith('-')
  const body = negative ? value.slice(1) : value
  const [intPart = '0', frac = ''] = body.split('.')
  const int = intPart.replace(/^0+(?=\d)/, '')
  const fraction = places === null ? frac.replace(/0+$/, '') : frac.padEnd(places, '0')
  const text = fraction.length > 0 ? `${int}.${fraction}` : int
  const isZero = /^0(\.0*)?$/.test(text)
  return negative && !isZero ? `-${text}` : text
}

/** An int column: a JS number when it is a safe integer, else the exact digits. */
export function normaliseInt(
  value: string,
  flavour: Flavour,
  column: string,
  sink: IssueSink,
): number | string | null {
  let digits: string | null = null
  if (INT_API.test(value)) digits = value
  else if (INT_UI.test(value)) {
    digits = value.replace(/,/g, '')
    if (flavour === 'api') sink.warn('D30', column, value)
  } else if (/^-?\d+\.0+$/.test(value)) {
    digits = value.slice(0, value.indexOf('.'))
    sink.warn('D30', column, value)
  }
  if (digits === null) {
    sink.warn('D30', column, value, 'unparseable')
    return null
  }
  const canonical = canonicalInteger(digits)
  const n = Number(canonical)
  return Number.isSafeInteger(n) ? n : canonical
}

/** A decimal column: exact decimal string. */
export function normaliseDecimal(
  value: string,
  flavour: Flavour,
  column: string,
  sink: IssueSink,
): string | null {
  if (DECIMAL_API.test(value)) return canonicalDecimal(value, null)
  if (DECIMAL_UI.test(value)) {
    if (flavour === 'api') sink.warn('D30', column, value)
    return canonicalDecimal(value.replace(/,/g, ''), null)
  }
  sink.warn('D30', column, value, 'unparseable')
  return null
}

const MONEY_API = /^-?\d+(\.\d{1,2})?$/
const MONEY_UI = /^(-)?\$(\d{1,3}(?:,\d{3})*|\d+)(\.\d{1,2})?$/
const MONEY_UI_PARENS = /^\(\$(\d{1,3}(?:,\d{3})*|\d+)(\.\d{1,2})?\)$/
const MONEY_LOOSE = /^(-)?\$?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?$/

/**
 * A money column (USD): exact decimal string with two places (`357904.00`). api writes
 * `357904.00`; ui `$357,904.00`, `-$1,200.00` or `($1,200.00)`. `$` or `,` in api is normalised
 * with D30; `357.9K` and anything else read as null with D30 (§9 D30).
 */
export function normaliseMoney(
  value: string,
  flavour: Flavour,
  column: string,
  sink: IssueSink,
): string | null {
  // A bare number is accepted in ui too: spreadsheet cells lose their currency format.
  if (MONEY_API.test(value)) return canonicalDecimal(value, 2)
  let m = MONEY_UI.exec(value)
  if (m !== null) {
    if (flavour === 'api') sink.warn('D30', column, value)
    return canonicalDecimal(`${m[1] ?? ''}${m[2]!.replace(/,/g, '')}${m[3] ?? ''}`, 2)
  }
  m = MONEY_UI_PARENS.exec(value)
  if (m !== null) {
    if (flavour === 'api') sink.warn('D30', column, value)
    return canonicalDecimal(`-${m[1]!.replace(/,/g, '')}${m[2] ?? ''}`, 2)
  }
  m = MONEY_LOOSE.exec(value)
  if (m !== null) {
    sink.warn('D30', column, value)
    return canonicalDecimal(`${m[1] ?? ''}${m[2]!.replace(/,/g, '')}${m[3] ?? ''}`, 2)
  }
  sink.warn('D30', column, value, SUFFIXED.test(value) ? 'abbreviated' : 'unparseable')
  return null
}

const PCT = /^-?\d+(\.\d+)?$/

/** A pct column: percentage points as an exact decimal (`6.875`); ui writes `6.875%`. */
export function normalisePct(
  value: string,
  flavour: Flavour,
  column: string,
  sink: IssueSink,
): string | null {
  const hasSign = value.endsWith('%')
  const body = hasSign ? value.slice(0, -1).trim() : value
  if (!PCT.test(body)) {
    sink.warn('D30', column, value, 'unparseable')
    return null
  }
  // `%` in api is D30; a bare number in ui is accepted (spreadsheet cells lose their format).
  if (hasSign && flavour === 'api') sink.warn('D30', column, value)
  return canonicalDecimal(body, null)
}

/** A prob value (JSON number 0–1), as text from a CSV cell. */
export function normaliseProb(value: string, column: string, sink: IssueSink): number | null {
  const n = DECIMAL_API.test(value) ? Number(value) : Number.NaN
  if (!(n >= 0 && n <= 1)) {
    sink.warn('D30', column, value, 'unparseable')
    return null
  }
  return n
}

const TRUE_TOKENS = new Set(['true', 'yes', 'y', 't', '1'])
const FALSE_TOKENS = new Set(['false', 'no', 'n', 'f', '0'])

/**
 * A bool (§5): true/false, yes/no, y/n, t/f, 1/0 case-insensitively in both flavours, and `X` in ui.
 * Anything else is null with D30.
 */
export function normaliseBool(
  value: string,
  flavour: Flavour,
  column: string,
  sink: IssueSink,
): boolean | null {
  if (value === 'true' || value === 'Yes') return true
  if (value === 'false' || value === 'No') return false
  const lower = value.toLowerCase()
  if (TRUE_TOKENS.has(lower) || (flavour === 'ui' && lower === 'x')) return true
  if (FALSE_TOKENS.has(lower)) return false
  sink.warn('D30', column, value, 'unknown_boolean')
  return null
}
