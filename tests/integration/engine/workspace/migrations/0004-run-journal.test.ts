import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../../../../electron/engine/workspace/migrations'
import { migrate, readApplied, sha256Hex } from '../../../../../electron/engine/workspace/migrator'
import { openSqlite, type SqliteDatabase } from '../../../../../electron/engine/workspace/sqlite'
import { useTempDirs } from '../../../../support/temp-dir'

const now = () => '2026-12-01T00:00:00.000Z'

const NEW_TABLES = [
  'id_map',
  'journal_intent',
  'journal_outcome',
  'run',
  'run_phase',
  'run_skip',
  'run_table',
]

const tableNames = (db: SqliteDatabase): string[] =>
  (
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{
      name: string
    }>
  ).map((r) => r.name)

function insertRun(db: SqliteDatabase, runId: string, runNo: number): void {
  db.prepare(
    `INSERT INTO run (run_id, run_no, kind, target_url, phases, users, mapping, mapping_sha256, status, started_at, updated_at)
     VALUES (?, ?, 'migrate', 'https://example.crm.dynamics.com', '["accounts"]', 1, '{}', 'h', 'running', 'now', 'now')`,
  ).run(runId, runNo)
}

describe('migration 0004 run-journal', () => {
  const tempDir = useTempDirs()

  it('adds the run, journal and id map tables to a workspace at schema 3 and keeps what it held', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    migrate(db, MIGRATIONS.slice(0, 3), now, 'test')
    db.prepare("INSERT INTO workspace_info VALUES (1, 'ws-1', 'then', '0.1.0')").run()
    db.prepare(
      "INSERT INTO activity_log (at, kind, message) VALUES ('then', 'workspace-created', 'hello')",
    ).run()
    const before = tableNames(db)
    const log = db.prepare('SELECT * FROM activity_log').all()

    expect(migrate(db, MIGRATIONS.slice(0, 4), now, 'test')).toEqual([4])

    expect(db.prepare('SELECT * FROM activity_log').all()).toEqual(log)
    expect(tableNames(db)).toEqual([...before, ...NEW_TABLES].sort())
    for (const name of NEW_TABLES) {
      const { sql } = db.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').get(name) as { sql: string }
      expect(sql).toMatch(/STRICT$/)
    }
    expect(readApplied(db).at(-1)).toMatchObject({
      sequence: 4,
      name: 'run-journal',
      sha256: sha256Hex(MIGRATIONS[3]!.sql),
    })
    expect(db.pragma('user_version', { simple: true })).toBe(4)
    db.close()
  })

  it('keeps one intent per run and seq, and at most one outcome per intent', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    migrate(db, MIGRATIONS.slice(0, 4), now, 'test')
    insertRun(db, 'run-1', 1)
    const intent = db.prepare(
      `INSERT INTO journal_intent (run_id, seq, phase, step, table_name, entity_set, operation, source_key, request, at)
       VALUES ('run-1', ?, 'contacts', 'load', 'contact', 'contacts', 'upsert', 'contact-1', '{}', 'now')`,
    )
    const id = Number(intent.run(1).lastInsertRowid)
    expect(() => intent.run(1)).toThrow(/UNIQUE/)
    const outcome = db.prepare(
      `INSERT INTO journal_outcome (intent_id, run_id, status, verdict, settled_by, at) VALUES (?, 'run-1', 'applied', 'ok', 'response', 'now')`,
    )
    outcome.run(id)
    expect(() => outcome.run(id)).toThrow(/UNIQUE|PRIMARY KEY/)
    expect(() => outcome.run(999)).toThrow(/FOREIGN KEY/)
    expect(() =>
      db
        .prepare(
          `INSERT INTO journal_intent (run_id, seq, phase, step, table_name, entity_set, operation, source_key, request, at)
           VALUES ('run-1', 2, 'contacts', 'load', 'contact', 'contacts', 'merge', 'contact-2', '{}', 'now')`,
        )
        .run(),
    ).toThrow(/CHECK/)
    db.close()
  })

  it('refuses journal rows of an unknown run and maps one target id per table and source key', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    migrate(db, MIGRATIONS.slice(0, 4), now, 'test')
    expect(() =>
      db
        .prepare(
          `INSERT INTO journal_intent (run_id, seq, phase, step, table_name, entity_set, operation, source_key, request, at)
           VALUES ('nope', 1, 'contacts', 'load', 'contact', 'contacts', 'upsert', 'contact-1', '{}', 'now')`,
        )
        .run(),
    ).toThrow(/FOREIGN KEY/)
    insertRun(db, 'run-1', 1)
    const map = db.prepare(
      `INSERT INTO id_map (table_name, source_key, target_id, created_by_run, last_run_id, updated_at) VALUES ('contact', 'contact-1', ?, 'run-1', 'run-1', 'now')`,
    )
    map.run('0b3c6f1e-0000-4000-8000-000000000001')
    expect(() => map.run('0b3c6f1e-0000-4000-8000-000000000002')).toThrow(/UNIQUE|PRIMARY KEY/)
    expect(() => insertRun(db, 'run-2', 1)).toThrow(/UNIQUE/)
    db.close()
  })
})
