/**
 * Names, addresses, ZIP codes, e-mails and phones (EXPORT-FORMAT.md §5; defects D03, D06, D08, D15,
 * D16, D26). Every function takes a trimmed, non-empty value.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import type { IssueSink } from './issues'

// ---- D16: ALL-CAPS names -------------------------------------------------------------------------

const ROMAN_SUFFIXES = new Set(['ii', 'iii', 'iv'])
const VOWELS = new Set(['a', 'e', 'i', 'o', 'u'])

/** Is this a name D16 rewrites: two or more letters and none lower-case? */
export function isAllCapsName(value: string): boolean {
  const letters = value.match(/\p{L}/gu)
  return letters !== null && letters.length >= 2 && !/\p{Ll}/u.test(value)
}

const capitalise = (s: string, at: number) =>
  at < s.length ? s.slice(0, at) + s.charAt(at).toUpperCase() + s.slice(at + 1) : s

/** The letter after `Mac` that the D16 rule capitalises, or -1 (MacLeod; not Machado, Mackey, Macias). */
function macCapitalAt(part: string): number {
  if (!part.startsWith('mac')) return -1
  const rest = part.slice(3)
  const next = rest.charAt(0)
  if (!/\p{L}/u.test(next) || VOWELS.has(next) || next === 'c' || next === 'h' || next === 'k') return -1
  // The consonant followed by two or more letters.
  return (rest.slice(1).match(/\p{L}/gu)?.length ?? 0) >= 2 ? 3 : -1
}

/**
 * D16: lower-cases an ALL-CAPS name, then capitalises the first letter of each part (delimited by
 * space, hyphen, apostrophe or period), keeps II/III/IV upper-case, and in last names capitalises
 * after a part-initial `Mc` and `Mac` + consonant (not c, h, k) + two or more letters.
 */
export function normaliseCapsName(value: string, isLastName: boolean): string {
  return value
    .toLowerCase()
    .split(/([ \-'.])/)
    .map((part, index) => {
      if (index % 2 === 1 || part.length === 0) return part
      if (ROMAN_SUFFIXES.has(part)) return part.toUpperCase()
      let out = capitalise(part, 0)
      if (isLastName) {
        if (part.startsWith('mc') && part.length > 2) out = capitalise(out, 2)
        else {
          const at = macCapitalAt(part)
          if (at >= 0) out = capitalise(out, at)
        }
      }
      return out
    })
    .join('')
}

// ---- D06: TBD addresses -----------------------------------------------------------------------

const TBD_STREET = /^(?:tbd(?:\s+tbd)*|to\s+be\s+determined|123\s+main\s+st(?:reet)?\.?)$/i

/** Is this street a placeholder (`TBD`, `TBD TBD`, `To Be Determined`, `123 Main St`, §9 D06)? */
export const isTbdStreet = (value: string): boolean => TBD_STREET.test(value)

// ---- D08: ZIP codes ---------------------------------------------------------------------------

const ZIP = /^\d{5}(-\d{4})?$/

/**
 * A ZIP code, always a string (§5). D08: 3–4 digits are padded to 5; 8 digits (a ZIP+4 that lost
 * its zero) become `NNNNN-NNNN`. Anything else is kept as written, with D08.
 */
export function normaliseZip(value: string, column: string, sink: IssueSink): string {
  if (ZIP.test(value)) return value
  if (/^\d{3,4}$/.test(value)) {
    sink.warn('D08', column, value)
    return value.padStart(5, '0')
  }
  if (/^\d{8}$/.test(value)) {
    sink.warn('D08', column, value)
    const nine = value.padStart(9, '0')
    return `${nine.slice(0, 5)}-${nine.slice(5)}`
  }
  if (/^\d{3,4}-\d{4}$/.test(value)) {
    sink.warn('D08', column, value)
    const [five = '', four = ''] = value.split('-')
    return `${five.padStart(5, '0')}-${four}`
  }
  if (/^\d{9}$/.test(value)) {
    sink.warn('D08', column, value)
    return `${value.slice(0, 5)}-${value.slice(5)}`
  }
  sink.warn('D08', column, value, 'unrecognised')
  return value
}

// ---- D26 / D15: e-mails ---------------------------------------------------------------------

const PLACEHOLDER_EMAILS = new Set([
  'none@none.com',
  'test@test.com',
  'noemail@noemail.com',
  'no@email.com',
  'noemail@email.com',
  'na@na.com',
  'email@email.com',
  'unknown@unknown.com',
  'fake@fake.com',
  'example@example.com',
  'nobody@nowhere.com',
  'noreply@noreply.com',
  'x@x.com',
])

/** How an e-mail value reads: usable, invalid (D26) or truncated (D15). */
export type EmailVerdict = 'valid' | 'invalid' | 'truncated'

/** The §9 D26 rule, with D15 for an invalid value exactly 50 or 64 characters long. */
export function classifyEmail(value: string): EmailVerdict {
  const invalid = isInvalidEmail(value)
  if (!invalid) return 'valid'
  return value.length === 50 || value.length === 64 ? 'truncated' : 'invalid'
}

function isInvalidEmail(value: string): boolean {
  const at = value.indexOf('@')
  if (at <= 0 || at !== value.lastIndexOf('@') || at === value.length - 1) return true
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    // Whitespace inside (the value is trimmed): space, tab, CR, LF, NBSP and the like.
    if (c <= 32 || c === 0xa0 || (c >= 0x2000 && c <= 0x200b) || c === 0x3000) return true
  }
  const dot = value.lastIndexOf('.')
  // The domain needs a dot, no empty label at its ends, and a last label of two or more characters.
  if (dot < at + 2 || value.length - dot - 1 < 2 || value.includes('..', at)) return true
  // Every known placeholder is short; skip the lower-casing for the rest.
  return value.length <= 24 && PLACEHOLDER_EMAILS.has(value.toLowerCase())
}

/**
 * An e-mail value: kept as written (trimmed) in every case; D26 marks an invalid one, D15 a
 * truncated one. Returns the verdict so callers keep it out of dedupe and owner matching.
 */
export function checkEmail(value: string, column: string, sink: IssueSink): EmailVerdict {
  const verdict = classifyEmail(value)
  if (verdict === 'invalid') sink.warn('D26', column, value)
  else if (verdict === 'truncated') sink.warn('D15', column, value)
  return verdict
}

// ---- D03: phones --------------------------------------------------------------------------------

const CANONICAL_PHONE = /^\+[1-9]\d{1,14}(x\d{1,6})?$/
const US_SHAPE =
  /^(?:\+?1[\s.-]*)?\(?(\d{3})\)?[\s.-]*(\d{3})[\s.-]*(\d{4})(?:\s*[,;]?\s*(?:x|ext\.?|extension|#)\s*(\d{1,6}))?$/i

/**
 * D03: a phone in E.164 (US default) plus an optional `x` extension. A canonical value passes
 * unchanged; a parseable one is normalised with D03; an unparseable one is null with D03.
 */
export function normalisePhone(value: string, column: string, sink: IssueSink): string | null {
  if (CANONICAL_PHONE.test(value)) return value
  const us = US_SHAPE.exec(value)
  if (us !== null) {
    sink.warn('D03', column, value)
    return `+1${us[1]}${us[2]}${us[3]}${us[4] === undefined ? '' : `x${us[4]}`}`
  }
  const parsed = parseOtherPhone(value)
  if (parsed === null) sink.warn('D03', column, value, 'unparseable')
  else sink.warn('D03', column, value)
  return parsed
}

/** libphonenumber's readings of values seen lately: the same number recurs across a portal's files. */
const OTHER_PHONES = new Map<string, string | null>()
const OTHER_PHONES_KEPT = 10_000

/** A value of no canonical or US shape, read by libphonenumber (US default), or null when impossible. */
function parseOtherPhone(value: string): string | null {
  const known = OTHER_PHONES.get(value)
  if (known !== undefined) return known
  const parsed = parsePhoneNumberFromString(value, 'US')
  const reading =
    parsed === undefined || !parsed.isPossible()
      ? null
      : parsed.ext === undefined
        ? (parsed.number as string)
        : `${parsed.number}x${parsed.ext}`
  // Bounded: a long run of distinct values starts the memory afresh.
  if (OTHER_PHONES.size >= OTHER_PHONES_KEPT) OTHER_PHONES.clear()
  OTHER_PHONES.set(value, reading)
  return reading
}
