import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../../../../electron/engine/workspace/migrations'
import { migrate, readApplied, sha256Hex } from '../../../../../electron/engine/workspace/migrator'
import { openSqlite, type SqliteDatabase } from '../../../../../electron/engine/workspace/sqlite'
import { useTempDirs } from '../../../../support/temp-dir'

const now = () => '2026-12-01T00:00:00.000Z'

const tableNames = (db: SqliteDatabase): string[] =>
  (
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{
      name: string
    }>
  ).map((r) => r.name)

function insertRun(db: SqliteDatabase): void {
  db.prepare(
    `INSERT INTO run (run_id, run_no, kind, target_url, phases, users, mapping, mapping_sha256, status, started_at, updated_at)
     VALUES ('run-1', 1, 'migrate', 'https://example.crm.dynamics.com', '["accounts"]', 1, '{}', 'h', 'finished', 'now', 'now')`,
  ).run()
}

describe('migration 0006 verify-results', () => {
  const tempDir = useTempDirs()

  it('adds the verify tables to a workspace at schema 5 and keeps its runs', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    migrate(db, MIGRATIONS.slice(0, 5), now, 'test')
    insertRun(db)
    const before = tableNames(db)
    const runs = db.prepare('SELECT * FROM run').all()

    expect(migrate(db, MIGRATIONS.slice(0, 6), now, 'test')).toEqual([6])

    expect(db.prepare('SELECT * FROM run').all()).toEqual(runs)
    expect(tableNames(db)).toEqual([...before, 'verify_mismatch', 'verify_pass'].sort())
    for (const name of ['verify_mismatch', 'verify_pass']) {
      const { sql } = db.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').get(name) as { sql: string }
      expect(sql).toMatch(/STRICT$/)
    }
    expect(readApplied(db).at(-1)).toMatchObject({
      sequence: 6,
      name: 'verify-results',
      sha256: sha256Hex(MIGRATIONS[5]!.sql),
    })
    db.close()
  })

  it('ties every pass to a run and every mismatch to a pass, and drops mismatches with their pass', () => {
    const db = openSqlite(join(tempDir(), 'w.leafbridge'))
    migrate(db, MIGRATIONS.slice(0, 6), now, 'test')
    db.pragma('foreign_keys = ON')
    const pass = db.prepare(
      `INSERT INTO verify_pass (run_id, target_url, status, started_at) VALUES (?, 'https://x', 'running', 'now')`,
    )
    expect(() => pass.run('no-such-run')).toThrow(/FOREIGN KEY/)
    insertRun(db)
    const id = Number(pass.run('run-1').lastInsertRowid)
    const mismatch = db.prepare(
      `INSERT INTO verify_mismatch (verify_id, seq, table_name, source_key, column_name, field, reason, expected, actual)
       VALUES (?, ?, 'contact', 'contact-1', 'lastname', 'lastname<-lastname', ?, 'Reyes', 'Ortiz')`,
    )
    mismatch.run(id, 1, 'value')
    expect(() => mismatch.run(id, 2, 'typo')).toThrow(/CHECK/)
    expect(() => mismatch.run(999, 1, 'value')).toThrow(/FOREIGN KEY/)
    db.prepare('DELETE FROM verify_pass WHERE verify_id = ?').run(id)
    expect(db.prepare('SELECT count(*) AS n FROM verify_mismatch').get()).toEqual({ n: 0 })
    db.close()
  })
})
