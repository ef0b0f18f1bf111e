/**
 * Mirrors the engine's jobs from its events; never guesses progress (the engine owns run truth).
 */
import type { JobEvent, JobId, JobSnapshot } from '@shared/jobs'
import type { StoreApi } from 'zustand'
import type { AppStore } from './index'
import type { SliceCreator } from './types'

/** Resolves with the job's snapshot once the engine reports it ended (its events arrive here). */
export function jobEnded(
  store: Pick<StoreApi<AppStore>, 'subscribe' | 'getState'>,
  jobId: JobId,
): Promise<JobSnapshot> {
  return new Promise<JobSnapshot>((resolve) => {
    const check = (s: AppStore) => {
      const job = s.jobs.byId[jobId]
      if (job && job.state !== 'running') {
        unsubscribe()
        resolve(job)
      }
    }
    const unsubscribe = store.subscribe(check)
    check(store.getState())
  })
}

export type JobsSlice = {
  jobs: Readonly<{ byId: Readonly<Record<JobId, JobSnapshot>> }>
  /** Applies one event from the engine's stream. */
  applyJobEvent: (event: JobEvent) => void
  /** After a reload: asks the engine for every job it knows. */
  refreshJobs: () => Promise<void>
  cancelJob: (jobId: JobId) => Promise<void>
}

/** Folds an event into a job snapshot (pure; tested). A progress event for an unknown job is ignored. */
export function reduceJobEvent(
  jobs: Readonly<Record<JobId, JobSnapshot>>,
  event: JobEvent,
): Record<JobId, JobSnapshot> {
  const current = jobs[event.jobId]
  if (event.kind === 'started') {
    return {
      ...jobs,
      [event.jobId]: {
        jobId: event.jobId,
        jobKind: event.jobKind,
        label: event.label,
        state: 'running',
        startedAt: event.at,
        endedAt: null,
        progress: null,
        result: null,
        error: null,
        logs: [],
      },
    }
  }
  if (!current) return { ...jobs }
  switch (event.kind) {
    case 'progress': {
      const { done, total, rate, unit, phase } = event
      return {
        ...jobs,
        [event.jobId]: {
          ...current,
          progress: { done, total, rate, unit, ...(phase === undefined ? {} : { phase }) },
        },
      }
    }
    case 'log':
      return {
        ...jobs,
        [event.jobId]: {
          ...current,
          logs: [...current.logs, { at: event.at, level: event.level, message: event.message }].slice(-200),
        },
      }
    case 'finished':
      return {
        ...jobs,
        [event.jobId]: { ...current, state: 'finished', endedAt: event.at, result: event.result },
      }
    case 'failed':
      return {
        ...jobs,
        [event.jobId]: { ...current, state: 'failed', endedAt: event.at, error: event.error },
      }
    case 'cancelled':
      return { ...jobs, [event.jobId]: { ...current, state: 'cancelled', endedAt: event.at } }
  }
}

export const createJobsSlice: SliceCreator<JobsSlice> = (api) => (set, get) => ({
  jobs: { byId: {} },
  applyJobEvent: (event) => {
    set((s) => ({ jobs: { byId: reduceJobEvent(s.jobs.byId, event) } }))
    if (event.kind === 'finished' || event.kind === 'failed' || event.kind === 'cancelled') {
      void get().refreshWorkspace()
    }
  },
  refreshJobs: async () => {
    const result = await api.listJobs({})
    if (result.ok) set({ jobs: { byId: Object.fromEntries(result.value.map((j) => [j.jobId, j])) } })
  },
  cancelJob: async (jobId) => {
    const result = await api.cancelJob({ jobId })
    if (result.ok) set((s) => ({ jobs: { byId: { ...s.jobs.byId, [jobId]: result.value } } }))
  },
})
