/**
 * Time as a port, so backoff and rate tests can run on a fake clock instead of sleeping.
 */
export type Clock = Readonly<{
  /** Milliseconds since the epoch. */
  now: () => number
  /** Monotonic milliseconds, for durations and rates. */
  monotonic: () => number
}>

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
}

export const isoNow = (clock: Clock): string => new Date(clock.now()).toISOString()
