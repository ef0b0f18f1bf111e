/**
 * The Rollback step as the engine reports it: what a rollback will undo (counted per table, for the
 * confirmation), the rollback job, and its result. The preview loads when the operator enters the
 * step and again after the job ends.
 */
import type { RollbackPreview, RollbackResult } from '@shared/dto/rollback'
import type { JobId } from '@shared/jobs'
import type { AppErrorData } from '@shared/result'
import { jobEnded } from './jobs-slice'
import type { SliceCreator } from './types'

export type RollbackSlice = {
  rollback: Readonly<{
    preview: RollbackPreview | null
    result: RollbackResult | null
    error: AppErrorData | null
    jobId: JobId | null
  }>
  loadRollbackPreview: () => Promise<void>
  /** Starts the rollback the operator confirmed. */
  runRollback: () => Promise<void>
  clearRollbackError: () => void
}

const EMPTY: RollbackSlice['rollback'] = { preview: null, result: null, error: null, jobId: null }

/** The writes of a preview in words, per kind, for the confirmation. */
export function rollbackTotals(
  p: RollbackPreview,
): Readonly<{ delete: number; restore: number; reopen: number }> {
  return Object.values(p.tables).reduce(
    (t, c) => ({ delete: t.delete + c.delete, restore: t.restore + c.restore, reopen: t.reopen + c.reopen }),
    { delete: 0, restore: 0, reopen: 0 },
  )
}

export const createRollbackSlice: SliceCreator<RollbackSlice> = (api) => (set, get, store) => {
  const patch = (p: Partial<RollbackSlice['rollback']>) => set((s) => ({ rollback: { ...s.rollback, ...p } }))

  store.subscribe((s, previous) => {
    if (s.workspace.summary?.path !== previous.workspace.summary?.path) {
      set({ rollback: EMPTY })
      if (s.wizard.step.kind === 'rollback' && s.workspace.summary) void get().loadRollbackPreview()
      return
    }
    if (s.wizard.step.kind !== previous.wizard.step.kind && s.wizard.step.kind === 'rollback')
      void get().loadRollbackPreview()
  })

  return {
    rollback: EMPTY,
    loadRollbackPreview: async () => {
      if (get().workspace.summary === null) return
      const preview = await api.previewRollback({})
      if (preview.ok) patch({ preview: preview.value })
      else patch({ error: preview.error, preview: null })
    },
    runRollback: async () => {
      patch({ error: null, result: null })
      const started = await api.startRollback({ confirm: true })
      if (!started.ok) return patch({ error: started.error })
      patch({ jobId: started.value.jobId })
      const job = await jobEnded(store, started.value.jobId)
      if (job.error) patch({ error: job.error })
      if (job.state === 'finished') patch({ result: job.result as RollbackResult })
      await get().loadRollbackPreview()
    },
    clearRollbackError: () => patch({ error: null }),
  }
}
