import { describe, expect, it } from 'vitest'
import { INVOKE_CHANNELS } from '../../../electron/shared/ipc/channels'
import type { Result } from '../../../electron/shared/result'
import { type IpcDeps, type InvokeEventLike, handleInvoke, registerIpc } from '../../../electron/main/ipc'

const forwarded: Array<{ channel: string; request: unknown }> = []
const deps: IpcDeps = {
  isTrustedSender: (id) => id === 1,
  isTrustedFrameUrl: (url) => url === 'app://leafbridge/index.html',
  invoke: async (channel, request) => {
    forwarded.push({ channel, request })
    return { ok: true, value: 'forwarded' }
  },
}
const trusted: InvokeEventLike = { sender: { id: 1 }, senderFrame: { url: 'app://leafbridge/index.html' } }

describe('IPC transport', () => {
  it('registers one handler per contract channel', () => {
    const names: string[] = []
    registerIpc({ handle: (channel) => names.push(channel) }, deps)
    expect(names.sort()).toEqual([...INVOKE_CHANNELS].sort())
  })

  it('refuses calls from an untrusted webContents or a foreign or missing frame, without forwarding them', async () => {
    forwarded.length = 0
    const cases: InvokeEventLike[] = [
      { sender: { id: 2 }, senderFrame: trusted.senderFrame },
      { sender: { id: 1 }, senderFrame: { url: 'https://evil.example/' } },
      { sender: { id: 1 }, senderFrame: null },
    ]
    for (const event of cases) {
      const result = (await handleInvoke(deps, 'app:get-info', event, {})) as Result<unknown>
      expect(result).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } })
    }
    expect(forwarded).toEqual([])
  })

  it('validates the request with the channel schema before forwarding the parsed value', async () => {
    forwarded.length = 0
    const bad = await handleInvoke(deps, 'workspace:open', trusted, { path: 42 })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    expect(forwarded).toEqual([])
    const good = await handleInvoke(deps, 'workspace:open', trusted, { path: '  /w/acme.leafbridge  ' })
    expect(good).toEqual({ ok: true, value: 'forwarded' })
    expect(forwarded).toEqual([{ channel: 'workspace:open', request: { path: '/w/acme.leafbridge' } }])
  })
})
