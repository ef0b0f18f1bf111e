import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TargetCheck, TargetConnectionView } from '../../../../electron/shared/dto/target'
import type { JobRef } from '../../../../electron/shared/jobs'
import { createEngine, type Engine } from '../../../../electron/engine/service'
import { type RunningSandbox, startSandbox } from '../../../../electron/sandbox/index'
import { useTempDirs } from '../../../support/temp-dir'

let sandbox: RunningSandbox
let filesDir: string
let profileFile: string

beforeAll(async () => {
  const { mkdtempSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  filesDir = mkdtempSync(join(tmpdir(), 'leafbridge-target-'))
  sandbox = await startSandbox({ limits: 'off', filesDir })
  profileFile = join(filesDir, 'profile.json')
  writeFileSync(profileFile, JSON.stringify(sandbox.profile))
})
afterAll(async () => {
  await sandbox.close()
})

async function testConnection(
  engine: Engine,
): Promise<{ state: string; result: TargetCheck | null; code: string | null }> {
  const started = await engine.dispatch('target:test-connection', {})
  if (!started.ok) return { state: 'refused', result: null, code: started.error.code }
  const end = await engine.jobs.wait((started.value as JobRef).jobId)
  return { state: end.state, result: end.result as TargetCheck | null, code: end.error?.code ?? null }
}

describe('target connection against the sandbox, with tokens from MSAL Node', () => {
  const tempDir = useTempDirs()

  it('signs in with a profile file, runs WhoAmI and RetrieveVersion, and records the check', async () => {
    const engine = createEngine({ host: 'server' })
    const dir = tempDir()
    await engine.dispatch('workspace:create', { path: join(dir, 'w') })
    const view = await engine.dispatch('target:use-profile-file', { path: profileFile })
    expect(view).toMatchObject({
      ok: true,
      value: { url: sandbox.url, secret: 'in-profile', profileFile, applicationUsers: 4 },
    })
    const check = await testConnection(engine)
    expect(check.state).toBe('finished')
    expect(check.result).toMatchObject({
      ok: true,
      version: expect.stringMatching(/^9\./),
      userId: expect.any(String),
    })
    expect(await engine.dispatch('target:get-last-check', {})).toMatchObject({
      ok: true,
      value: { ok: true },
    })
    await engine.dispose()
  })

  it('keeps an entered secret in memory only in server mode: never in the workspace, gone after a restart', async () => {
    const dir = tempDir()
    const path = join(dir, 'w.leafbridge')
    const first = createEngine({ host: 'server' })
    await first.dispatch('workspace:create', { path })
    const saved = await first.dispatch('target:set-connection', {
      url: sandbox.url,
      tenantId: sandbox.tenantId,
      clientId: sandbox.clientId,
      authMode: 'client-secret',
      authority: sandbox.authority,
      caCertFile: sandbox.caCertFile,
    })
    expect(saved).toMatchObject({ ok: true, value: { secret: 'missing', secretStorage: 'memory' } })
    expect(await testConnection(first)).toMatchObject({ state: 'refused', code: 'target-secret-missing' })
    const withSecret = await first.dispatch('target:set-secret', { clientSecret: sandbox.clientSecret })
    expect(withSecret).toMatchObject({ ok: true, value: { secret: 'session' } })
    expect(JSON.stringify(withSecret)).not.toContain(sandbox.clientSecret)
    expect((await testConnection(first)).result).toMatchObject({ ok: true })
    await first.dispose()
    for (const suffix of ['', '-wal']) {
      try {
        expect(readFileSync(path + suffix).includes(Buffer.from(sandbox.clientSecret))).toBe(false)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
    const second = createEngine({ host: 'server' })
    await second.dispatch('workspace:open', { path })
    expect(await second.dispatch('target:get-connection', {})).toMatchObject({
      ok: true,
      value: { secret: 'missing' },
    })
    await second.dispose()
  })

  it('stores the secret through the host when it has protected storage, and reports a wrong secret', async () => {
    const kept = new Map<string, string>()
    const engine = createEngine({
      host: 'electron',
      hostServices: {
        storeSecret: async (k, v) => void kept.set(k, v),
        loadSecret: async (k) => kept.get(k) ?? null,
      },
    })
    await engine.dispatch('workspace:create', { path: join(tempDir(), 'w') })
    await engine.dispatch('target:set-connection', {
      url: sandbox.url,
      tenantId: sandbox.tenantId,
      clientId: sandbox.clientId,
      authMode: 'client-secret',
      authority: sandbox.authority,
      caCertFile: sandbox.caCertFile,
    })
    const view = (await engine.dispatch('target:set-secret', { clientSecret: 'not-the-secret' })) as {
      value: TargetConnectionView
    }
    expect(view.value).toMatchObject({ secret: 'stored', secretStorage: 'os-protected' })
    expect([...kept.values()]).toEqual(['not-the-secret'])
    const wrong = await testConnection(engine)
    expect(wrong).toMatchObject({ state: 'failed', code: 'sign-in-failed' })
    expect(await engine.dispatch('target:get-last-check', {})).toMatchObject({ value: { ok: false } })
    await engine.dispose()
  })

  it('refuses settings that are not an https environment address', async () => {
    const engine = createEngine({ host: 'server' })
    await engine.dispatch('workspace:create', { path: join(tempDir(), 'w') })
    const bad = await engine.dispatch('target:set-connection', {
      url: 'http://org.crm.dynamics.com',
      tenantId: 't',
      clientId: 'c',
      authMode: 'client-secret',
    })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    await engine.dispose()
  })
})
