/**
 * The workspace file (`*.leafbridge`): the whole migration in one SQLite file — its decisions,
 * staged data and journal. Copy the file (with `backup`) and you have copied the project.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, linkSync, statSync, unlinkSync } from 'node:fs'
import { basename, dirname, extname, resolve } from 'node:path'
import type { WorkspaceContent, WorkspaceSummary } from '../../shared/dto/workspace'
import { WORKSPACE_EXTENSION } from '../../shared/dto/workspace'
import { AppError, CancelledError } from '../errors'
import { systemClock, type Clock } from '../clock'
import { acquireWriteLock } from './lock'
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations'
import { checkHistory, migrate, readApplied } from './migrator'
import { openSqlite, type SqliteDatabase } from './sqlite'

/** SQLite header field naming the file as a Leafbridge workspace ('LBWS'). */
export const WORKSPACE_APPLICATION_ID = 0x4c425753

/** Page size of a new workspace file (bytes). */
const WORKSPACE_PAGE_SIZE = 16_384

export type WorkspaceOptions = Readonly<{
  appVersion: string
  clock?: Clock
  nativeBinding?: string
}>

/** What the summary counts, for each table that exists in the file's schema. */
const CONTENT_COUNTERS: ReadonlyArray<Readonly<{ key: string; label: string; table: string }>> = [
  { key: 'activity', label: 'Activity log entries', table: 'activity_log' },
  { key: 'imports', label: 'Imports', table: 'source_import' },
  { key: 'staged-records', label: 'Staged records', table: 'staged_record' },
  { key: 'quarantined-rows', label: 'Quarantined rows', table: 'quarantined_row' },
]

type InfoRow = { workspace_id: string; created_at: string; created_with_version: string }

const describe = (path: string) => `The workspace ${path}`

function normaliseNewPath(path: string): string {
  const abs = resolve(path)
  return extname(abs) === '' ? abs + WORKSPACE_EXTENSION : abs
}

function fileBytes(path: string): number {
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0)
  return size(path) + size(`${path}-wal`)
}

function openExisting(path: string, readonly: boolean, nativeBinding: string | undefined): SqliteDatabase {
  if (!existsSync(path)) {
    throw new AppError({
      code: 'workspace-not-found',
      kind: 'fatal',
      message: `There is no workspace at ${path}. Check the path, or create a new workspace there.`,
    })
  }
  let db: SqliteDatabase | null = null
  try {
    db = openSqlite(path, { readonly, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) })
    const appId = db.pragma('application_id', { simple: true }) as number
    if (appId !== WORKSPACE_APPLICATION_ID) throw notAWorkspace(path)
    return db
  } catch (error) {
    db?.close()
    if (error instanceof AppError) throw error
    if ((error as { code?: string }).code === 'SQLITE_NOTADB') throw notAWorkspace(path)
    throw error
  }
}

const notAWorkspace = (path: string) =>
  new AppError({
    code: 'not-a-workspace',
    kind: 'fatal',
    message: `${path} is not a Leafbridge workspace. Choose a .leafbridge file, or create a new workspace.`,
  })

function readInfo(db: SqliteDatabase, path: string): InfoRow {
  const row = db
    .prepare('SELECT workspace_id, created_at, created_with_version FROM workspace_info')
    .get() as InfoRow | undefined
  if (!row) {
    throw new AppError({
      code: 'workspace-incomplete',
      kind: 'fatal',
      message: `${describe(path)} was never fully created. Create it again.`,
    })
  }
  return row
}

function summarise(db: SqliteDatabase, path: string): WorkspaceSummary {
  const info = readInfo(db, path)
  const applied = readApplied(db)
  const tables = new Set(
    (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map(
      (r) => r.name,
    ),
  )
  const contents: WorkspaceContent[] = CONTENT_COUNTERS.filter((c) => tables.has(c.table)).map((c) => ({
    key: c.key,
    label: c.label,
    count: (db.prepare(`SELECT count(*) AS n FROM ${c.table}`).get() as { n: number }).n,
  }))
  const schemaVersion = applied.length
  return {
    path,
    workspaceId: info.workspace_id,
    name: basename(path, extname(path)),
    createdAt: info.created_at,
    createdWithVersion: info.created_with_version,
    schemaVersion,
    latestSchemaVersion: LATEST_SCHEMA_VERSION,
    needsUpgrade: schemaVersion < LATEST_SCHEMA_VERSION,
    migrations: applied.map((r) => ({ sequence: r.sequence, name: r.name, appliedAt: r.appliedAt })),
    fileBytes: fileBytes(path),
    contents,
  }
}

/** An open, writable workspace. One per file per process, and one process per file (the write lock). */
export class Workspace {
  readonly path: string
  readonly #db: SqliteDatabase
  readonly #clock: Clock
  readonly #release: () => void
  #closed = false

  private constructor(path: string, db: SqliteDatabase, clock: Clock, release: () => void) {
    this.path = path
    this.#db = db
    this.#clock = clock
    this.#release = release
  }

  /** The absolute path a workspace path refers to. */
  static resolvePath(path: string): string {
    return resolve(path)
  }

  /** Creates a new workspace file; refuses to overwrite anything. */
  static create(path: string, options: WorkspaceOptions): Workspace {
    const target = normaliseNewPath(path)
    if (existsSync(target)) {
      throw new AppError({
        code: 'workspace-exists',
        kind: 'fatal',
        message: `${target} already exists. Open it instead, or choose another name.`,
      })
    }
    if (!existsSync(dirname(target))) {
      throw new AppError({
        code: 'directory-not-found',
        kind: 'fatal',
        message: `The folder ${dirname(target)} does not exist. Create it first or choose another place.`,
      })
    }
    const clock = options.clock ?? systemClock
    const now = () => new Date(clock.now()).toISOString()
    // Build the file under a temporary name and link it into place, so a crash never leaves a
    // half-made workspace under the operator's chosen name, and an existing file is never replaced.
    const temp = `${target}.creating-${randomUUID()}`
    const db = openSqlite(temp, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
    try {
      // 16 KiB pages: a staged record carries its raw row and its values (often a few KiB with an
      // e-mail body), which 4 KiB pages split into overflow chains; staging writes far fewer pages
      // (bench:stage). The size is fixed when the file is empty, before WAL mode takes hold.
      db.pragma('journal_mode = DELETE')
      db.pragma(`page_size = ${WORKSPACE_PAGE_SIZE}`)
      db.exec('VACUUM')
      db.pragma('journal_mode = WAL')
      db.pragma(`application_id = ${WORKSPACE_APPLICATION_ID}`)
      migrate(db, MIGRATIONS, now, describe(target))
      const createdAt = now()
      db.prepare(
        'INSERT INTO workspace_info (singleton, workspace_id, created_at, created_with_version) VALUES (1, ?, ?, ?)',
      ).run(randomUUID(), createdAt, options.appVersion)
      db.prepare('INSERT INTO activity_log (at, kind, message) VALUES (?, ?, ?)').run(
        createdAt,
        'workspace-created',
        `Workspace created by Leafbridge ${options.appVersion}.`,
      )
      db.close()
      linkSync(temp, target)
    } catch (error) {
      if (db.open) db.close()
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new AppError({ code: 'workspace-exists', kind: 'fatal', message: `${target} already exists.` })
      }
      throw error
    } finally {
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(temp + suffix)) unlinkSync(temp + suffix)
      }
    }
    return Workspace.open(target, options)
  }

  /** Opens a workspace for writing, upgrading its schema when it is older than this build. */
  static open(path: string, options: WorkspaceOptions): Workspace {
    const target = resolve(path)
    if (!existsSync(target)) openExisting(target, true, options.nativeBinding) // throws the clear not-found error
    const release = acquireWriteLock(target)
    let db: SqliteDatabase | null = null
    try {
      db = openExisting(target, false, options.nativeBinding)
      const clock = options.clock ?? systemClock
      const now = () => new Date(clock.now()).toISOString()
      const applied = migrate(db, MIGRATIONS, now, describe(target))
      readInfo(db, target)
      const workspace = new Workspace(target, db, clock, release)
      if (applied.length > 0) {
        workspace.logActivity(
          'workspace-upgraded',
          `Workspace schema upgraded to ${LATEST_SCHEMA_VERSION}.`,
          {
            applied,
          },
        )
      }
      return workspace
    } catch (error) {
      db?.close()
      release()
      throw error
    }
  }

  /** Reads a workspace's summary without writing to it or upgrading it (no lock needed). */
  static inspect(path: string, options: Pick<WorkspaceOptions, 'nativeBinding'> = {}): WorkspaceSummary {
    const target = resolve(path)
    const db = openExisting(target, true, options.nativeBinding)
    try {
      checkHistory(readApplied(db), MIGRATIONS, describe(target))
      return summarise(db, target)
    } finally {
      db.close()
    }
  }

  /** The connection, for repositories under engine/workspace only. */
  get database(): SqliteDatabase {
    this.#assertOpen()
    return this.#db
  }

  get isOpen(): boolean {
    return !this.#closed
  }

  summary(): WorkspaceSummary {
    this.#assertOpen()
    return summarise(this.#db, this.path)
  }

  /** Appends an operator-visible entry to the workspace's activity log. */
  logActivity(kind: string, message: string, details?: Readonly<Record<string, unknown>>): void {
    this.#assertOpen()
    this.#db
      .prepare('INSERT INTO activity_log (at, kind, message, details) VALUES (?, ?, ?, ?)')
      .run(new Date(this.#clock.now()).toISOString(), kind, message, details ? JSON.stringify(details) : null)
  }

  /**
   * Copies the live workspace to `destination` page by page with SQLite's online backup, so the
   * copy is consistent even while the workspace is in use (never a raw file copy).
   */
  async backup(
    destination: string,
    options: Readonly<{
      signal?: AbortSignal
      onProgress?: (copiedPages: number, totalPages: number) => void
    }> = {},
  ): Promise<{ path: string; bytes: number }> {
    this.#assertOpen()
    const target = resolve(destination)
    if (existsSync(target)) {
      throw new AppError({
        code: 'destination-exists',
        kind: 'fatal',
        message: `${target} already exists; choose a new file name for the backup.`,
      })
    }
    if (!existsSync(dirname(target))) {
      throw new AppError({
        code: 'directory-not-found',
        kind: 'fatal',
        message: `The folder ${dirname(target)} does not exist.`,
      })
    }
    try {
      await this.#db.backup(target, {
        progress: ({ totalPages, remainingPages }) => {
          if (options.signal?.aborted) throw new CancelledError()
          options.onProgress?.(totalPages - remainingPages, totalPages)
          return 64
        },
      })
    } catch (error) {
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(target + suffix)) unlinkSync(target + suffix)
      throw error
    }
    this.logActivity('workspace-backup', `Backup written to ${target}.`)
    return { path: target, bytes: statSync(target).size }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    try {
      this.#db.close()
    } finally {
      this.#release()
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new AppError({
        code: 'workspace-closed',
        kind: 'bug',
        message: `${this.path} was used after it was closed.`,
      })
    }
  }
}
