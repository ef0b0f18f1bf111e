/**
 * `leafbridge stage` and `leafbridge audit` keep their --json contract (issue 3): exactly one
 * JSON document on stdout, progress on stderr, exit 0 on success, 1 on failure, 2 on usage errors.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateExport } from '../../../../electron/engine/source/leaf360/generator'
import { writeExport } from '../../../support/leaf360-fixture'
import { CLI } from '../../../support/serve'
import { useTempDirs } from '../../../support/temp-dir'

const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('leafbridge stage and audit', () => {
  const tempDir = useTempDirs()

  it('stages a generated ui zip with --json: flavour, per-file counts, findings and quarantine reasons', async () => {
    const dir = tempDir()
    const zip = (
      await generateExport({ profile: 'tiny', seed: 9, flavour: 'ui', zip: true, out: join(dir, 'x.zip') })
    ).out
    const workspace = join(dir, 'w.leafbridge')
    const staged = run(['stage', '--workspace', workspace, '--export', zip, '--json'])
    expect(staged.code).toBe(0)
    const report = JSON.parse(staged.stdout)
    expect(report.flavour).toBe('ui')
    for (const [file, c] of Object.entries(report.objects) as Array<[string, Record<string, number>]>) {
      expect(Object.keys(c).sort(), file).toEqual(['quarantined', 'read', 'skipped', 'staged'])
      expect(c['read']).toBe(c['staged']! + c['quarantined']! + c['skipped']!)
    }
    expect(report.findings['D03']).toBeGreaterThan(0)
    expect(Object.keys(report.quarantineReasons).length).toBeGreaterThan(0)
    expect(staged.stderr).toMatch(/rows/)

    const audit = run(['audit', '--workspace', workspace, '--json'])
    expect(audit.code).toBe(0)
    const profile = JSON.parse(audit.stdout)
    expect(profile).toMatchObject({ importId: report.importId, flavour: 'ui' })
    expect(profile.files.length).toBe(Object.keys(report.objects).length)
    expect(profile.findings['D03'].count).toBe(report.findings['D03'])
  })

  it('prints the human report without --json, and fails with a JSON error naming what to pass', () => {
    const dir = tempDir()
    const root = writeExport(join(dir, 'x'), { flavour: 'ui', manifest: null })
    const workspace = join(dir, 'w.leafbridge')
    const failed = run(['stage', '--workspace', workspace, '--export', root, '--json'])
    expect(failed.code).toBe(1)
    expect(JSON.parse(failed.stdout)).toMatchObject({ error: { code: 'timezone-required' } })
    expect(JSON.parse(failed.stdout).error.message).toMatch(/--timezone/)
    const human = run([
      'stage',
      '--workspace',
      workspace,
      '--export',
      root,
      '--timezone',
      'America/Chicago',
      '--quiet',
    ])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/Staged a ui export \(inferred\), time zone America\/Chicago/)
    expect(human.stdout).toMatch(/data\/contacts\.csv\s+1\s+1\s+0\s+0/)
  })

  it('exits 2 on usage errors and 1 when nothing is staged yet', () => {
    const dir = tempDir()
    expect(run(['stage', '--workspace', join(dir, 'w')]).code).toBe(2)
    expect(run(['stage', '--workspace', join(dir, 'w'), '--export', dir, '--flavour', 'xml']).code).toBe(2)
    run(['workspace', 'init', join(dir, 'empty')])
    const audit = run(['audit', '--workspace', join(dir, 'empty.leafbridge'), '--json'])
    expect(audit.code).toBe(1)
    expect(JSON.parse(audit.stdout)).toMatchObject({ error: { code: 'nothing-staged' } })
  })
})
