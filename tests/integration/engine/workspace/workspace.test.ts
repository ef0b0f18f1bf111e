import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../../electron/engine/errors'
import { LATEST_SCHEMA_VERSION } from '../../../../electron/engine/workspace/migrations'
import { Workspace } from '../../../../electron/engine/workspace/workspace'
import { useTempDirs } from '../../../support/temp-dir'

const options = { appVersion: '9.9.9' }

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (error instanceof AppError) return error.code
    throw error
  }
  throw new Error('expected an AppError')
}

describe('Workspace', () => {
  const tempDir = useTempDirs()

  it('creates a workspace file with the .leafbridge extension, WAL mode and STRICT tables', () => {
    const dir = tempDir()
    const ws = Workspace.create(join(dir, 'acme'), options)
    const summary = ws.summary()
    expect(summary.path).toBe(join(dir, 'acme.leafbridge'))
    expect(summary.schemaVersion).toBe(LATEST_SCHEMA_VERSION)
    expect(summary.createdWithVersion).toBe('9.9.9')
    expect(summary.contents.find((c) => c.key === 'activity')?.count).toBe(1)
    expect(ws.database.pragma('journal_mode', { simple: true })).toBe('wal')
    const nonStrict = ws.database
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE '%STRICT'",
      )
      .all()
    expect(nonStrict).toEqual([])
    ws.close()
    expect(readdirSync(dir).filter((f) => f.includes('creating'))).toEqual([])
  })

  it('refuses to overwrite an existing file', () => {
    const dir = tempDir()
    const path = join(dir, 'x.leafbridge')
    writeFileSync(path, 'not mine')
    expect(codeOf(() => Workspace.create(path, options))).toBe('workspace-exists')
  })

  it('refuses a file that is not a workspace, and a SQLite file of another application', () => {
    const dir = tempDir()
    const text = join(dir, 'notes.leafbridge')
    writeFileSync(text, 'hello, this is not SQLite at all, just some text that is long enough to matter')
    expect(codeOf(() => Workspace.open(text, options))).toBe('not-a-workspace')
    const other = join(dir, 'other.db')
    new Database(other).exec('CREATE TABLE t (x)')
    expect(codeOf(() => Workspace.open(other, options))).toBe('not-a-workspace')
    expect(codeOf(() => Workspace.open(join(dir, 'missing.leafbridge'), options))).toBe('workspace-not-found')
  })

  it('lets only one writer open a workspace, and takes over a lock left by a dead process', () => {
    const dir = tempDir()
    const ws = Workspace.create(join(dir, 'w'), options)
    const id = ws.summary().workspaceId
    expect(codeOf(() => Workspace.open(ws.path, options))).toBe('workspace-locked')
    ws.close()
    // A lock file naming a process that does not exist on this host, as a crash leaves it.
    const deadPid = 2 ** 22 + 12345
    writeFileSync(
      `${ws.path}-lock`,
      JSON.stringify({ pid: deadPid, host: hostname(), token: 't', since: 'x' }),
    )
    const again = Workspace.open(ws.path, options)
    expect(again.summary().workspaceId).toBe(id)
    again.close()
    expect(existsSync(`${ws.path}-lock`)).toBe(false)
  })

  it('inspects without taking the lock or writing', () => {
    const dir = tempDir()
    const ws = Workspace.create(join(dir, 'w'), options)
    const seen = Workspace.inspect(ws.path)
    expect(seen.workspaceId).toBe(ws.summary().workspaceId)
    ws.close()
  })

  it('refuses a workspace written by a newer Leafbridge, saying so, and leaves it unchanged', () => {
    const dir = tempDir()
    const ws = Workspace.create(join(dir, 'w'), options)
    ws.database
      .prepare('INSERT INTO _migrations (sequence, name, sha256, applied_at) VALUES (?, ?, ?, ?)')
      .run(LATEST_SCHEMA_VERSION + 1, 'from-the-future', 'x', 'now')
    ws.close()
    let message = ''
    try {
      Workspace.open(ws.path, options)
    } catch (error) {
      message = (error as Error).message
      expect((error as AppError).code).toBe('workspace-from-future')
    }
    expect(message).toMatch(/newer version of Leafbridge/)
    expect(codeOf(() => Workspace.inspect(ws.path))).toBe('workspace-from-future')
  })

  it('refuses a workspace whose applied migration differs from the one this build ships', () => {
    const dir = tempDir()
    const ws = Workspace.create(join(dir, 'w'), options)
    ws.database.prepare("UPDATE _migrations SET sha256 = 'edited' WHERE sequence = 1").run()
    ws.close()
    expect(codeOf(() => Workspace.open(ws.path, options))).toBe('workspace-migration-edited')
  })

  it('backs up a live workspace to a consistent copy', async () => {
    const dir = tempDir()
    const ws = Workspace.create(join(dir, 'w'), options)
    for (let i = 0; i < 500; i++) ws.logActivity('note', `entry ${i} ${'x'.repeat(200)}`)
    const pages: number[] = []
    const copy = await ws.backup(join(dir, 'copy.leafbridge'), { onProgress: (done) => pages.push(done) })
    ws.close()
    const inspected = Workspace.inspect(copy.path)
    expect(inspected.contents.find((c) => c.key === 'activity')?.count).toBe(501)
    expect(inspected.workspaceId).toBe(Workspace.inspect(ws.path).workspaceId)
  })
})
