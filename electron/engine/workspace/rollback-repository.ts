/**
 * What rollback reads from and writes to the run journal (migration 0004). A rollback is a run of
 * kind `rollback` that names the migrate run it undoes; its steps are intents and outcomes like
 * the loader's (intent committed before the call, outcome after), so an interrupted rollback
 * resumes from its own journal. A record it deletes leaves the id map in the same transaction as
 * the outcome, so a later run creates it again instead of taking it for present.
 */
import type { Statement } from 'better-sqlite3'
import type { SqliteDatabase } from './sqlite'
import type { Workspace } from './workspace'

/** A run row as rollback needs it. */
export type RollbackRunRow = Readonly<{
  runId: string
  runNo: number
  kind: 'migrate' | 'rollback'
  undoesRunId: string | null
  targetUrl: string
  status: 'running' | 'finished' | 'failed' | 'cancelled'
  startedAt: string
  finishedAt: string | null
  mapping: unknown
}>

/** One intent of a run with its outcome (null while unknown), in the shape rollback-plan reads. */
export type JournalEntryRow = Readonly<{
  seq: number
  phase: string
  step: string
  table: string
  entitySet: string
  operation: 'upsert' | 'create' | 'update' | 'action' | 'delete'
  sourceKey: string
  targetId: string | null
  existed: boolean | null
  beforeImage: unknown
  request: unknown
  outcome: Readonly<{ status: 'applied' | 'failed'; verdict: string; targetId: string | null }> | null
}>

/** One rollback step to journal. */
export type RollbackIntent = Readonly<{
  step: 'reopen' | 'restore' | 'delete'
  table: string
  entitySet: string
  sourceKey: string
  targetId: string | null
  request: Readonly<{ method: string; path: string; body?: unknown }>
}>

/** Its outcome. `forget` removes the record from the id map (an applied delete). */
export type RollbackOutcome = Readonly<{
  intentId: number
  status: 'applied' | 'failed'
  verdict: 'ok' | 'absent' | 'fatal' | 'retriable' | 'skippable'
  httpStatus: number | null
  code: string | null
  message: string | null
  forget: Readonly<{ table: string; sourceKey: string }> | null
}>

type RawRun = {
  run_id: string
  run_no: number
  kind: 'migrate' | 'rollback'
  undoes_run_id: string | null
  target_url: string
  status: RollbackRunRow['status']
  started_at: string
  finished_at: string | null
  mapping: string
}

const toRun = (r: RawRun): RollbackRunRow => ({
  runId: r.run_id,
  runNo: r.run_no,
  kind: r.kind,
  undoesRunId: r.undoes_run_id,
  targetUrl: r.target_url,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  mapping: JSON.parse(r.mapping) as unknown,
})

type RawEntry = {
  seq: number
  phase: string
  step: string
  table_name: string
  entity_set: string
  operation: JournalEntryRow['operation']
  source_key: string
  target_id: string | null
  existed: number | null
  before_image: string | null
  request: string
  o_status: 'applied' | 'failed' | null
  o_verdict: string | null
  o_target_id: string | null
}

export class RollbackRepository {
  readonly #db: SqliteDatabase
  readonly #now: () => string
  readonly #statements = new Map<string, Statement>()

  constructor(workspace: Workspace, now: () => string) {
    this.#db = workspace.database
    this.#now = now
  }

  #stmt(sql: string): Statement {
    let s = this.#statements.get(sql)
    if (s === undefined) {
      s = this.#db.prepare(sql)
      this.#statements.set(sql, s)
    }
    return s
  }

  /** Migrate runs against `targetUrl` that no finished rollback has undone, newest first. */
  runsToUndo(targetUrl: string): ReadonlyArray<RollbackRunRow> {
    return (
      this.#stmt(
        `SELECT * FROM run m WHERE m.kind = 'migrate' AND m.target_url = ?
           AND NOT EXISTS (SELECT 1 FROM run r WHERE r.kind = 'rollback' AND r.undoes_run_id = m.run_id
                           AND r.status = 'finished')
         ORDER BY m.run_no DESC`,
      ).all(targetUrl) as RawRun[]
    ).map(toRun)
  }

  /** The newest rollback of `runId` that did not finish (to resume), if any. */
  unfinishedRollback(runId: string): RollbackRunRow | undefined {
    const r = this.#stmt(
      `SELECT * FROM run WHERE kind = 'rollback' AND undoes_run_id = ? ORDER BY run_no DESC LIMIT 1`,
    ).get(runId) as RawRun | undefined
    return r === undefined || r.status === 'finished' ? undefined : toRun(r)
  }

  /** Every intent of a run with its outcome, in seq order. */
  journal(runId: string): ReadonlyArray<JournalEntryRow> {
    const rows = this.#stmt(
      `SELECT i.seq, i.phase, i.step, i.table_name, i.entity_set, i.operation, i.source_key, i.target_id,
         i.existed, i.before_image, i.request, o.status AS o_status, o.verdict AS o_verdict,
         o.target_id AS o_target_id
       FROM journal_intent i LEFT JOIN journal_outcome o ON o.intent_id = i.intent_id
       WHERE i.run_id = ? ORDER BY i.seq`,
    ).all(runId) as RawEntry[]
    return rows.map((r) => ({
      seq: r.seq,
      phase: r.phase,
      step: r.step,
      table: r.table_name,
      entitySet: r.entity_set,
      operation: r.operation,
      sourceKey: r.source_key,
      targetId: r.target_id,
      existed: r.existed === null ? null : r.existed === 1,
      beforeImage: r.before_image === null ? null : (JSON.parse(r.before_image) as unknown),
      request: JSON.parse(r.request) as unknown,
      outcome:
        r.o_status === null
          ? null
          : { status: r.o_status, verdict: r.o_verdict ?? '', targetId: r.o_target_id },
    }))
  }

  /** `${table}\u0000${sourceKey}` of every record the id map says `runId` created. */
  createdBy(runId: string): ReadonlySet<string> {
    const rows = this.#stmt(
      'SELECT table_name AS t, source_key AS k FROM id_map WHERE created_by_run = ?',
    ).all(runId) as Array<{ t: string; k: string }>
    return new Set(rows.map((r) => `${r.t}\u0000${r.k}`))
  }

  /** Steps a rollback run already applied: `${step}\u0000${table}\u0000${sourceKey}`. */
  appliedSteps(rollbackRunId: string): ReadonlySet<string> {
    const rows = this.#stmt(
      `SELECT i.step AS s, i.table_name AS t, i.source_key AS k FROM journal_intent i
       JOIN journal_outcome o ON o.intent_id = i.intent_id WHERE i.run_id = ? AND o.status = 'applied'`,
    ).all(rollbackRunId) as Array<{ s: string; t: string; k: string }>
    return new Set(rows.map((r) => `${r.s}\u0000${r.t}\u0000${r.k}`))
  }

  /** Starts a rollback of `undone`, carrying its target and mapping. */
  createRollback(runId: string, undone: RollbackRunRow): RollbackRunRow {
    const at = this.#now()
    this.#db.transaction(() => {
      const next = (this.#stmt('SELECT coalesce(max(run_no), 0) + 1 AS n FROM run').get() as { n: number }).n
      this.#stmt(
        `INSERT INTO run (run_id, run_no, kind, undoes_run_id, target_url, import_id, phases, users, mapping,
           mapping_sha256, status, started_at, updated_at)
         SELECT ?, ?, 'rollback', run_id, target_url, import_id, '["rollback"]', 1, mapping, mapping_sha256,
           'running', ?, ? FROM run WHERE run_id = ?`,
      ).run(runId, next, at, at, undone.runId)
    })()
    return this.#get(runId)
  }

  /** Marks an interrupted rollback as running again. */
  resumeRollback(runId: string): void {
    this.#stmt(
      `UPDATE run SET status = 'running', resumes = resumes + 1, updated_at = ?, finished_at = NULL, error = NULL
       WHERE run_id = ?`,
    ).run(this.#now(), runId)
  }

  setStatus(runId: string, status: RollbackRunRow['status'], summary: unknown, error: unknown = null): void {
    const at = this.#now()
    this.#stmt(
      `UPDATE run SET status = ?, updated_at = ?, finished_at = CASE WHEN ? = 'running' THEN NULL ELSE ? END,
         summary = ?, error = ? WHERE run_id = ?`,
    ).run(
      status,
      at,
      status,
      at,
      JSON.stringify(summary),
      error === null ? null : JSON.stringify(error),
      runId,
    )
  }

  #get(runId: string): RollbackRunRow {
    return toRun(this.#stmt('SELECT * FROM run WHERE run_id = ?').get(runId) as RawRun)
  }

  /** Commits the intents of one call in one transaction, numbered after the run's last; returns their ids. */
  recordIntents(runId: string, intents: ReadonlyArray<RollbackIntent>): ReadonlyArray<number> {
    const at = this.#now()
    return this.#db.transaction(() => {
      let seq = (
        this.#stmt('SELECT coalesce(max(seq), 0) AS s FROM journal_intent WHERE run_id = ?').get(runId) as {
          s: number
        }
      ).s
      const callId =
        (this.#stmt('SELECT coalesce(max(call_id), 0) AS c FROM journal_intent').get() as { c: number }).c + 1
      const insert = this.#stmt(
        `INSERT INTO journal_intent (run_id, seq, phase, step, table_name, entity_set, operation, source_key,
           parent_key, target_id, existed, before_image, request, call_id, at)
         VALUES (?, ?, 'rollback', ?, ?, ?, ?, ?, NULL, ?, 1, NULL, ?, ?, ?)`,
      )
      return intents.map((i) => {
        seq += 1
        return Number(
          insert.run(
            runId,
            seq,
            i.step,
            i.table,
            i.entitySet,
            i.step === 'delete' ? 'delete' : 'update',
            i.sourceKey,
            i.targetId,
            JSON.stringify(i.request),
            callId,
            at,
          ).lastInsertRowid,
        )
      })
    })()
  }

  /** Appends outcomes and drops deleted records from the id map, in one transaction. */
  recordOutcomes(runId: string, outcomes: ReadonlyArray<RollbackOutcome>): void {
    const at = this.#now()
    const insert = this.#stmt(
      `INSERT INTO journal_outcome (intent_id, run_id, status, target_id, etag, verdict, http_status, code, message,
         settled_by, at) VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, ?, 'response', ?)`,
    )
    const forget = this.#stmt('DELETE FROM id_map WHERE table_name = ? AND source_key = ?')
    this.#db.transaction(() => {
      for (const o of outcomes) {
        insert.run(o.intentId, runId, o.status, o.verdict, o.httpStatus, o.code, o.message, at)
        if (o.forget !== null) forget.run(o.forget.table, o.forget.sourceKey)
      }
    })()
  }
}
