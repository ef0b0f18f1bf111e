/**
 * Runs long work as jobs: each gets an id, reports progress with a measured rate, can be cancelled,
 * and ends in exactly one of finished, failed or cancelled.
 */
import { randomUUID } from 'node:crypto'
import type { AppErrorData } from '../../shared/result'
import type {
  JobEvent,
  JobId,
  JobKind,
  JobLogLine,
  JobProgress,
  JobRef,
  JobSnapshot,
  JobState,
  LogLevel,
} from '../../shared/jobs'
import { AppError, CancelledError, toAppErrorData } from '../errors'
import { systemClock, type Clock } from '../clock'

/** What a running job may do. */
export type JobContext = Readonly<{
  jobId: JobId
  signal: AbortSignal
  /** Reports progress; `total` null when unknown. Throttled, so call it as often as convenient. */
  progress: (p: Readonly<{ done: number; total?: number | null; unit: string; phase?: string }>) => void
  log: (level: LogLevel, message: string) => void
  /** Throws CancelledError once cancel was requested; call between units of work. */
  throwIfCancelled: () => void
}>

export type JobListener = (event: JobEvent) => void

type JobRecord = {
  snapshot: JobSnapshot
  controller: AbortController
  done: Promise<JobSnapshot>
  lastEmitAt: number
  /** Recent (monotonic ms, done) samples for the rate. */
  samples: Array<readonly [number, number]>
}

const MAX_LOG_LINES = 200
const PROGRESS_INTERVAL_MS = 100
const RATE_WINDOW_MS = 5_000

export class JobManager {
  readonly #jobs = new Map<JobId, JobRecord>()
  readonly #listeners = new Set<JobListener>()
  readonly #clock: Clock

  constructor(clock: Clock = systemClock) {
    this.#clock = clock
  }

  /** Subscribes to every job's events; returns the unsubscribe function. */
  subscribe(listener: JobListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Starts `run` as a job and returns at once with its id. */
  start<T>(jobKind: JobKind, label: string, run: (ctx: JobContext) => Promise<T>): JobRef {
    const jobId: JobId = `job-${randomUUID()}`
    const controller = new AbortController()
    const startedAt = this.#iso()
    const record: JobRecord = {
      snapshot: {
        jobId,
        jobKind,
        label,
        state: 'running',
        startedAt,
        endedAt: null,
        progress: null,
        result: null,
        error: null,
        logs: [],
      },
      controller,
      done: Promise.resolve(null as unknown as JobSnapshot),
      lastEmitAt: -Infinity,
      samples: [],
    }
    this.#jobs.set(jobId, record)
    this.#emit({ kind: 'started', jobId, jobKind, label, at: startedAt })

    const ctx: JobContext = {
      jobId,
      signal: controller.signal,
      progress: (p) => this.#progress(record, p),
      log: (level, message) => this.#log(record, level, message),
      throwIfCancelled: () => {
        if (controller.signal.aborted) throw new CancelledError()
      },
    }
    record.done = (async () => {
      try {
        const result = await run(ctx)
        if (controller.signal.aborted) return this.#end(record, 'cancelled')
        return this.#end(record, 'finished', result)
      } catch (error) {
        if (error instanceof CancelledError || controller.signal.aborted)
          return this.#end(record, 'cancelled')
        return this.#end(record, 'failed', null, toAppErrorData(error))
      }
    })()
    return { jobId }
  }

  get(jobId: JobId): JobSnapshot {
    return this.#record(jobId).snapshot
  }

  list(): ReadonlyArray<JobSnapshot> {
    return [...this.#jobs.values()].map((r) => r.snapshot)
  }

  /** Requests cancellation; the job ends as `cancelled` at its next checkpoint. */
  cancel(jobId: JobId): JobSnapshot {
    const record = this.#record(jobId)
    if (record.snapshot.state === 'running') {
      record.controller.abort()
      this.#log(record, 'info', 'Cancel requested.')
    }
    return record.snapshot
  }

  /** Resolves when the job has ended. */
  wait(jobId: JobId): Promise<JobSnapshot> {
    return this.#record(jobId).done
  }

  /** Cancels every running job and waits for all of them to end. */
  async shutdown(): Promise<void> {
    for (const record of this.#jobs.values())
      if (record.snapshot.state === 'running') record.controller.abort()
    await Promise.all([...this.#jobs.values()].map((r) => r.done))
  }

  #record(jobId: JobId): JobRecord {
    const record = this.#jobs.get(jobId)
    if (!record) {
      throw new AppError({
        code: 'job-not-found',
        kind: 'fatal',
        message: `No job ${jobId} is known to this engine.`,
      })
    }
    return record
  }

  #iso(): string {
    return new Date(this.#clock.now()).toISOString()
  }

  #emit(event: JobEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch {
        // A failing subscriber (a closed window, a dropped HTTP stream) must not break the job.
      }
    }
  }

  #progress(
    record: JobRecord,
    p: Readonly<{ done: number; total?: number | null; unit: string; phase?: string }>,
  ): void {
    if (record.snapshot.state !== 'running') return
    const t = this.#clock.monotonic()
    const phaseChanged = record.snapshot.progress?.phase !== p.phase
    // A new phase counts its own records from zero: its rate starts afresh, never negative.
    if (phaseChanged) record.samples.length = 0
    const samples = record.samples
    samples.push([t, p.done])
    while (samples.length > 2 && t - samples[0]![0] > RATE_WINDOW_MS) samples.shift()
    const first = samples[0]!
    const elapsed = (t - first[0]) / 1000
    const rate = elapsed > 0 ? Math.max(0, p.done - first[1]) / elapsed : null
    const progress: JobProgress = {
      done: p.done,
      total: p.total ?? null,
      rate,
      unit: p.unit,
      ...(p.phase === undefined ? {} : { phase: p.phase }),
    }
    record.snapshot = { ...record.snapshot, progress }
    const complete = progress.total !== null && progress.done >= progress.total
    if (phaseChanged || complete || t - record.lastEmitAt >= PROGRESS_INTERVAL_MS) {
      record.lastEmitAt = t
      this.#emit({ kind: 'progress', jobId: record.snapshot.jobId, at: this.#iso(), ...progress })
    }
  }

  #log(record: JobRecord, level: LogLevel, message: string): void {
    const line: JobLogLine = { at: this.#iso(), level, message }
    const logs = [...record.snapshot.logs, line].slice(-MAX_LOG_LINES)
    record.snapshot = { ...record.snapshot, logs }
    this.#emit({ kind: 'log', jobId: record.snapshot.jobId, ...line })
  }

  #end(
    record: JobRecord,
    state: Exclude<JobState, 'running'>,
    result: unknown = null,
    error: AppErrorData | null = null,
  ): JobSnapshot {
    const at = this.#iso()
    record.snapshot = {
      ...record.snapshot,
      state,
      endedAt: at,
      result: state === 'finished' ? result : null,
      error,
    }
    const jobId = record.snapshot.jobId
    if (state === 'finished') this.#emit({ kind: 'finished', jobId, at, result })
    else if (state === 'failed')
      this.#emit({ kind: 'failed', jobId, at, error: error ?? toAppErrorData(null) })
    else this.#emit({ kind: 'cancelled', jobId, at })
    return record.snapshot
  }
}
