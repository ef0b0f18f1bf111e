/**
 * A migration run as every host sees it (issue 6): per-table figures (the CLI contract of
 * `leafbridge migrate --json`), per-phase state, and the records that failed with their reason.
 */

/** The load phases in dependency order (the mapping's PHASES). */
export const RUN_PHASES = [
  'accounts',
  'contacts',
  'leads',
  'opportunities',
  'activities',
  'attachments',
  'connections',
  'status',
] as const
export type RunPhase = (typeof RUN_PHASES)[number]

/**
 * One target table of a run. `verified` and `mismatches` are filled by verify (`leafbridge verify`);
 * a migrate run reports them as 0.
 */
export type RunTableCounts = {
  expected: number
  loaded: number
  failed: number
  /** Records not sent on purpose (files over the upload limit, missing binaries). */
  skipped: number
  verified: number
  mismatches: number
}

/** One phase of a run. `seconds` is this attempt's time (0 for a phase done before a resume). */
export type RunPhaseView = Readonly<{ phase: RunPhase; status: string; expected: number; seconds: number }>

/** One application user's share of the run. */
export type RunUserStats = Readonly<{ index: number; requests: number; throttles: number; limit: number }>

/** What a finished run reports; the stable part of `leafbridge migrate --json`. */
export type RunSummary = Readonly<{
  runId: string
  status: 'finished' | 'failed' | 'cancelled'
  /** True when this attempt continued an interrupted run. */
  resumed: boolean
  phases: ReadonlyArray<RunPhaseView>
  tables: Readonly<Record<string, RunTableCounts>>
  mismatches: number
  records: Readonly<{ loaded: number; failed: number; skipped: number }>
  /** This attempt's wall time, ms, and records loaded per second over it. */
  elapsedMs: number
  recordsPerSecond: number
  users: ReadonlyArray<RunUserStats>
  /** Unknown outcomes found at start-up and settled by reading the target. */
  settledOnResume: Readonly<{ applied: number; absent: number }>
  /** Files over the environment's upload limit (the oversized-file manifest). */
  oversizedFiles: number
}>

/** A record that failed, with the classifier's verdict and Dataverse's reason. */
export type RunFailure = Readonly<{
  seq: number
  phase: string
  step: string
  table: string
  sourceKey: string
  verdict: string
  httpStatus: number | null
  code: string | null
  message: string | null
  at: string
}>

/** A run of the open workspace. */
export type RunView = Readonly<{
  runId: string
  runNo: number
  targetUrl: string
  status: 'running' | 'finished' | 'failed' | 'cancelled'
  startedAt: string
  finishedAt: string | null
  resumes: number
  phases: ReadonlyArray<Readonly<{ phase: string; status: string; expected: number }>>
  summary: RunSummary | null
  error: Readonly<{ code: string; message: string }> | null
  /** Can `run:resume` continue it (it did not finish)? */
  resumable: boolean
}>
