/**
 * Runs workspace migrations: each in its own transaction, each recorded with the SHA-256 of its SQL.
 *
 * Refuses a workspace written by a newer Leafbridge, one whose applied migrations were edited,
 * and one whose history is out of order (STYLE.md §5; Bruno's and Signal's migration runners).
 */
import { createHash } from 'node:crypto'
import { AppError } from '../errors'
import type { Migration } from './migrations/types'
import type { SqliteDatabase } from './sqlite'

export type AppliedRow = Readonly<{ sequence: number; name: string; sha256: string; appliedAt: string }>

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

const CREATE_LEDGER = `
CREATE TABLE IF NOT EXISTS _migrations (
  sequence INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT`

/** Checks that a migration list is well formed: sequences 1..n, kebab-case names. */
export function assertMigrationList(migrations: ReadonlyArray<Migration>): void {
  migrations.forEach((m, index) => {
    if (m.sequence !== index + 1)
      throw new Error(`migration ${m.name} has sequence ${m.sequence}, expected ${index + 1}`)
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(m.name))
      throw new Error(`migration name ${m.name} is not kebab-case`)
  })
}

export function readApplied(db: SqliteDatabase): ReadonlyArray<AppliedRow> {
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = '_migrations'").get()
  if (!exists) return []
  return db
    .prepare('SELECT sequence, name, sha256, applied_at AS appliedAt FROM _migrations ORDER BY sequence')
    .all() as AppliedRow[]
}

/**
 * Compares the applied history with the known migrations and says how many are pending.
 * Throws AppError for a future, edited or out-of-order history.
 */
export function checkHistory(
  applied: ReadonlyArray<AppliedRow>,
  migrations: ReadonlyArray<Migration>,
  describeFile: string,
): { pending: ReadonlyArray<Migration> } {
  const latest = migrations.length
  const newest = applied.reduce((max, row) => Math.max(max, row.sequence), 0)
  if (newest > latest) {
    throw new AppError({
      code: 'workspace-from-future',
      kind: 'fatal',
      message:
        `${describeFile} was written by a newer version of Leafbridge (workspace schema ${newest}; ` +
        `this version knows up to ${latest}). Update Leafbridge to open it; the file was not changed.`,
      details: { schemaVersion: newest, latestSchemaVersion: latest },
    })
  }
  applied.forEach((row, index) => {
    const expected = migrations[index]
    if (!expected || row.sequence !== expected.sequence) {
      throw new AppError({
        code: 'workspace-history-out-of-order',
        kind: 'fatal',
        message: `${describeFile} has migration ${row.sequence} (${row.name}) where ${index + 1} was expected; the file may be damaged.`,
      })
    }
    if (row.name !== expected.name || row.sha256 !== sha256Hex(expected.sql)) {
      throw new AppError({
        code: 'workspace-migration-edited',
        kind: 'fatal',
        message:
          `${describeFile} was upgraded with a different migration ${row.sequence} (${row.name}) than this version ` +
          `of Leafbridge ships. Open it with the version that created it; the file was not changed.`,
      })
    }
  })
  return { pending: migrations.slice(applied.length) }
}

/** Applies every pending migration, one transaction each. Returns the sequences applied. */
export function migrate(
  db: SqliteDatabase,
  migrations: ReadonlyArray<Migration>,
  now: () => string,
  describeFile: string,
): ReadonlyArray<number> {
  assertMigrationList(migrations)
  db.exec(CREATE_LEDGER)
  const { pending } = checkHistory(readApplied(db), migrations, describeFile)
  const record = db.prepare(
    'INSERT INTO _migrations (sequence, name, sha256, applied_at) VALUES (?, ?, ?, ?)',
  )
  for (const m of pending) {
    db.transaction(() => {
      db.exec(m.sql)
      record.run(m.sequence, m.name, sha256Hex(m.sql), now())
      db.pragma(`user_version = ${m.sequence}`)
    })()
  }
  return pending.map((m) => m.sequence)
}
