/**
 * A model of one user's execution-time budget (service protection, WEB-API-NOTES §1): a sliding
 * window of W ms that holds at most B ms of charged execution time. The server tells only what is
 * left (`x-ms-ratelimit-time-remaining-xrm-requests`); this learns, from those readings and the
 * user's own charges (each request's latency, charged by the server when it ends):
 *
 * - the budget B: the most the server ever reported left;
 * - the scale: the server charges its own execution time, which the user measures only as latency
 *   (longer, by the network and its own event loop); while nothing has aged out yet, every drop of
 *   the remainder is a charge, so server ms per measured ms = total drop / total latency;
 * - the window W: the remainder first rises when the user's first charge ages out, so W is the time
 *   from that charge to the first rise (a rise much larger than that charge is someone else's
 *   earlier use ageing out, and is not taken).
 *
 * Pure: times are on the caller's clock.
 */

/** A rise counts when it is larger than this share of the budget (noise below it is ignored). */
const RISE_SHARE = 0.005

export class BudgetModel {
  #budget = 0
  #window: number | null = null
  #scale = 1
  #firstChargeAt: number | null = null
  /** This user's charges until the window is known, [at, measured ms] (what will age out first). */
  readonly #early: Array<readonly [number, number]> = []
  #lastReadingAt: number | null = null
  /** Charges landed since the last reading (measured ms), and their sums before the first rise. */
  #sinceReading = 0
  #dropped = 0
  #measured = 0
  #last: number | null = null

  /** The learned window, ms, or null until the remainder first rises. */
  get window(): number | null {
    return this.#window
  }

  /** The budget per window, ms (the most ever reported left), or null before any reading. */
  get budget(): number | null {
    return this.#budget > 0 ? this.#budget : null
  }

  /** Server execution ms per ms of this user's measured latency (1 until learned). */
  get scale(): number {
    return this.#scale
  }

  /** A request's charge (its latency), landing at `at`, after any reading taken at that moment. */
  charge(at: number, ms: number): void {
    if (this.#firstChargeAt === null) this.#firstChargeAt = at
    if (this.#window === null && this.#early.length < 10_000) this.#early.push([at, ms])
    this.#sinceReading += ms
  }

  /** A reading of what is left at `at`; the request it came with is charged after it. */
  reading(at: number, remaining: number): void {
    this.#budget = Math.max(this.#budget, remaining)
    const last = this.#last
    const lastAt = this.#lastReadingAt
    this.#last = remaining
    this.#lastReadingAt = at
    const landed = this.#sinceReading
    this.#sinceReading = 0
    if (last === null || lastAt === null || this.#window !== null) return
    const change = remaining - last
    const rise = change + this.#scale * landed
    if (rise > RISE_SHARE * this.#budget && this.#firstChargeAt !== null) {
      // The first charges ageing out, not someone else's earlier use: what aged out between the
      // two readings is about what this user was charged in the same span after its first charge.
      const first = this.#firstChargeAt
      let expected = 0
      for (const [t, ms] of this.#early) if (t <= first + (at - lastAt)) expected += ms
      if (rise <= 1.5 * this.#scale * expected + RISE_SHARE * this.#budget) {
        this.#window = at - first
        this.#early.length = 0
      }
      return
    }
    // Nothing aged out yet: every drop is a charge.
    if (landed > 0 && change < 0) {
      this.#dropped += -change
      this.#measured += landed
      this.#scale = Math.min(1.5, Math.max(0.3, this.#dropped / this.#measured))
    }
  }
}
