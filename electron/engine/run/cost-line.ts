/**
 * A cost line `ms = base + per × records`, fitted by least squares to recent calls: the sums decay
 * by `keep` per sample, so the line follows a phase whose calls cost differently from the last.
 * The limiter keeps one for calls' latency and one for what the server charged them.
 */
export class CostLine {
  readonly #keep: number
  // Decayed sums: count, Σx, Σy, Σx², Σx·y.
  #n = 0
  #sx = 0
  #sy = 0
  #sxx = 0
  #sxy = 0

  constructor(keep: number) {
    this.#keep = keep
  }

  /** The (decayed) number of samples. */
  get samples(): number {
    return this.#n
  }

  add(records: number, ms: number): void {
    const k = this.#keep
    this.#n = this.#n * k + 1
    this.#sx = this.#sx * k + records
    this.#sy = this.#sy * k + ms
    this.#sxx = this.#sxx * k + records * records
    this.#sxy = this.#sxy * k + records * ms
  }

  /**
   * The line (both terms at least 0), or null before any sample. When every sample had about the
   * same size (variance of records below `minVariance`), the slope is 0 and the base their mean.
   */
  line(minVariance: number): { base: number; per: number; spread: boolean } | null {
    if (this.#n <= 0) return null
    const meanX = this.#sx / this.#n
    const meanY = this.#sy / this.#n
    const varX = this.#sxx / this.#n - meanX * meanX
    if (varX < minVariance) return { base: Math.max(0, meanY), per: 0, spread: false }
    const per = Math.max(0, (this.#sxy / this.#n - meanX * meanY) / varX)
    return { base: Math.max(0, meanY - per * meanX), per, spread: true }
  }
}
