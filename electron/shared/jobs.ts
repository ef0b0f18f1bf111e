/**
 * Long work runs as a job: it has an id, emits progress events and can be cancelled.
 *
 * The engine owns run truth; hosts and the renderer only mirror these events.
 */
import { z } from 'zod'
import type { AppErrorData } from './result'

export const jobIdSchema = z.string().regex(/^job-[a-z0-9-]{6,64}$/, 'a job id looks like job-…')
export type JobId = z.infer<typeof jobIdSchema>

export const jobRefSchema = z.object({ jobId: jobIdSchema })
export type JobRef = z.infer<typeof jobRefSchema>

/** The kinds of long work the engine runs. */
export const JOB_KINDS = [
  'workspace-backup',
  'target-check',
  'stage-export',
  'plan-audit',
  'schema-apply',
  'schema-undo',
  'verify',
  'rollback',
  'migrate',
] as const
export type JobKind = (typeof JOB_KINDS)[number]

export type JobState = 'running' | 'finished' | 'failed' | 'cancelled'

/** Progress figures: `done` and `total` are in `unit`s; `rate` is units per second, null before it is known. */
export type JobProgress = Readonly<{
  done: number
  total: number | null
  rate: number | null
  unit: string
  phase?: string
}>

export type LogLevel = 'info' | 'warn' | 'error'

/** One event of one job; `at` is an ISO-8601 UTC timestamp. */
export type JobEvent =
  | Readonly<{ kind: 'started'; jobId: JobId; jobKind: JobKind; label: string; at: string }>
  | Readonly<{ kind: 'progress'; jobId: JobId; at: string } & JobProgress>
  | Readonly<{ kind: 'log'; jobId: JobId; at: string; level: LogLevel; message: string }>
  | Readonly<{ kind: 'finished'; jobId: JobId; at: string; result: unknown }>
  | Readonly<{ kind: 'failed'; jobId: JobId; at: string; error: AppErrorData }>
  | Readonly<{ kind: 'cancelled'; jobId: JobId; at: string }>

export type JobLogLine = Readonly<{ at: string; level: LogLevel; message: string }>

/** What a job looks like now: enough to redraw its view after a reload. */
export type JobSnapshot = Readonly<{
  jobId: JobId
  jobKind: JobKind
  label: string
  state: JobState
  startedAt: string
  endedAt: string | null
  progress: JobProgress | null
  result: unknown
  error: AppErrorData | null
  /** The most recent log lines, oldest first. */
  logs: ReadonlyArray<JobLogLine>
}>

export const isTerminal = (state: JobState): boolean => state !== 'running'
