/**
 * How defects look (§9): the dirty spellings the injector writes in place of clean values. Each
 * function returns a dirty value from which the spec's reader rule recovers the clean one (for
 * `normalise` defects), or a value that the rule must flag (for `warn` defects).
 */
import type { Rng } from './random'
import { pad2, type Zone } from './time'

/** A US E.164 number in one of the drifted formats of D03; the reader normalises it back. */
export function phoneDrift(e164: string, rng: Rng): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})(?:x(\d+))?$/.exec(e164)
  if (m === null) return e164
  const [, a = '', b = '', c = '', ext] = m
  const formats = [
    `(${a})${b}-${c}`,
    `(${a})-${b}-${c}`,
    `${a}.${b}.${c}`,
    `+1 (${a}) ${b}-${c}`,
    `${a}-${b}-${c}`,
    `1-${a}-${b}-${c}`,
    `${a}${b}${c}`,
    `(${a}) ${b}-${c}`,
  ]
  const base = rng.pick(formats)
  return ext === undefined ? base : `${base} ${rng.pick(['x', 'ext. ', 'x'])}${ext}`
}

/** A phone no parser can make whole (D03 unparseable → null + warn). */
export function phoneUnparseable(e164: string, rng: Rng): string {
  const digits = e164.replace(/\D/g, '')
  return rng.pick([
    `${digits.slice(4, 7)}-${digits.slice(7, 11)}`,
    'call cell',
    `${digits.slice(-5)}`,
    'see notes',
  ])
}

/** Whether an e-mail is invalid by the D26 rule (the generator uses it to keep D15 exact). */
export function isInvalidEmail(value: string): boolean {
  const at = value.split('@')
  if (at.length !== 2) return true
  const [local = '', domain = ''] = at
  if (local === '' || domain === '' || /\s/.test(value)) return true
  const labels = domain.split('.')
  return labels.length < 2 || (labels.at(-1) ?? '').length < 2
}

/** Known placeholder addresses (D26). */
export const PLACEHOLDER_EMAILS = ['none@none.com', 'test@test.com', 'noemail@noemail.com'] as const

/** An invalid spelling of an e-mail (D26). */
export function emailInvalid(email: string, rng: Rng): string {
  const [local = '', domain = ''] = email.split('@')
  return rng.pick([
    `${local}${domain}`,
    `${local.slice(0, 3)} ${local.slice(3)}@${domain}`,
    `${local}@`,
    `${local}@${domain.split('.')[0] ?? domain}`,
  ])
}

/** The e-mail cut at 50 or 64 characters where the cut leaves it invalid (D15), or null. */
export function emailTruncated(email: string): string | null {
  for (const cut of [50, 64]) {
    if (email.length > cut && isInvalidEmail(email.slice(0, cut))) return email.slice(0, cut)
  }
  return null
}

const PART_DELIMITERS = new Set([' ', '-', "'", '.'])
const SUFFIXES = new Set(['II', 'III', 'IV'])

/**
 * The D16 rule: a name with two or more letters and none lower-case is lower-cased, then each part
 * (after a space, hyphen, apostrophe or period) capitalised, II/III/IV kept; in last names `Mc` and
 * `Mac` + consonant (not c, h, k) + two or more letters capitalise the next letter.
 */
export function restoreCaps(value: string, isLastName: boolean): string {
  const letters = value.match(/\p{L}/gu) ?? []
  if (letters.length < 2 || letters.some((l) => l !== l.toUpperCase())) return value
  const lower = value.toLowerCase()
  const parts: string[] = []
  let current = ''
  const flush = () => {
    if (current === '') return
    if (SUFFIXES.has(current.toUpperCase())) parts.push(current.toUpperCase())
    else {
      let p = current.charAt(0).toUpperCase() + current.slice(1)
      if (isLastName && /^mc\p{L}/iu.test(p)) p = p.slice(0, 2) + p.charAt(2).toUpperCase() + p.slice(3)
      else if (isLastName && /^mac[^aeiouchk\P{L}]\p{L}{2,}/iu.test(p))
        p = p.slice(0, 3) + p.charAt(3).toUpperCase() + p.slice(4)
      parts.push(p)
    }
    current = ''
  }
  for (const ch of lower) {
    if (PART_DELIMITERS.has(ch)) {
      flush()
      parts.push(ch)
    } else current += ch
  }
  flush()
  return parts.join('')
}

/** Epoch ms of an api datetime. */
const ms = (iso: string) => Date.parse(iso)

/** An api-flavour datetime spelled as D04 allows (offset, space, no zone, epoch ms). */
export function apiDatetimeVariant(iso: string, zone: Zone, rng: Rng): { value: string; variant: string } {
  const t = ms(iso)
  switch (rng.int(0, 3)) {
    case 0: {
      const off = zone.offset(t)
      const local = new Date(t + off).toISOString().slice(0, 19)
      const sign = off < 0 ? '-' : '+'
      const abs = Math.abs(off) / 60_000
      return {
        value: `${local}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`,
        variant: 'api-offset',
      }
    }
    case 1:
      return { value: iso.replace('T', ' ').replace('Z', ''), variant: 'api-space-separator' }
    case 2:
      return { value: iso.replace('Z', ''), variant: 'api-no-zone' }
    default:
      return { value: String(t), variant: 'api-epoch-ms' }
  }
}

/** A ui datetime spelled as D04 allows: unpadded, with seconds, 24-hour, or ISO. */
export function uiDatetimeVariant(iso: string, zone: Zone, rng: Rng): { value: string; variant: string } {
  const t = ms(iso)
  const w = zone.wallClock(t)
  const h12 = w.hour % 12 === 0 ? 12 : w.hour % 12
  const ampm = w.hour < 12 ? 'AM' : 'PM'
  const pick = rng.int(0, 3)
  // Unpadded only where a part has one digit; otherwise the text would be the canonical form.
  const unpaddable = w.month < 10 || w.day < 10 || h12 < 10
  switch (pick === 0 && !unpaddable ? 1 : pick) {
    case 0:
      return {
        value: `${w.month}/${w.day}/${w.year} ${h12}:${pad2(w.minute)} ${ampm}`,
        variant: 'ui-unpadded',
      }
    case 1:
      return {
        value: `${pad2(w.month)}/${pad2(w.day)}/${w.year} ${pad2(h12)}:${pad2(w.minute)}:${pad2(w.second)} ${ampm}`,
        variant: 'ui-seconds',
      }
    case 2:
      return {
        value: `${pad2(w.month)}/${pad2(w.day)}/${w.year} ${pad2(w.hour)}:${pad2(w.minute)}`,
        variant: 'ui-24-hour',
      }
    default:
      return { value: iso, variant: 'ui-iso' }
  }
}

/** A date (`YYYY-MM-DD`) spelled as D04 allows: day-first (day > 12 only), two-digit year, US in api. */
export function dateVariant(
  date: string,
  flavour: 'api' | 'ui',
  rng: Rng,
  exportedYear: number,
): { value: string; variant: string } | null {
  const [y = '', m = '', d = ''] = date.split('-')
  const choices: Array<{ value: string; variant: string }> = []
  // Day-first is unambiguous only when the day exceeds 12 (§9 D04 ambiguity rule).
  if (Number(d) > 12) choices.push({ value: `${d}/${m}/${y}`, variant: 'dmy-date' })
  // YY → 20YY unless over a year ahead, else 19YY: only years that rule restores.
  const yy = Number(y) % 100
  const restored = 2000 + yy > exportedYear + 1 ? 1900 + yy : 2000 + yy
  if (restored === Number(y)) choices.push({ value: `${m}/${d}/${y.slice(2)}`, variant: 'two-digit-year' })
  if (flavour === 'api') choices.push({ value: `${m}/${d}/${y}`, variant: 'api-us-date' })
  return choices.length === 0 ? null : rng.pick(choices)
}

/** Placeholder dates (D05) for a date or datetime column. */
export function placeholderDate(kind: 'date' | 'datetime', rng: Rng): string {
  return kind === 'date'
    ? rng.pick(['0000-00-00', '1900-01-01', '1899-12-30'])
    : rng.pick(['0000-00-00 00:00:00', '1970-01-01T00:00:00Z', '1900-01-01'])
}

/** Money in api spelled as ui would (D30, normalise) or abbreviated (D30, null + warn). */
export function moneyVariant(value: string, rng: Rng): { value: string; variant: string } {
  if (rng.chance(0.7)) {
    const [whole = '0', cents = '00'] = value.split('.')
    return { value: `$${Number(whole).toLocaleString('en-US')}.${cents}`, variant: 'formatted-number-in-api' }
  }
  return { value: `${(Number(value) / 1000).toFixed(1)}K`, variant: 'unparseable-number' }
}
