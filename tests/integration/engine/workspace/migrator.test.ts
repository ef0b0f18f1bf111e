import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../../electron/engine/errors'
import type { Migration } from '../../../../electron/engine/workspace/migrations/types'
import { migrate, readApplied } from '../../../../electron/engine/workspace/migrator'
import { openSqlite } from '../../../../electron/engine/workspace/sqlite'
import { useTempDirs } from '../../../support/temp-dir'

const now = () => '2026-12-01T00:00:00.000Z'
const m1: Migration = { sequence: 1, name: 'one', sql: 'CREATE TABLE one (x INTEGER) STRICT;' }
const m2: Migration = { sequence: 2, name: 'two', sql: 'CREATE TABLE two (x INTEGER) STRICT;' }
const bad: Migration = {
  sequence: 2,
  name: 'two',
  sql: 'CREATE TABLE two (x INTEGER) STRICT; INSERT INTO nowhere VALUES (1);',
}

const codeOf = (fn: () => unknown) => {
  try {
    fn()
    return null
  } catch (e) {
    return e instanceof AppError ? e.code : (e as Error).message
  }
}

describe('migrator', () => {
  const tempDir = useTempDirs()

  it('runs each migration in its own transaction: a failing one leaves the earlier ones applied and itself not at all', () => {
    const db = openSqlite(join(tempDir(), 'w.db'))
    expect(() => migrate(db, [m1, bad], now, 'test')).toThrow()
    expect(readApplied(db).map((r) => r.sequence)).toEqual([1])
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'two'").get()).toBeUndefined()
    expect(migrate(db, [m1, m2], now, 'test')).toEqual([2])
    db.close()
  })

  it('refuses an edited migration, a renamed one and a history from the future', () => {
    const db = openSqlite(join(tempDir(), 'w.db'))
    migrate(db, [m1, m2], now, 'test')
    expect(codeOf(() => migrate(db, [m1, { ...m2, sql: m2.sql + ' ' }], now, 'test'))).toBe(
      'workspace-migration-edited',
    )
    expect(codeOf(() => migrate(db, [m1, { ...m2, name: 'renamed' }], now, 'test'))).toBe(
      'workspace-migration-edited',
    )
    expect(codeOf(() => migrate(db, [m1], now, 'test'))).toBe('workspace-from-future')
    db.close()
  })

  it('refuses a malformed migration list before touching the file', () => {
    const db = openSqlite(join(tempDir(), 'w.db'))
    expect(codeOf(() => migrate(db, [m2], now, 'test'))).toMatch(/expected 1/)
    expect(codeOf(() => migrate(db, [{ ...m1, name: 'Not Kebab' }], now, 'test'))).toMatch(/kebab-case/)
    db.close()
  })
})
