/**
 * The open workspace as the engine reports it.
 */
import type { WorkspaceSummary } from '@shared/dto/workspace'
import type { AppErrorData, Result } from '@shared/result'
import type { JobId } from '@shared/jobs'
import type { SliceCreator } from './types'

export type WorkspaceSlice = {
  workspace: Readonly<{
    summary: WorkspaceSummary | null
    busy: boolean
    error: AppErrorData | null
    backupJobId: JobId | null
  }>
  refreshWorkspace: () => Promise<void>
  createWorkspace: (path: string) => Promise<boolean>
  openWorkspace: (path: string) => Promise<boolean>
  closeWorkspace: () => Promise<void>
  backupWorkspace: (destination: string) => Promise<void>
  /** Asks the host for a native dialog; null when cancelled or unsupported. */
  pickPath: (purpose: 'workspace-create' | 'workspace-open' | 'backup-destination') => Promise<string | null>
  clearWorkspaceError: () => void
}

export const createWorkspaceSlice: SliceCreator<WorkspaceSlice> = (api) => (set, get) => {
  const patch = (p: Partial<WorkspaceSlice['workspace']>) =>
    set((s) => ({ workspace: { ...s.workspace, ...p } }))
  const adopt = async (call: Promise<Result<WorkspaceSummary>>): Promise<boolean> => {
    patch({ busy: true, error: null })
    const result = await call
    if (result.ok) patch({ busy: false, summary: result.value })
    else patch({ busy: false, error: result.error })
    get().settleWizard()
    await get().loadTarget()
    return result.ok
  }
  return {
    workspace: { summary: null, busy: false, error: null, backupJobId: null },
    refreshWorkspace: async () => {
      const result = await api.getWorkspaceSummary({})
      if (result.ok) patch({ summary: result.value })
      else patch({ error: result.error })
      get().settleWizard()
      await get().loadTarget()
    },
    createWorkspace: (path) => adopt(api.createWorkspace({ path })),
    openWorkspace: (path) => adopt(api.openWorkspace({ path })),
    closeWorkspace: async () => {
      patch({ busy: true, error: null })
      const result = await api.closeWorkspace({})
      if (result.ok) patch({ busy: false, summary: null, backupJobId: null })
      else patch({ busy: false, error: result.error })
      get().settleWizard()
      await get().loadTarget()
    },
    backupWorkspace: async (destination) => {
      patch({ error: null })
      const result = await api.backupWorkspace({ destination })
      if (result.ok) patch({ backupJobId: result.value.jobId })
      else patch({ error: result.error })
    },
    pickPath: async (purpose) => {
      const result = await api.pickPath({ purpose })
      if (result.ok) return result.value.path
      patch({ error: result.error })
      return null
    },
    clearWorkspaceError: () => patch({ error: null }),
  }
}
