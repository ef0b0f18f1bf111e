/**
 * The issue 5 CLI contract against the sandbox: `audit --target`, `plan [--apply]` and `owners`,
 * each with --json printing one document on stdout.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLI } from '../../support/serve'
import { useSandbox } from '../../support/sandbox'
import { useTempDirs } from '../../support/temp-dir'
import { PLAN_USERS, stagePlanFixture } from './plan-fixture'

const run = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })

describe('leafbridge audit, plan and owners', () => {
  const sandbox = useSandbox({ users: PLAN_USERS, keyActivationMs: 300 })
  const tempDir = useTempDirs()

  it('keeps the --json contract of issue 5', async () => {
    const dir = tempDir()
    const staged = await stagePlanFixture(dir)
    const ws = staged.workspace.path
    staged.close()
    const target = sandbox().profileFile

    const audit = await run([
      'audit',
      '--workspace',
      ws,
      '--target',
      target,
      '--licence-tier',
      'enterprise',
      '--out',
      join(dir, 'a'),
      '--json',
    ])
    expect(audit.code).toBe(0)
    const audited = JSON.parse(audit.stdout)
    expect(audited.importId).toBe(1)
    expect(audited.target).toMatchObject({
      licence: { tier: 'enterprise' },
      environment: { url: sandbox().sandbox.url },
    })
    expect(existsSync(join(dir, 'a', 'target-audit.xlsx'))).toBe(true)

    const plan = await run(['plan', '--workspace', ws, '--target', target, '--json', '--quiet'])
    expect(plan.code).toBe(0)
    const planned = JSON.parse(plan.stdout)
    expect(planned.columns[0]).toEqual(
      expect.objectContaining({ table: 'account', schemaName: 'lb_SourceId', type: 'string' }),
    )
    for (const key of ['alternateKeys', 'connectionRoles', 'processes', 'warnings'])
      expect(Array.isArray(planned[key])).toBe(true)
    expect(planned.applied).toMatchObject({ applied: false, created: 0 })

    const applied = JSON.parse(
      (
        await run([
          'plan',
          '--workspace',
          ws,
          '--target',
          target,
          '--apply',
          '--json',
          '--out',
          join(dir, 'p'),
        ])
      ).stdout,
    )
    expect(applied.applied.created).toBeGreaterThan(150)
    expect(applied.files.map((f: { path: string }) => f.path)).toContain(join(dir, 'p', 'bpf-default.xml'))
    const again = JSON.parse(
      (await run(['plan', '--workspace', ws, '--target', target, '--apply', '--json', '--quiet'])).stdout,
    )
    expect(again.applied).toMatchObject({
      applied: true,
      created: 0,
      existing: applied.applied.created + applied.applied.existing,
    })

    const owners = await run(['owners', '--workspace', ws, '--target', target, '--json', '--quiet'])
    expect(owners.code).toBe(0)
    expect(JSON.parse(owners.stdout)).toMatchObject({ matched: 2, disabled: 1, unmatched: 1, ready: false })
    const fixed = JSON.parse(
      (
        await run([
          'owners',
          '--workspace',
          ws,
          '--target',
          target,
          '--fallback',
          'avery.admin@sandbox.example',
          '--override',
          '103=maria.gomez@sandbox.example',
          '--out',
          join(dir, 'o'),
          '--json',
          '--quiet',
        ])
      ).stdout,
    )
    expect(fixed).toMatchObject({ ready: true, blockedRecords: 0 })
    expect(fixed.owners.find((o: { ownerId: string }) => o.ownerId === '103').assignedTo).toMatchObject({
      via: 'override',
      name: 'Maria Gomez',
    })
    expect(existsSync(join(dir, 'o', 'owners-preflight.csv'))).toBe(true)

    const bad = await run([
      'owners',
      '--workspace',
      ws,
      '--target',
      target,
      '--fallback',
      'nobody@nowhere.example',
      '--json',
      '--quiet',
    ])
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: 'owner-user-invalid' } })
    expect((await run(['plan', '--workspace', ws, '--json'])).code).toBe(2)
  })
})
