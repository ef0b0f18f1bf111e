/**
 * Builds `window.api` from the contract's method table: one named method per channel, and
 * `onJobEvent` returning its unsubscribe (STYLE.md §3). No generic invoke, no process.env, and the
 * IPC event object never reaches the page.
 *
 * Takes ipcRenderer as a structural interface so it is tested under plain Node.
 */
import { API_METHODS, type ApiMethodName, type RendererApi } from '../shared/ipc/methods'

export type IpcRendererLike = Readonly<{
  invoke: (channel: string, request: unknown) => Promise<unknown>
  on: (channel: string, listener: (event: unknown, payload: unknown) => void) => void
  removeListener: (channel: string, listener: (event: unknown, payload: unknown) => void) => void
}>

export function buildPreloadApi(ipc: IpcRendererLike): RendererApi {
  const methods: Record<string, (request: unknown) => Promise<unknown>> = {}
  for (const name of Object.keys(API_METHODS) as ApiMethodName[]) {
    const channel = API_METHODS[name]
    methods[name] = (request: unknown) => ipc.invoke(channel, request)
  }
  const onJobEvent: RendererApi['onJobEvent'] = (listener) => {
    const handler = (_event: unknown, payload: unknown) => listener(payload as Parameters<typeof listener>[0])
    ipc.on('job:event', handler)
    return () => ipc.removeListener('job:event', handler)
  }
  return Object.freeze({ ...methods, onJobEvent }) as unknown as RendererApi
}
