import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningSandbox, startSandbox } from '../../../../electron/sandbox/index'
import { type MigrationFixture, prepareMigration } from '../../../support/run/migration-fixture'
import { CLI } from '../../../support/serve'

type Ran = Readonly<{ code: number | null; signal: string | null; stdout: string; stderr: string }>

/** Runs the CLI in a child process; `killOn` sends SIGKILL when stderr first matches it. */
function cli(args: ReadonlyArray<string>, killOn?: RegExp): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (killOn !== undefined && killOn.test(stderr)) child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/**
 * The CLI contract end to end against the sandbox: migrate, verify, then rollback refusing without
 * a confirmation, killed with SIGKILL while its first writes are in flight, and resumed.
 */
describe('leafbridge verify and rollback', () => {
  let fx: MigrationFixture
  let live: RunningSandbox
  let before: ReturnType<RunningSandbox['stateHash']>

  beforeAll(async () => {
    fx = await prepareMigration(mkdtempSync(join(tmpdir(), 'leafbridge-rollback-cli-')))
    fx.workspace.close()
    live = fx.sandbox.sandbox
    before = live.stateHash()
  })
  afterAll(async () => {
    await live?.close()
    await fx?.close()
  })

  /** Restarts the environment from its state file on the same port, holding every response `ms`. */
  async function restartWithLatency(ms: number): Promise<void> {
    const port = Number(new URL(live.url).port)
    await live.close()
    live = await startSandbox({
      port,
      stateFile: fx.sandbox.stateFile,
      limits: 'off',
      filesDir: fx.sandbox.dir,
      latency: { baseMs: ms, perRecordMs: 0 },
    })
  }

  const common = () => ['--workspace', fx.workspacePath, '--target', fx.sandbox.profileFile, '--json']

  it('migrates, then verifies every record with zero mismatches (exit 0, one JSON document)', async () => {
    const migrated = await cli(['migrate', ...common()])
    expect(migrated.code, migrated.stderr).toBe(0)
    // migrate verifies what it loaded: the JSON carries the read-back counts per table.
    const run = JSON.parse(migrated.stdout) as {
      tables: Record<string, { loaded: number; verified: number; mismatches: number }>
      mismatches: number
      verify: { reportsDir: string } | null
    }
    expect(run.mismatches).toBe(0)
    expect(run.verify?.reportsDir).toBeTruthy()
    expect(run.tables['contact']!.loaded).toBeGreaterThan(0)
    expect(run.tables['contact']!.verified).toBe(run.tables['contact']!.loaded)
    const out = join(fx.dir, 'reports')
    const verified = await cli(['verify', ...common(), '--out', out])
    expect(verified.code, verified.stderr).toBe(0)
    const report = JSON.parse(verified.stdout) as {
      tables: Record<
        string,
        { expected: number; loaded: number; failed: number; verified: number; mismatches: number }
      >
      mismatches: number
      reportsDir: string
    }
    expect(report.mismatches).toBe(0)
    expect(report.reportsDir).toBe(out)
    expect(report.tables['opportunity']).toMatchObject({ failed: 0, mismatches: 0 })
    expect(report.tables['opportunity']!.verified).toBe(report.tables['opportunity']!.loaded)
  })

  it('refuses to roll back without --yes when nobody can confirm (exit 2)', async () => {
    const refused = await cli(['rollback', ...common()])
    expect(refused.code).toBe(2)
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'confirmation-required' } })
    expect(fx.sandbox.sandbox.stateHash().data).not.toBe(before.data)
  })

  it('resumes a rollback killed mid-way and leaves the target as it was before the run', async () => {
    // Every response is held 150 ms, so the kill lands while the rollback's first $batch is out.
    await restartWithLatency(150)
    expect(live.stateHash().data).not.toBe(before.data)
    const killed = await cli(['rollback', ...common(), '--yes'], /Rolling back run/)
    expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL')
    expect(live.stateHash().data).not.toBe(before.data)

    const resumed = await cli(['rollback', ...common(), '--yes'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stderr).toMatch(/Resuming the interrupted rollback/)
    const result = JSON.parse(resumed.stdout) as { failed: number; runs: unknown[] }
    expect(result.failed).toBe(0)
    expect(result.runs).toHaveLength(1)
    const after = live.stateHash()
    expect(after.tables).toEqual(before.tables)
    expect(after.data).toBe(before.data)

    const again = await cli(['rollback', ...common(), '--yes'])
    expect(again.code).toBe(1)
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'nothing-to-roll-back' } })
  })
})
