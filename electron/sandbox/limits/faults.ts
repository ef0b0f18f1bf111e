/**
 * Seeded, reproducible fault injection: the n-th Web API request draws the n-th number of a
 * mulberry32 stream seeded with `--seed`, so the same seed and the same request order give the
 * same faults. One draw decides at most one fault per request, by cumulative rate:
 * 5xx, then reset, then timeout, then slow.
 */
import type { FaultsConfig } from './config'

/** What happens to one request. */
export type FaultDecision =
  | Readonly<{ kind: 'none' }>
  | Readonly<{ kind: '5xx'; status: 500 | 503 }>
  | Readonly<{ kind: 'reset' }>
  | Readonly<{ kind: 'timeout' }>
  | Readonly<{ kind: 'slow'; extraMs: number }>

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; returns numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Counts of injected faults, for `/_sandbox/stats`. */
export type FaultCounts = Record<'5xx' | 'reset' | 'timeout' | 'slow', number>

/** Draws fault decisions for successive requests. */
export class FaultInjector {
  readonly #config: FaultsConfig
  #random: () => number
  readonly #seed: number
  readonly counts: FaultCounts = { '5xx': 0, reset: 0, timeout: 0, slow: 0 }

  constructor(config: FaultsConfig, seed: number) {
    this.#config = config
    this.#seed = seed
    this.#random = mulberry32(seed)
  }

  get config(): FaultsConfig {
    return this.#config
  }

  /** The decision for the next request. */
  next(): FaultDecision {
    const c = this.#config
    if (c.serverError + c.reset + c.timeout + c.slow === 0) return { kind: 'none' }
    const r = this.#random()
    let edge = c.serverError
    if (r < edge) {
      this.counts['5xx']++
      // The second draw picks the status, so 500s and 503s are both seen.
      return { kind: '5xx', status: this.#random() < 0.5 ? 500 : 503 }
    }
    edge += c.reset
    if (r < edge) {
      this.counts.reset++
      return { kind: 'reset' }
    }
    edge += c.timeout
    if (r < edge) {
      this.counts.timeout++
      return { kind: 'timeout' }
    }
    edge += c.slow
    if (r < edge) {
      this.counts.slow++
      return { kind: 'slow', extraMs: c.slowMs }
    }
    return { kind: 'none' }
  }

  /** Restarts the stream (reset), so a reset sandbox replays the same faults. */
  restart(): void {
    this.#random = mulberry32(this.#seed)
    this.counts['5xx'] = 0
    this.counts.reset = 0
    this.counts.timeout = 0
    this.counts.slow = 0
  }
}
