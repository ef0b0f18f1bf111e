/**
 * The target environment of the open workspace: its connection (never the secret) and the last test.
 */
import type { TargetCheck, TargetConnectionView } from '@shared/dto/target'
import type { ChannelRequest } from '@shared/ipc/channels'
import type { JobId } from '@shared/jobs'
import type { AppErrorData, Result } from '@shared/result'
import type { SliceCreator } from './types'

export type TargetSlice = {
  target: Readonly<{
    connection: TargetConnectionView | null
    lastCheck: TargetCheck | null
    busy: boolean
    error: AppErrorData | null
    testJobId: JobId | null
  }>
  loadTarget: () => Promise<void>
  saveTargetConnection: (settings: ChannelRequest<'target:set-connection'>) => Promise<boolean>
  saveTargetSecret: (clientSecret: string) => Promise<boolean>
  useTargetProfileFile: (path: string) => Promise<boolean>
  testTargetConnection: () => Promise<void>
  clearTargetError: () => void
}

export const createTargetSlice: SliceCreator<TargetSlice> = (api) => (set, get) => {
  const patch = (p: Partial<TargetSlice['target']>) => set((s) => ({ target: { ...s.target, ...p } }))
  const adopt = async (call: Promise<Result<TargetConnectionView>>): Promise<boolean> => {
    patch({ busy: true, error: null })
    const result = await call
    if (result.ok) patch({ busy: false, connection: result.value, lastCheck: null })
    else patch({ busy: false, error: result.error })
    return result.ok
  }
  return {
    target: { connection: null, lastCheck: null, busy: false, error: null, testJobId: null },
    loadTarget: async () => {
      if (get().workspace.summary === null) {
        patch({ connection: null, lastCheck: null })
        return
      }
      const [connection, check] = await Promise.all([api.getTargetConnection({}), api.getLastTargetCheck({})])
      patch({
        connection: connection.ok ? connection.value : null,
        lastCheck: check.ok ? check.value : null,
        error: connection.ok ? null : connection.error,
      })
    },
    saveTargetConnection: (settings) => adopt(api.setTargetConnection(settings)),
    saveTargetSecret: (clientSecret) => adopt(api.setTargetSecret({ clientSecret })),
    useTargetProfileFile: (path) => adopt(api.useTargetProfileFile({ path })),
    testTargetConnection: async () => {
      patch({ error: null })
      const result = await api.testTargetConnection({})
      if (result.ok) patch({ testJobId: result.value.jobId })
      else patch({ error: result.error })
    },
    clearTargetError: () => patch({ error: null }),
  }
}
