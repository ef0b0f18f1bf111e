/**
 * Read-only queries the loader's source view needs over the staged tables (migration 0002): the
 * current version of every record (the delta heads, else the latest finished import), and the ui
 * flavour's association references. Staging owns these tables; this file only reads them.
 */
import type { Statement } from 'better-sqlite3'
import type { SqliteDatabase } from './sqlite'
import type { Workspace } from './workspace'

/** The import whose export the run reads files from, and its flavour. */
export type SourceImport = Readonly<{
  importId: number
  location: string
  flavour: 'api' | 'ui'
  timezone: string
  portalId: string | null
}>

/** A current staged record. `data` is the JSON of its normalised values by api column name. */
export type CurrentRecord = Readonly<{ recordId: number; sourceId: string; archived: boolean; data: string }>

/** One ui association reference: a record's `Associated … IDs` cell entry. */
export type UiReference = Readonly<{ sourceId: string; column: string; target: string; targetId: string }>

/** Records read per query. */
const PAGE = 2000

export class RunSourceRepository {
  readonly #db: SqliteDatabase
  readonly #statements = new Map<string, Statement>()
  #useHeads: boolean | null = null

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

  /** The newest finished import, or undefined when nothing was staged. */
  latestImport(): SourceImport | undefined {
    const r = this.#stmt(
      `SELECT import_id AS importId, location, flavour, timezone, portal_id AS portalId FROM source_import
       WHERE status = 'finished' ORDER BY import_id DESC LIMIT 1`,
    ).get() as SourceImport | undefined
    return r
  }

  /** Are the delta heads filled (every finished import advances them)? */
  #heads(): boolean {
    this.#useHeads ??=
      (this.#stmt("SELECT count(*) AS n FROM record_head WHERE state = 'present'").get() as { n: number }).n >
      0
    return this.#useHeads
  }

  /**
   * The current records of one object, in record order: the delta heads that are present (the
   * latest version of each record over every import), else the rows of `importId`. Read a page at
   * a time, so no query is open while the caller writes the journal between records.
   */
  *current(object: string, importId: number, includeArchived: boolean): Generator<CurrentRecord> {
    const page = this.#heads()
      ? this.#stmt(
          `SELECT s.record_id AS recordId, s.source_id AS sourceId, s.archived AS archived, s.data AS data
           FROM record_head h JOIN staged_record s ON s.record_id = h.record_id
           WHERE h.object = ? AND h.state = 'present' AND (? = 1 OR s.archived = 0) AND s.record_id > ?
           ORDER BY s.record_id LIMIT ?`,
        )
      : this.#stmt(
          `SELECT record_id AS recordId, source_id AS sourceId, archived, data FROM staged_record
           WHERE object = ? AND import_id = ${Number(importId)} AND (? = 1 OR archived = 0) AND record_id > ?
           ORDER BY record_id LIMIT ?`,
        )
    let after = 0
    for (;;) {
      const rows = page.all(object, includeArchived ? 1 : 0, after, PAGE) as Array<{
        recordId: number
        sourceId: string
        archived: number
        data: string
      }>
      for (const r of rows)
        yield { recordId: r.recordId, sourceId: r.sourceId, archived: r.archived === 1, data: r.data }
      if (rows.length < PAGE) return
      after = rows[rows.length - 1]!.recordId
    }
  }

  /** How many current records an object has. */
  countCurrent(object: string, importId: number, includeArchived: boolean): number {
    const r = this.#heads()
      ? this.#stmt(
          `SELECT count(*) AS n FROM record_head h JOIN staged_record s ON s.record_id = h.record_id
           WHERE h.object = ? AND h.state = 'present' AND (? = 1 OR s.archived = 0)`,
        ).get(object, includeArchived ? 1 : 0)
      : this.#stmt(
          `SELECT count(*) AS n FROM staged_record WHERE import_id = ? AND object = ? AND (? = 1 OR archived = 0)`,
        ).get(importId, object, includeArchived ? 1 : 0)
    return (r as { n: number }).n
  }

  /** Ids of current records of an object that are archived (excluded unless the mapping includes them). */
  *archivedIds(object: string, importId: number): Generator<string> {
    for (const r of this.current(object, importId, true)) if (r.archived) yield r.sourceId
  }

  /**
   * ui flavour: the `Associated … IDs` references of an object's current records whose column
   * starts with `columnPrefix` (the staging writer records each cell entry in staged_ref).
   */
  *uiReferences(object: string, importId: number, columnPrefix: string): Generator<UiReference> {
    const rows = (
      this.#heads()
        ? this.#stmt(
            `SELECT s.source_id AS sourceId, r.column_name AS "column", r.target AS target, r.target_id AS targetId
             FROM record_head h JOIN staged_record s ON s.record_id = h.record_id
             JOIN staged_ref r ON r.record_id = s.record_id
             WHERE h.object = ? AND h.state = 'present' AND r.column_name LIKE ? ORDER BY s.record_id`,
          ).all(object, `${columnPrefix}%`)
        : this.#stmt(
            `SELECT s.source_id AS sourceId, r.column_name AS "column", r.target AS target, r.target_id AS targetId
             FROM staged_record s JOIN staged_ref r ON r.record_id = s.record_id
             WHERE s.import_id = ? AND s.object = ? AND r.column_name LIKE ? ORDER BY s.record_id`,
          ).all(importId, object, `${columnPrefix}%`)
    ) as UiReference[]
    yield* rows
  }
}
