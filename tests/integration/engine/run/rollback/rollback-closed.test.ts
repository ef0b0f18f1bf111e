/**
 * Rollback of a full run that won an opportunity which existed before the run: the run's Win
 * action sets the opportunity's state, close date and actual value and creates the close
 * activity; the rollback reopens it, restores those columns and deletes what the run created, and
 * the sandbox's state hash is back to its value before the run.
 */
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../../../electron/engine/clock'
import { previewRollback, rollbackMigration } from '../../../../../electron/engine/run/rollback'
import { runMigration } from '../../../../../electron/engine/run/run-migration'
import { RollbackRepository } from '../../../../../electron/engine/workspace/rollback-repository'
import { prepareMigration } from '../../../../support/run/migration-fixture'
import { useTempDirs } from '../../../../support/temp-dir'

const now = () => new Date().toISOString()

describe('rollback of a run that closed a pre-existing opportunity', () => {
  const tempDir = useTempDirs()

  it('reopens it with its close date and value as before, and the state hash is as before the run', async () => {
    const f = await prepareMigration(tempDir())
    try {
      // The firm keyed an open opportunity for the funded deal by hand before the migration.
      const kept = await f.sandbox.request('POST', 'opportunities', {
        body: { name: 'Loan kept by the firm', lb_sourceid: 'deal-9000002' },
      })
      expect(kept.status).toBe(204)
      const before = f.sandbox.sandbox.stateHash()
      const connection = f.connect(1)
      try {
        const summary = await runMigration({ workspace: f.workspace, connection, clock: systemClock })
        expect(summary.status).toBe('finished')
        const won = await f.sandbox.request(
          'GET',
          "opportunities(lb_sourceid='deal-9000002')?$select=statecode,actualclosedate,actualvalue",
        )
        expect(won.json()).toMatchObject({ statecode: 1 })
        expect(won.json()['actualclosedate']).not.toBeNull()

        const repo = new RollbackRepository(f.workspace, now)
        const preview = previewRollback(repo, f.sandbox.sandbox.url)
        expect(preview.tables['opportunity']).toMatchObject({ reopen: 1, restore: 1 })
        const result = await rollbackMigration({
          repo,
          client: connection.primary,
          targetUrl: f.sandbox.sandbox.url,
        })
        expect(result.failed).toBe(0)
      } finally {
        await connection.close()
      }
      const reopened = await f.sandbox.request(
        'GET',
        "opportunities(lb_sourceid='deal-9000002')?$select=name,statecode,actualclosedate,actualvalue",
      )
      expect(reopened.json()).toMatchObject({
        name: 'Loan kept by the firm',
        statecode: 0,
        actualclosedate: null,
        actualvalue: null,
      })
      expect(f.sandbox.sandbox.stateHash()).toEqual(before)
    } finally {
      await f.close()
    }
  })
})
