/**
 * Adaptive parallelism for one application user (WEB-API-NOTES §1;
 * https://learn.microsoft.com/power-apps/developer/data-platform/api-limits and
 * .../send-parallel-requests):
 *
 * - start at the server's `x-ms-dop-hint`; never more than 52 requests in flight;
 * - a 429 pauses every new request of this user for the full `Retry-After` (pushing on makes the
 *   penalty longer) and halves the parallelism; when calm it grows by about one per round trip;
 * - when the server reports the budget left (`x-ms-ratelimit-time-remaining-xrm-requests`, execution
 *   ms in the sliding window, and `…-burst-remaining-…`, requests), the limiter also paces by the
 *   budget: it keeps the log of what its own requests were charged and when, learns the window's
 *   length from how the reported remainder moves against that log, and starts a request only if,
 *   when that request is charged, the window will still hold no more than the budget. Microsoft
 *   calls these headers a debugging aid, so they only ever slow the loader down; without them the
 *   429s alone steer it.
 *
 * Pure bookkeeping over a clock: the pool asks `canStart` and tells `started` / `finished`.
 */
import { BudgetModel } from './budget-model'

/** The most requests one user may have in flight ([limits]: concurrency 52). */
export const MAX_IN_FLIGHT = 52

/** What one finished request tells the limiter. */
export type RequestReport = Readonly<{
  /** How long the request took, ms (the server charges about this much execution time). */
  latencyMs: number
  /** The Retry-After of a 429, ms; null when the request was not throttled. */
  throttledForMs: number | null
  /** The remaining-budget headers, when the server sent them. */
  timeRemainingMs: number | null
  requestsRemaining: number | null
}>

/** Reads the budget headers of a response into a report. */
export function reportOf(
  latencyMs: number,
  headers: Readonly<Record<string, string>>,
  throttledForMs: number | null,
): RequestReport {
  const number = (name: string): number | null => {
    const raw = headers[name]
    if (raw === undefined) return null
    const n = Number(raw.replace(/,/g, ''))
    return Number.isFinite(n) ? n : null
  }
  return {
    latencyMs,
    throttledForMs,
    timeRemainingMs: number('x-ms-ratelimit-time-remaining-xrm-requests'),
    requestsRemaining: number('x-ms-ratelimit-burst-remaining-xrm-requests'),
  }
}

/** A request in flight: its size, and what the token bucket was charged for it (null: not paced yet). */
type InFlight = { readonly records: number; readonly startedAt: number; readonly expectedMs: number | null }

/** How often a user whose budget looks spent asks for fresh figures (a WhoAmI is charged too), ms. */
const PROBE_INTERVAL_MS = 750

/** Largest burst the token bucket saves up, as a share of the budget. */
const BUCKET_SHARE = 0.02

/** Share of a budget kept free, so latency noise does not tip a window over. */
const BUDGET_MARGIN = 0.01

/** One user's parallelism controller. */
export class AdaptiveLimiter {
  readonly #now: () => number
  #limit: number
  #seeded = false
  /** Grows while probes find the budget still spent, resets when it has room. */
  #probeBackoff = 1
  /** Token bucket of execution ms, filled at the learned budget's rate once the window is known. */
  #tokens = 0
  #tokensAt: number | null = null
  #learnedAt: number | null = null
  /** The largest call so far, in server ms (the bucket must hold one). */
  #largestCost = 0
  #pausedUntil = 0
  #lastThrottleAt = -Infinity
  readonly #inFlight = new Set<InFlight>()
  /** Decayed sums for the cost line: count, Σrecords, Σms, Σrecords², Σrecords·ms. */
  readonly #fit = { n: 0, sx: 0, sy: 0, sxx: 0, sxy: 0 }
  #msPerRequest: number | null = null
  /** The server's requests-left figure, and this user's arrivals since it was read. */
  #requestsRemaining: number | null = null
  #arrivalsSinceReport = 0
  #throttles = 0
  #lastResponseAt = -Infinity
  // Budget pacing: what the server reported, and this user's own charges and arrivals.
  #timeBudget = 0
  #timeRemaining: number | null = null
  #requestBudget = 0
  /** What the server's readings and this user's charges say about its window and budget. */
  readonly #model = new BudgetModel()

  constructor(start: number, now: () => number) {
    this.#limit = Math.max(1, Math.min(MAX_IN_FLIGHT, start))
    this.#now = now
  }

  /**
   * Starts over from the server's recommended parallelism (`x-ms-dop-hint`), once known: a client
   * built before its first response starts from a guess.
   */
  seed(dopHint: number): void {
    if (this.#seeded) return
    this.#seeded = true
    this.#limit = Math.max(1, Math.min(MAX_IN_FLIGHT, dopHint))
  }

  /** The current parallelism cap (requests this user may have in flight). */
  get limit(): number {
    return Math.floor(this.#limit)
  }

  get inFlight(): number {
    return this.#inFlight.size
  }

  /** How many 429s this user has received. */
  get throttles(): number {
    return this.#throttles
  }

  /** When the current Retry-After pause ends (ms on the limiter's clock), or 0. */
  get pausedUntil(): number {
    return this.#pausedUntil
  }

  /** The learned length of the server's sliding window, ms; null until learned. */
  get windowMs(): number | null {
    return this.#model.window
  }

  /**
   * The execution time a request of `records` records is expected to be charged, ms: a line
   * (base + per record) fitted to recent requests, so reads of one record and bulk calls of a
   * thousand both predict well.
   */
  expectedMs(records: number): number {
    const f = this.#fit
    if (f.n < 0.5) return 0
    const x = Math.max(1, records)
    const meanX = f.sx / f.n
    const meanY = f.sy / f.n
    const varX = f.sxx / f.n - meanX * meanX
    // All samples of one size (reads of one record): no slope to learn yet, so no guess beyond them.
    if (varX < 1e-6) return Math.max(0, meanY)
    const slope = Math.max(0, (f.sxy / f.n - meanX * meanY) / varX)
    const base = Math.max(0, meanY - slope * meanX)
    return base + slope * x
  }

  /**
   * How many records a call should carry so it takes at most 3% of this user's execution budget
   * (a call charged as a large share of the window can only be paced coarsely), between 50 and
   * 1,000; null until the budget and the cost of records are known. With Dataverse's real
   * 20-minute budget this is always 1,000; against a time-scaled sandbox it is smaller.
   */
  recommendedRecords(): number | null {
    const budget = this.#model.budget ?? this.#timeBudget
    if (budget <= 0 || this.#fit.n < 3) return null
    // In the server's ms: latency overstates what it charges by the learned scale.
    const one = this.#model.scale * this.expectedMs(1)
    const slope = (this.#model.scale * this.expectedMs(1001) - one) / 1000
    if (!(slope > 0)) return null
    return Math.max(50, Math.min(1000, Math.floor((0.03 * budget - (one - slope)) / slope)))
  }

  #learnCost(records: number, latencyMs: number): void {
    const x = Math.max(1, records)
    const f = this.#fit
    const keep = 0.95
    f.n = f.n * keep + 1
    f.sx = f.sx * keep + x
    f.sy = f.sy * keep + latencyMs
    f.sxx = f.sxx * keep + x * x
    f.sxy = f.sxy * keep + x * latencyMs
  }

  /** May a request of `records` records start now? */
  canStart(records: number): boolean {
    const now = this.#now()
    if (now < this.#pausedUntil) return false
    const n = this.#inFlight.size
    if (n >= Math.min(MAX_IN_FLIGHT, Math.floor(this.#limit))) return false
    return this.#timeBudgetAllows(now, records) && this.#requestBudgetAllows()
  }

  /**
   * Should a cheap request (a `WhoAmI`) go out just to read the budget? When the last figures say
   * the window is full and nothing in flight will bring newer ones, only asking tells when the
   * window has room again.
   */
  wantsProbe(records: number): boolean {
    const now = this.#now()
    if (this.#timeRemaining === null || this.#inFlight.size > 0 || now < this.#pausedUntil) return false
    // With the window learned, time alone frees the budget: no need to ask.
    if (this.#model.window !== null && this.#requestBudgetAllows()) return false
    // Ask again after a moment, then less often while the answer stays the same.
    if (now - this.#lastResponseAt < PROBE_INTERVAL_MS * this.#probeBackoff) return false
    return !this.#timeBudgetAllows(now, records) || !this.#requestBudgetAllows()
  }

  /** What the requests in flight will be charged, by the current estimate (ms). */
  #pending(): number {
    let pending = 0
    for (const f of this.#inFlight) pending += this.expectedMs(f.records)
    return pending
  }

  /**
   * Will the window, at the moment this request is charged, still hold no more than the budget?
   * With the window's length learned: the charges still inside it then, the requests in flight and
   * this one. Before that: what is left now, less everything in flight (safe, and exact enough
   * when requests are short against the window, as with the real five minutes).
   */
  #timeBudgetAllows(now: number, records: number): boolean {
    if (this.#timeRemaining === null || this.#timeBudget <= 0) return true
    const budget = this.#model.budget ?? this.#timeBudget
    // Costs are measured as latency; the server charges `scale` of that.
    const scale = this.#model.scale
    // A first call larger than the budget cannot be judged; with nothing in flight, let it go and learn.
    const cost =
      scale *
      (this.#inFlight.size === 0 ? Math.min(this.expectedMs(records), budget / 2) : this.expectedMs(records))
    const pending = scale * this.#pending()
    // Safe whatever the window: what is left now covers everything in flight and this request.
    const covered = this.#timeRemaining - pending - cost >= budget * BUDGET_MARGIN
    const window = this.#model.window
    if (window === null) return covered
    // With the window known, spend at the budget's rate (a token bucket): no window can then hold
    // more than the budget. For one window after learning it, what the window already holds must
    // also leave room (it may still hold the first, unpaced burst).
    this.#learnedAt ??= now
    if (!this.#bucketAllows(now, cost)) return false
    return covered || now >= this.#learnedAt + window
  }

  #refill(now: number): void {
    const window = this.#model.window
    const budget = this.#model.budget
    if (window === null || budget === null) return
    if (this.#tokensAt === null) this.#tokensAt = now
    // Rate × window + the bucket's size stays within the budget.
    const size = Math.max(BUCKET_SHARE * budget, 1.5 * this.#largestCost)
    const rate = (budget * (1 - BUDGET_MARGIN) - size) / window
    this.#tokens = Math.min(size, this.#tokens + Math.max(0, rate) * (now - this.#tokensAt))
    this.#tokensAt = now
  }

  #bucketAllows(now: number, cost: number): boolean {
    this.#refill(now)
    return this.#tokens >= cost || (this.#inFlight.size === 0 && this.#tokens > 0)
  }

  /** The server's requests-left figure covers the arrivals since it was read and this one. */
  #requestBudgetAllows(): boolean {
    if (this.#requestsRemaining === null || this.#requestBudget <= 0) return true
    return (
      this.#requestsRemaining - this.#arrivalsSinceReport - 1 >=
      Math.max(1, this.#requestBudget * BUDGET_MARGIN)
    )
  }

  /** Records a request starting; returns the handle to finish it with. */
  started(records: number): InFlight {
    const now = this.#now()
    const bucketed = this.#tokensAt !== null
    const expectedMs = this.expectedMs(records)
    if (bucketed) {
      this.#refill(now)
      this.#tokens -= this.#model.scale * expectedMs
    }
    const f = { records, startedAt: now, expectedMs: bucketed ? expectedMs : null }
    this.#inFlight.add(f)
    this.#arrivalsSinceReport++
    return f
  }

  /** Records a budget probe's answer: its charge and the figures, not its latency as a record cost. */
  probed(handle: InFlight, report: RequestReport): void {
    this.#inFlight.delete(handle)
    const now = this.#now()
    this.#lastResponseAt = now
    const before = this.#timeRemaining
    if (report.throttledForMs !== null) {
      this.#pausedUntil = Math.max(this.#pausedUntil, now + report.throttledForMs)
      return
    }
    this.#readBudget(now, report)
    this.#model.charge(now, report.latencyMs)
    const moved = before === null || this.#timeRemaining === null || this.#timeRemaining > before + 1
    this.#probeBackoff = moved ? 1 : Math.min(2, this.#probeBackoff * 2)
  }

  #readBudget(now: number, report: RequestReport): void {
    if (report.timeRemainingMs !== null) {
      this.#timeBudget = Math.max(this.#timeBudget, report.timeRemainingMs)
      this.#model.reading(now, report.timeRemainingMs)
      // The header is read before this request's own charge lands.
      this.#timeRemaining = report.timeRemainingMs - this.#model.scale * report.latencyMs
    }
    if (report.requestsRemaining !== null) {
      this.#requestBudget = Math.max(this.#requestBudget, report.requestsRemaining)
      // The figure already counts this request and every request still in flight.
      this.#requestsRemaining = report.requestsRemaining
      this.#arrivalsSinceReport = 0
    }
  }

  /** Records a request's end and adapts. */
  finished(handle: InFlight, records: number, report: RequestReport): void {
    const inFlightBefore = this.#inFlight.size
    this.#inFlight.delete(handle)
    const now = this.#now()
    this.#lastResponseAt = now
    if (report.throttledForMs !== null) {
      this.#throttles++
      this.#pausedUntil = Math.max(this.#pausedUntil, now + report.throttledForMs)
      // Halve once per pause, not once per throttled request of the same burst.
      if (now - this.#lastThrottleAt > report.throttledForMs) this.#limit = Math.max(1, this.#limit / 2)
      this.#lastThrottleAt = now
      // The server's budget is spent: forget the stale remaining figure.
      this.#timeRemaining = 0
      return
    }
    this.#learnCost(records, report.latencyMs)
    this.#msPerRequest =
      this.#msPerRequest === null ? report.latencyMs : this.#msPerRequest * 0.8 + report.latencyMs * 0.2
    this.#readBudget(now, report)
    this.#model.charge(now, report.latencyMs)
    this.#largestCost = Math.max(this.#largestCost * 0.99, this.#model.scale * report.latencyMs)
    // The bucket paid the expected cost at the start; settle the difference now it is known.
    if (handle.expectedMs !== null) this.#tokens -= this.#model.scale * (report.latencyMs - handle.expectedMs)
    const calm = now - this.#lastThrottleAt > 2 * (this.#msPerRequest ?? 0) + 1000
    const busy = inFlightBefore >= Math.floor(this.#limit)
    if (calm && busy) this.#limit = Math.min(MAX_IN_FLIGHT, this.#limit + 1 / Math.max(1, this.#limit))
  }
}
