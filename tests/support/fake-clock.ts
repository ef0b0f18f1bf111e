/**
 * A clock the test moves by hand, so rates and backoff are tested without sleeping.
 */
import type { Clock } from '../../electron/engine/clock'

export type FakeClock = Clock & { advance: (ms: number) => void }

export function fakeClock(startIso = '2026-12-01T09:00:00.000Z'): FakeClock {
  let wall = Date.parse(startIso)
  let mono = 0
  return {
    now: () => wall,
    monotonic: () => mono,
    advance: (ms) => {
      wall += ms
      mono += ms
    },
  }
}
