/**
 * What the renderer knows about its host: app info, and whether the first snapshot has arrived.
 */
import type { AppInfo } from '@shared/dto/app'
import type { AppErrorData } from '@shared/result'
import type { SliceCreator } from './types'

export type AppSlice = {
  app: Readonly<{ status: 'loading' | 'ready' | 'failed'; info: AppInfo | null; error: AppErrorData | null }>
  /** Loads app info and the open workspace's summary, then marks the app ready. */
  bootstrap: () => Promise<void>
}

export const createAppSlice: SliceCreator<AppSlice> = (api) => (set, get) => ({
  app: { status: 'loading', info: null, error: null },
  bootstrap: async () => {
    const info = await api.getAppInfo({})
    if (!info.ok) {
      set({ app: { status: 'failed', info: null, error: info.error } })
      return
    }
    await get().refreshWorkspace()
    await get().refreshJobs()
    set({ app: { status: 'ready', info: info.value, error: null } })
  },
})
