import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../../../../electron/engine/workspace/migrations'
import { migrate, readApplied, sha256Hex } from '../../../../../electron/engine/workspace/migrator'
import { openSqlite } from '../../../../../electron/engine/workspace/sqlite'
import { useTempDirs } from '../../../../support/temp-dir'

const now = () => '2026-12-01T00:00:00.000Z'

const NEW_TABLES = [
  'quarantined_row',
  'record_head',
  'source_file',
  'source_finding',
  'source_import',
  'source_profile',
  'staged_delta',
  'staged_key',
  'staged_record',
  'staged_ref',
]

describe('migration 0002 source-staging', () => {
  const tempDir = useTempDirs()

  it('adds the staging tables to a workspace at schema 1 and keeps what it held', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    migrate(db, MIGRATIONS.slice(0, 1), now, 'test')
    db.prepare("INSERT INTO workspace_info VALUES (1, 'ws-1', 'then', '0.1.0')").run()
    db.prepare(
      "INSERT INTO activity_log (at, kind, message) VALUES ('then', 'workspace-created', 'hello')",
    ).run()
    const before = db.prepare('SELECT * FROM activity_log').all()

    expect(migrate(db, MIGRATIONS.slice(0, 2), now, 'test')).toEqual([2])

    expect(db.prepare('SELECT * FROM activity_log').all()).toEqual(before)
    expect(db.prepare('SELECT workspace_id FROM workspace_info').get()).toEqual({ workspace_id: 'ws-1' })
    const tables = db
      .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all() as Array<{ name: string; sql: string }>
    expect(tables.map((t) => t.name)).toEqual(
      ['_migrations', 'activity_log', ...NEW_TABLES, 'workspace_info'].sort(),
    )
    for (const t of tables) expect(t.sql).toMatch(/STRICT$/)
    expect(readApplied(db).map((r) => [r.sequence, r.name, r.sha256])).toEqual([
      [1, 'workspace-core', sha256Hex(MIGRATIONS[0]!.sql)],
      [2, 'source-staging', sha256Hex(MIGRATIONS[1]!.sql)],
    ])
    expect(db.pragma('user_version', { simple: true })).toBe(2)
    db.close()
  })

  it('keeps one staged record per import, object and source id, and cascades an import away', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    migrate(db, MIGRATIONS.slice(0, 2), now, 'test')
    db.prepare(
      `INSERT INTO source_import (import_id, location, container, flavour, flavour_origin, timezone, export_kind, partial, status, started_at)
       VALUES (1, '/x', 'folder', 'api', 'manifest', 'America/Chicago', 'full', 0, 'running', 'now')`,
    ).run()
    const insert = db.prepare(
      `INSERT INTO staged_record (import_id, object, source_id, file, row, line, origin, archived, data, raw, content_hash)
       VALUES (1, 'contacts', ?, 'data/contacts.csv', 1, 2, 'file', 0, '{}', '[]', 'h')`,
    )
    insert.run('51200011207')
    expect(() => insert.run('51200011207')).toThrow(/UNIQUE/)
    expect(() =>
      db
        .prepare(
          `INSERT INTO staged_record (import_id, object, source_id, file, row, line, origin, archived, data, raw, content_hash)
           VALUES (9, 'contacts', '1', 'f', 1, 1, 'file', 0, '{}', '[]', 'h')`,
        )
        .run(),
    ).toThrow(/FOREIGN KEY/)
    expect(() => db.prepare("UPDATE source_import SET flavour = 'xml' WHERE import_id = 1").run()).toThrow(
      /CHECK/,
    )
    db.prepare('DELETE FROM source_import WHERE import_id = 1').run()
    expect(db.prepare('SELECT count(*) AS n FROM staged_record').get()).toEqual({ n: 0 })
    db.close()
  })
})
