/**
 * The sliding windows of the service-protection limits, on a fake clock ([limits]).
 */
import { describe, expect, it } from 'vitest'
import {
  effectiveLimits,
  parseFaults,
  parseLatency,
  REALISTIC_LIMITS,
  resolveLimits,
} from '../../../../electron/sandbox/limits/config'
import { FaultInjector, mulberry32 } from '../../../../electron/sandbox/limits/faults'
import { ServiceProtection } from '../../../../electron/sandbox/limits/service-protection'

describe('sandbox service protection', () => {
  it('scales the window and budgets by K and keeps the rates', () => {
    const limits = effectiveLimits(REALISTIC_LIMITS, 60)
    expect(limits).toMatchObject({
      windowMs: 5000,
      maxRequests: 100,
      maxExecutionMs: 20000,
      maxConcurrent: 52,
      requestsPerSecond: 20,
      executionMsPerSecond: 4000,
    })
    expect(effectiveLimits(REALISTIC_LIMITS, 1)).toMatchObject({
      windowMs: 300000,
      maxRequests: 6000,
      maxExecutionMs: 1200000,
    })
  })

  it('refuses the request after the window is full and admits again once the oldest ages out', () => {
    let now = 0
    const limiter = new ServiceProtection(
      effectiveLimits(resolveLimits({ maxRequests: 3, windowSeconds: 10 }), 1),
      () => now,
    )
    for (let i = 0; i < 3; i++) {
      const a = limiter.admit('u')
      expect(a.ok).toBe(true)
      if (a.ok) a.release(10)
      now += 1000
    }
    const refused = limiter.admit('u')
    expect(refused.ok).toBe(false)
    if (!refused.ok) {
      expect(refused.kind).toBe('requests')
      expect(refused.error.status).toBe(429)
      expect(refused.error.code).toBe('0x80072322')
      // The oldest arrival (t = 0) leaves the 10 s window at t = 10 s; now is 3 s.
      expect(refused.error.headers['retry-after']).toBe('7')
    }
    expect(limiter.admit('other').ok).toBe(true)
    // The window slides: at 13 s the arrivals at 1, 2 and 3 s (the refused one) have aged out.
    now = 13_001
    expect(limiter.admit('u').ok).toBe(true)
  })

  it('counts throttled requests as arrivals, so a client that keeps pushing waits longer', () => {
    let now = 0
    const limiter = new ServiceProtection(
      effectiveLimits(resolveLimits({ maxRequests: 2, windowSeconds: 10 }), 1),
      () => now,
    )
    limiter.admit('u')
    limiter.admit('u')
    now = 5000
    expect(limiter.admit('u').ok).toBe(false)
    now = 10_001
    // Both first arrivals have aged out, but the throttled one at t = 5 s still counts.
    const a = limiter.admit('u')
    expect(a.ok).toBe(true)
    expect(limiter.admit('u').ok).toBe(false)
  })

  it('refuses once the execution time in the window exceeds the budget, with a wait until it has room', () => {
    let now = 0
    const limiter = new ServiceProtection(
      effectiveLimits(resolveLimits({ maxExecutionMs: 1000, windowSeconds: 10 }), 1),
      () => now,
    )
    const a = limiter.admit('u')
    if (a.ok) a.release(700)
    now = 2000
    const b = limiter.admit('u')
    if (b.ok) b.release(700)
    now = 3000
    const refused = limiter.admit('u')
    expect(refused.ok).toBe(false)
    if (!refused.ok) {
      expect(refused.error.code).toBe('0x80072321')
      // Dropping the first execution (ended at t = 0) frees enough; it leaves at t = 10 s.
      expect(refused.retryAfterMs).toBe(7000)
    }
  })

  it('refuses at once over the concurrency limit and admits after a release', () => {
    const limiter = new ServiceProtection(effectiveLimits(resolveLimits({ maxConcurrent: 1 }), 1), () => 0)
    const first = limiter.admit('u')
    const second = limiter.admit('u')
    expect(second.ok).toBe(false)
    if (!second.ok) expect(second.error.code).toBe('0x80072326')
    if (first.ok) first.release(1)
    expect(limiter.admit('u').ok).toBe(true)
  })

  it('admits everything with limits off but still counts', () => {
    const limiter = new ServiceProtection(effectiveLimits(resolveLimits('off'), 1), () => 0)
    for (let i = 0; i < 100; i++) expect(limiter.admit('u').ok).toBe(true)
    expect(limiter.statsOf('u').requests).toBe(100)
  })
})

describe('sandbox load-model options and faults', () => {
  it('parses --latency and --faults and refuses bad input', () => {
    expect(parseLatency('20,5')).toEqual({ baseMs: 20, perRecordMs: 5 })
    expect(parseLatency('7')).toEqual({ baseMs: 7, perRecordMs: 0 })
    expect(() => parseLatency('-1')).toThrow()
    expect(parseFaults('5xx=0.02,reset=0.01,timeout=0.005,slow=0.05')).toMatchObject({
      serverError: 0.02,
      reset: 0.01,
      timeout: 0.005,
      slow: 0.05,
    })
    expect(() => parseFaults('explode=1')).toThrow('unknown fault')
    expect(() => parseFaults('5xx=0.7,reset=0.7')).toThrow('more than 1')
  })

  it('draws a reproducible stream with roughly the asked rates', () => {
    const a = mulberry32(9)
    const b = mulberry32(9)
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b))
    const injector = new FaultInjector(parseFaults('5xx=0.1,reset=0.1,timeout=0.1,slow=0.1'), 3)
    const kinds = Array.from({ length: 10000 }, () => injector.next().kind)
    for (const kind of ['5xx', 'reset', 'timeout', 'slow'] as const) {
      const share = kinds.filter((k) => k === kind).length / kinds.length
      expect(share).toBeGreaterThan(0.08)
      expect(share).toBeLessThan(0.12)
    }
    injector.restart()
    const replay = new FaultInjector(parseFaults('5xx=0.1,reset=0.1,timeout=0.1,slow=0.1'), 3)
    expect(Array.from({ length: 50 }, () => injector.next().kind)).toEqual(
      Array.from({ length: 50 }, () => replay.next().kind),
    )
  })
})
