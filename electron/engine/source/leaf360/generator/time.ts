/**
 * Time formatting for the two flavours: api ISO-8601 UTC, ui `MM/DD/YYYY hh:mm AM/PM` in the
 * manifest timezone (§5, §7). The offset of the zone is looked up once per UTC hour and cached:
 * formatting millions of values through Intl would dominate the generator's time.
 */

const HOUR = 3_600_000
const DAY = 86_400_000

/** ISO-8601 UTC without milliseconds: `2024-03-07T21:05:00Z`. */
export function isoDatetime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`
}

/** `YYYY-MM-DD` of a UTC day number (ms at UTC midnight). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** Parses an api datetime or date to epoch ms (UTC). */
export function parseIso(value: string): number {
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value)
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO date or datetime: ${value}`)
  return ms
}

/** Whole-minute floor of an instant. */
export function floorMinute(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000
}

/** The UTC-midnight ms of the calendar day of `ms`. */
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n))

/** Wall-clock parts of an instant in a zone. */
export type WallClock = Readonly<{
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}>

/** A timezone with cached UTC offsets. */
export class Zone {
  readonly name: string
  readonly #format: Intl.DateTimeFormat
  readonly #offsets = new Map<number, number>()
  #lastHour = Number.NaN
  #lastOffset = 0

  constructor(name: string) {
    this.name = name
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
  }

  /** The zone's offset from UTC in ms at `ms` (local = utc + offset). US zones change on the hour. */
  offset(ms: number): number {
    const hour = Math.floor(ms / HOUR)
    if (hour === this.#lastHour) return this.#lastOffset
    const cached = this.#offsets.get(hour)
    if (cached !== undefined) {
      this.#lastHour = hour
      this.#lastOffset = cached
      return cached
    }
    const parts = this.#format.formatToParts(new Date(hour * HOUR))
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
    const local = Date.UTC(
      get('year'),
      get('month') - 1,
      get('day'),
      get('hour'),
      get('minute'),
      get('second'),
    )
    const offset = local - hour * HOUR
    this.#offsets.set(hour, offset)
    return offset
  }

  /** Wall-clock parts of `ms` in this zone. */
  wallClock(ms: number): WallClock {
    const d = new Date(ms + this.offset(ms))
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    }
  }

  /** The local wall-clock as if it were UTC (for Excel serials, which carry wall-clock time, §7). */
  localAsUtc(ms: number): number {
    return ms + this.offset(ms)
  }

  /**
   * Whether the wall-clock of `ms` occurs twice (the repeated hour at DST end), so a ui reader
   * would take the earlier instant (§5).
   */
  isAmbiguous(ms: number): boolean {
    const here = this.offset(ms)
    return this.offset(ms - HOUR) > here || this.offset(ms + HOUR) < here
  }

  /** UTC instants of the offset changes in [fromMs, toMs): `{ at, before, after }`. */
  transitions(
    fromMs: number,
    toMs: number,
  ): ReadonlyArray<Readonly<{ at: number; before: number; after: number }>> {
    const found: Array<{ at: number; before: number; after: number }> = []
    let prev = this.offset(fromMs)
    for (let t = Math.floor(fromMs / HOUR) * HOUR + HOUR; t < toMs; t += HOUR) {
      const o = this.offset(t)
      if (o !== prev) found.push({ at: t, before: prev, after: o })
      prev = o
    }
    return found
  }
}

/** ui datetime, minute precision: `03/07/2024 09:05 PM` (§7). */
export function uiDatetime(zone: Zone, ms: number): string {
  const w = zone.wallClock(ms)
  const h12 = w.hour % 12 === 0 ? 12 : w.hour % 12
  return `${pad2(w.month)}/${pad2(w.day)}/${w.year} ${pad2(h12)}:${pad2(w.minute)} ${w.hour < 12 ? 'AM' : 'PM'}`
}

/** ui date `MM/DD/YYYY` of an api `YYYY-MM-DD` (calendar date, never shifted, §5). */
export function uiDate(apiDate: string): string {
  return `${apiDate.slice(5, 7)}/${apiDate.slice(8, 10)}/${apiDate.slice(0, 4)}`
}

/** Excel 1900-system serial of a wall-clock expressed as UTC ms (§7). */
export function excelSerial(wallClockAsUtcMs: number): number {
  return wallClockAsUtcMs / DAY + 25_569
}

/** Two-digit zero padding, exported for the defect formatters. */
export { pad2 }
