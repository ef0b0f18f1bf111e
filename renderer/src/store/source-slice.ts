/**
 * The Source step as the engine reports it: the staging job, the profile of the latest staged
 * export, and the quarantined rows, loaded a page at a time as the table scrolls. The profile
 * loads when the operator enters the step, when the workspace changes, and after staging ends.
 */
import type { QuarantinedRowView, SourceProfile } from '@shared/dto/source'
import type { JobId } from '@shared/jobs'
import type { AppErrorData } from '@shared/result'
import type { AppStore } from './index'
import { jobEnded } from './jobs-slice'
import type { SliceCreator } from './types'

/** Rows the quarantine table asks for at a time. */
export const QUARANTINE_PAGE = 200

/** The Source step's state and actions. */
export type SourceSlice = {
  source: Readonly<{
    profile: SourceProfile | null
    /** Quarantined rows loaded so far, by position in the (filtered) list. */
    quarantine: Readonly<{
      reason: string | null
      total: number
      rows: Readonly<Record<number, QuarantinedRowView>>
      /** Page offsets requested, so each is asked for once. */
      requested: ReadonlyArray<number>
    }>
    stageJobId: JobId | null
    busy: boolean
    error: AppErrorData | null
    exported: Readonly<{ path: string; rows: number }> | null
  }>
  loadSource: () => Promise<void>
  /** Starts staging the export at `path` (a folder or .zip) as a job. */
  stageSourceExport: (path: string, timezone?: string) => Promise<void>
  /** Makes sure the page holding `index` is loaded. */
  ensureQuarantineRows: (index: number) => Promise<void>
  filterQuarantine: (reason: string | null) => Promise<void>
  exportQuarantineCsv: (destination: string) => Promise<void>
  /** Asks the host for a native dialog; null when cancelled or unsupported. */
  pickSourcePath: (purpose: 'source-folder' | 'source-zip' | 'quarantine-csv') => Promise<string | null>
  clearSourceError: () => void
}

const EMPTY_QUARANTINE: SourceSlice['source']['quarantine'] = {
  reason: null,
  total: 0,
  rows: {},
  requested: [],
}

const EMPTY: SourceSlice['source'] = {
  profile: null,
  quarantine: EMPTY_QUARANTINE,
  stageJobId: null,
  busy: false,
  error: null,
  exported: null,
}

/** Is an export staged in the open workspace (the Source step's done condition)? */
export const isSourceStaged = (s: AppStore): boolean => s.source.profile !== null

/** Creates the source slice; it reloads when the workspace or the step changes. */
export const createSourceSlice: SliceCreator<SourceSlice> = (api) => (set, get, store) => {
  const patch = (p: Partial<SourceSlice['source']>) => set((s) => ({ source: { ...s.source, ...p } }))

  const loadPage = async (offset: number, reason: string | null) => {
    const importId = get().source.profile?.importId
    const page = await api.listQuarantine({
      offset,
      limit: QUARANTINE_PAGE,
      ...(importId === undefined ? {} : { importId }),
      ...(reason === null ? {} : { reason }),
    })
    if (!page.ok) return patch({ error: page.error })
    const current = get().source.quarantine
    // A filter changed while the page was on its way: it belongs to another list.
    if (current.reason !== reason) return
    const rows: Record<number, QuarantinedRowView> = { ...current.rows }
    page.value.rows.forEach((r, i) => (rows[offset + i] = r))
    patch({ quarantine: { ...current, total: page.value.total, rows } })
  }

  // Entering the step loads it; another workspace clears what was shown.
  store.subscribe((s, previous) => {
    if (s.workspace.summary?.path !== previous.workspace.summary?.path) {
      set({ source: EMPTY })
      if (s.workspace.summary) void get().loadSource()
      return
    }
    if (s.wizard.step.kind !== previous.wizard.step.kind && s.wizard.step.kind === 'source')
      void get().loadSource()
  })

  return {
    source: EMPTY,
    loadSource: async () => {
      if (get().workspace.summary === null) return
      const profile = await api.getSourceProfile({})
      if (!profile.ok) return patch({ error: profile.error })
      patch({ profile: profile.value, quarantine: { ...EMPTY_QUARANTINE, requested: [0] } })
      get().settleWizard()
      if (profile.value !== null) await loadPage(0, null)
    },
    stageSourceExport: async (path, timezone) => {
      patch({ error: null, busy: true })
      const started = await api.stageExport({ path, ...(timezone ? { timezone } : {}) })
      if (!started.ok) return patch({ busy: false, error: started.error })
      patch({ stageJobId: started.value.jobId })
      const job = await jobEnded(store, started.value.jobId)
      patch({ busy: false, ...(job.error ? { error: job.error } : {}) })
      await get().loadSource()
    },
    ensureQuarantineRows: async (index) => {
      const offset = Math.floor(index / QUARANTINE_PAGE) * QUARANTINE_PAGE
      const q = get().source.quarantine
      if (q.requested.includes(offset) || get().source.profile === null) return
      patch({ quarantine: { ...q, requested: [...q.requested, offset] } })
      await loadPage(offset, q.reason)
    },
    filterQuarantine: async (reason) => {
      patch({ quarantine: { ...EMPTY_QUARANTINE, reason, requested: [0] } })
      await loadPage(0, reason)
    },
    exportQuarantineCsv: async (destination) => {
      patch({ error: null, exported: null })
      const importId = get().source.profile?.importId
      const result = await api.exportQuarantineCsv({
        destination,
        ...(importId === undefined ? {} : { importId }),
      })
      if (result.ok) patch({ exported: result.value })
      else patch({ error: result.error })
    },
    pickSourcePath: async (purpose) => {
      const result = await api.pickPath({ purpose })
      if (result.ok) return result.value.path
      patch({ error: result.error })
      return null
    },
    clearSourceError: () => patch({ error: null }),
  }
}
