import { MessageChannel } from 'node:worker_threads'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JobEvent } from '../../../../electron/shared/jobs'
import { serveEngineOverPort } from '../../../../electron/engine/host/port-host'
import { createEngineClient } from '../../../../electron/main/engine-client'
import { useTempDirs } from '../../../support/temp-dir'

describe('engine host bridge (utility process protocol over a MessagePort)', () => {
  const tempDir = useTempDirs()

  it('forwards calls, relays job events and answers the host dialog request from main', async () => {
    const { port1, port2 } = new MessageChannel()
    const engine = serveEngineOverPort({
      postMessage: (m) => port2.postMessage(m),
      onMessage: (l) => port2.on('message', l),
    })
    const client = createEngineClient(
      { postMessage: (m) => port1.postMessage(m), onMessage: (l) => port1.on('message', l) },
      { pickPath: async (purpose) => `/picked/for/${purpose}` },
    )
    await client.ready
    const events: JobEvent[] = []
    client.onEvent((e) => events.push(e))

    expect(await client.invoke('app:get-info', {})).toMatchObject({
      ok: true,
      value: { host: 'electron', capabilities: { nativeDialogs: true } },
    })
    expect(await client.invoke('dialog:pick-path', { purpose: 'workspace-open' })).toEqual({
      ok: true,
      value: { path: '/picked/for/workspace-open' },
    })
    expect(await client.invoke('workspace:open', { path: 42 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    })

    const dir = tempDir()
    expect(await client.invoke('workspace:create', { path: join(dir, 'w') })).toMatchObject({ ok: true })
    const job = await client.invoke('workspace:backup', { destination: join(dir, 'copy.leafbridge') })
    expect(job.ok).toBe(true)
    await engine.jobs.wait((job as { value: { jobId: string } }).value.jobId)
    await new Promise((r) => setImmediate(r))
    expect(events.map((e) => e.kind)).toContain('finished')

    client.hostExited(1)
    expect(await client.invoke('app:get-info', {})).toMatchObject({
      ok: false,
      error: { code: 'engine-stopped' },
    })
    await engine.dispose()
    port1.close()
    port2.close()
  })
})

describe('engine host bridge, secrets', () => {
  const tempDir = useTempDirs()

  it('stores a client secret through main when main has protected storage, and never answers it back', async () => {
    const { port1, port2 } = new MessageChannel()
    const engine = serveEngineOverPort(
      { postMessage: (m) => port2.postMessage(m), onMessage: (l) => port2.on('message', l) },
      { protectedStorage: true },
    )
    const kept = new Map<string, string>()
    const client = createEngineClient(
      { postMessage: (m) => port1.postMessage(m), onMessage: (l) => port1.on('message', l) },
      {
        pickPath: async () => null,
        secrets: { store: async (k, v) => void kept.set(k, v), load: async (k) => kept.get(k) ?? null },
      },
    )
    await client.ready
    await client.invoke('workspace:create', { path: join(tempDir(), 'w') })
    await client.invoke('target:set-connection', {
      url: 'https://org.crm.dynamics.com',
      tenantId: 'tenant',
      clientId: 'client',
      authMode: 'client-secret',
    })
    const view = await client.invoke('target:set-secret', { clientSecret: 'very-secret-value' })
    expect(view).toMatchObject({ ok: true, value: { secret: 'stored', secretStorage: 'os-protected' } })
    expect(JSON.stringify(view)).not.toContain('very-secret-value')
    expect([...kept.values()]).toEqual(['very-secret-value'])
    await engine.dispose()
    port1.close()
    port2.close()
  })
})
