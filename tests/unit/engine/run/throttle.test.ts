import { describe, expect, it } from 'vitest'
import { AdaptiveLimiter, MAX_IN_FLIGHT } from '../../../../electron/engine/run/throttle'

/**
 * A simulated user budget like the sandbox's (and Dataverse's) service protection: a sliding
 * window holding at most `budgetMs` of execution time, charged when a request ends; a request that
 * arrives while the window is over budget gets 429 with Retry-After in whole seconds. With
 * `jitter`, each request's cost varies by ± half that share and the client measures it with 5 to
 * 25 ms of network on top; `priorMs` is use from before the run, charged half a window earlier.
 */
function simulate(options: {
  windowMs: number
  budgetMs: number
  costMs: number
  durationMs: number
  dopHint: number
  headers: boolean
  jitter?: number
  priorMs?: number
}) {
  let now = 0
  let seed = 7
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  const limiter = new AdaptiveLimiter(options.dopHint, () => now)
  const charges: Array<[number, number]> = []
  if (options.priorMs !== undefined) charges.push([-options.windowMs / 2, options.priorMs])
  const used = () => charges.filter(([at]) => at > now - options.windowMs).reduce((n, [, ms]) => n + ms, 0)
  const running: Array<{
    endsAt: number
    costMs: number
    handle: ReturnType<AdaptiveLimiter['started']>
    probe: boolean
  }> = []
  let completed = 0
  let executed = 0
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
      const costMs = options.costMs * (1 + (options.jitter ?? 0) * (random() - 0.5))
      running.push({ endsAt: now + costMs, costMs, handle, probe: false })
      peak = Math.max(peak, running.length)
    }
    // A user whose budget looks spent asks a cheap request for fresh figures (the pool's WhoAmI).
    if (running.length === 0 && limiter.wantsProbe(1)) {
      running.push({ endsAt: now + 50, costMs: 50, handle: limiter.started(0), probe: true })
    }
    now += 5
    for (const r of running.filter((x) => x.endsAt <= now)) {
      running.splice(running.indexOf(r), 1)
      const remaining = Math.max(0, options.budgetMs - used())
      const latencyMs = r.costMs + (options.jitter === undefined ? 0 : 5 + 20 * random())
      charges.push([now, r.costMs])
      const report = {
        latencyMs,
        throttledForMs: null,
        timeRemainingMs: options.headers ? remaining : null,
        requestsRemaining: null,
      }
      if (r.probe) {
        limiter.probed(r.handle, report)
        continue
      }
      completed++
      executed += r.costMs
      limiter.finished(r.handle, 1, report)
    }
  }
  const sustainable = options.budgetMs / options.windowMs
  return {
    completed,
    throttled,
    peak,
    window: limiter.windowMs,
    utilisation: executed / (sustainable * options.durationMs),
  }
}

/** The sandbox's time-scaled budget (a 15-s window, 60 s of execution) with calls of 1.8 s. */
const TIME_SCALED = {
  windowMs: 15_000,
  budgetMs: 60_000,
  costMs: 1800,
  durationMs: 180_000,
  dopHint: 8,
  headers: true,
} as const

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
    const r = simulate(TIME_SCALED)
    expect(r.throttled).toBe(0)
    expect(r.utilisation).toBeGreaterThan(0.85)
  })

  it('learns the window from noisy readings and then keeps the budget nearly full', () => {
    // Costs vary by ±15% and latency carries network time: the window is fitted, not read off.
    const r = simulate({
      ...TIME_SCALED,
      jitter: 0.3,
    })
    expect(r.window).not.toBeNull()
    expect(Math.abs(r.window! - 15_000)).toBeLessThan(600)
    expect(r.throttled).toBeLessThanOrEqual(2)
    expect(r.utilisation).toBeGreaterThan(0.9)
  })

  it('is not misled by use from before the run ageing out, and finds the budget that use hid', () => {
    const r = simulate({
      ...TIME_SCALED,
      jitter: 0.3,
      priorMs: 20_000,
    })
    expect(Math.abs(r.window! - 15_000)).toBeLessThan(600)
    expect(r.throttled).toBeLessThanOrEqual(2)
    expect(r.utilisation).toBeGreaterThan(0.88)
  })

  it("with Dataverse's five-minute window, learns no shorter window and uses the budget", () => {
    const r = simulate({
      windowMs: 300_000,
      budgetMs: 1_200_000,
      costMs: 4500,
      durationMs: 1_800_000,
      dopHint: 8,
      headers: true,
      jitter: 0.3,
      priorMs: 100_000,
    })
    if (r.window !== null) expect(Math.abs(r.window - 300_000)).toBeLessThan(10_000)
    expect(r.throttled).toBe(0)
    expect(r.utilisation).toBeGreaterThan(0.95)
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
