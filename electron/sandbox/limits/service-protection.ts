/**
 * Service-protection limits per user and sliding window ([limits], WEB-API-NOTES §1):
 *
 * - requests: at most N arrivals in the window; the next one gets 429 `0x80072322`;
 * - execution time: once the window's combined execution time exceeds the budget, requests get
 *   429 `0x80072321` until enough of it has aged out;
 * - concurrency: more than C requests in flight fail at once with 429 `0x80072326`.
 *
 * `Retry-After` is in whole seconds (at least 1), the time until the window has room again. A
 * throttled request still counts as an arrival, so a client that keeps pushing keeps the window
 * full and waits longer, as documented ("clients that keep pushing get longer waits"). Limits are
 * kept per calling user (the token's user); impersonation does not move the budget (Unverified).
 */
import { DataverseError } from '../web-api/errors'
import type { EffectiveLimits } from './config'

/** Which limit refused a request. */
export type LimitKind = 'requests' | 'execution' | 'concurrency'

type UserWindow = {
  arrivals: number[]
  arrivalStart: number
  executions: Array<readonly [end: number, ms: number]>
  executionStart: number
  executionSum: number
  concurrent: number
}

/** Counters of one user, for `/_sandbox/stats`. */
export type UserLimitStats = {
  requests: number
  throttled: Record<LimitKind, number>
  executionMs: number
  peakConcurrent: number
}

/** The admission decision for one request. */
export type Admission =
  | Readonly<{ ok: true; release: (executionMs: number) => void }>
  | Readonly<{ ok: false; kind: LimitKind; error: DataverseError; retryAfterMs: number }>

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

/** Sliding-window limiter for every user of one sandbox. */
export class ServiceProtection {
  readonly #limits: EffectiveLimits
  readonly #now: () => number
  readonly #users = new Map<string, UserWindow>()
  readonly #stats = new Map<string, UserLimitStats>()

  constructor(limits: EffectiveLimits, now: () => number = () => performance.timeOrigin + performance.now()) {
    this.#limits = limits
    this.#now = now
  }

  get limits(): EffectiveLimits {
    return this.#limits
  }

  /** Decides whether a request of `userId` may run now. */
  admit(userId: string): Admission {
    const now = this.#now()
    const stats = this.statsOf(userId)
    stats.requests++
    const window = this.#window(userId)
    this.#trim(window, now)
    const limits = this.#limits
    if (!limits.enabled) return this.#accept(window, stats, now)
    if (window.concurrent >= limits.maxConcurrent) {
      stats.throttled.concurrency++
      return this.#refuse(
        'concurrency',
        1000,
        `Number of concurrent requests exceeded the limit of ${limits.maxConcurrent}.`,
        '0x80072326',
      )
    }
    const arrivals = window.arrivals.length - window.arrivalStart
    if (arrivals >= limits.maxRequests) {
      window.arrivals.push(now)
      const oldest = window.arrivals[window.arrivalStart] ?? now
      stats.throttled.requests++
      return this.#refuse(
        'requests',
        oldest + limits.windowMs - now,
        `Number of requests exceeded the limit of ${limits.maxRequests} over time window of ${fmt(limits.windowMs / 1000)} seconds.`,
        '0x80072322',
      )
    }
    if (window.executionSum > limits.maxExecutionMs) {
      window.arrivals.push(now)
      let excess = window.executionSum - limits.maxExecutionMs
      let waitUntil = now
      for (let i = window.executionStart; i < window.executions.length; i++) {
        const [end, ms] = window.executions[i] ?? [now, 0]
        excess -= ms
        waitUntil = end + limits.windowMs
        if (excess <= 0) break
      }
      stats.throttled.execution++
      return this.#refuse(
        'execution',
        waitUntil - now,
        `Combined execution time of incoming requests exceeded limit of ${fmt(limits.maxExecutionMs)} milliseconds over time window of ${fmt(limits.windowMs / 1000)} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
        '0x80072321',
      )
    }
    return this.#accept(window, stats, now)
  }

  /** Remaining budget headers (`x-ms-ratelimit-*-remaining-xrm-requests`, for debugging per [limits]). */
  remaining(userId: string): Record<string, string> {
    const window = this.#window(userId)
    this.#trim(window, this.#now())
    const requests = Math.max(0, this.#limits.maxRequests - (window.arrivals.length - window.arrivalStart))
    const time = Math.max(0, this.#limits.maxExecutionMs - window.executionSum)
    return {
      'x-ms-ratelimit-burst-remaining-xrm-requests': String(requests),
      'x-ms-ratelimit-time-remaining-xrm-requests': String(Math.round(time)),
    }
  }

  /** The counters of a user (created on first use). */
  statsOf(userId: string): UserLimitStats {
    let stats = this.#stats.get(userId)
    if (stats === undefined) {
      stats = {
        requests: 0,
        throttled: { requests: 0, execution: 0, concurrency: 0 },
        executionMs: 0,
        peakConcurrent: 0,
      }
      this.#stats.set(userId, stats)
    }
    return stats
  }

  /** Every user's counters. */
  allStats(): ReadonlyMap<string, UserLimitStats> {
    return this.#stats
  }

  /** Forgets windows and counters (reset). */
  clear(): void {
    this.#users.clear()
    this.#stats.clear()
  }

  #accept(window: UserWindow, stats: UserLimitStats, now: number): Admission {
    window.arrivals.push(now)
    window.concurrent++
    stats.peakConcurrent = Math.max(stats.peakConcurrent, window.concurrent)
    let released = false
    return {
      ok: true,
      release: (executionMs: number) => {
        if (released) return
        released = true
        window.concurrent--
        const ms = Math.max(0, executionMs)
        window.executions.push([this.#now(), ms])
        window.executionSum += ms
        stats.executionMs += ms
      },
    }
  }

  #refuse(kind: LimitKind, waitMs: number, message: string, code: string): Admission {
    const retryAfterMs = Math.max(1, waitMs)
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
    const error = new DataverseError(429, code, message, {
      'retry-after': String(seconds),
      'x-sandbox-retry-after-ms': String(Math.ceil(retryAfterMs)),
    })
    return { ok: false, kind, error, retryAfterMs }
  }

  #window(userId: string): UserWindow {
    let window = this.#users.get(userId)
    if (window === undefined) {
      window = {
        arrivals: [],
        arrivalStart: 0,
        executions: [],
        executionStart: 0,
        executionSum: 0,
        concurrent: 0,
      }
      this.#users.set(userId, window)
    }
    return window
  }

  #trim(window: UserWindow, now: number): void {
    const cutoff = now - this.#limits.windowMs
    while (
      window.arrivalStart < window.arrivals.length &&
      (window.arrivals[window.arrivalStart] ?? now) <= cutoff
    ) {
      window.arrivalStart++
    }
    if (window.arrivalStart > 4096 && window.arrivalStart * 2 > window.arrivals.length) {
      window.arrivals = window.arrivals.slice(window.arrivalStart)
      window.arrivalStart = 0
    }
    while (window.executionStart < window.executions.length) {
      const entry = window.executions[window.executionStart]
      if (entry === undefined || entry[0] > cutoff) break
      window.executionSum -= entry[1]
      window.executionStart++
    }
    if (window.executionStart > 4096 && window.executionStart * 2 > window.executions.length) {
      window.executions = window.executions.slice(window.executionStart)
      window.executionStart = 0
    }
  }
}
