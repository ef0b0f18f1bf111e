import { describe, expect, it } from 'vitest'
import { API_METHODS } from '../../../electron/shared/ipc/methods'
import { buildPreloadApi, type IpcRendererLike } from '../../../electron/preload/api'

function fakeIpc() {
  const invoked: Array<[string, unknown]> = []
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>()
  const ipc: IpcRendererLike = {
    invoke: async (channel, request) => {
      invoked.push([channel, request])
      return { ok: true, value: channel }
    },
    on: (channel, l) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l)),
    removeListener: (channel, l) => listeners.get(channel)?.delete(l),
  }
  const emit = (channel: string, payload: unknown) =>
    listeners.get(channel)?.forEach((l) => l({ sender: 'secret' }, payload))
  return { ipc, invoked, emit, listeners }
}

describe('preload API', () => {
  it('exposes exactly one named method per channel plus onJobEvent, and no generic invoke', () => {
    const api = buildPreloadApi(fakeIpc().ipc)
    expect(Object.keys(api).sort()).toEqual([...Object.keys(API_METHODS), 'onJobEvent'].sort())
    expect('invoke' in api).toBe(false)
    expect(Object.isFrozen(api)).toBe(true)
  })

  it('sends each method to its own channel', async () => {
    const { ipc, invoked } = fakeIpc()
    const api = buildPreloadApi(ipc)
    await api.openWorkspace({ path: '/w.leafbridge' })
    await api.getAppInfo({})
    expect(invoked).toEqual([
      ['workspace:open', { path: '/w.leafbridge' }],
      ['app:get-info', {}],
    ])
  })

  it('hands listeners the payload only, and the returned function unsubscribes', () => {
    const { ipc, emit, listeners } = fakeIpc()
    const api = buildPreloadApi(ipc)
    const got: unknown[] = []
    const off = api.onJobEvent((e) => got.push(e))
    emit('job:event', { kind: 'cancelled', jobId: 'job-123456', at: 'now' })
    expect(got).toEqual([{ kind: 'cancelled', jobId: 'job-123456', at: 'now' }])
    off()
    emit('job:event', { kind: 'cancelled', jobId: 'job-123456', at: 'later' })
    expect(got).toHaveLength(1)
    expect(listeners.get('job:event')?.size).toBe(0)
  })
})
