import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { previewRollback, rollbackMigration } from '../../../../../electron/engine/run/rollback'
import { JournalRepository } from '../../../../../electron/engine/workspace/journal-repository'
import { RollbackRepository } from '../../../../../electron/engine/workspace/rollback-repository'
import { VerifyRepository } from '../../../../../electron/engine/workspace/verify-repository'
import type { Workspace } from '../../../../../electron/engine/workspace/workspace'
import { type TestSandbox, startTestSandbox } from '../../../../support/sandbox'
import { useTempDirs } from '../../../../support/temp-dir'
import {
  type FixtureTarget,
  fixtureRecords,
  migrateByHand,
  openWorkspace,
  prepareTarget,
  smallMapping,
} from '../verify/target-fixture'

let ts: TestSandbox
let target: FixtureTarget | null = null

beforeAll(async () => {
  ts = await startTestSandbox()
})
afterAll(async () => {
  await target?.connection.close()
  await ts?.close()
})

async function freshTarget(): Promise<FixtureTarget> {
  await target?.connection.close()
  ts.sandbox.reset()
  target = await prepareTarget(ts, ['account', 'contact'])
  return target
}

const mapping = smallMapping()
const sources = fixtureRecords(3, 2)
const now = () => new Date().toISOString()

const rollback = (
  ws: Workspace,
  t: FixtureTarget,
  extra: Partial<Parameters<typeof rollbackMigration>[0]> = {},
) =>
  rollbackMigration({
    repo: new RollbackRepository(ws, now),
    client: t.client,
    targetUrl: ts.sandbox.url,
    ...extra,
  })

describe('rollback against the sandbox', () => {
  const tempDir = useTempDirs()

  it('after a full run, deletes what the run created, children first, and the state hash is as before', async () => {
    const t = await freshTarget()
    const before = ts.sandbox.stateHash()
    const ws = openWorkspace(tempDir())
    await migrateByHand(ws, t, mapping, sources)
    expect(ts.sandbox.stateHash().data).not.toBe(before.data)

    const preview = previewRollback(new RollbackRepository(ws, now), ts.sandbox.url)
    expect(preview.tables).toEqual({
      account: { delete: 3, restore: 0, reopen: 0 },
      contact: { delete: 6, restore: 0, reopen: 0 },
    })
    expect(preview.total).toBe(9)

    const result = await rollback(ws, t, { batchSize: 4 })
    expect(result).toMatchObject({ applied: 9, alreadyAbsent: 0, failed: 0 })
    expect(ts.sandbox.stateHash()).toEqual(before)
    // The deleted records left the id map, and nothing is left to undo.
    expect(new VerifyRepository(ws).idMap('contact').size).toBe(0)
    expect(previewRollback(new RollbackRepository(ws, now), ts.sandbox.url).total).toBe(0)
    ws.close()
  })

  it('after a killed run, also undoes the write whose outcome the journal never got', async () => {
    const t = await freshTarget()
    const before = ts.sandbox.stateHash()
    const ws = openWorkspace(tempDir())
    // Four writes with outcomes, the fifth sent but never settled, the rest never sent.
    await migrateByHand(ws, t, mapping, sources, { stopAfter: 4 })
    expect(ts.sandbox.stateHash().records).toBe(before.records + 5)
    const journal = new JournalRepository(ws, now)
    expect(journal.unfinishedRun(ts.sandbox.url)).toBeDefined()

    const result = await rollback(ws, t)
    expect(result).toMatchObject({ applied: 5, failed: 0 })
    expect(ts.sandbox.stateHash()).toEqual(before)
    // The undone run is over: the next migration starts a new run instead of resuming it.
    expect(journal.unfinishedRun(ts.sandbox.url)).toBeUndefined()
    ws.close()
  })

  it('restores the before-image of a record that existed before the run', async () => {
    const t = await freshTarget()
    const created = await ts.request('POST', 'accounts', {
      body: { name: 'Household 2 (kept by the firm)', telephone1: '555-0000', lb_sourceid: 'company-2' },
    })
    expect(created.status).toBe(204)
    const before = ts.sandbox.stateHash()
    const ws = openWorkspace(tempDir())
    await migrateByHand(ws, t, mapping, sources)
    const changed = await ts.request('GET', "accounts(lb_sourceid='company-2')?$select=name")
    expect(changed.json()['name']).toBe('Household 2')

    const preview = previewRollback(new RollbackRepository(ws, now), ts.sandbox.url)
    expect(preview.tables['account']).toEqual({ delete: 2, restore: 1, reopen: 0 })
    await rollback(ws, t)
    expect(ts.sandbox.stateHash()).toEqual(before)
    ws.close()
  })

  it('resumes an interrupted rollback without sending its applied steps again', async () => {
    const t = await freshTarget()
    const before = ts.sandbox.stateHash()
    const ws = openWorkspace(tempDir())
    await migrateByHand(ws, t, mapping, sources)

    const stop = new AbortController()
    await expect(
      rollback(ws, t, {
        batchSize: 2,
        concurrency: 1,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.done >= 4) stop.abort()
        },
      }),
    ).rejects.toMatchObject({ code: 'cancelled' })
    expect(ts.sandbox.stateHash().records).toBe(before.records + 5)

    const preview = previewRollback(new RollbackRepository(ws, now), ts.sandbox.url)
    expect(preview).toMatchObject({ resumes: true, alreadyDone: 4, total: 9 })
    const result = await rollback(ws, t)
    expect(result).toMatchObject({ applied: 5, alreadyAbsent: 0, failed: 0 })
    expect(result.runs).toHaveLength(1)
    expect(ts.sandbox.stateHash()).toEqual(before)
    ws.close()
  })

  it('resumes a rollback that died between a call and its outcome, sending the unsettled steps again', async () => {
    const t = await freshTarget()
    const before = ts.sandbox.stateHash()
    const ws = openWorkspace(tempDir())
    await migrateByHand(ws, t, mapping, sources)

    // The process "dies" right after its second $batch reached Dataverse: intents journaled,
    // the deletes done, their outcomes never written.
    let calls = 0
    const dying = new Proxy(t.client, {
      get(target, property, receiver) {
        if (property !== 'batch') return Reflect.get(target, property, receiver)
        return async (...args: Parameters<typeof target.batch>) => {
          const answer = await target.batch(...args)
          if (++calls === 2) throw new Error('killed')
          return answer
        }
      },
    })
    await expect(rollback(ws, { ...t, client: dying }, { batchSize: 3, concurrency: 1 })).rejects.toThrow(
      'killed',
    )
    expect(ts.sandbox.stateHash().records).toBe(before.records + 3)

    const result = await rollback(ws, t)
    // The second chunk's three records are gone already: their deletes answer 404, counted as done.
    expect(result).toMatchObject({ applied: 3, alreadyAbsent: 3, failed: 0 })
    expect(ts.sandbox.stateHash()).toEqual(before)
    ws.close()
  })
})
