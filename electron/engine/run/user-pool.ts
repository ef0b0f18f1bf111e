/**
 * Several application users sharing a run's load, each with its own client, its own service-
 * protection budget and its own adaptive limiter (WEB-API-NOTES §1: limits are per user). A call
 * waits for a lease on whichever user can start it now; leases go first come, first served.
 */
import type { DataverseClient } from '../target/dataverse/client'
import { AdaptiveLimiter, type RequestReport } from './throttle'

/** One application user of the run. */
export type PoolUser = Readonly<{ index: number; client: DataverseClient; limiter: AdaptiveLimiter }>

/** The right to send one request as one user; `finish` must be called exactly once. */
export type Lease = Readonly<{ user: PoolUser; finish: (report: RequestReport) => void }>

type Waiter = { records: number; resolve: (lease: Lease) => void; reject: (error: unknown) => void }

/** Per-user counters for the run summary and the benchmark. */
export type PoolStats = ReadonlyArray<
  Readonly<{ index: number; requests: number; throttles: number; limit: number }>
>

export class UserPool {
  readonly users: ReadonlyArray<PoolUser>
  readonly #waiters: Waiter[] = []
  readonly #now: () => number
  readonly #requests: number[]
  #timer: NodeJS.Timeout | null = null
  #closed: unknown = null

  constructor(clients: ReadonlyArray<DataverseClient>, startParallelism: number, now: () => number) {
    this.#now = now
    this.users = clients.map((client, index) => ({
      index,
      client,
      limiter: new AdaptiveLimiter(client.dopHint ?? startParallelism, now),
    }))
    this.#requests = clients.map(() => 0)
  }

  /** Waits for a user that may start a request of `records` records. */
  acquire(records: number): Promise<Lease> {
    if (this.#closed !== null) return Promise.reject(this.#closed)
    return new Promise<Lease>((resolve, reject) => {
      this.#waiters.push({ records, resolve, reject })
      this.#pump()
    })
  }

  /** Rejects every waiter (a fatal verdict or a cancel stops the run). */
  close(reason: unknown): void {
    this.#closed = reason
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    for (const w of this.#waiters.splice(0)) w.reject(reason)
  }

  stats(): PoolStats {
    return this.users.map((u) => ({
      index: u.index,
      requests: this.#requests[u.index] ?? 0,
      throttles: u.limiter.throttles,
      limit: u.limiter.limit,
    }))
  }

  #pump(): void {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0]!
      const user = this.#pick(waiter.records)
      if (user === null) break
      this.#waiters.shift()
      const handle = user.limiter.started(waiter.records)
      this.#requests[user.index] = (this.#requests[user.index] ?? 0) + 1
      let done = false
      waiter.resolve({
        user,
        finish: (report) => {
          if (done) return
          done = true
          user.limiter.finished(handle, waiter.records, report)
          this.#pump()
        },
      })
    }
    this.#schedule()
  }

  /** The user with the most room that can start now, or null. */
  #pick(records: number): PoolUser | null {
    let best: PoolUser | null = null
    let bestRoom = -Infinity
    for (const u of this.users) {
      if (u.client.dopHint !== null) u.limiter.seed(u.client.dopHint)
      if (!u.limiter.canStart(records)) continue
      const room = u.limiter.limit - u.limiter.inFlight
      if (room > bestRoom) {
        best = u
        bestRoom = room
      }
    }
    return best
  }

  /** Wakes the pump when a Retry-After pause ends and nothing else would. */
  #schedule(): void {
    if (this.#timer !== null || this.#waiters.length === 0) return
    const now = this.#now()
    const nextEnd = Math.min(
      ...this.users.map((u) => (u.limiter.pausedUntil > now ? u.limiter.pausedUntil : Infinity)),
    )
    const anyInFlight = this.users.some((u) => u.limiter.inFlight > 0)
    const wait = Number.isFinite(nextEnd) ? nextEnd - now : anyInFlight ? null : 50
    if (wait === null) return
    this.#timer = setTimeout(
      () => {
        this.#timer = null
        this.#pump()
      },
      Math.max(1, wait),
    )
  }
}
