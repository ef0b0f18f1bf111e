/**
 * Wall-clock time in an IANA time zone ↔ UTC, with the DST rules of EXPORT-FORMAT.md §5: a
 * repeated local time (DST end) takes the earlier instant; a skipped one (DST start) moves
 * forward by the gap.
 *
 * Offsets come from Intl (the ICU time zone data Node ships) and are cached per UTC hour, so a
 * conversion costs a Map lookup once the hour has been seen.
 */

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

type ZoneCache = { format: Intl.DateTimeFormat; offsets: Map<number, number> }
const zones = new Map<string, ZoneCache>()

/** Is `zone` an IANA time zone name this runtime knows? */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

function zoneCache(zone: string): ZoneCache {
  let cache = zones.get(zone)
  if (cache === undefined) {
    cache = {
      format: new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
      offsets: new Map(),
    }
    zones.set(zone, cache)
  }
  return cache
}

function computeOffset(format: Intl.DateTimeFormat, utcMs: number): number {
  const parts = format.formatToParts(new Date(utcMs))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? '0')
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return asUtc - (utcMs - (((utcMs % 1000) + 1000) % 1000))
}

/** The zone's offset from UTC (ms, local minus UTC) at the instant `utcMs`. */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const cache = zoneCache(zone)
  const hour = Math.floor(utcMs / HOUR_MS)
  let atStart = cache.offsets.get(hour)
  if (atStart === undefined) {
    atStart = computeOffset(cache.format, hour * HOUR_MS)
    const atEnd = computeOffset(cache.format, hour * HOUR_MS + HOUR_MS - 1000)
    // A transition inside this hour (not on its boundary) is rare: never cache that hour.
    if (atStart !== atEnd) return computeOffset(cache.format, utcMs)
    cache.offsets.set(hour, atStart)
  }
  return atStart
}

/** How a wall-clock time mapped to an instant. */
export type LocalResolution = 'exact' | 'repeated' | 'skipped'

/**
 * The UTC instant of a wall-clock time in `zone`. `localMs` is the wall-clock time written as if
 * it were UTC (Date.UTC of its parts).
 */
export function localToUtc(
  zone: string,
  localMs: number,
): Readonly<{ utcMs: number; resolution: LocalResolution }> {
  // Transitions are far more than a day apart, so the offsets a day either side are the only candidates.
  const before = zoneOffsetMs(zone, localMs - DAY_MS)
  const after = zoneOffsetMs(zone, localMs + DAY_MS)
  const candidates = before === after ? [localMs - before] : [localMs - before, localMs - after]
  const valid = candidates.filter((u) => u + zoneOffsetMs(zone, u) === localMs)
  if (valid.length === 0) {
    // Skipped (DST start): the pre-transition offset lands after the gap, i.e. moved forward by it.
    return { utcMs: localMs - before, resolution: 'skipped' }
  }
  if (valid.length === 2 && valid[0] !== valid[1]) {
    return { utcMs: Math.min(valid[0]!, valid[1]!), resolution: 'repeated' }
  }
  return { utcMs: valid[0]!, resolution: 'exact' }
}

/** The calendar date (YYYY-MM-DD) of the instant `utcMs` in `zone`. */
export function localDateOf(zone: string, utcMs: number): string {
  const local = new Date(utcMs + zoneOffsetMs(zone, utcMs))
  return local.toISOString().slice(0, 10)
}
