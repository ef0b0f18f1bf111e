import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLI } from '../../support/serve'
import { useTempDirs } from '../../support/temp-dir'

const run = (args: string[], cwd?: string) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('leafbridge CLI', () => {
  const tempDir = useTempDirs()

  it('prints help and its version with exit 0, and exits 2 on a usage error', () => {
    expect(run(['--help'])).toMatchObject({ code: 0 })
    expect(run(['--help']).stdout).toMatch(/workspace/)
    const version = run(['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    expect(run(['no-such-command']).code).toBe(2)
    expect(run(['workspace', 'init']).code).toBe(2)
    expect(run(['serve', '--port', 'seventy']).code).toBe(2)
  })

  it('workspace init and info with --json print exactly one JSON document on stdout', () => {
    const dir = tempDir()
    const init = run(['workspace', 'init', join(dir, 'acme'), '--json'])
    expect(init.code).toBe(0)
    const created = JSON.parse(init.stdout)
    expect(created.path).toBe(join(dir, 'acme.leafbridge'))
    expect(existsSync(created.path)).toBe(true)
    const info = run(['workspace', 'info', created.path, '--json'])
    expect(info.code).toBe(0)
    expect(JSON.parse(info.stdout)).toMatchObject({ workspaceId: created.workspaceId, needsUpgrade: false })
  })

  it('fails with exit 1 and a JSON error document, or a message on stderr without --json', () => {
    const dir = tempDir()
    const missing = run(['workspace', 'info', join(dir, 'missing.leafbridge'), '--json'])
    expect(missing.code).toBe(1)
    expect(JSON.parse(missing.stdout)).toMatchObject({
      error: { code: 'workspace-not-found', kind: 'fatal' },
    })
    const human = run(['workspace', 'info', join(dir, 'missing.leafbridge')])
    expect(human.code).toBe(1)
    expect(human.stdout).toBe('')
    expect(human.stderr).toMatch(/There is no workspace at .*missing\.leafbridge/)
  })
})
