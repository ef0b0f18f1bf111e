/**
 * Opening SQLite files with the settings the workspace depends on.
 *
 * In the desktop app the engine runs inside Electron, whose Node ABI differs from plain Node's;
 * the host passes the path of an Electron-ABI build of better-sqlite3 as `nativeBinding`
 * (or LEAFBRIDGE_SQLITE_BINDING), while node_modules keeps the Node build that tests use.
 */
import Database from 'better-sqlite3'

export type SqliteDatabase = Database.Database

export type OpenSqliteOptions = Readonly<{
  readonly?: boolean
  /** Must the file already exist? */
  fileMustExist?: boolean
  /** Path of a better_sqlite3.node built for the running ABI; defaults to node_modules' build. */
  nativeBinding?: string
}>

/** Opens a SQLite file in WAL mode with synchronous=FULL and foreign keys on (STYLE.md §5). */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): SqliteDatabase {
  const nativeBinding = options.nativeBinding ?? process.env['LEAFBRIDGE_SQLITE_BINDING']
  const db = new Database(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.fileMustExist ?? false,
    timeout: 5_000,
    ...(nativeBinding ? { nativeBinding } : {}),
  })
  if (!options.readonly) db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  return db
}
