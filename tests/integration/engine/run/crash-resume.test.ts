/**
 * `kill -9` at random moments: `leafbridge migrate` runs in a child process and is killed with
 * SIGKILL while it loads, again and again, then run once more to the end. The target must hold
 * exactly what an uninterrupted run leaves: the same records once each, with the same content.
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../../electron/engine/clock'
import { runMigration } from '../../../../electron/engine/run/run-migration'
import { JournalRepository } from '../../../../electron/engine/workspace/journal-repository'
import { Workspace } from '../../../../electron/engine/workspace/workspace'
import { contentDigest, duplicateKeys } from '../../../support/run/content-digest'
import { prepareMigration } from '../../../support/run/migration-fixture'
import { CLI } from '../../../support/serve'
import { useTempDirs } from '../../../support/temp-dir'

type Ended = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

const PHASE_LINE = /^(accounts|contacts|leads|opportunities|activities|attachments|connections|status) /m

/**
 * Runs `leafbridge migrate`, killing it with SIGKILL `killAfterMs` after its first phase progress
 * line (so the kill lands in the load, not in start-up); null lets it run to the end.
 */
function migrate(workspace: string, target: string, killAfterMs: number | null): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [CLI, 'migrate', '--workspace', workspace, '--target', target, '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    let timer: NodeJS.Timeout | null = null
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      if (timer === null && killAfterMs !== null && PHASE_LINE.test(stderr)) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
      }
    })
    child.on('close', (code, signal) => {
      if (timer !== null) clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/** A small deterministic random stream (the kill delays). */
const random = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}

describe('crash and resume', () => {
  const tempDir = useTempDirs()

  it('after SIGKILL at random points, migrate again ends with the records of an uninterrupted run', async () => {
    const options = { export: { scale: 16, largeFiles: true }, sandbox: { latency: '60,3' } } as const
    const clean = await prepareMigration(tempDir(), options)
    let expected: string
    let expectedCounts: Record<string, number>
    try {
      const c = clean.connect(1)
      await runMigration({ workspace: clean.workspace, connection: c, clock: systemClock })
      await c.close()
      expected = contentDigest(clean.sandbox.sandbox)
      expectedCounts = { ...clean.sandbox.sandbox.stateHash().tables }
    } finally {
      await clean.close()
    }

    const f = await prepareMigration(tempDir(), options)
    try {
      f.workspace.close()
      const next = random(20261201)
      let kills = 0
      let finished: Ended | null = null
      for (let attempt = 0; attempt < 12 && finished === null; attempt++) {
        const delay = attempt < 8 ? 50 + Math.floor(next() * 1200) : null
        const ended = await migrate(f.workspacePath, f.sandbox.profileFile, delay)
        if (ended.signal === 'SIGKILL') kills++
        else finished = ended
        if (ended.code === 1) console.info(ended.stdout, ended.stderr.slice(-3000))
        console.info(
          `attempt ${attempt + 1}: kill after ${delay ?? '-'} ms → ${ended.signal ?? `exit ${ended.code}`}; ${ended.stderr
            .split('\n')
            .filter((l) => /Resuming|Settled|: .* in /.test(l))
            .join(' | ')}`,
        )
      }
      expect(kills).toBeGreaterThanOrEqual(3)
      expect(finished?.code, finished?.stderr).toBe(0)
      const summary = JSON.parse(finished!.stdout) as {
        tables: Record<string, { failed: number }>
        mismatches: number
      }
      expect(Object.values(summary.tables).every((t) => t.failed === 0)).toBe(true)
      // The finishing migrate verified what the interrupted attempts loaded.
      expect(summary.mismatches).toBe(0)
      expect(duplicateKeys(f.sandbox.sandbox)).toEqual([])
      expect(f.sandbox.sandbox.stateHash().tables).toEqual(expectedCounts)
      expect(contentDigest(f.sandbox.sandbox)).toBe(expected)

      const ws = Workspace.open(f.workspacePath, { appVersion: 'test' })
      try {
        const journal = new JournalRepository(ws, () => new Date().toISOString())
        const runs = journal.runs()
        // A kill that lands after the last write leaves a finished run; the next migrate then
        // starts a new run that finds nothing left to change.
        expect(runs.every((r) => r.status === 'finished')).toBe(true)
        expect(runs.reduce((n, r) => n + r.resumes, 0) + runs.length - 1).toBe(kills)
        for (const r of runs) expect(journal.totals(r.runId).pending).toBe(0)
      } finally {
        ws.close()
      }
    } finally {
      await f.close()
    }
  }, 600_000)
})
