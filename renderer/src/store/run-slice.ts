/**
 * The Migrate step as the engine reports it: the latest run (its phases, summary and whether it
 * can resume), the records that failed with their reason, the run job, and the throughput samples
 * of that job's progress events (the chart). Data loads when the operator enters the step, whenever
 * the job moves to another phase, and when the job ends; samples are appended as progress events
 * arrive (a store subscription).
 */
import { RUN_PHASES, type RunFailure, type RunPhase, type RunView } from '@shared/dto/run'
import type { JobId, JobSnapshot } from '@shared/jobs'
import type { AppErrorData } from '@shared/result'
import { jobEnded } from './jobs-slice'
import type { SliceCreator } from './types'

/** One throughput sample: seconds since the job started, records per second, the phase then. */
export type ThroughputSample = Readonly<{ t: number; rate: number; phase: string }>

/** The most samples the chart keeps (older ones drop off its left edge). */
export const MAX_SAMPLES = 300

export type RunSlice = {
  run: Readonly<{
    latest: RunView | null
    failures: ReadonlyArray<RunFailure>
    jobId: JobId | null
    samples: ReadonlyArray<ThroughputSample>
    error: AppErrorData | null
  }>
  loadRun: () => Promise<void>
  /** Starts a run of the chosen phases (all when empty) with `users` application users. */
  startRun: (phases: ReadonlyArray<RunPhase>, users: number | null) => Promise<void>
  /** Continues the latest run where it stopped. */
  resumeRun: (users: number | null) => Promise<void>
  clearRunError: () => void
}

const EMPTY: RunSlice['run'] = { latest: null, failures: [], jobId: null, samples: [], error: null }

/** One phase's bar: done of total records, and its state. */
export type PhaseBar = Readonly<{
  phase: RunPhase
  state: 'done' | 'running' | 'pending' | 'stopped' | 'failed'
  done: number
  total: number
}>

/**
 * The per-phase bars from the latest run and the live job (pure; tested): phases the run finished
 * are full, the phase the job reports is at its progress, the rest wait.
 */
export function phaseBars(latest: RunView | null, job: JobSnapshot | null): ReadonlyArray<PhaseBar> {
  const phases = (latest?.phases ?? []) as ReadonlyArray<{ phase: string; status: string; expected: number }>
  const live = job?.state === 'running' ? job.progress : null
  return RUN_PHASES.map((phase): PhaseBar => {
    const row = phases.find((p) => p.phase === phase)
    if (live?.phase === phase) return { phase, state: 'running', done: live.done, total: live.total ?? 0 }
    if (row?.status === 'done') return { phase, state: 'done', done: row.expected, total: row.expected }
    if (row?.status === 'failed') return { phase, state: 'failed', done: 0, total: row.expected }
    // A phase a cancelled or interrupted run was in: stopped, and the run can resume it.
    if (row?.status === 'running' && job?.state !== 'running') {
      return {
        phase,
        state: latest?.status === 'failed' ? 'failed' : 'stopped',
        done: 0,
        total: row.expected,
      }
    }
    return { phase, state: 'pending', done: 0, total: row?.expected ?? 0 }
  })
}

export const createRunSlice: SliceCreator<RunSlice> = (api) => (set, get, store) => {
  const patch = (p: Partial<RunSlice['run']>) => set((s) => ({ run: { ...s.run, ...p } }))
  const follow = async (jobId: JobId) => {
    patch({ jobId, samples: [], error: null })
    const job = await jobEnded(store, jobId)
    if (job.error) patch({ error: job.error })
    await get().loadRun()
  }

  store.subscribe((s, previous) => {
    if (s.workspace.summary?.path !== previous.workspace.summary?.path) {
      set({ run: EMPTY })
      if (s.wizard.step.kind === 'migrate' && s.workspace.summary) void get().loadRun()
      return
    }
    if (s.wizard.step.kind !== previous.wizard.step.kind && s.wizard.step.kind === 'migrate')
      void get().loadRun()
    // A progress event of the run job: one more throughput sample.
    const jobId = s.run.jobId
    if (jobId === null) return
    const job = s.jobs.byId[jobId]
    const before = previous.jobs.byId[jobId]
    if (!job || job.progress === before?.progress || job.progress === null) return
    // The job moved to another phase (or reported its first): the run's phases and failures as
    // the engine has them now, so a phase just finished shows done while the run goes on.
    if (job.state === 'running' && (job.progress.phase ?? null) !== (before?.progress?.phase ?? null))
      void get().loadRun()
    if (job.progress.rate === null) return
    const t = (Date.now() - Date.parse(job.startedAt)) / 1000
    const sample: ThroughputSample = { t, rate: job.progress.rate, phase: job.progress.phase ?? '' }
    set((state) => ({ run: { ...state.run, samples: [...state.run.samples, sample].slice(-MAX_SAMPLES) } }))
  })

  return {
    run: EMPTY,
    loadRun: async () => {
      if (get().workspace.summary === null) return
      const latest = await api.getLatestRun({})
      if (!latest.ok) return patch({ error: latest.error })
      patch({ latest: latest.value })
      if (latest.value === null) return patch({ failures: [] })
      const failures = await api.listRunFailures({ runId: latest.value.runId, offset: 0, limit: 100 })
      if (failures.ok) patch({ failures: failures.value })
      else patch({ error: failures.error })
    },
    startRun: async (phases, users) => {
      patch({ error: null })
      const started = await api.startRun({
        ...(phases.length > 0 ? { phases: [...phases] } : {}),
        ...(users !== null ? { users } : {}),
        newRun: true,
      })
      if (!started.ok) return patch({ error: started.error })
      await follow(started.value.jobId)
    },
    resumeRun: async (users) => {
      patch({ error: null })
      const started = await api.resumeRun(users !== null ? { users } : {})
      if (!started.ok) return patch({ error: started.error })
      await follow(started.value.jobId)
    },
    clearRunError: () => patch({ error: null }),
  }
}
