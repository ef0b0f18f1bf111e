import { describe, expect, it } from 'vitest'
import { AdaptiveLimiter, MAX_IN_FLIGHT } from '../../../../electron/engine/run/throttle'

/**
 * A simulated user budget like the sandbox's (and Dataverse's) service protection: a sliding
 * window holding at most `budgetMs` of execution time, charged when a request ends; a request that
 * arrives while the window is over budget gets 429 with Retry-After in whole seconds. With
 * `jitter`, each request's cost varies by ± half that share and the client measures it with 5 to
 * 25 ms of network on top; `priorMs` is use from before the run, charged half a window earlier.
 * With `perRecordMs`, calls carry records as a loader's would (as many as the limiter recommends,
 * 1,000 until it can tell) and cost `costMs + perRecordMs × records`, like the sandbox's latency
 * model; the records loaded are then compared with what the budget allows at 1,000 per call.
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
  perRecordMs?: number
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
    records: number
  }> = []
  const sized = options.perRecordMs !== undefined
  // The first call reads one record (as the loader's first check does), so call sizes vary.
  let calls = 0
  const recordsPerCall = () => (sized ? (limiter.recommendedRecords() ?? (calls === 0 ? 1 : 1000)) : 1)
  const costOf = (records: number) => options.costMs + (options.perRecordMs ?? 0) * (sized ? records : 0)
  let completed = 0
  let records = 0
  let executed = 0
  let throttled = 0
  let peak = 0
  while (now < options.durationMs) {
    for (let n = recordsPerCall(); limiter.canStart(n); n = recordsPerCall()) {
      const handle = limiter.started(n)
      calls++
      if (used() > options.budgetMs) {
        throttled++
        const oldest = charges.find(([at]) => at > now - options.windowMs)?.[0] ?? now
        const wait = Math.max(1000, Math.ceil((oldest + options.windowMs - now) / 1000) * 1000)
        limiter.finished(handle, n, {
          latencyMs: 1,
          throttledForMs: wait,
          timeRemainingMs: null,
          requestsRemaining: null,
        })
        continue
      }
      const costMs = costOf(n) * (1 + (options.jitter ?? 0) * (random() - 0.5))
      running.push({ endsAt: now + costMs, costMs, handle, probe: false, records: n })
      peak = Math.max(peak, running.length)
    }
    // A user whose budget looks spent asks a cheap request for fresh figures (the pool's WhoAmI).
    if (running.length === 0 && limiter.wantsProbe(recordsPerCall())) {
      running.push({ endsAt: now + 50, costMs: 50, handle: limiter.started(0), probe: true, records: 0 })
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
      records += r.records
      executed += r.costMs
      limiter.finished(r.handle, r.records, report)
    }
  }
  const sustainable = options.budgetMs / options.windowMs
  return {
    completed,
    throttled,
    peak,
    window: limiter.windowMs,
    utilisation: executed / (sustainable * options.durationMs),
    /** Records loaded against what the budget allows at 1,000 records per call. */
    recordsShare: (records / options.durationMs) * (costOf(1000) / sustainable / 1000),
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

  it('with calls sized as it recommends, learns what a record costs and loads most of what the budget allows', () => {
    // The sandbox's latency model (50 ms a call, 4.5 ms a record) with ±15% jitter: the server's
    // cost line is read off the readings from calls of varied sizes, and the call size follows it.
    const r = simulate({ ...TIME_SCALED, costMs: 50, perRecordMs: 4.5, jitter: 0.3, durationMs: 120_000 })
    expect(Math.abs(r.window! - 15_000)).toBeLessThan(600)
    expect(r.throttled).toBeLessThanOrEqual(2)
    expect(r.recordsShare).toBeGreaterThan(0.8)
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
