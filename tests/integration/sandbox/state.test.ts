/**
 * The sandbox's state: SQLite persistence across restarts (records, custom columns, keys, the
 * tenant and its credentials), and the admin endpoints (state hash, statistics, reset) behind the
 * admin key.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startTestSandbox, useSandbox } from '../../support/sandbox'

type Hash = { data: string; metadata: string; records: number; tables: Record<string, number> }

describe('sandbox state and admin endpoints', () => {
  const sb = useSandbox()
  const dirs: string[] = []
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  it('refuses the admin endpoints without the right x-sandbox-admin-key', async () => {
    const missing = await sb().request('GET', `${sb().sandbox.url}/_sandbox/stats`, { token: '' })
    expect(missing.status).toBe(401)
    const wrong = await sb().request('GET', `${sb().sandbox.url}/_sandbox/state-hash`, {
      headers: { 'x-sandbox-admin-key': 'wrong' },
    })
    expect(wrong.status).toBe(401)
    const right = await sb().admin('GET', '/_sandbox/state-hash')
    expect(right.status).toBe(200)
  })

  it('returns the data hash to its value after a create and a delete, and after an update and its restore', async () => {
    const before = (await sb().admin('GET', '/_sandbox/state-hash')).json<Hash>()
    const created = await sb().request('POST', 'opportunities', {
      body: { name: 'Rollback me', estimatedvalue: 1000 },
    })
    const id = /\(([^)]+)\)/.exec(created.headers['odata-entityid'] ?? '')?.[1] ?? ''
    const during = (await sb().admin('GET', '/_sandbox/state-hash')).json<Hash>()
    expect(during.data).not.toBe(before.data)
    expect((await sb().request('DELETE', `opportunities(${id})`)).status).toBe(204)
    expect((await sb().admin('GET', '/_sandbox/state-hash')).json<Hash>().data).toBe(before.data)

    const account = await sb().request('POST', 'accounts', {
      body: { name: 'Before image', telephone1: '555-0100' },
    })
    const accountId = /\(([^)]+)\)/.exec(account.headers['odata-entityid'] ?? '')?.[1] ?? ''
    const withAccount = (await sb().admin('GET', '/_sandbox/state-hash')).json<Hash>().data
    await sb().request('PATCH', `accounts(${accountId})`, {
      body: { name: 'Changed by the run', telephone1: null, fax: '555-0199' },
    })
    expect((await sb().admin('GET', '/_sandbox/state-hash')).json<Hash>().data).not.toBe(withAccount)
    await sb().request('PATCH', `accounts(${accountId})`, {
      body: { name: 'Before image', telephone1: '555-0100', fax: null },
    })
    expect((await sb().admin('GET', '/_sandbox/state-hash')).json<Hash>().data).toBe(withAccount)
  })

  it('keeps metadata out of the data hash: a new column changes only the metadata hash', async () => {
    const before = (await sb().admin('GET', '/_sandbox/state-hash')).json<Hash>()
    const res = await sb().request('POST', "EntityDefinitions(LogicalName='account')/Attributes", {
      body: {
        '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
        SchemaName: 'new_LegacyId',
        MaxLength: 50,
      },
    })
    expect(res.status).toBe(204)
    const after = (await sb().admin('GET', '/_sandbox/state-hash')).json<Hash>()
    expect(after.data).toBe(before.data)
    expect(after.metadata).not.toBe(before.metadata)
  })

  it('reports per-user requests, throttling and execution time, and the effective configuration', async () => {
    await sb().request('GET', 'WhoAmI', { app: 2 })
    const stats = (await sb().admin('GET', '/_sandbox/stats')).json<{
      apiRequests: number
      users: Array<{
        applicationId: string | null
        requests: number
        throttledTotal: number
        executionMs: number
      }>
      configuration: { limits: { enabled: boolean }; timeScale: number }
      modeledLimit: { formula: string }
    }>()
    expect(stats.apiRequests).toBeGreaterThan(0)
    const app2 = stats.users.find(
      (u) => u.applicationId === sb().sandbox.profile.applicationUsers[1]?.clientId,
    )
    expect(app2?.requests).toBe(1)
    expect(app2?.throttledTotal).toBe(0)
    expect(stats.configuration).toMatchObject({ limits: { enabled: false }, timeScale: 1 })
    expect(stats.modeledLimit.formula).toContain('requestsPerSecond')
    const direct = sb().sandbox.stats() as {
      users: Array<{ applicationId: string | null; requests: number }>
    }
    expect(direct.users.find((u) => u.applicationId === app2?.applicationId)?.requests).toBe(1)
  })

  it('resets to the seeded environment, dropping records and customisations', async () => {
    const seeded = await startTestSandbox({ applicationUsers: 1, certificateCredential: false })
    const baseline = seeded.sandbox.stateHash()
    await seeded.close()
    await sb().request('POST', 'accounts', { body: { name: 'To be reset' } })
    const res = await sb().admin('POST', '/_sandbox/reset')
    expect(res.status).toBe(200)
    const hash = (await sb().admin('GET', '/_sandbox/state-hash')).json<Hash>()
    expect(hash.tables['account']).toBeUndefined()
    expect(hash.records).toBe(baseline.records + 3)
    const column = await sb().request(
      'GET',
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='new_legacyid')",
    )
    expect(column.status).toBe(404)
    expect((await sb().request('GET', 'WhoAmI')).status).toBe(200)
  })

  it('keeps records, columns, keys and credentials in the state file across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leafbridge-sandbox-state-'))
    dirs.push(dir)
    const stateFile = join(dir, 'state.sqlite')
    const first = await startTestSandbox({
      stateFile,
      applicationUsers: 2,
      certificateCredential: false,
      keyActivationMs: 20,
    })
    await first.request('POST', "EntityDefinitions(LogicalName='contact')/Attributes", {
      body: {
        '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
        SchemaName: 'new_SourceId',
        MaxLength: 40,
      },
    })
    await first.request('POST', "EntityDefinitions(LogicalName='contact')/Keys", {
      body: { SchemaName: 'new_SourceKey', KeyAttributes: ['new_sourceid'] },
    })
    await expect
      .poll(
        async () =>
          (
            await first.request(
              'GET',
              "EntityDefinitions(LogicalName='contact')/Keys(LogicalName='new_sourcekey')",
            )
          ).json()['EntityKeyIndexStatus'],
        { timeout: 5000, interval: 20 },
      )
      .toBe('Active')
    expect(
      (await first.request('PATCH', "contacts(new_sourceid='S-1')", { body: { lastname: 'Persisted' } }))
        .status,
    ).toBe(204)
    const profile = first.sandbox.profile
    const hash = first.sandbox.stateHash()
    await first.close()

    const second = await startTestSandbox({ stateFile, applicationUsers: 2, certificateCredential: false })
    try {
      expect(second.sandbox.profile).toMatchObject({
        tenantId: profile.tenantId,
        clientId: profile.clientId,
        clientSecret: profile.clientSecret,
        adminKey: profile.adminKey,
      })
      expect(second.sandbox.stateHash()).toEqual(hash)
      const got = await second.request('GET', "contacts(new_sourceid='S-1')?$select=lastname")
      expect(got.json()).toMatchObject({ lastname: 'Persisted' })
      const clash = await second.request('POST', 'contacts', {
        body: { lastname: 'Dup', new_sourceid: 'S-1' },
      })
      expect(clash.status).toBe(412)
    } finally {
      await second.close()
    }
  })
})
