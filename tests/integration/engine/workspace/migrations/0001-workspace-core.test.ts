import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../../../../electron/engine/workspace/migrations'
import { migrate, readApplied, sha256Hex } from '../../../../../electron/engine/workspace/migrator'
import { openSqlite } from '../../../../../electron/engine/workspace/sqlite'
import { useTempDirs } from '../../../../support/temp-dir'

const now = () => '2026-12-01T00:00:00.000Z'

describe('migration 0001 workspace-core', () => {
  const tempDir = useTempDirs()

  it('creates the identity and activity tables as STRICT tables and records its hash', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    expect(migrate(db, MIGRATIONS.slice(0, 1), now, 'test')).toEqual([1])
    const tables = db
      .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all() as Array<{ name: string; sql: string }>
    expect(tables.map((t) => t.name)).toEqual(['_migrations', 'activity_log', 'workspace_info'])
    for (const t of tables) expect(t.sql).toMatch(/STRICT$/)
    expect(readApplied(db)).toEqual([
      { sequence: 1, name: 'workspace-core', sha256: sha256Hex(MIGRATIONS[0]!.sql), appliedAt: now() },
    ])
    expect(db.pragma('user_version', { simple: true })).toBe(1)
    expect(() =>
      db
        .prepare("INSERT INTO activity_log (at, kind, message, details) VALUES ('a','b','c','not json')")
        .run(),
    ).toThrow()
    expect(() => db.prepare("INSERT INTO workspace_info VALUES (2, 'x', 'y', 'z')").run()).toThrow()
    db.close()
  })

  it('is applied once: migrating again changes nothing', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    migrate(db, MIGRATIONS, now, 'test')
    expect(migrate(db, MIGRATIONS, now, 'test')).toEqual([])
    db.close()
  })
})
