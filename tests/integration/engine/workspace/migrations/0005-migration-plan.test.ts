import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../../../../electron/engine/workspace/migrations'
import { migrate, readApplied, sha256Hex } from '../../../../../electron/engine/workspace/migrator'
import { openSqlite } from '../../../../../electron/engine/workspace/sqlite'
import { useTempDirs } from '../../../../support/temp-dir'

const now = () => '2026-12-01T00:00:00.000Z'
const NEW_TABLES = [
  'mapping_version',
  'owner_decision',
  'owner_override',
  'plan_setting',
  'plan_source_facts',
  'schema_apply',
  'schema_change',
  'target_audit',
]

describe('migration 0005 migration-plan', () => {
  const tempDir = useTempDirs()

  it('adds the planning tables to a workspace at schema 4 and keeps what it held', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    migrate(db, MIGRATIONS.slice(0, 4), now, 'test')
    db.prepare("INSERT INTO workspace_info VALUES (1, 'ws-1', 'then', '0.1.0')").run()
    const before = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all() as Array<{
      name: string
    }>

    expect(migrate(db, MIGRATIONS.slice(0, 5), now, 'test')).toEqual([5])

    const after = db
      .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all() as Array<{
      name: string
      sql: string
    }>
    expect(after.map((t) => t.name)).toEqual([...before.map((t) => t.name), ...NEW_TABLES].sort())
    for (const t of after.filter((t) => NEW_TABLES.includes(t.name))) expect(t.sql).toMatch(/STRICT$/)
    expect(db.prepare('SELECT workspace_id FROM workspace_info').get()).toEqual({ workspace_id: 'ws-1' })
    expect(readApplied(db).at(-1)).toMatchObject({
      sequence: 5,
      name: 'migration-plan',
      sha256: sha256Hex(MIGRATIONS[4]!.sql),
    })
    db.close()
  })

  it('allows one confirmed mapping version at a time', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    migrate(db, MIGRATIONS.slice(0, 5), now, 'test')
    const insert = db.prepare(
      "INSERT INTO mapping_version (version, created_at, status, document) VALUES (?, 'now', ?, '{}')",
    )
    insert.run(1, 'confirmed')
    insert.run(2, 'proposed')
    expect(() => insert.run(3, 'confirmed')).toThrow(/UNIQUE/)
    db.prepare("UPDATE mapping_version SET status = 'superseded' WHERE version = 1").run()
    insert.run(3, 'confirmed')
    expect(db.prepare("SELECT version FROM mapping_version WHERE status = 'confirmed'").all()).toEqual([
      { version: 3 },
    ])
    db.close()
  })

  it('refuses a schema change of an unknown kind or state', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    migrate(db, MIGRATIONS.slice(0, 5), now, 'test')
    db.prepare(
      "INSERT INTO schema_apply (apply_id, url, started_at, status) VALUES (1, 'https://x', 'now', 'running')",
    ).run()
    const insert = db.prepare(
      "INSERT INTO schema_change (apply_id, url, kind, name, state, at) VALUES (1, 'https://x', ?, 'lb_x', ?, 'now')",
    )
    insert.run('column', 'pending')
    expect(() => insert.run('table', 'pending')).toThrow(/CHECK/)
    expect(() => insert.run('column', 'maybe')).toThrow(/CHECK/)
    db.close()
  })
})
