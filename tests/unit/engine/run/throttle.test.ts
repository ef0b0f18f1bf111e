import { describe, expect, it } from 'vitest'
import { AdaptiveLimiter, MAX_IN_FLIGHT } from '../../../../electron/engine/run/throttle'

/**
 * A simulated user budget like the sandbox's (and Dataverse's) service protection: a sliding
 * window holding at most `budgetMs` of execution time, charged when a request ends; a request that
 * arrives while the window is over budget gets 429 with Retry-After in whole seconds.
 */
function simulate(options: {
  windowMs: number
  budgetMs: number
  costMs: number
  durationMs: number
  dopHint: number
  headers: boolean
}) {
  let now = 0
  const limiter = new AdaptiveLimiter(options.dopHint, () => now)
  const charges: Array<[number, number]> = []
  const used = () => charges.filter(([at]) => at > now - options.windowMs).reduce((n, [, ms]) => n + ms, 0)
  const running: Array<{ endsAt: number; handle: ReturnType<AdaptiveLimiter['started']>; probe: boolean }> =
    []
  let completed = 0
  let throttled = 0
  let peak = 0
  while (now < options.durationMs) {
    while (limiter.canStart(1)) {
      const handle = limiter.started(1)
      if (used() > options.budgetMs) {
        throttled++
        const oldest = charges.find(([at]) => at > now - options.windowMs)?.[0] ?? now
        const wait = Math.max(1000, Math.ceil((oldest + options.windowMs - now) / 1000) * 1000)
        limiter.finished(handle, 1, {
          latencyMs: 1,
          throttledForMs: wait,
          timeRemainingMs: null,
          requestsRemaining: null,
        })
        continue
      }
      running.push({ endsAt: now + options.costMs, handle, probe: false })
      peak = Math.max(peak, running.length)
    }
    // A user whose budget looks spent asks a cheap request for fresh figures (the pool's WhoAmI).
    if (running.length === 0 && limiter.wantsProbe(1)) {
      running.push({ endsAt: now + 50, handle: limiter.started(0), probe: true })
    }
    now += 5
    for (const r of running.filter((x) => x.endsAt <= now)) {
      running.splice(running.indexOf(r), 1)
      const remaining = options.budgetMs - used()
      if (r.probe) {
        charges.push([now, 50])
        limiter.probed(r.handle, {
          latencyMs: 50,
          throttledForMs: null,
          timeRemainingMs: options.headers ? remaining : null,
          requestsRemaining: null,
        })
        continue
      }
      charges.push([now, options.costMs])
      completed++
      limiter.finished(r.handle, 1, {
        latencyMs: options.costMs,
        throttledForMs: null,
        timeRemainingMs: options.headers ? remaining : null,
        requestsRemaining: null,
      })
    }
  }
  const sustainable = options.budgetMs / options.windowMs
  return {
    completed,
    throttled,
    peak,
    utilisation: (completed * options.costMs) / (sustainable * options.durationMs),
  }
}

describe('AdaptiveLimiter', () => {
  it('never lets more than 52 requests fly, whatever the hint', () => {
    const r = simulate({
      windowMs: 300_000,
      budgetMs: 1e12,
      costMs: 100,
      durationMs: 10_000,
      dopHint: 500,
      headers: false,
    })
    expect(r.peak).toBeLessThanOrEqual(MAX_IN_FLIGHT)
    expect(r.throttled).toBe(0)
  })

  it('with the budget headers, keeps the execution budget near full without a single 429', () => {
    // A time-scaled window (15 s) with requests of 1.8 s: the case where naive pacing either stalls or overdraws.
    const r = simulate({
      windowMs: 15_000,
      budgetMs: 60_000,
      costMs: 1800,
      durationMs: 180_000,
      dopHint: 8,
      headers: true,
    })
    expect(r.throttled).toBe(0)
    expect(r.utilisation).toBeGreaterThan(0.85)
  })

  it('without headers, backs off on 429 honouring Retry-After and still uses most of the budget', () => {
    const r = simulate({
      windowMs: 300_000,
      budgetMs: 1_200_000,
      costMs: 2300,
      durationMs: 1_200_000,
      dopHint: 8,
      headers: false,
    })
    expect(r.throttled).toBeGreaterThan(0)
    expect(r.utilisation).toBeGreaterThan(0.8)
  })

  it('lets the first bulk call go when only small reads were measured, and learns its cost', () => {
    let now = 0
    const limiter = new AdaptiveLimiter(8, () => now)
    for (let i = 0; i < 5; i++) {
      const read = limiter.started(1)
      now += 60
      limiter.finished(read, 1, {
        latencyMs: 60,
        throttledForMs: null,
        timeRemainingMs: 60_000 - i * 60,
        requestsRemaining: 290 - i,
      })
    }
    expect(limiter.canStart(1000)).toBe(true)
    const bulk = limiter.started(1000)
    now += 4550
    limiter.finished(bulk, 1000, {
      latencyMs: 4550,
      throttledForMs: null,
      timeRemainingMs: 59_000,
      requestsRemaining: 284,
    })
    expect(limiter.expectedMs(1000)).toBeGreaterThan(3000)
    expect(limiter.expectedMs(1)).toBeLessThan(500)
  })

  it('pauses every new request of the user for the full Retry-After', () => {
    let now = 0
    const limiter = new AdaptiveLimiter(8, () => now)
    const h = limiter.started(1)
    limiter.finished(h, 1, {
      latencyMs: 10,
      throttledForMs: 7000,
      timeRemainingMs: null,
      requestsRemaining: null,
    })
    expect(limiter.canStart(1)).toBe(false)
    now = 6999
    expect(limiter.canStart(1)).toBe(false)
    now = 7000
    expect(limiter.canStart(1)).toBe(true)
    expect(limiter.limit).toBe(4)
  })
})
