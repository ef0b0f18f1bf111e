import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { DemoResult } from '../../../../electron/engine/demo/run-demo'
import { CLI } from '../../../support/serve'

function cli(args: ReadonlyArray<string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/**
 * `leafbridge demo` end to end, as a new user runs it: sandbox, stage, audit, plan and apply,
 * owners with a fallback, migrate, verify, reports. Its time goal (under 2 minutes) is printed in
 * the summary, not asserted here.
 */
describe('leafbridge demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leafbridge-demo-test-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it(
    'migrates the demo export and verifies every record with zero mismatches',
    { timeout: 600_000 },
    async () => {
      const out = join(dir, 'demo')
      const ran = await cli(['demo', '--out', out, '--json'])
      const result = JSON.parse(ran.stdout) as DemoResult
      expect(result.mismatches).toBe(0)
      for (const [table, t] of Object.entries(result.tables)) {
        expect(t.verified, table).toBe(t.loaded)
        expect(t.mismatches, table).toBe(0)
      }
      expect(
        result.records.failed,
        ran.stderr
          .split('\n')
          .filter((l) => l.startsWith('warn'))
          .join('\n'),
      ).toBe(0)
      expect(ran.code).toBe(0)

      // Owners: matched, one disabled, and records of unknown owners on the fallback owner.
      expect(result.owners.matched).toBeGreaterThan(0)
      expect(result.owners.disabled).toBe(1)
      expect(result.owners.unmatched).toBeGreaterThan(0)

      // What it leaves for inspection.
      expect(result.workspace).toBe(join(out, 'demo.leafbridge'))
      for (const path of [result.workspace, result.target, result.stateFile])
        expect(existsSync(path), path).toBe(true)
      expect(JSON.parse(readFileSync(result.target, 'utf8'))).toMatchObject({ url: result.targetUrl })
      const reports = new Set(result.files.map((f) => f.path.slice(result.reportsDir.length + 1)))
      for (const name of [
        'reconciliation.html',
        'reconciliation.xlsx',
        'reconciliation.json',
        'reconciliation.csv',
        'mismatches.csv',
        'data-dictionary.xlsx',
        'duplicates.csv',
        'oversized-files.csv',
        'schema-plan.html',
        'target-audit.html',
        'owners-preflight.csv',
        'workflow-rebuild-reference.json',
        'quarantine.csv',
      ]) {
        expect(reports.has(name), name).toBe(true)
        expect(existsSync(join(result.reportsDir, name)), name).toBe(true)
      }
      expect(result.steps.map((s) => s.step)).toEqual([
        'workspace',
        'stage',
        'target',
        'audit',
        'mapping',
        'schema',
        'owners',
        'migrate',
        'verify',
        'reports',
      ])
    },
  )

  it('refuses a folder that is not empty', async () => {
    const ran = await cli(['demo', '--out', join(dir, 'demo'), '--json'])
    expect(ran.code).toBe(1)
    expect(JSON.parse(ran.stdout)).toMatchObject({ error: { code: 'demo-folder-not-empty' } })
  })
})
