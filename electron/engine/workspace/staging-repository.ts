/**
 * The staging tables of migration 0002 behind one repository: imports, files, staged records,
 * quarantined rows, references, keys, findings, profiles and the delta state.
 *
 * Writes use prepared statements inside large explicit transactions (`begin`/`commit`), which is
 * what makes staging a million rows cheap; the engine is the single writer (STYLE.md §5).
 */
import type BetterSqlite3 from 'better-sqlite3'
import type { SqliteDatabase } from './sqlite'
import type { Workspace } from './workspace'

/** One import as stored. */
export type ImportRow = Readonly<{
  importId: number
  location: string
  container: 'folder' | 'zip'
  flavour: 'api' | 'ui'
  flavourOrigin: 'manifest' | 'inferred' | 'operator'
  timezone: string
  portalId: string | null
  exportId: string | null
  exportKind: 'full' | 'incremental'
  partial: boolean
  exportedAt: string | null
  status: 'running' | 'finished' | 'failed' | 'cancelled'
  startedAt: string
  finishedAt: string | null
  summary: unknown
}>

/** What a new import records at its start. */
export type NewImport = Omit<ImportRow, 'importId' | 'status' | 'finishedAt' | 'summary'> &
  Readonly<{ manifest: unknown }>

/** One physical file's accounting. */
export type FileRow = Readonly<{
  path: string
  object: string
  format: 'csv' | 'xlsx' | 'json'
  part: number | null
  encoding: string | null
  declaredEncoding: string | null
  bytes: number
  sha256: string
  header: ReadonlyArray<string> | null
  /** The data keys its rows may hold (CSV, XLSX); null for JSON documents. */
  columns: ReadonlyArray<string> | null
  rowsRead: number
  staged: number
  quarantined: number
  skipped: number
}>

/** A record to stage. */
export type NewStagedRecord = Readonly<{
  object: string
  sourceId: string
  file: string
  row: number
  line: number
  origin: 'file' | 'synthesised'
  archived: boolean
  updatedAt: string | null
  /** JSON of the normalised values. */
  data: string
  raw: string
  contentHash: string
  /** JSON array of warnings, or null. */
  warnings: string | null
}>

/** A staged record as read back. */
export type StagedRow = Readonly<{
  recordId: number
  object: string
  sourceId: string
  file: string
  row: number
  line: number
  origin: 'file' | 'synthesised'
  archived: boolean
  updatedAt: string | null
  data: string
  raw: string
  contentHash: string
  warnings: string | null
}>

/** A row to quarantine. */
export type NewQuarantinedRow = Readonly<{
  object: string
  file: string
  row: number | null
  line: number | null
  sourceId: string | null
  reason: string
  defect: string | null
  message: string
  raw: string
}>

/** A quarantined row as read back. */
export type QuarantinedRowData = NewQuarantinedRow & Readonly<{ quarantineId: number }>

/** A file- or record-level finding kept beside the rows. */
export type NewFinding = Readonly<{
  code: string
  file: string | null
  row: number | null
  column: string | null
  raw: string | null
  reason: string | null
  message: string
}>

type Statement = BetterSqlite3.Statement<unknown[], unknown>

const STAGED_COLUMNS = `record_id AS recordId, object, source_id AS sourceId, file, row, line, origin,
  archived, updated_at AS updatedAt, data, raw, content_hash AS contentHash, warnings`

const toStaged = (r: Record<string, unknown>): StagedRow => ({
  ...(r as StagedRow),
  archived: r['archived'] === 1,
})

/** The repository of one open workspace's staging tables. */
export class StagingRepository {
  readonly #db: SqliteDatabase
  readonly #statements = new Map<string, Statement>()

  constructor(workspace: Workspace) {
    this.#db = workspace.database
  }

  #stmt(sql: string): Statement {
    let s = this.#statements.get(sql)
    if (s === undefined) {
      s = this.#db.prepare(sql)
      this.#statements.set(sql, s)
    }
    return s
  }

  /**
   * Settings for a bulk load: an import that fails is discarded whole, so its batches need not be
   * durable one by one (synchronous=NORMAL keeps WAL consistency, only the last batches of a crash
   * are lost), and a larger page cache keeps the id index pages in memory. `endBulk` restores the
   * workspace's durability (STYLE.md §5: synchronous=FULL).
   */
  beginBulk(): void {
    this.#db.pragma('synchronous = NORMAL')
    this.#db.pragma('cache_size = -8192')
    // Checkpoint every 10,000 pages of WAL (160 MB at a workspace's 16 KiB pages) instead of every
    // 1,000: index pages rewritten by consecutive batches are copied to the database file once
    // rather than again and again.
    this.#db.pragma('wal_autocheckpoint = 10000')
  }

  endBulk(): void {
    this.commit()
    this.#db.pragma('synchronous = FULL')
    this.#db.pragma('cache_size = -2000')
    this.#db.pragma('wal_autocheckpoint = 1000')
    this.#db.pragma('wal_checkpoint(PASSIVE)')
  }

  /** Opens a write transaction (one writer; staging commits in large batches). */
  begin(): void {
    if (!this.#db.inTransaction) this.#db.exec('BEGIN IMMEDIATE')
  }

  commit(): void {
    if (this.#db.inTransaction) this.#db.exec('COMMIT')
  }

  rollback(): void {
    if (this.#db.inTransaction) this.#db.exec('ROLLBACK')
  }

  /** Runs `fn` in one transaction (committing any batch that was open). */
  transaction<T>(fn: () => T): T {
    this.commit()
    return this.#db.transaction(fn)()
  }

  // ---- imports and files ------------------------------------------------------------------

  createImport(i: NewImport): number {
    const result = this.#stmt(
      `INSERT INTO source_import (location, container, flavour, flavour_origin, timezone, portal_id, export_id,
         export_kind, partial, exported_at, manifest, status, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)`,
    ).run(
      i.location,
      i.container,
      i.flavour,
      i.flavourOrigin,
      i.timezone,
      i.portalId,
      i.exportId,
      i.exportKind,
      i.partial ? 1 : 0,
      i.exportedAt,
      i.manifest === null || i.manifest === undefined ? null : JSON.stringify(i.manifest),
      i.startedAt,
    )
    return Number(result.lastInsertRowid)
  }

  finishImport(importId: number, status: ImportRow['status'], finishedAt: string, summary: unknown): void {
    this.#stmt('UPDATE source_import SET status = ?, finished_at = ?, summary = ? WHERE import_id = ?').run(
      status,
      finishedAt,
      summary === null ? null : JSON.stringify(summary),
      importId,
    )
  }

  /** Removes everything an unfinished import wrote (its records cascade with it). */
  discardImportRows(importId: number): void {
    this.transaction(() => {
      for (const table of ['staged_ref', 'staged_key']) {
        this.#db.prepare(`DELETE FROM ${table} WHERE import_id = ?`).run(importId)
      }
      for (const table of [
        'staged_record',
        'quarantined_row',
        'source_finding',
        'staged_delta',
        'source_file',
      ]) {
        this.#db.prepare(`DELETE FROM ${table} WHERE import_id = ?`).run(importId)
      }
    })
  }

  getImport(importId: number): ImportRow | undefined {
    const r = this.#stmt(
      `SELECT import_id AS importId, location, container, flavour, flavour_origin AS flavourOrigin, timezone,
         portal_id AS portalId, export_id AS exportId, export_kind AS exportKind, partial, exported_at AS exportedAt,
         status, started_at AS startedAt, finished_at AS finishedAt, summary
       FROM source_import WHERE import_id = ?`,
    ).get(importId) as Record<string, unknown> | undefined
    if (r === undefined) return undefined
    return {
      ...(r as ImportRow),
      partial: r['partial'] === 1,
      summary: typeof r['summary'] === 'string' ? JSON.parse(r['summary']) : null,
    }
  }

  /** The newest finished import, or undefined. */
  latestFinishedImport(): ImportRow | undefined {
    const r = this.#stmt(
      "SELECT import_id AS id FROM source_import WHERE status = 'finished' ORDER BY import_id DESC LIMIT 1",
    ).get() as { id: number } | undefined
    return r === undefined ? undefined : this.getImport(r.id)
  }

  /** Finished imports before `importId`, newest first. */
  earlierFinishedImports(importId: number): ReadonlyArray<number> {
    return (
      this.#stmt(
        "SELECT import_id AS id FROM source_import WHERE status = 'finished' AND import_id < ? ORDER BY import_id DESC",
      ).all(importId) as Array<{ id: number }>
    ).map((r) => r.id)
  }

  recordFile(importId: number, f: FileRow): void {
    this.#stmt(
      `INSERT INTO source_file (import_id, path, object, format, part, encoding, declared_encoding, bytes, sha256,
         header, columns, rows_read, staged, quarantined, skipped)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (import_id, path) DO UPDATE SET rows_read = excluded.rows_read, staged = excluded.staged,
         quarantined = excluded.quarantined, skipped = excluded.skipped`,
    ).run(
      importId,
      f.path,
      f.object,
      f.format,
      f.part,
      f.encoding,
      f.declaredEncoding,
      f.bytes,
      f.sha256,
      f.header === null ? null : JSON.stringify(f.header),
      f.columns === null ? null : JSON.stringify(f.columns),
      f.rowsRead,
      f.staged,
      f.quarantined,
      f.skipped,
    )
  }

  /** Adjusts a file's staged and quarantined counts after a post-read move (D11, D21). */
  adjustFileCounts(importId: number, path: string, stagedDelta: number, quarantinedDelta: number): void {
    this.#stmt(
      'UPDATE source_file SET staged = staged + ?, quarantined = quarantined + ? WHERE import_id = ? AND path = ?',
    ).run(stagedDelta, quarantinedDelta, importId, path)
  }

  files(importId: number): ReadonlyArray<FileRow> {
    return (
      this.#stmt(
        `SELECT path, object, format, part, encoding, declared_encoding AS declaredEncoding, bytes, sha256, header,
           columns, rows_read AS rowsRead, staged, quarantined, skipped
         FROM source_file WHERE import_id = ? ORDER BY rowid`,
      ).all(importId) as Array<Record<string, unknown>>
    ).map((r) => ({
      ...(r as FileRow),
      header: typeof r['header'] === 'string' ? JSON.parse(r['header']) : null,
      columns: typeof r['columns'] === 'string' ? JSON.parse(r['columns']) : null,
    }))
  }

  // ---- staged records ----------------------------------------------------------------------

  /** Stages a record; returns its id, or null when the (object, source id) is already staged. */
  insertStaged(importId: number, r: NewStagedRecord): number | null {
    const result = this.#stmt(
      `INSERT INTO staged_record (import_id, object, source_id, file, row, line, origin, archived, updated_at, data,
         raw, content_hash, warnings)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (import_id, object, source_id) DO NOTHING`,
    ).run(
      importId,
      r.object,
      r.sourceId,
      r.file,
      r.row,
      r.line,
      r.origin,
      r.archived ? 1 : 0,
      r.updatedAt,
      r.data,
      r.raw,
      r.contentHash,
      r.warnings,
    )
    return result.changes === 0 ? null : Number(result.lastInsertRowid)
  }

  findStaged(importId: number, object: string, sourceId: string): StagedRow | undefined {
    const r = this.#stmt(
      `SELECT ${STAGED_COLUMNS} FROM staged_record WHERE import_id = ? AND object = ? AND source_id = ?`,
    ).get(importId, object, sourceId) as Record<string, unknown> | undefined
    return r === undefined ? undefined : toStaged(r)
  }

  getStaged(recordId: number): StagedRow | undefined {
    const r = this.#stmt(`SELECT ${STAGED_COLUMNS} FROM staged_record WHERE record_id = ?`).get(recordId) as
      Record<string, unknown> | undefined
    return r === undefined ? undefined : toStaged(r)
  }

  /** Which of `sourceIds` are staged as `object` (one query for a page of them). */
  stagedAmong(importId: number, object: string, sourceIds: ReadonlyArray<string>): ReadonlySet<string> {
    const rows = this.#stmt(
      `SELECT source_id AS id FROM staged_record WHERE import_id = ? AND object = ?
       AND source_id IN (SELECT value FROM json_each(?))`,
    ).all(importId, object, JSON.stringify(sourceIds)) as Array<{ id: string }>
    return new Set(rows.map((r) => r.id))
  }

  /** The lowest and highest record ids of one object's staged records, or null when it has none. */
  recordIdRange(importId: number, object: string): Readonly<{ lo: number; hi: number }> | null {
    const r = this.#stmt(
      'SELECT min(record_id) AS lo, max(record_id) AS hi FROM staged_record WHERE import_id = ? AND object = ?',
    ).get(importId, object) as { lo: number | null; hi: number | null }
    return r.lo === null || r.hi === null ? null : { lo: r.lo, hi: r.hi }
  }

  deleteStaged(recordId: number): void {
    this.#stmt('DELETE FROM staged_record WHERE record_id = ?').run(recordId)
  }

  /** Staged records of one object, in record order, a page at a time (after `afterRecordId`). */
  stagedPage(
    importId: number,
    object: string,
    afterRecordId: number,
    limit: number,
  ): ReadonlyArray<StagedRow> {
    return (
      this.#stmt(
        `SELECT ${STAGED_COLUMNS} FROM staged_record
         WHERE import_id = ? AND object = ? AND record_id > ? ORDER BY record_id LIMIT ?`,
      ).all(importId, object, afterRecordId, limit) as Array<Record<string, unknown>>
    ).map(toStaged)
  }

  /**
   * Ids and places of one object's staged records with ids in (`afterRecordId`, `upToRecordId`], a
   * page at a time (no values: cheap to scan). Paged by rowid range, NOT INDEXED: through the
   * object's index its entries would be sorted again for every page (0.5 s of the post-read checks
   * at 1M rows in bench:stage).
   */
  identityPage(
    importId: number,
    object: string,
    afterRecordId: number,
    upToRecordId: number,
    limit: number,
  ): ReadonlyArray<
    Readonly<{ recordId: number; sourceId: string; origin: string; file: string; row: number }>
  > {
    return this.#stmt(
      `SELECT record_id AS recordId, source_id AS sourceId, origin, file, row FROM staged_record NOT INDEXED
       WHERE record_id > ? AND record_id <= ? AND import_id = ? AND object = ? ORDER BY record_id LIMIT ?`,
    ).all(afterRecordId, upToRecordId, importId, object, limit) as Array<{
      recordId: number
      sourceId: string
      origin: string
      file: string
      row: number
    }>
  }

  /**
   * Appends warnings (a JSON array) to a record's warnings. A record without warnings, as most are,
   * takes the array as it is (the engine's own minified JSON) with no JSON parsed.
   */
  appendWarnings(recordId: number, warningsJson: string): void {
    this.#stmt(
      `UPDATE staged_record SET warnings = CASE WHEN warnings IS NULL THEN ? ELSE (
         SELECT json_group_array(json(value)) FROM (
           SELECT value FROM json_each(staged_record.warnings)
           UNION ALL SELECT value FROM json_each(?))) END
       WHERE record_id = ?`,
    ).run(warningsJson, warningsJson, recordId)
  }

  /** Sets one top-level key of a record's data (post-read normalisations: D17, D20). */
  setDataKey(recordId: number, key: string, valueJson: string): void {
    this.#stmt('UPDATE staged_record SET data = json_set(data, ?, json(?)) WHERE record_id = ?').run(
      `$.${key}`,
      valueJson,
      recordId,
    )
  }

  /** Staged counts per object. */
  stagedCounts(
    importId: number,
  ): ReadonlyArray<Readonly<{ object: string; staged: number; archived: number }>> {
    return this.#stmt(
      `SELECT object, count(*) AS staged, sum(archived) AS archived FROM staged_record WHERE import_id = ?
       GROUP BY object ORDER BY object`,
    ).all(importId) as Array<{ object: string; staged: number; archived: number }>
  }

  // ---- quarantine ----------------------------------------------------------------------------

  insertQuarantined(importId: number, q: NewQuarantinedRow): void {
    this.#stmt(
      `INSERT INTO quarantined_row (import_id, object, file, row, line, source_id, reason, defect, message, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(importId, q.object, q.file, q.row, q.line, q.sourceId, q.reason, q.defect, q.message, q.raw)
  }

  findQuarantined(importId: number, object: string, sourceId: string): ReadonlyArray<QuarantinedRowData> {
    return this.#stmt(
      `SELECT quarantine_id AS quarantineId, object, file, row, line, source_id AS sourceId, reason, defect, message, raw
       FROM quarantined_row WHERE import_id = ? AND object = ? AND source_id = ? ORDER BY quarantine_id`,
    ).all(importId, object, sourceId) as QuarantinedRowData[]
  }

  /** Moves a staged record to the quarantine with a reason (D11 orphan association, D21 replaced). */
  moveToQuarantine(recordId: number, reason: string, defect: string, message: string): StagedRow | undefined {
    const r = this.getStaged(recordId)
    if (r === undefined) return undefined
    const importId = (
      this.#stmt('SELECT import_id AS id FROM staged_record WHERE record_id = ?').get(recordId) as {
        id: number
      }
    ).id
    this.insertQuarantined(importId, {
      object: r.object,
      file: r.file,
      row: r.row,
      line: r.line,
      sourceId: r.sourceId,
      reason,
      defect,
      message,
      raw: r.raw,
    })
    this.deleteStaged(recordId)
    return r
  }

  quarantineByObject(importId: number): ReadonlyArray<Readonly<{ object: string; n: number }>> {
    return this.#stmt(
      'SELECT object, count(*) AS n FROM quarantined_row WHERE import_id = ? GROUP BY object ORDER BY object',
    ).all(importId) as Array<{ object: string; n: number }>
  }

  /** One page of quarantined rows, optionally of one reason. */
  quarantinePage(
    importId: number,
    offset: number,
    limit: number,
    reason: string | null,
  ): Readonly<{ total: number; rows: ReadonlyArray<QuarantinedRowData> }> {
    const where = reason === null ? 'import_id = ?' : 'import_id = ? AND reason = ?'
    const params: unknown[] = reason === null ? [importId] : [importId, reason]
    const total = (
      this.#stmt(`SELECT count(*) AS n FROM quarantined_row WHERE ${where}`).get(...params) as { n: number }
    ).n
    const rows = this.#stmt(
      `SELECT quarantine_id AS quarantineId, object, file, row, line, source_id AS sourceId, reason, defect, message, raw
       FROM quarantined_row WHERE ${where} ORDER BY quarantine_id LIMIT ? OFFSET ?`,
    ).all(...params, limit, offset) as QuarantinedRowData[]
    return { total, rows }
  }

  /** Every quarantined row of an import, in order, without holding them all (CSV export). */
  *iterateQuarantine(importId: number, pageSize = 1000): Generator<QuarantinedRowData> {
    let after = 0
    for (;;) {
      const rows = this.#stmt(
        `SELECT quarantine_id AS quarantineId, object, file, row, line, source_id AS sourceId, reason, defect, message, raw
         FROM quarantined_row WHERE import_id = ? AND quarantine_id > ? ORDER BY quarantine_id LIMIT ?`,
      ).all(importId, after, pageSize) as QuarantinedRowData[]
      if (rows.length === 0) return
      yield* rows
      after = rows[rows.length - 1]!.quarantineId
    }
  }

  // ---- references and keys -------------------------------------------------------------------

  insertRef(importId: number, recordId: number, column: string, target: string, targetId: string): void {
    this.#stmt(
      'INSERT INTO staged_ref (import_id, record_id, column_name, target, target_id) VALUES (?, ?, ?, ?, ?)',
    ).run(importId, recordId, column, target, targetId)
  }

  insertKey(importId: number, recordId: number, kind: string, key: string): void {
    this.#stmt('INSERT INTO staged_key (import_id, record_id, kind, key) VALUES (?, ?, ?, ?)').run(
      importId,
      recordId,
      kind,
      key,
    )
  }

  /**
   * References of staged records whose target is not staged under any of its target's objects
   * (`targets`: target → objects), with whether a quarantined row holds the target; one pass over
   * staged_ref. Stale references (of replaced or moved records) are ignored.
   */
  unresolvedRefs(
    importId: number,
    targets: Readonly<Record<string, ReadonlyArray<string>>>,
  ): ReadonlyArray<
    Readonly<{
      recordId: number
      object: string
      file: string
      row: number
      column: string
      target: string
      targetId: string
      quarantined: number
    }>
  > {
    const pairs = Object.entries(targets).flatMap(([target, objects]) =>
      objects.map((o) => [target, o] as const),
    )
    const values = pairs.map(() => '(?, ?)').join(', ')
    return this.#db
      .prepare(
        `WITH targets (target, object) AS (VALUES ${values})
         SELECT r.record_id AS recordId, s.object, s.file, s.row, r.column_name AS column, r.target AS target,
           r.target_id AS targetId,
           EXISTS (SELECT 1 FROM targets t JOIN quarantined_row q ON q.import_id = r.import_id AND q.object = t.object
                   AND q.source_id = r.target_id WHERE t.target = r.target) AS quarantined
         FROM staged_ref r JOIN staged_record s ON s.record_id = r.record_id
         WHERE r.import_id = ?
           AND NOT EXISTS (SELECT 1 FROM targets t JOIN staged_record x ON x.import_id = r.import_id
                           AND x.object = t.object AND x.source_id = r.target_id WHERE t.target = r.target)
         ORDER BY r.record_id`,
      )
      .all(...pairs.flat(), importId) as Array<{
      recordId: number
      object: string
      file: string
      row: number
      column: string
      target: string
      targetId: string
      quarantined: number
    }>
  }

  /** Groups of live (non-archived) contacts sharing one key of `kind`. */
  keyGroups(
    importId: number,
    kind: string,
    limit: number,
  ): ReadonlyArray<Readonly<{ key: string; n: number; recordIds: string }>> {
    return this.#stmt(
      `SELECT k.key AS key, count(DISTINCT k.record_id) AS n, group_concat(DISTINCT k.record_id) AS recordIds
       FROM staged_key k JOIN staged_record s ON s.record_id = k.record_id AND s.archived = 0
       WHERE k.import_id = ? AND k.kind = ? GROUP BY k.key HAVING count(DISTINCT k.record_id) > 1
       ORDER BY n DESC, k.key LIMIT ?`,
    ).all(importId, kind, limit) as Array<{ key: string; n: number; recordIds: string }>
  }

  countKeyGroups(importId: number, kind: string): Readonly<{ groups: number; records: number }> {
    return this.#stmt(
      `SELECT count(*) AS groups, coalesce(sum(n), 0) AS records FROM (
         SELECT count(DISTINCT k.record_id) AS n FROM staged_key k
         JOIN staged_record s ON s.record_id = k.record_id AND s.archived = 0
         WHERE k.import_id = ? AND k.kind = ? GROUP BY k.key HAVING count(DISTINCT k.record_id) > 1)`,
    ).get(importId, kind) as { groups: number; records: number }
  }

  // ---- findings and profile ---------------------------------------------------------------

  insertFinding(importId: number, f: NewFinding): void {
    this.#stmt(
      `INSERT INTO source_finding (import_id, code, file, row, column_name, raw, reason, message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(importId, f.code, f.file, f.row, f.column, f.raw, f.reason, f.message)
  }

  findings(importId: number): ReadonlyArray<NewFinding> {
    return this.#stmt(
      `SELECT code, file, row, column_name AS column, raw, reason, message FROM source_finding
       WHERE import_id = ? ORDER BY finding_id`,
    ).all(importId) as NewFinding[]
  }

  saveProfile(importId: number, createdAt: string, profile: unknown): void {
    this.#stmt(
      `INSERT INTO source_profile (import_id, created_at, profile) VALUES (?, ?, ?)
       ON CONFLICT (import_id) DO UPDATE SET created_at = excluded.created_at, profile = excluded.profile`,
    ).run(importId, createdAt, JSON.stringify(profile))
  }

  getProfile(importId: number): unknown {
    const r = this.#stmt('SELECT profile FROM source_profile WHERE import_id = ?').get(importId) as
      { profile: string } | undefined
    return r === undefined ? undefined : JSON.parse(r.profile)
  }

  /** Runs an aggregate query for the profile; `sql` is the engine's own text, never input. */
  query<T>(sql: string, ...params: unknown[]): T[] {
    return this.#stmt(sql).all(...params) as T[]
  }

  // ---- delta state ----------------------------------------------------------------------------

  /**
   * Classifies every record of `importId` against the heads (the state left by earlier imports)
   * into staged_delta, marks heads gone when `inferDeletions`, then moves the heads forward.
   * Returns the rows whose hash differs, for the caller's finer comparison (D41, new columns).
   */
  classifyAgainstHeads(importId: number): void {
    this.#db
      .prepare(
        `INSERT INTO staged_delta (import_id, object, source_id, change, record_id, previous_record_id)
         SELECT s.import_id, s.object, s.source_id,
           CASE WHEN h.record_id IS NULL OR h.state = 'gone' THEN 'new'
                WHEN h.content_hash = s.content_hash THEN 'unchanged' ELSE 'changed' END,
           s.record_id, h.record_id
         FROM staged_record s LEFT JOIN record_head h ON h.object = s.object AND h.source_id = s.source_id
         WHERE s.import_id = ?`,
      )
      .run(importId)
  }

  /** Changed rows with both versions, a page at a time. */
  changedPage(
    importId: number,
    afterRecordId: number,
    limit: number,
  ): ReadonlyArray<
    Readonly<{
      recordId: number
      previousRecordId: number
      data: string
      previousData: string
      updatedAt: string | null
      previousUpdatedAt: string | null
      file: string
      previousImportId: number
      previousFile: string
    }>
  > {
    return this.#stmt(
      `SELECT d.record_id AS recordId, d.previous_record_id AS previousRecordId, s.data, p.data AS previousData,
         s.updated_at AS updatedAt, p.updated_at AS previousUpdatedAt, s.file AS file,
         p.import_id AS previousImportId, p.file AS previousFile
       FROM staged_delta d JOIN staged_record s ON s.record_id = d.record_id
       JOIN staged_record p ON p.record_id = d.previous_record_id
       WHERE d.import_id = ? AND d.change = 'changed' AND d.record_id > ? ORDER BY d.record_id LIMIT ?`,
    ).all(importId, afterRecordId, limit) as Array<{
      recordId: number
      previousRecordId: number
      data: string
      previousData: string
      updatedAt: string | null
      previousUpdatedAt: string | null
      file: string
      previousImportId: number
      previousFile: string
    }>
  }

  setDeltaChange(importId: number, recordId: number, change: 'changed' | 'unchanged'): void {
    this.#stmt('UPDATE staged_delta SET change = ? WHERE import_id = ? AND record_id = ?').run(
      change,
      importId,
      recordId,
    )
  }

  /** Marks heads absent from this import as gone (a full, complete export), recording each in staged_delta. */
  markGone(importId: number): number {
    const result = this.#db
      .prepare(
        `INSERT INTO staged_delta (import_id, object, source_id, change, record_id, previous_record_id)
         SELECT ?, h.object, h.source_id, 'gone', NULL, h.record_id FROM record_head h
         WHERE h.state = 'present'
           AND NOT EXISTS (SELECT 1 FROM staged_record s WHERE s.import_id = ? AND s.object = h.object
                           AND s.source_id = h.source_id)
           AND NOT EXISTS (SELECT 1 FROM quarantined_row q WHERE q.import_id = ? AND q.object = h.object
                           AND q.source_id = h.source_id)`,
      )
      .run(importId, importId, importId)
    this.#db
      .prepare(
        `UPDATE record_head SET state = 'gone' WHERE EXISTS (SELECT 1 FROM staged_delta d WHERE d.import_id = ?
           AND d.change = 'gone' AND d.object = record_head.object AND d.source_id = record_head.source_id)`,
      )
      .run(importId)
    return result.changes
  }

  /** Has this import moved the delta state (record_head) forward? Recorded in its summary. */
  headsAdvanced(importId: number): boolean {
    const r = this.#stmt(
      "SELECT json_extract(coalesce(summary, '{}'), '$.headsAdvanced') AS done FROM source_import WHERE import_id = ?",
    ).get(importId) as { done: number | null } | undefined
    return r?.done === 1
  }

  markHeadsAdvanced(importId: number): void {
    this.#stmt(
      "UPDATE source_import SET summary = json_set(coalesce(summary, '{}'), '$.headsAdvanced', json('true')) WHERE import_id = ?",
    ).run(importId)
  }

  /** Moves every head to this import's version of its record. */
  advanceHeads(importId: number): void {
    this.#db
      .prepare(
        `INSERT INTO record_head (object, source_id, record_id, import_id, content_hash, updated_at, state)
         SELECT object, source_id, record_id, import_id, content_hash, updated_at, 'present' FROM staged_record
         WHERE import_id = ?
         ON CONFLICT (object, source_id) DO UPDATE SET record_id = excluded.record_id, import_id = excluded.import_id,
           content_hash = excluded.content_hash, updated_at = excluded.updated_at, state = 'present'`,
      )
      .run(importId)
  }

  deltaCounts(importId: number): ReadonlyArray<Readonly<{ object: string; change: string; n: number }>> {
    return this.#stmt(
      `SELECT object, change, count(*) AS n FROM staged_delta WHERE import_id = ? GROUP BY object, change
       ORDER BY object, change`,
    ).all(importId) as Array<{ object: string; change: string; n: number }>
  }

  /** The delta classification of one record (tests, the cutover delta). */
  deltaOf(importId: number, object: string, sourceId: string): string | undefined {
    const r = this.#stmt(
      'SELECT change FROM staged_delta WHERE import_id = ? AND object = ? AND source_id = ?',
    ).get(importId, object, sourceId) as { change: string } | undefined
    if (r !== undefined) return r.change
    // A baseline import (the first) keeps no rows: its staged records are all new.
    const baseline = this.earlierFinishedImports(importId).length === 0
    return baseline && this.findStaged(importId, object, sourceId) !== undefined ? 'new' : undefined
  }
}
