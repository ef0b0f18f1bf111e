/**
 * Verify's tables (migration 0006) and the read-only questions verify asks of the run journal
 * (migration 0004): the latest outcome of every record's load, what the run skipped on purpose,
 * and the id map.
 */
import type { Statement } from 'better-sqlite3'
import type { MismatchView, TableReconciliation } from '../../shared/dto/verify'
import type { SqliteDatabase } from './sqlite'
import type { Workspace } from './workspace'

export type VerifyPassRow = Readonly<{
  verifyId: number
  runId: string
  targetUrl: string
  status: 'running' | 'finished' | 'failed' | 'cancelled'
  startedAt: string
  finishedAt: string | null
  summary: unknown
  reportsDir: string | null
  error: unknown
}>

type RawPass = {
  verify_id: number
  run_id: string
  target_url: string
  status: VerifyPassRow['status']
  started_at: string
  finished_at: string | null
  summary: string | null
  reports_dir: string | null
  error: string | null
}

const toPass = (r: RawPass): VerifyPassRow => ({
  verifyId: r.verify_id,
  runId: r.run_id,
  targetUrl: r.target_url,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  summary: r.summary === null ? null : (JSON.parse(r.summary) as unknown),
  reportsDir: r.reports_dir,
  error: r.error === null ? null : (JSON.parse(r.error) as unknown),
})

type RawMismatch = {
  table_name: string
  source_key: string
  target_id: string | null
  column_name: string
  field: string
  reason: MismatchView['reason']
  expected: string
  actual: string
}

const toMismatch = (r: RawMismatch): MismatchView => ({
  table: r.table_name,
  sourceKey: r.source_key,
  targetId: r.target_id,
  column: r.column_name,
  field: r.field,
  reason: r.reason,
  expected: r.expected,
  actual: r.actual,
})

/** A migrate run as verify reads it. */
export type VerifiedRun = Readonly<{
  runId: string
  runNo: number
  importId: number | null
  mapping: unknown
  status: string
}>

/** The latest load outcome of a record in a run. */
export type LoadStatus = 'applied' | 'failed'

/** Verify's view of the workspace. One writer, as for every repository. */
export class VerifyRepository {
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

  // ---- passes ----------------------------------------------------------------------------------

  createPass(runId: string, targetUrl: string, at: string): number {
    return Number(
      this.#stmt(
        `INSERT INTO verify_pass (run_id, target_url, status, started_at) VALUES (?, ?, 'running', ?)`,
      ).run(runId, targetUrl, at).lastInsertRowid,
    )
  }

  finishPass(
    verifyId: number,
    status: Exclude<VerifyPassRow['status'], 'running'>,
    at: string,
    extra: Readonly<{ summary?: unknown; reportsDir?: string | null; error?: unknown }> = {},
  ): void {
    this.#stmt(
      `UPDATE verify_pass SET status = ?, finished_at = ?, summary = coalesce(?, summary),
         reports_dir = coalesce(?, reports_dir), error = ? WHERE verify_id = ?`,
    ).run(
      status,
      at,
      extra.summary === undefined ? null : JSON.stringify(extra.summary),
      extra.reportsDir ?? null,
      extra.error === undefined || extra.error === null ? null : JSON.stringify(extra.error),
      verifyId,
    )
  }

  setReportsDir(verifyId: number, dir: string, summary: unknown): void {
    this.#stmt('UPDATE verify_pass SET reports_dir = ?, summary = ? WHERE verify_id = ?').run(
      dir,
      JSON.stringify(summary),
      verifyId,
    )
  }

  getPass(verifyId: number): VerifyPassRow | undefined {
    const r = this.#stmt('SELECT * FROM verify_pass WHERE verify_id = ?').get(verifyId) as RawPass | undefined
    return r === undefined ? undefined : toPass(r)
  }

  /** The newest finished pass (of one run, or of any). */
  latestFinishedPass(runId?: string): VerifyPassRow | undefined {
    const r = (
      runId === undefined
        ? this.#stmt(
            "SELECT * FROM verify_pass WHERE status = 'finished' ORDER BY verify_id DESC LIMIT 1",
          ).get()
        : this.#stmt(
            "SELECT * FROM verify_pass WHERE status = 'finished' AND run_id = ? ORDER BY verify_id DESC LIMIT 1",
          ).get(runId)
    ) as RawPass | undefined
    return r === undefined ? undefined : toPass(r)
  }

  // ---- mismatches ------------------------------------------------------------------------------

  /** Appends mismatches in one transaction, numbering them after those already stored. */
  addMismatches(verifyId: number, mismatches: ReadonlyArray<MismatchView>): void {
    if (mismatches.length === 0) return
    const start = (
      this.#stmt('SELECT coalesce(max(seq), 0) AS s FROM verify_mismatch WHERE verify_id = ?').get(
        verifyId,
      ) as {
        s: number
      }
    ).s
    const insert = this.#stmt(
      `INSERT INTO verify_mismatch (verify_id, seq, table_name, source_key, target_id, column_name, field, reason,
         expected, actual) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.#db.transaction(() => {
      mismatches.forEach((m, i) =>
        insert.run(
          verifyId,
          start + i + 1,
          m.table,
          m.sourceKey,
          m.targetId,
          m.column,
          m.field,
          m.reason,
          m.expected,
          m.actual,
        ),
      )
    })()
  }

  /** One page of a pass's mismatches, optionally of one table, in the order they were found. */
  mismatchPage(
    verifyId: number,
    offset: number,
    limit: number,
    table: string | null,
  ): Readonly<{ total: number; rows: ReadonlyArray<MismatchView> }> {
    const total = (
      (table === null
        ? this.#stmt('SELECT count(*) AS n FROM verify_mismatch WHERE verify_id = ?').get(verifyId)
        : this.#stmt('SELECT count(*) AS n FROM verify_mismatch WHERE verify_id = ? AND table_name = ?').get(
            verifyId,
            table,
          )) as { n: number }
    ).n
    const rows = (
      table === null
        ? this.#stmt('SELECT * FROM verify_mismatch WHERE verify_id = ? ORDER BY seq LIMIT ? OFFSET ?').all(
            verifyId,
            limit,
            offset,
          )
        : this.#stmt(
            'SELECT * FROM verify_mismatch WHERE verify_id = ? AND table_name = ? ORDER BY seq LIMIT ? OFFSET ?',
          ).all(verifyId, table, limit, offset)
    ) as RawMismatch[]
    return { total, rows: rows.map(toMismatch) }
  }

  /** Every mismatch of a pass, in order, without holding them all (report files). */
  *iterateMismatches(verifyId: number): Generator<MismatchView> {
    const rows = this.#db
      .prepare('SELECT * FROM verify_mismatch WHERE verify_id = ? ORDER BY seq')
      .iterate(verifyId) as Iterable<RawMismatch>
    for (const r of rows) yield toMismatch(r)
  }

  // ---- the run's journal, read only ------------------------------------------------------------

  /** The newest migrate run against `targetUrl` that no finished rollback has undone. */
  latestMigrateRun(targetUrl: string): VerifiedRun | undefined {
    const r = this.#stmt(
      `SELECT run_id AS runId, run_no AS runNo, import_id AS importId, mapping, status FROM run m
       WHERE m.kind = 'migrate' AND m.target_url = ?
         AND NOT EXISTS (SELECT 1 FROM run r WHERE r.kind = 'rollback' AND r.undoes_run_id = m.run_id
                         AND r.status = 'finished')
       ORDER BY m.run_no DESC LIMIT 1`,
    ).get(targetUrl) as (Omit<VerifiedRun, 'mapping'> & { mapping: string }) | undefined
    return r === undefined ? undefined : { ...r, mapping: JSON.parse(r.mapping) as unknown }
  }

  /** The run of a pass. */
  runNoOf(runId: string): number | undefined {
    const r = this.#stmt('SELECT run_no AS n FROM run WHERE run_id = ?').get(runId) as
      { n: number } | undefined
    return r?.n
  }

  /**
   * The latest outcome of each record's own write in a run (upserts and creates, the load of a
   * record; not parent links, state changes or child rows), by `${table}\u0000${sourceKey}`.
   */
  loadOutcomes(runId: string): ReadonlyMap<string, LoadStatus> {
    const rows = this.#stmt(
      `SELECT i.table_name AS t, i.source_key AS k, o.status AS s FROM journal_intent i
       JOIN journal_outcome o ON o.intent_id = i.intent_id
       WHERE i.run_id = ? AND i.operation IN ('upsert', 'create') ORDER BY i.seq`,
    ).all(runId) as Array<{ t: string; k: string; s: LoadStatus }>
    const out = new Map<string, LoadStatus>()
    for (const r of rows) {
      // Once applied, a later failed retry of the same record does not undo the write.
      if (out.get(`${r.t}\u0000${r.k}`) === 'applied') continue
      out.set(`${r.t}\u0000${r.k}`, r.s)
    }
    return out
  }

  /** Records the run did not send on purpose (oversized files, missing binaries), by table. */
  skippedKeys(runId: string): ReadonlyMap<string, ReadonlySet<string>> {
    const rows = this.#stmt('SELECT table_name AS t, source_key AS k FROM run_skip WHERE run_id = ?').all(
      runId,
    ) as Array<{ t: string; k: string }>
    const out = new Map<string, Set<string>>()
    for (const r of rows) {
      let set = out.get(r.t)
      if (set === undefined) out.set(r.t, (set = new Set()))
      set.add(r.k)
    }
    return out
  }

  /** The id map of one table: source key → target id and whether a Leafbridge run created it. */
  idMap(table: string): ReadonlyMap<string, Readonly<{ id: string; created: boolean }>> {
    const rows = this.#stmt(
      'SELECT source_key AS k, target_id AS id, created_by_run AS c FROM id_map WHERE table_name = ?',
    ).all(table) as Array<{ k: string; id: string; c: string | null }>
    return new Map(rows.map((r) => [r.k, { id: r.id, created: r.c !== null }]))
  }
}

/** The reconciliation rows stored in a pass's summary. */
export type StoredSummary = Readonly<{ reconciliation: ReadonlyArray<TableReconciliation> }>
