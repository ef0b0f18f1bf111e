/**
 * Adaptive parallelism for one application user (WEB-API-NOTES §1;
 * https://learn.microsoft.com/power-apps/developer/data-platform/api-limits and
 * .../send-parallel-requests):
 *
 * - start at the server's `x-ms-dop-hint`; never more than 52 requests in flight;
 * - a 429 pauses every new request of this user for the full `Retry-After` (pushing on makes the
 *   penalty longer) and halves the parallelism;
 * - when calm, grow by about one request per round trip;
 * - when the server reports the budget left (`x-ms-ratelimit-time-remaining-xrm-requests`,
 *   execution ms, and `…-burst-remaining-…`, requests), start a request only if what is left, less
 *   what the requests in flight will still be charged, covers it. Microsoft calls the headers a
 *   debugging aid, so they only ever slow the loader down; without them the 429s steer it.
 *
 * Pure bookkeeping over a clock: the pool asks `canStart` and tells `started` / `finished`.
 */

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

type InFlight = { readonly expectedMs: number }

/** One user's parallelism controller. */
export class AdaptiveLimiter {
  readonly #now: () => number
  #limit: number
  #pausedUntil = 0
  #lastThrottleAt = -Infinity
  readonly #inFlight = new Set<InFlight>()
  /** EWMA of the charge per record of a request, ms. */
  #msPerRecord: number | null = null
  #msPerRequest: number | null = null
  #timeRemaining: number | null = null
  #timeBudget = 0
  #requestsRemaining: number | null = null
  #requestBudget = 0
  #throttles = 0
  #seeded = false

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

  /** The current parallelism (requests this user may have in flight). */
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

  /** The execution time a request of `records` records is expected to be charged, ms. */
  expectedMs(records: number): number {
    if (this.#msPerRecord === null || this.#msPerRequest === null) return 0
    return Math.max(this.#msPerRequest * 0.5, this.#msPerRecord * Math.max(1, records))
  }

  /** May a request of `records` records start now? */
  canStart(records: number): boolean {
    if (this.#now() < this.#pausedUntil) return false
    const n = this.#inFlight.size
    if (n >= Math.min(MAX_IN_FLIGHT, Math.floor(this.#limit))) return false
    // With nothing in flight there is no fresher news to wait for: send one and learn.
    if (n === 0) return true
    if (this.#timeRemaining !== null && this.#timeBudget > 0) {
      let pending = 0
      for (const f of this.#inFlight) pending += f.expectedMs
      const margin = 0.02 * this.#timeBudget
      if (this.#timeRemaining - pending - this.expectedMs(records) < margin) return false
    }
    if (this.#requestsRemaining !== null && this.#requestBudget > 0) {
      if (this.#requestsRemaining - n - 1 < Math.max(1, 0.02 * this.#requestBudget)) return false
    }
    return true
  }

  /** Records a request starting; returns the handle to finish it with. */
  started(records: number): InFlight {
    const f = { expectedMs: this.expectedMs(records) }
    this.#inFlight.add(f)
    return f
  }

  /** Records a request's end and adapts. */
  finished(handle: InFlight, records: number, report: RequestReport): void {
    const inFlightBefore = this.#inFlight.size
    this.#inFlight.delete(handle)
    const now = this.#now()
    if (report.throttledForMs !== null) {
      this.#throttles++
      this.#pausedUntil = Math.max(this.#pausedUntil, now + report.throttledForMs)
      // Halve once per pause, not once per throttled request of the same burst.
      if (now - this.#lastThrottleAt > report.throttledForMs) this.#limit = Math.max(1, this.#limit / 2)
      this.#lastThrottleAt = now
      // The server's budget is spent: forget the stale remaining figures.
      this.#timeRemaining = 0
      return
    }
    const perRecord = report.latencyMs / Math.max(1, records)
    this.#msPerRecord = this.#msPerRecord === null ? perRecord : this.#msPerRecord * 0.8 + perRecord * 0.2
    this.#msPerRequest =
      this.#msPerRequest === null ? report.latencyMs : this.#msPerRequest * 0.8 + report.latencyMs * 0.2
    if (report.timeRemainingMs !== null) {
      this.#timeBudget = Math.max(this.#timeBudget, report.timeRemainingMs)
      // The header is read before this request's own charge lands.
      this.#timeRemaining = report.timeRemainingMs - report.latencyMs
    }
    if (report.requestsRemaining !== null) {
      this.#requestBudget = Math.max(this.#requestBudget, report.requestsRemaining)
      this.#requestsRemaining = report.requestsRemaining
    }
    const calm = now - this.#lastThrottleAt > 2 * (this.#msPerRequest ?? 0) + 1000
    const busy = inFlightBefore >= Math.floor(this.#limit)
    const budgetFine =
      this.#timeRemaining === null || this.#timeBudget === 0 || this.#timeRemaining > 0.25 * this.#timeBudget
    if (calm && busy && budgetFine)
      this.#limit = Math.min(MAX_IN_FLIGHT, this.#limit + 1 / Math.max(1, this.#limit))
  }
}
