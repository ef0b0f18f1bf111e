/**
 * Verify & reports as the engine reports them: the latest verify pass (reconciliation per table and
 * the report files), a page of its mismatches, and the verify job. Data loads when the operator
 * enters the step (a store subscription, not a component effect) and again when the job ends.
 */
import type { MismatchPage, VerifyReport } from '@shared/dto/verify'
import type { JobId } from '@shared/jobs'
import type { AppErrorData } from '@shared/result'
import { jobEnded } from './jobs-slice'
import type { SliceCreator } from './types'

/** Mismatches per page of the list. */
export const MISMATCH_PAGE = 50

export type VerifySlice = {
  verify: Readonly<{
    latest: VerifyReport | null
    mismatches: MismatchPage | null
    /** The table the mismatch list shows, or null for all. */
    table: string | null
    busy: boolean
    error: AppErrorData | null
    jobId: JobId | null
  }>
  loadVerify: () => Promise<void>
  /** Starts a verify pass; `outDir` empty means beside the workspace. */
  runVerify: (outDir: string) => Promise<void>
  showMismatches: (table: string | null, offset: number) => Promise<void>
  clearVerifyError: () => void
}

const EMPTY: VerifySlice['verify'] = {
  latest: null,
  mismatches: null,
  table: null,
  busy: false,
  error: null,
  jobId: null,
}

export const createVerifySlice: SliceCreator<VerifySlice> = (api) => (set, get, store) => {
  const patch = (p: Partial<VerifySlice['verify']>) => set((s) => ({ verify: { ...s.verify, ...p } }))

  store.subscribe((s, previous) => {
    if (s.workspace.summary?.path !== previous.workspace.summary?.path) {
      set({ verify: EMPTY })
      if (s.wizard.step.kind === 'verify-reports' && s.workspace.summary) void get().loadVerify()
      return
    }
    if (s.wizard.step.kind !== previous.wizard.step.kind && s.wizard.step.kind === 'verify-reports')
      void get().loadVerify()
  })

  return {
    verify: EMPTY,
    loadVerify: async () => {
      if (get().workspace.summary === null) return
      const latest = await api.getLatestVerify({})
      if (!latest.ok) return patch({ error: latest.error })
      patch({ latest: latest.value })
      if (latest.value !== null) await get().showMismatches(get().verify.table, 0)
      else patch({ mismatches: null })
    },
    runVerify: async (outDir) => {
      patch({ error: null, busy: true })
      const started = await api.startVerify(outDir.trim() === '' ? {} : { outDir: outDir.trim() })
      if (!started.ok) return patch({ busy: false, error: started.error })
      patch({ jobId: started.value.jobId })
      const job = await jobEnded(store, started.value.jobId)
      patch({ busy: false, ...(job.error ? { error: job.error } : {}) })
      await get().loadVerify()
    },
    showMismatches: async (table, offset) => {
      const page = await api.listMismatches({
        ...(table === null ? {} : { table }),
        offset,
        limit: MISMATCH_PAGE,
      })
      if (page.ok) patch({ mismatches: page.value, table })
      else patch({ error: page.error })
    },
    clearVerifyError: () => patch({ error: null }),
  }
}
