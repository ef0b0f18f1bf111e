/**
 * A model of one user's execution-time budget (service protection, WEB-API-NOTES §1): a sliding
 * window of W ms that holds at most B ms of charged execution time. The server tells only what is
 * left (`x-ms-ratelimit-time-remaining-xrm-requests`); this learns, from those readings and the
 * log of the user's own charges (each request's measured latency, charged when it ends):
 *
 * - the budget B: the most the server ever reported left;
 * - the window W and the scale s (server ms per measured ms: latency also holds the network and
 *   the client's own event loop) together, by least squares: for a candidate W, what the window
 *   holds at each reading is `B - remaining`, and it should be `a + s × (own charges in the W ms
 *   before the reading)`; the W whose line fits best is the window. Until some of the user's
 *   charges have aged out, every W longer than the time since the first charge fits alike, so
 *   nothing is learned; once they have, a shorter W that fits clearly better than "nothing ever
 *   ages out" is taken. A fit over every reading is what makes this robust: single readings are
 *   noisy (responses of parallel connections arrive out of order, latency is not exactly the
 *   charge, and use from before the run ages out at times this user never saw).
 *
 * Pure: times are on the caller's clock, and `charge` is called in time order.
 */
import { CostLine } from './cost-line'

/** Readings kept for the fit (the newest), and charges kept for it and for ageing out. */
const MAX_READINGS = 2_000
const MAX_CHARGES = 20_000

/** Candidate windows: 1 s to 2 h, 2% apart. */
const CANDIDATES: ReadonlyArray<number> = (() => {
  const out: number[] = []
  for (let w = 1_000; w <= 7_200_000; w *= 1.02) out.push(w)
  return out
})()

/** Readings a fit needs before it is trusted. */
const MIN_AGED_READINGS = 12

/** A fit is taken when its mean squared error is at most this share of the readings' variance… */
const CLEARLY_BETTER = 0.3

/** …and its root mean squared error at least this much below that of windows 10% shorter and longer. */
const SHARP = 1.15

/** The shortest window considered, in request latencies (service protection windows are minutes). */
const MIN_WINDOW_LATENCIES = 3

/** A window is taken only once windows this much longer could be told apart too. */
const LONGER_SEEN = 1.3

/** The readings the candidates are judged on start at this share of the time since the first charge. */
const RECENT_FROM = 0.5

/** Fit again after this many new readings while the window is unknown. */
const FIT_EVERY = 8

type WindowFit = { w: number; mse: number; slope: number; spread: number; typical: number }

type Reading = { readonly at: number; readonly remaining: number; readonly charges: number }

export class BudgetModel {
  #budget = 0
  /** The budget the fitted window implies (what was left before anything aged out, plus what was charged by then). */
  #fittedBudget = 0
  #window: number | null = null
  #scale = 1
  // The charge log: times, and prefix sums of measured ms and of records (sum[i] = Σ ms of the
  // charges before i, records[i] likewise).
  readonly #at: number[] = []
  readonly #sum: number[] = [0]
  readonly #records: number[] = [0]
  /**
   * The server's own cost line (ms = base + per × records), fitted to the charges read off
   * consecutive readings: between two readings exactly one charge lands, the previous answer's
   * own, so while nothing ages out the drop of the remainder is that call's charge.
   */
  readonly #line = new CostLine(0.98)
  /** The records of the one charge landed since the last reading (null: none or several). */
  #landedRecords: number | null = null
  #landedCount = 0
  #lastAt = 0
  /** Set at the first rise of the remainder: from then on a drop may hide something ageing out. */
  #rose = false
  /** Charges dropped from the front of the log (indices above are shifted by this). */
  #dropped = 0
  readonly #readings: Reading[] = []
  #sinceFit = 0
  // The crude scale used until the window is known: drops of the remainder against latency.
  #last: number | null = null
  #sinceReading = 0
  #droppedMs = 0
  #measuredMs = 0

  /** The learned window, ms, or null until learned. */
  get window(): number | null {
    return this.#window
  }

  /**
   * The budget per window, ms, or null before any reading: the most ever reported left, or more
   * when the fitted window shows that even that reading had earlier use in it.
   */
  get budget(): number | null {
    const b = Math.max(this.#budget, this.#fittedBudget)
    return b > 0 ? b : null
  }

  /** Server execution ms per ms of this user's measured latency (1 until learned). */
  get scale(): number {
    return this.#scale
  }

  /**
   * The server ms a call of `records` records is charged, by the server's own cost line, or null
   * until enough charges were read off the readings.
   */
  serverCost(records: number): number | null {
    const line = this.#serverLine()
    return line === null ? null : line.base + line.per * Math.max(0, records)
  }

  #serverLine(): { base: number; per: number } | null {
    if (this.#line.samples < 5) return null
    const line = this.#line.line(1)
    return line === null || !line.spread ? null : line
  }

  /** A request's charge (its latency, for `records` records), landing at `at`, after any reading taken at that moment. */
  charge(at: number, ms: number, records = 1): void {
    this.#at.push(at)
    this.#sum.push(this.#sum[this.#sum.length - 1]! + Math.max(0, ms))
    this.#records.push(this.#records[this.#records.length - 1]! + Math.max(0, records))
    this.#landedCount++
    this.#landedRecords = this.#landedCount === 1 ? records : null
    this.#sinceReading += ms
    if (this.#at.length > MAX_CHARGES) this.#trim()
  }

  /** A reading of what is left at `at`; the request it came with is charged after it. */
  reading(at: number, remaining: number): void {
    this.#budget = Math.max(this.#budget, remaining)
    // A reading of 0 says only that the window is full, not by how much: it cannot be fitted.
    if (remaining > 0) this.#readings.push({ at, remaining, charges: this.#dropped + this.#at.length })
    if (this.#readings.length > MAX_READINGS) this.#readings.splice(0, this.#readings.length - MAX_READINGS)
    // Until the window is known: while nothing has aged out, every drop is a charge.
    const last = this.#last
    const lastAt = this.#lastAt
    this.#last = remaining
    this.#lastAt = at
    if (last !== null && remaining > last && this.#window === null) this.#rose = true
    // The one charge landed since the last reading, read off the readings (what aged out in
    // between is added back once the window is known; before, only until the first rise).
    if (
      last !== null &&
      this.#landedRecords !== null &&
      last > 0 &&
      remaining > 0 &&
      (!this.#rose || this.#window !== null)
    ) {
      const charged = last - remaining + this.#freedRaw(lastAt, at)
      if (charged > 0) this.#line.add(this.#landedRecords, charged)
    }
    this.#landedRecords = null
    this.#landedCount = 0
    const landed = this.#sinceReading
    this.#sinceReading = 0
    if (this.#window === null && last !== null && landed > 0 && remaining < last) {
      this.#droppedMs += last - remaining
      this.#measuredMs += landed
      this.#scale = Math.min(1.5, Math.max(0.3, this.#droppedMs / this.#measuredMs))
    }
    if (this.#window === null && ++this.#sinceFit >= FIT_EVERY) {
      this.#sinceFit = 0
      this.#fit()
    }
  }

  /**
   * What this user's own charges free in the window (server ms) as time goes from `from` to `to`:
   * the charges that were inside it at `from` and have aged out by `to`. 0 while the window is unknown.
   */
  freed(from: number, to: number): number {
    return this.#scale * this.#freedRaw(from, to)
  }

  /** `freed` before the fitted scale. */
  #freedRaw(from: number, to: number): number {
    const w = this.#window
    if (w === null || to <= from) return 0
    return this.#amount(this.#indexAfter(from - w), this.#indexAfter(to - w))
  }

  /**
   * What the charges [i, j) of the log were charged, ms: by the server's cost line once known
   * (from their records), else their measured latency.
   */
  #amount(i: number, j: number): number {
    if (j <= i) return 0
    const line = this.#serverLine()
    if (line === null) return this.#sum[j]! - this.#sum[i]!
    return line.base * (j - i) + line.per * (this.#records[j]! - this.#records[i]!)
  }

  /**
   * What this user's own charges hold in the window at `at` (server ms), or null while the window
   * is unknown: a floor for what the window holds when the server reports nothing left.
   */
  held(at: number): number | null {
    const w = this.#window
    if (w === null) return null
    return this.#scale * this.#amount(this.#indexAfter(at - w), this.#indexAfter(at))
  }

  /** The index of the first charge after `t` (= how many are at or before it). */
  #indexAfter(t: number): number {
    let lo = 0
    let hi = this.#at.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.#at[mid]! <= t) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  #trim(): void {
    const drop = this.#at.length - MAX_CHARGES / 2
    const base = this.#sum[drop]!
    const baseRecords = this.#records[drop]!
    this.#at.splice(0, drop)
    this.#sum.splice(0, drop)
    this.#records.splice(0, drop)
    for (let i = 0; i < this.#sum.length; i++) {
      this.#sum[i] = this.#sum[i]! - base
      this.#records[i] = this.#records[i]! - baseRecords
    }
    this.#dropped += drop
  }

  /**
   * Fits every candidate window to the recent readings (the last few windows' worth, so use from
   * before the run that aged out long ago no longer weighs) and takes one when it explains them
   * well: its mean squared error is small against the budget and well below the spread of the
   * readings. Of the windows that fit about as well as the best, the longest is taken (a window
   * thought too long only slows the loader; one thought too short overdraws the budget).
   */
  #fit(): void {
    if (this.#at.length === 0 || this.#budget <= 0) return
    const first = this.#at[0]!
    const all = this.#readings.filter((r) => r.charges - this.#dropped >= 0)
    if (all.length < MIN_AGED_READINGS) return
    const lastAt = all[all.length - 1]!.at
    const span = lastAt - first
    // Every candidate is judged on the same readings, the newer half: each candidate window
    // shorter than half the span has aged some charges out by then, and use from before the run
    // (which ages out within the first window) is gone from them.
    const recent = all.filter((r) => r.at >= first + RECENT_FROM * span)
    if (recent.length < MIN_AGED_READINGS) return
    // A window is far longer than a request: shorter candidates only echo the latest landings.
    // (The longer calls set the bar; cheap probes and reads would lower a mean.)
    const lately: number[] = []
    for (let i = Math.max(0, this.#at.length - 500); i < this.#at.length; i++)
      lately.push(this.#sum[i + 1]! - this.#sum[i]!)
    lately.sort((a, b) => a - b)
    const shortest = MIN_WINDOW_LATENCIES * lately[Math.floor(0.9 * (lately.length - 1))]!
    const coarse = CANDIDATES.filter((w) => w < RECENT_FROM * span && w >= shortest)
      .map((w) => this.#fitWindow(w, recent))
      .filter((f): f is WindowFit => f !== null)
    if (coarse.length === 0) return
    const longest = coarse[coarse.length - 1]!.w
    const near = coarse.reduce((a, b) => (b.mse < a.mse ? b : a))
    // The coarse grid is 2% apart: look closer around its best, 0.1% apart.
    const fine: WindowFit[] = []
    for (let w = near.w / 1.03; w <= Math.min(near.w * 1.03, longest); w *= 1.001) {
      const f = this.#fitWindow(w, recent)
      if (f !== null) fine.push(f)
    }
    if (fine.length === 0) return
    const bestMse = Math.min(...fine.map((f) => f.mse))
    const tolerance = bestMse * 1.1 + (0.05 * near.typical) ** 2
    const taken = fine.filter((f) => f.mse <= tolerance).sort((a, b) => b.w - a.w)[0]!
    if (longest < LONGER_SEEN * taken.w) return
    if (taken.mse > CLEARLY_BETTER * taken.spread) return
    // The right window fits distinctly better than windows a tenth shorter or longer; a broad
    // minimum is a coincidence of steady pacing, not the window.
    const rmsAt = (w: number): number | null => {
      const f = this.#fitWindow(w, recent)
      return f === null ? null : Math.sqrt(f.mse)
    }
    const rms = Math.sqrt(taken.mse)
    const shorter = rmsAt(taken.w / 1.1)
    const longer = rmsAt(taken.w * 1.1)
    if (shorter === null || longer === null) return
    if (shorter < SHARP * rms || longer < SHARP * rms) return
    if (taken.slope < 0.3 || taken.slope > 1.5) return
    this.#window = taken.w
    this.#scale = taken.slope
    // Until the first charge aged out, the window held every charge so far: what was left then
    // plus those charges is the budget. It is more than the most ever reported left when use from
    // before the run, or this user's first calls, already held part of the window at every reading.
    for (const r of all) {
      if (r.at > first + taken.w) break
      const upTo = r.charges - this.#dropped
      this.#fittedBudget = Math.max(this.#fittedBudget, r.remaining + taken.slope * this.#amount(0, upTo))
    }
  }

  /** The line fitted for one candidate window over the given readings. */
  #fitWindow(w: number, aged: ReadonlyArray<Reading>): WindowFit | null {
    // A typical charge of these readings' span.
    const fromIndex = this.#indexAfter(aged[0]!.at - w)
    const toIndex = aged[aged.length - 1]!.charges - this.#dropped
    if (toIndex <= fromIndex) return null
    const typical = this.#amount(fromIndex, toIndex) / (toIndex - fromIndex)
    const f = fitLine(
      aged.map((r) => {
        const upTo = r.charges - this.#dropped
        return this.#amount(Math.min(upTo, this.#indexAfter(r.at - w)), upTo)
      }),
      aged.map((r) => this.#budget - r.remaining),
    )
    if (f.spread <= 0) return null
    return { w, typical, ...f }
  }
}

/** A least-squares line y = a + b·x: its slope, mean squared error, and the variance of y. */
function fitLine(
  xs: ReadonlyArray<number>,
  ys: ReadonlyArray<number>,
): { slope: number; mse: number; spread: number } {
  const n = xs.length
  let sx = 0
  let sy = 0
  for (let i = 0; i < n; i++) {
    sx += xs[i]!
    sy += ys[i]!
  }
  const mx = sx / n
  const my = sy / n
  let sxx = 0
  let sxy = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx
    const dy = ys[i]! - my
    sxx += dx * dx
    sxy += dx * dy
    syy += dy * dy
  }
  const slope = sxx > 1e-9 ? sxy / sxx : 0
  const rss = Math.max(0, syy - slope * sxy)
  return { slope, mse: rss / n, spread: syy / n }
}
