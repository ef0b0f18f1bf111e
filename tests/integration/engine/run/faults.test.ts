import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../../electron/engine/clock'
import { runMigration } from '../../../../electron/engine/run/run-migration'
import { JournalRepository } from '../../../../electron/engine/workspace/journal-repository'
import { contentDigest, duplicateKeys } from '../../../support/run/content-digest'
import { restartWithFaults } from '../../../support/run/fault-sandbox'
import { prepareMigration } from '../../../support/run/migration-fixture'
import { useTempDirs } from '../../../support/temp-dir'

type Stats = {
  faults: Record<string, number>
  users: Array<{ throttled: Record<string, number> }>
  byStatus: Record<string, number>
}

describe('runMigration under injected faults', () => {
  const tempDir = useTempDirs()

  it('ends with every record once, nothing lost, through 5xx, resets, timeouts and 429 storms', async () => {
    const scale = 10
    const clean = await prepareMigration(tempDir(), { export: { scale, largeFiles: false } })
    let expected: string
    let expectedCounts: Record<string, number>
    try {
      const c = clean.connect(2)
      await runMigration({ workspace: clean.workspace, connection: c, clock: systemClock })
      await c.close()
      expected = contentDigest(clean.sandbox.sandbox)
      expectedCounts = { ...clean.sandbox.sandbox.stateHash().tables }
    } finally {
      await clean.close()
    }

    const f = await prepareMigration(tempDir(), { export: { scale, largeFiles: false } })
    try {
      // Faults from here on (the schema was applied without them): 5xx before the work, resets and
      // timeouts after it committed (unknown outcomes), and service-protection limits tight
      // enough for a storm of 429s on every limit.
      const restarted = await restartWithFaults(f, {
        faults: '5xx=0.05,reset=0.05,timeout=0.05,timeoutms=1500',
        limits: { maxRequests: 30, windowSeconds: 3, maxExecutionMs: 2500, maxConcurrent: 2 },
        latency: '30,2',
        seed: 7,
      })
      const connection = restarted.connect(2)
      const summary = await runMigration({
        workspace: f.workspace,
        connection,
        clock: systemClock,
        requestTimeoutMs: 1000,
        batchSize: 5,
        chunkSize: 10,
      })
      await connection.close()
      const stats = restarted.sandbox.stats() as unknown as Stats
      // The figures the run went through, for the log of the test run.
      console.info(
        `faults: ${JSON.stringify(stats.faults)}; statuses: ${JSON.stringify(stats.byStatus)}; loader: ${JSON.stringify(summary.users)}`,
      )
      expect(stats.faults['5xx']).toBeGreaterThan(0)
      expect(stats.faults['reset']).toBeGreaterThan(0)
      expect(stats.faults['timeout']).toBeGreaterThan(0)
      const throttled = stats.users.reduce(
        (n, u) => n + u.throttled['requests']! + u.throttled['concurrency']! + u.throttled['execution']!,
        0,
      )
      expect(throttled).toBeGreaterThan(0)
      expect(summary.status).toBe('finished')
      expect(summary.records.failed).toBe(0)
      expect(duplicateKeys(restarted.sandbox)).toEqual([])
      expect(restarted.sandbox.stateHash().tables).toEqual(expectedCounts)
      expect(contentDigest(restarted.sandbox)).toBe(expected)
      const journal = new JournalRepository(f.workspace, () => new Date().toISOString())
      expect(journal.totals(summary.runId).pending).toBe(0)
      await restarted.close()
    } finally {
      await f.close()
    }
  }, 300_000)
})
