/**
 * Several application users sharing a run's load, each with its own client, its own service-
 * protection budget and its own adaptive limiter (WEB-API-NOTES §1: limits are per user). A call
 * waits for a lease on whichever user can start it now; leases go first come, first served.
 */
import type { DataverseClient } from '../target/dataverse/client'
import { AdaptiveLimiter, reportOf, type RequestReport } from './throttle'

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

  readonly #probing = new Set<number>()
  readonly #onLease: Array<() => void> = []

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

  /**
   * Resolves when the pool next hands out a lease (or closes): a caller that keeps a few requests
   * ready beyond those in flight can then prepare the next one at once, instead of waiting for a
   * call to end.
   */
  nextLease(): Promise<void> {
    if (this.#closed !== null) return Promise.resolve()
    return new Promise<void>((resolve) => this.#onLease.push(resolve))
  }

  /** Rejects every waiter (a fatal verdict or a cancel stops the run). */
  close(reason: unknown): void {
    this.#closed = reason
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    for (const w of this.#waiters.splice(0)) w.reject(reason)
    for (const resolve of this.#onLease.splice(0)) resolve()
  }

  /** The records per call the users' budgets suggest (the smallest), or null while unknown. */
  recommendedRecords(): number | null {
    const all = this.users.map((u) => u.limiter.recommendedRecords()).filter((n): n is number => n !== null)
    return all.length === 0 ? null : Math.min(...all)
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
    let granted = false
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0]!
      const user = this.#pick(waiter.records)
      if (user === null) break
      this.#waiters.shift()
      granted = true
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
    if (granted) for (const resolve of this.#onLease.splice(0)) resolve()
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

  /**
   * A user whose budget looks spent, with nothing in flight, asks `WhoAmI` (a cheap read) for
   * fresh figures, so the pool learns when its window has room again.
   */
  #probe(u: PoolUser): void {
    if (this.#probing.has(u.index) || this.#closed !== null) return
    this.#probing.add(u.index)
    const handle = u.limiter.started(0)
    const started = this.#now()
    void u.client
      .sendOnce({ method: 'GET', path: 'WhoAmI', timeoutMs: 30_000 })
      .then(
        (res) => {
          const v = res.verdict
          u.limiter.probed(
            handle,
            reportOf(
              this.#now() - started,
              res.headers,
              v.kind === 'retriable' && v.reason === 'throttled' ? Math.max(1, v.waitMs) : null,
            ),
          )
        },
        () => u.limiter.probed(handle, reportOf(this.#now() - started, {}, null)),
      )
      .finally(() => {
        this.#probing.delete(u.index)
        this.#pump()
      })
  }

  /**
   * Wakes the pump when time alone lets a user start (a Retry-After pause ending, its own charges
   * ageing out of the budget's window), or to probe a spent budget, when no response would.
   */
  #schedule(): void {
    if (this.#timer !== null || this.#waiters.length === 0) return
    const records = this.#waiters[0]!.records
    for (const u of this.users) if (u.limiter.wantsProbe(records)) this.#probe(u)
    const now = this.#now()
    const next = Math.min(...this.users.map((u) => u.limiter.nextStartAt(records) ?? Infinity))
    // A user with nothing in flight, or one that cannot yet tell when its window frees up, is
    // looked at again shortly (to probe, or to start once a probe has answered).
    const idle = this.users.some((u) => u.limiter.inFlight === 0 || u.limiter.windowMs === null)
    const wait = Number.isFinite(next) ? Math.min(next - now, idle ? 100 : Infinity) : idle ? 100 : null
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
