/**
 * Adaptive parallelism for one application user (WEB-API-NOTES §1;
 * https://learn.microsoft.com/power-apps/developer/data-platform/api-limits and
 * .../send-parallel-requests):
 *
 * - start at the server's `x-ms-dop-hint`; never more than 52 requests in flight;
 * - a 429 pauses every new request of this user for the full `Retry-After` (pushing on makes the
 *   penalty longer) and halves the parallelism; when calm it grows again (see `finished`);
 * - when the server reports the budget left (`x-ms-ratelimit-time-remaining-xrm-requests`, execution
 *   ms in the sliding window, and `…-burst-remaining-…`, requests), the limiter also paces by the
 *   budget: it keeps the log of what its own requests were charged and when, learns the window's
 *   length from how the reported remainder moves against that log (budget-model.ts), and starts a
 *   request only if, when that request is charged, the window will still hold no more than the
 *   budget: what the last reading left, plus what its own charges free by then (known from the
 *   log once the window is), less what is in flight and the request itself. Microsoft calls these
 *   headers a debugging aid, so they only ever slow the loader down; without them the 429s alone
 *   steer it.
 *
 * Pure bookkeeping over a clock: the pool asks `canStart` and tells `started` / `finished`.
 */
import { BudgetModel } from './budget-model'
import { CostLine } from './cost-line'

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

/** A request in flight: its size and when it started. */
type InFlight = { readonly records: number; readonly startedAt: number }

/** How often a user whose budget looks spent asks for fresh figures (a WhoAmI is charged too), ms. */
const PROBE_INTERVAL_MS = 750

/**
 * The share of the execution budget one call may take: larger calls waste less on each call's
 * fixed cost, smaller ones can be paced more finely (WEB-API-NOTES §1).
 */
const CALL_SHARE = 0.05

/** Share of a budget kept free, so latency noise does not tip a window over. */
const BUDGET_MARGIN = 0.01

/** The most extra share of the budget an overdraw keeps free. */
const MAX_EXTRA_MARGIN = 0.06

/** One user's parallelism controller. */
export class AdaptiveLimiter {
  readonly #now: () => number
  #limit: number
  #seeded = false
  /** Grows while probes find the budget still spent, resets when it has room. */
  #probeBackoff = 1
  #pausedUntil = 0
  #lastThrottleAt = -Infinity
  readonly #inFlight = new Set<InFlight>()
  /** Calls' latency as a line on their records. */
  readonly #fit = new CostLine(0.95)
  #msPerRequest: number | null = null
  /** Decayed variance of calls' latency around the cost line, ms². */
  #latencyVariance = 0
  /** The server's requests-left figure, and this user's arrivals since it was read. */
  #requestsRemaining: number | null = null
  #arrivalsSinceReport = 0
  #throttles = 0
  #lastResponseAt = -Infinity
  // Budget pacing: what the server reported, and this user's own charges and arrivals.
  #timeBudget = 0
  #timeRemaining: number | null = null
  /** Share of the budget kept free on top of the margin after an overdraw; fades as calls succeed. */
  #extraMargin = 0
  /** When `#timeRemaining` was read, and whether it said the window was full. */
  #readingAt = 0
  #readingFull = false
  #requestBudget = 0
  /** What the server's readings and this user's charges say about its window and budget. */
  readonly #model = new BudgetModel()
  #lastAnswerAt = -Infinity

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
    if (this.#fit.samples < 0.5) return 0
    // All samples of one size (reads of one record): no slope to learn yet, so no guess beyond them.
    const line = this.#fit.line(1e-6)!
    return line.base + line.per * Math.max(1, records)
  }

  /**
   * How many records a call should carry so it takes at most 5% of this user's execution budget
   * (a call charged as a large share of the window can only be paced coarsely), between 50 and
   * 1,000; null until the budget and the cost of records are known. With Dataverse's real
   * 20-minute budget this is always 1,000; against a time-scaled sandbox it is smaller.
   */
  recommendedRecords(): number | null {
    const budget = this.#model.budget ?? this.#timeBudget
    if (budget <= 0 || this.#fit.samples < 3) return null
    // In the server's ms.
    const one = this.#serverMs(1)
    const slope = (this.#serverMs(1001) - one) / 1000
    if (!(slope > 0)) return null
    return Math.max(50, Math.min(1000, Math.floor((CALL_SHARE * budget - (one - slope)) / slope)))
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
   * the window is full and nothing in flight will bring newer ones soon, only asking tells when the
   * window has room again.
   */
  wantsProbe(records: number): boolean {
    const now = this.#now()
    if (this.#timeRemaining === null || now < this.#pausedUntil) return false
    if (this.#inFlight.size > 0) {
      // Calls in flight bring fresh figures when they end. While the window is unknown, nothing
      // else tells what has aged out since the last reading: ask when none is due for a while.
      if (this.#model.window !== null) return false
      let due = Infinity
      for (const f of this.#inFlight) due = Math.min(due, f.startedAt + this.expectedMs(f.records))
      if (due - now < PROBE_INTERVAL_MS) return false
    }
    // With the window learned, time alone frees the budget (the pool waits for it): no need to ask,
    // unless this user's own charges cannot free enough (someone else's use holds the window).
    if (this.#model.window !== null && this.nextStartAt(records) !== null) return false
    // Ask again after a moment, then less often while the answer stays the same.
    if (now - this.#lastResponseAt < PROBE_INTERVAL_MS * this.#probeBackoff) return false
    return !this.#timeBudgetAllows(now, records) || !this.#requestBudgetAllows()
  }

  /**
   * Will the window stay within the budget if this request starts at `start`? The server admits a
   * request while the window holds no more than the budget, and charges it when it ends; so at
   * every moment from now until this request is charged — its start and each landing of a request
   * in flight, at its expected end — what the last reading said the window held, plus the charges
   * landed by then, less what this user's own earlier charges free by then (known once the
   * window's length is learned; before that nothing is counted as freed, which is safe), must
   * leave a margin.
   */
  #timeBudgetAllows(start: number, records: number, withRequest = true): boolean {
    if (this.#timeRemaining === null || this.#timeBudget <= 0) return true
    const budget = this.#model.budget ?? this.#timeBudget
    const scale = this.#model.scale
    const now = this.#now()
    // Each call lands when its latency line says it ends, charged what the server's line says.
    const landings: Array<readonly [at: number, ms: number]> = []
    for (const f of this.#inFlight) {
      landings.push([Math.max(now, f.startedAt + this.expectedMs(f.records)), this.#serverMs(f.records)])
    }
    if (withRequest) {
      // A first call larger than the budget cannot be judged; with nothing in flight, let it go and learn.
      const cost = this.#serverMs(records)
      landings.push([
        start + this.expectedMs(records),
        this.#inFlight.size === 0 ? Math.min(cost, budget / 2) : cost,
      ])
    }
    landings.sort((a, b) => a[0] - b[0])
    // The margin covers the spread of what calls cost around the line, for each call still to land.
    const spread = 2 * scale * Math.sqrt(this.#latencyVariance * landings.length)
    const limit = budget * (1 - BUDGET_MARGIN - this.#extraMargin) - spread
    // A remainder of 0 (or a 429) does not say by how much the window is over: this user's own
    // charges in it (once the window is known) are a floor then. Otherwise the server's figure
    // stands: the estimates of the log are rougher than what the server counted.
    const reported = budget - this.#timeRemaining
    const held = this.#readingFull ? Math.max(reported, this.#model.held(this.#readingAt) ?? 0) : reported
    // Checked at the start (with what lands by then) and at each later landing.
    let landed = 0
    let i = 0
    while (i < landings.length && landings[i]![0] <= start) landed += landings[i++]![1]
    for (let at = start; ;) {
      if (held + landed - this.#model.freed(this.#readingAt, at) > limit) return false
      if (i === landings.length) return true
      const [next, ms] = landings[i++]!
      at = next
      landed += ms
    }
  }

  /**
   * When a request of `records` records may start, as far as time alone decides (a pause ending,
   * the user's own charges ageing out of the budget's window); null when only a response can
   * change the answer (the parallelism cap, an unknown window, requests in flight that already
   * fill it). The pool sets its timer by this.
   */
  nextStartAt(records: number): number | null {
    const now = this.#now()
    if (now < this.#pausedUntil) return this.#pausedUntil
    if (this.#inFlight.size >= Math.min(MAX_IN_FLIGHT, Math.floor(this.#limit))) return null
    if (!this.#requestBudgetAllows()) return null
    if (this.#timeBudgetAllows(now, records)) return now
    const window = this.#model.window
    if (window === null || !this.#timeBudgetAllows(now, records, false)) return null
    // Later starts only see more of the window freed: the earliest that fits, to 5 ms.
    let lo = now
    let hi = now + window
    if (!this.#timeBudgetAllows(hi, records)) return null
    while (hi - lo > 5) {
      const mid = (lo + hi) / 2
      if (this.#timeBudgetAllows(mid, records)) hi = mid
      else lo = mid
    }
    return hi
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
    const f = { records, startedAt: now }
    this.#inFlight.add(f)
    this.#arrivalsSinceReport++
    return f
  }

  /**
   * When the server answered, on the limiter's clock: when the response's headers came (its start
   * plus the measured latency, which stops there), not when this process got round to it, kept in
   * time order for the budget model.
   */
  #answeredAt(handle: InFlight, report: RequestReport): number {
    const at = Math.max(this.#lastAnswerAt, Math.min(this.#now(), handle.startedAt + report.latencyMs))
    this.#lastAnswerAt = at
    return at
  }

  /**
   * The server ms a call of `records` records is charged: the server's own cost line once read off
   * the budget readings, else the latency line times the learned scale.
   */
  #serverMs(records: number): number {
    return this.#model.serverCost(records) ?? this.#model.scale * this.expectedMs(records)
  }

  /** Records a budget probe's answer: its charge and the figures, not its latency as a record cost. */
  probed(handle: InFlight, report: RequestReport): void {
    this.#inFlight.delete(handle)
    const now = this.#now()
    this.#lastResponseAt = now
    const before = this.#timeRemaining
    const at = this.#answeredAt(handle, report)
    if (report.throttledForMs !== null) {
      this.#pausedUntil = Math.max(this.#pausedUntil, now + report.throttledForMs)
      return
    }
    this.#readBudget(at, report, 0)
    this.#model.charge(at, report.latencyMs, 0)
    const moved = before === null || this.#timeRemaining === null || this.#timeRemaining > before + 1
    this.#probeBackoff = moved ? 1 : Math.min(2, this.#probeBackoff * 2)
  }

  #readBudget(at: number, report: RequestReport, records: number): void {
    if (report.timeRemainingMs !== null) {
      this.#timeBudget = Math.max(this.#timeBudget, report.timeRemainingMs)
      this.#model.reading(at, report.timeRemainingMs)
      this.#readingAt = at
      this.#readingFull = report.timeRemainingMs <= 0
      // The header is read before this request's own charge lands.
      this.#timeRemaining =
        report.timeRemainingMs - (this.#model.serverCost(records) ?? this.#model.scale * report.latencyMs)
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
    const at = this.#answeredAt(handle, report)
    if (report.throttledForMs !== null) {
      this.#throttles++
      this.#pausedUntil = Math.max(this.#pausedUntil, now + report.throttledForMs)
      // Once per pause, not once per throttled request of the same burst: halve, and when paced
      // by a learned window and still overdrawn, keep more of the budget free for a while.
      if (now - this.#lastThrottleAt > report.throttledForMs) {
        this.#limit = Math.max(1, this.#limit / 2)
        if (this.#model.window !== null)
          this.#extraMargin = Math.min(MAX_EXTRA_MARGIN, this.#extraMargin + BUDGET_MARGIN)
      }
      this.#lastThrottleAt = now
      // The server's budget is spent: forget the stale remaining figure.
      this.#timeRemaining = 0
      this.#readingAt = now
      this.#readingFull = true
      return
    }
    if (this.#fit.samples >= 3) {
      const error = report.latencyMs - this.expectedMs(records)
      this.#latencyVariance = 0.95 * this.#latencyVariance + 0.05 * error * error
    }
    this.#fit.add(Math.max(1, records), report.latencyMs)
    this.#extraMargin *= 0.998
    this.#msPerRequest =
      this.#msPerRequest === null ? report.latencyMs : this.#msPerRequest * 0.8 + report.latencyMs * 0.2
    this.#readBudget(at, report, records)
    // The charge logged is the cost line's estimate for a call of this size: a call's own latency
    // also holds however long this process took to get to its answer, noise the line averages out.
    this.#model.charge(at, this.#fit.samples >= 3 ? this.expectedMs(records) : report.latencyMs, records)
    const calm = now - this.#lastThrottleAt > 2 * (this.#msPerRequest ?? 0) + 1000
    const busy = inFlightBefore >= Math.floor(this.#limit)
    // Paced by the budget the server reports, the cap only guards concurrency: it may double per
    // round trip, so the calls that fit when much of the window frees at once can all go. Without
    // those figures, 429s alone steer, and it grows by about one per round trip.
    const step = this.#timeRemaining !== null ? 1 : 1 / Math.max(1, this.#limit)
    if (calm && busy) this.#limit = Math.min(MAX_IN_FLIGHT, this.#limit + step)
  }
}
