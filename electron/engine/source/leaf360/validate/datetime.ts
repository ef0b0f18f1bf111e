/**
 * Dates and datetimes of both flavours (EXPORT-FORMAT.md §5, §7; defects D04 and D05).
 *
 * api writes `YYYY-MM-DDTHH:MM:SS[.sss]Z` and `YYYY-MM-DD`; ui writes `MM/DD/YYYY hh:mm AM/PM` in
 * the manifest time zone and `MM/DD/YYYY`. Everything else that can be read unambiguously is
 * normalised with D04; placeholders (§9 D05) read as null with D05. Datetimes are stored as UTC
 * ISO-8601 (`…Z`, milliseconds only when non-zero), dates as `YYYY-MM-DD`, never shifted.
 */
import type { IssueSink } from './issues'
import { localDateOf, localToUtc, type LocalResolution } from './time-zone'

/** What date reading needs to know about the export. */
export type DateContext = Readonly<{
  flavour: 'api' | 'ui'
  /** IANA zone of ui datetimes (the manifest `timezone`). */
  timezone: string
  /** exported_at (ms): the two-digit-year rule counts "over a year ahead" from it. */
  referenceMs: number
}>

/**
 * How the unambiguous slash dates of one column were written so far: an ambiguous day/month
 * follows them (§9 D04), and MM/DD (the US order both flavours use) until they say otherwise.
 */
export type DayMonthOrder = { mdy: number; dmy: number }

/** A fresh per-column order tally. */
export const newDayMonthOrder = (): DayMonthOrder => ({ mdy: 0, dmy: 0 })

const YEAR_MS = 365.25 * 86_400_000

const ISO_DATETIME_CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?Z$/
const ISO_ANY =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i
const SLASH_ANY =
  /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?:(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?)?$/
const UI_DATETIME_CANONICAL = /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2} [AP]M$/
const UI_DATE_CANONICAL = /^\d{2}\/\d{2}\/\d{4}$/
const API_DATE_CANONICAL = /^\d{4}-\d{2}-\d{2}$/
const EPOCH_MS = /^\d{13}$/
const ZERO_DATE = /^0000-00-00(?:[T ]00:00:00)?$/

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
const daysIn = (year: number, month: number) =>
  month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0)

function validParts(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): boolean {
  return (
    mo >= 1 &&
    mo <= 12 &&
    d >= 1 &&
    d <= daysIn(y, mo) &&
    h >= 0 &&
    h <= 23 &&
    mi >= 0 &&
    mi <= 59 &&
    s >= 0 &&
    s <= 59
  )
}

const digit = (s: string, i: number) => s.charCodeAt(i) - 48
const isDigitAt = (s: string, i: number) => {
  const c = s.charCodeAt(i)
  return c >= 48 && c <= 57
}
const two = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1)

/**
 * `YYYY-MM-DDTHH:MM:SS[.sss]Z` read without a regex (the hot path of api files): the stored form,
 * 'placeholder' for a D05 value, or null when the text is not in this form.
 */
function canonicalApiInstant(raw: string): string | 'placeholder' | null {
  const len = raw.length
  if (len !== 20 && len !== 24) return null
  if (
    raw.charCodeAt(4) !== 45 ||
    raw.charCodeAt(7) !== 45 ||
    raw.charCodeAt(10) !== 84 ||
    raw.charCodeAt(13) !== 58 ||
    raw.charCodeAt(16) !== 58 ||
    raw.charCodeAt(len - 1) !== 90
  ) {
    return null
  }
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (!isDigitAt(raw, i)) return null
  if (
    len === 24 &&
    (raw.charCodeAt(19) !== 46 || !isDigitAt(raw, 20) || !isDigitAt(raw, 21) || !isDigitAt(raw, 22))
  ) {
    return null
  }
  const y = digit(raw, 0) * 1000 + digit(raw, 1) * 100 + two(raw, 2)
  const mo = two(raw, 5)
  const d = two(raw, 8)
  if (!validParts(y, mo, d, two(raw, 11), two(raw, 14), two(raw, 17))) return null
  const zeroMs =
    len === 20 || (raw.charCodeAt(20) === 48 && raw.charCodeAt(21) === 48 && raw.charCodeAt(22) === 48)
  if (isPlaceholderDate(y, mo, d) || (zeroMs && raw.startsWith('1970-01-01T00:00:00'))) return 'placeholder'
  return len === 24 && zeroMs ? raw.slice(0, 19) + 'Z' : raw
}

/** Expands a two-digit year: 20YY unless that is over a year after the reference, else 19YY (§9 D04). */
export function expandTwoDigitYear(yy: number, referenceMs: number): number {
  const century = 2000 + yy
  return Date.UTC(century, 0, 1) - referenceMs > YEAR_MS ? 1900 + yy : century
}

/** Formats a UTC instant the way staging stores datetimes. */
export function formatInstant(utcMs: number): string {
  const iso = new Date(utcMs).toISOString()
  return iso.endsWith('.000Z') ? iso.slice(0, 19) + 'Z' : iso
}

const pad2 = (n: number) => String(n).padStart(2, '0')
const formatDate = (y: number, mo: number, d: number) =>
  `${String(y).padStart(4, '0')}-${pad2(mo)}-${pad2(d)}`

const isPlaceholderDate = (y: number, mo: number, d: number) =>
  (y === 1900 && mo === 1 && d === 1) || (y === 1899 && mo === 12 && d === 30)

/** A parsed value before it becomes a date or an instant. */
type Parsed =
  | Readonly<{ kind: 'instant'; utcMs: number; resolution: LocalResolution; local: WallClock | null }>
  | Readonly<{ kind: 'invalid' }>

/** The wall-clock parts as written (for placeholders and date columns). */
type WallClock = Readonly<{
  y: number
  mo: number
  d: number
  h: number
  mi: number
  s: number
  hasTime: boolean
  /** Read day first (DD/MM): never the canonical ui form. */
  dayFirst?: boolean
}>

type ReadFrame = 'utc' | 'local'

function toInstant(w: WallClock, ms: number, frame: ReadFrame, zone: string): Parsed {
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s, ms)
  if (frame === 'utc') return { kind: 'instant', utcMs: asUtc, resolution: 'exact', local: w }
  const { utcMs, resolution } = localToUtc(zone, asUtc)
  return { kind: 'instant', utcMs, resolution, local: w }
}

/** Decides day/month order of a slash date and updates the column's tally. */
function slashDayMonth(
  a: number,
  b: number,
  order: DayMonthOrder,
): { mo: number; d: number; dayFirst: boolean } {
  if (a > 12 && b <= 12) {
    order.dmy++
    return { mo: b, d: a, dayFirst: true }
  }
  if (b > 12 && a <= 12) {
    order.mdy++
    return { mo: a, d: b, dayFirst: false }
  }
  return order.dmy > order.mdy ? { mo: b, d: a, dayFirst: true } : { mo: a, d: b, dayFirst: false }
}

/** Reads any accepted form; `frameOfNaive` is how a value without a zone is read. */
function parseAny(
  raw: string,
  ctx: DateContext,
  frameOfNaive: ReadFrame,
  order: DayMonthOrder,
): Parsed | null {
  if (EPOCH_MS.test(raw)) return { kind: 'instant', utcMs: Number(raw), resolution: 'exact', local: null }
  const iso = ISO_ANY.exec(raw)
  if (iso !== null) {
    const [, ys, mos, ds, , hs, mis, ss, frac, zone] = iso
    const w: WallClock = {
      y: Number(ys),
      mo: Number(mos),
      d: Number(ds),
      h: hs === undefined ? 0 : Number(hs),
      mi: mis === undefined ? 0 : Number(mis),
      s: ss === undefined ? 0 : Number(ss),
      hasTime: hs !== undefined,
    }
    if (!validParts(w.y, w.mo, w.d, w.h, w.mi, w.s)) return { kind: 'invalid' }
    const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000)
    if (zone === undefined) return toInstant(w, ms, frameOfNaive, ctx.timezone)
    const base = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s, ms)
    if (zone.toUpperCase() === 'Z') return { kind: 'instant', utcMs: base, resolution: 'exact', local: null }
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    const offsetMs = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
    return { kind: 'instant', utcMs: base - offsetMs, resolution: 'exact', local: null }
  }
  const slash = SLASH_ANY.exec(raw)
  if (slash !== null) {
    const [, as, bs, ys, hs, mis, ss, ampm] = slash
    const { mo, d, dayFirst } = slashDayMonth(Number(as), Number(bs), order)
    const y = ys!.length === 2 ? expandTwoDigitYear(Number(ys), ctx.referenceMs) : Number(ys)
    let h = hs === undefined ? 0 : Number(hs)
    if (ampm !== undefined) {
      if (h < 1 || h > 12) return { kind: 'invalid' }
      const pm = ampm.toUpperCase() === 'P'
      h = (h % 12) + (pm ? 12 : 0)
    }
    const w: WallClock = {
      y,
      mo,
      d,
      h,
      mi: mis === undefined ? 0 : Number(mis),
      s: ss === undefined ? 0 : Number(ss),
      hasTime: hs !== undefined,
      dayFirst,
    }
    if (!validParts(w.y, w.mo, w.d, w.h, w.mi, w.s)) return { kind: 'invalid' }
    return toInstant(w, 0, frameOfNaive, ctx.timezone)
  }
  return null
}

/**
 * Normalises one datetime value (already trimmed, non-empty) to UTC ISO-8601, or null.
 * Reports D04 for any non-canonical form or DST adjustment, D05 for placeholders.
 */
export function normaliseDatetime(
  raw: string,
  ctx: DateContext,
  column: string,
  sink: IssueSink,
  order: DayMonthOrder,
): string | null {
  // Fast path: the api canonical form, returned as written when it is already in stored form.
  if (ctx.flavour === 'api') {
    const fast = canonicalApiInstant(raw)
    if (fast === 'placeholder') {
      sink.warn('D05', column, raw)
      return null
    }
    if (fast !== null) return fast
  }
  const canonical = ISO_DATETIME_CANONICAL.exec(raw)
  if (ZERO_DATE.test(raw)) {
    sink.warn('D05', column, raw)
    return null
  }
  const frame: ReadFrame = ctx.flavour === 'ui' ? 'local' : 'utc'
  const parsed = parseAny(raw, ctx, frame, order)
  if (parsed === null || parsed.kind === 'invalid') {
    sink.warn('D04', column, raw, 'unparseable')
    return null
  }
  const w = parsed.local
  if (
    (w !== null &&
      (isPlaceholderDate(w.y, w.mo, w.d) ||
        (w.y === 1970 && w.mo === 1 && w.d === 1 && w.h === 0 && w.mi === 0 && w.s === 0))) ||
    parsed.utcMs === 0
  ) {
    sink.warn('D05', column, raw)
    return null
  }
  const isCanonical =
    ctx.flavour === 'ui' ? UI_DATETIME_CANONICAL.test(raw) && w?.dayFirst !== true : canonical !== null
  if (!isCanonical || parsed.resolution !== 'exact') {
    sink.warn('D04', column, raw, parsed.resolution === 'exact' ? undefined : `dst-${parsed.resolution}`)
  }
  return formatInstant(parsed.utcMs)
}

/**
 * Normalises one calendar date value (trimmed, non-empty) to `YYYY-MM-DD`, or null. A datetime in a
 * date column keeps its date in the manifest time zone (§5).
 */
export function normaliseDate(
  raw: string,
  ctx: DateContext,
  column: string,
  sink: IssueSink,
  order: DayMonthOrder,
): string | null {
  if (ctx.flavour === 'api' && API_DATE_CANONICAL.test(raw)) {
    const y = Number(raw.slice(0, 4))
    const mo = Number(raw.slice(5, 7))
    const d = Number(raw.slice(8, 10))
    if (validParts(y, mo, d)) {
      if (isPlaceholderDate(y, mo, d)) {
        sink.warn('D05', column, raw)
        return null
      }
      return raw
    }
  }
  if (ZERO_DATE.test(raw)) {
    sink.warn('D05', column, raw)
    return null
  }
  // A date with no time reads as written; with a time, as the flavour reads a naive datetime.
  const parsed = parseAny(raw, ctx, ctx.flavour === 'ui' ? 'local' : 'utc', order)
  if (parsed === null || parsed.kind === 'invalid') {
    sink.warn('D04', column, raw, 'unparseable')
    return null
  }
  const w = parsed.local
  const date =
    w !== null && (!w.hasTime || ctx.flavour === 'ui')
      ? formatDate(w.y, w.mo, w.d)
      : localDateOf(ctx.timezone, parsed.utcMs)
  const y = Number(date.slice(0, 4))
  const mo = Number(date.slice(5, 7))
  const d = Number(date.slice(8, 10))
  if (
    isPlaceholderDate(y, mo, d) ||
    (w === null && parsed.utcMs === 0) ||
    (w !== null && w.hasTime && w.y === 1970 && w.mo === 1 && w.d === 1 && w.h === 0 && w.mi === 0)
  ) {
    sink.warn('D05', column, raw)
    return null
  }
  const isCanonical =
    ctx.flavour === 'ui' ? UI_DATE_CANONICAL.test(raw) && w?.dayFirst !== true : API_DATE_CANONICAL.test(raw)
  if (!isCanonical) sink.warn('D04', column, raw)
  return date
}
