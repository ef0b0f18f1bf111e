/**
 * The run journal in the workspace (migration 0004): runs and their phases, intent rows committed
 * before every Dataverse call, outcome rows after it, the id map, and records a run did not send.
 *
 * Intents are written in one transaction per call and outcomes in another, so with
 * `synchronous = FULL` an intent is durable before its request leaves (STYLE.md §5).
 */
import type { Statement } from 'better-sqlite3'
import type { SqliteDatabase } from './sqlite'
import type { Workspace } from './workspace'

export type RunKind = 'migrate' | 'rollback'
export type RunStatus = 'running' | 'finished' | 'failed' | 'cancelled'
export type PhaseStatus = 'pending' | 'running' | 'done' | 'failed'
export type IntentOperation = 'upsert' | 'create' | 'update' | 'action' | 'delete'
export type OutcomeVerdict = 'ok' | 'fatal' | 'retriable' | 'skippable' | 'absent'

export type RunRow = Readonly<{
  runId: string
  runNo: number
  kind: RunKind
  undoesRunId: string | null
  targetUrl: string
  importId: number | null
  phases: ReadonlyArray<string>
  users: number
  mapping: unknown
  mappingSha256: string
  status: RunStatus
  startedAt: string
  updatedAt: string
  finishedAt: string | null
  resumes: number
  summary: unknown
  error: unknown
}>

export type NewRun = Readonly<{
  runId: string
  kind: RunKind
  undoesRunId?: string | null
  targetUrl: string
  importId: number | null
  phases: ReadonlyArray<string>
  users: number
  mapping: unknown
  mappingSha256: string
  at: string
}>

export type PhaseRow = Readonly<{
  phase: string
  position: number
  status: PhaseStatus
  expected: number
  startedAt: string | null
  finishedAt: string | null
}>

/** One intent: what a single record's write will be, recorded before the call. */
export type NewIntent = Readonly<{
  phase: string
  step: string
  table: string
  entitySet: string
  operation: IntentOperation
  sourceKey: string
  parentKey: string | null
  targetId: string | null
  existed: boolean | null
  beforeImage: unknown
  /** The record's own request: `{method, path, body}` (bodies without file contents). */
  request: unknown
  callId: number | null
}>

export type IntentRow = NewIntent & Readonly<{ intentId: number; runId: string; seq: number; at: string }>

export type NewOutcome = Readonly<{
  intentId: number
  status: 'applied' | 'failed'
  targetId: string | null
  etag: string | null
  verdict: OutcomeVerdict
  httpStatus: number | null
  code: string | null
  message: string | null
  settledBy: 'response' | 'read-back'
}>

export type SkipRow = Readonly<{
  phase: string
  table: string
  sourceKey: string
  reason: string
  message: string
  details: unknown
}>

/** Per table and phase: how many records were applied or failed in a run (latest outcome per key and step). */
export type OutcomeCount = Readonly<{
  phase: string
  step: string
  table: string
  applied: number
  failed: number
}>

export type FailureRow = Readonly<{
  seq: number
  phase: string
  step: string
  table: string
  sourceKey: string
  verdict: string
  httpStatus: number | null
  code: string | null
  message: string | null
  at: string
}>

type RawRun = {
  run_id: string
  run_no: number
  kind: RunKind
  undoes_run_id: string | null
  target_url: string
  import_id: number | null
  phases: string
  users: number
  mapping: string
  mapping_sha256: string
  status: RunStatus
  started_at: string
  updated_at: string
  finished_at: string | null
  resumes: number
  summary: string | null
  error: string | null
}

const toRun = (r: RawRun): RunRow => ({
  runId: r.run_id,
  runNo: r.run_no,
  kind: r.kind,
  undoesRunId: r.undoes_run_id,
  targetUrl: r.target_url,
  importId: r.import_id,
  phases: JSON.parse(r.phases) as string[],
  users: r.users,
  mapping: JSON.parse(r.mapping) as unknown,
  mappingSha256: r.mapping_sha256,
  status: r.status,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
  resumes: r.resumes,
  summary: r.summary === null ? null : (JSON.parse(r.summary) as unknown),
  error: r.error === null ? null : (JSON.parse(r.error) as unknown),
})

type RawIntent = {
  intent_id: number
  run_id: string
  seq: number
  phase: string
  step: string
  table_name: string
  entity_set: string
  operation: IntentOperation
  source_key: string
  parent_key: string | null
  target_id: string | null
  existed: number | null
  before_image: string | null
  request: string
  call_id: number | null
  at: string
}

const toIntent = (r: RawIntent): IntentRow => ({
  intentId: r.intent_id,
  runId: r.run_id,
  seq: r.seq,
  phase: r.phase,
  step: r.step,
  table: r.table_name,
  entitySet: r.entity_set,
  operation: r.operation,
  sourceKey: r.source_key,
  parentKey: r.parent_key,
  targetId: r.target_id,
  existed: r.existed === null ? null : r.existed === 1,
  beforeImage: r.before_image === null ? null : (JSON.parse(r.before_image) as unknown),
  request: JSON.parse(r.request) as unknown,
  callId: r.call_id,
  at: r.at,
})

/** The journal of one open workspace. One writer: the run that holds the workspace's lock. */
export class JournalRepository {
  readonly #db: SqliteDatabase
  readonly #now: () => string
  readonly #statements = new Map<string, Statement>()
  readonly #seq = new Map<string, number>()
  #callId: number | null = null

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

  // ---- runs ------------------------------------------------------------------------------------

  createRun(r: NewRun): RunRow {
    const next = (this.#stmt('SELECT coalesce(max(run_no), 0) + 1 AS n FROM run').get() as { n: number }).n
    this.#stmt(
      `INSERT INTO run (run_id, run_no, kind, undoes_run_id, target_url, import_id, phases, users, mapping,
         mapping_sha256, status, started_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
    ).run(
      r.runId,
      next,
      r.kind,
      r.undoesRunId ?? null,
      r.targetUrl,
      r.importId,
      JSON.stringify(r.phases),
      r.users,
      JSON.stringify(r.mapping),
      r.mappingSha256,
      r.at,
      r.at,
    )
    return this.getRun(r.runId)!
  }

  getRun(runId: string): RunRow | undefined {
    const r = this.#stmt('SELECT * FROM run WHERE run_id = ?').get(runId) as RawRun | undefined
    return r === undefined ? undefined : toRun(r)
  }

  /** The newest run of a kind, whatever its status. */
  latestRun(kind: RunKind = 'migrate'): RunRow | undefined {
    const r = this.#stmt('SELECT * FROM run WHERE kind = ? ORDER BY run_no DESC LIMIT 1').get(kind) as
      RawRun | undefined
    return r === undefined ? undefined : toRun(r)
  }

  /** Every run, newest first. */
  runs(): ReadonlyArray<RunRow> {
    return (this.#stmt('SELECT * FROM run ORDER BY run_no DESC').all() as RawRun[]).map(toRun)
  }

  /** Has a rollback undone this run, or begun to? */
  undone(runId: string): boolean {
    return (
      this.#stmt("SELECT 1 FROM run WHERE kind = 'rollback' AND undoes_run_id = ? LIMIT 1").get(runId) !==
      undefined
    )
  }

  /**
   * The newest migrate run against `targetUrl` that did not finish (and no rollback undid): still `running` (the process
   * died), `failed` or `cancelled`. Resuming it continues its journal.
   */
  unfinishedRun(targetUrl: string): RunRow | undefined {
    const latest = this.#stmt(
      "SELECT * FROM run WHERE kind = 'migrate' AND target_url = ? ORDER BY run_no DESC LIMIT 1",
    ).get(targetUrl) as RawRun | undefined
    if (latest === undefined || latest.status === 'finished') return undefined
    // A run a rollback has undone (or is undoing) is over: a migration after it starts afresh.
    return this.undone(latest.run_id) ? undefined : toRun(latest)
  }

  setRunStatus(
    runId: string,
    status: RunStatus,
    extra: Readonly<{ summary?: unknown; error?: unknown; phases?: ReadonlyArray<string> }> = {},
  ): void {
    const at = this.#now()
    this.#stmt(
      `UPDATE run SET status = ?, updated_at = ?, finished_at = CASE WHEN ? = 'running' THEN NULL ELSE ? END,
         summary = coalesce(?, summary), error = ?, phases = coalesce(?, phases)
       WHERE run_id = ?`,
    ).run(
      status,
      at,
      status,
      at,
      extra.summary === undefined ? null : JSON.stringify(extra.summary),
      extra.error === undefined || extra.error === null ? null : JSON.stringify(extra.error),
      extra.phases === undefined ? null : JSON.stringify(extra.phases),
      runId,
    )
  }

  /** Counts one more resume of the run and marks it running again. */
  markResumed(runId: string, users: number): void {
    this.#stmt(
      `UPDATE run SET resumes = resumes + 1, status = 'running', users = ?, updated_at = ?, finished_at = NULL,
         error = NULL WHERE run_id = ?`,
    ).run(users, this.#now(), runId)
  }

  // ---- phases ----------------------------------------------------------------------------------

  setPhase(runId: string, phase: string, position: number, status: PhaseStatus, expected?: number): void {
    const at = this.#now()
    this.#stmt(
      `INSERT INTO run_phase (run_id, phase, position, status, expected, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?, CASE WHEN ? = 'running' THEN ? END, CASE WHEN ? IN ('done', 'failed') THEN ? END)
       ON CONFLICT (run_id, phase) DO UPDATE SET
         status = excluded.status,
         expected = CASE WHEN ? IS NULL THEN run_phase.expected ELSE excluded.expected END,
         started_at = coalesce(run_phase.started_at, excluded.started_at),
         finished_at = excluded.finished_at`,
    ).run(runId, phase, position, status, expected ?? 0, status, at, status, at, expected ?? null)
  }

  phases(runId: string): ReadonlyArray<PhaseRow> {
    return this.#stmt(
      `SELECT phase, position, status, expected, started_at AS startedAt, finished_at AS finishedAt
       FROM run_phase WHERE run_id = ? ORDER BY position`,
    ).all(runId) as PhaseRow[]
  }

  // ---- tables the run has seen -----------------------------------------------------------------

  /** Whether the target held foreign keyed rows of `table` when the run first reached it; undefined if not checked yet. */
  foreignKeyedRows(runId: string, table: string): boolean | undefined {
    const r = this.#stmt(
      'SELECT foreign_keyed_rows AS f FROM run_table WHERE run_id = ? AND table_name = ?',
    ).get(runId, table) as { f: number } | undefined
    return r === undefined ? undefined : r.f === 1
  }

  setForeignKeyedRows(runId: string, table: string, value: boolean): void {
    this.#stmt(
      `INSERT INTO run_table (run_id, table_name, foreign_keyed_rows, checked_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_id, table_name) DO NOTHING`,
    ).run(runId, table, value ? 1 : 0, this.#now())
  }

  // ---- intents and outcomes --------------------------------------------------------------------

  #nextSeq(runId: string): number {
    let seq = this.#seq.get(runId)
    if (seq === undefined) {
      seq = (
        this.#stmt('SELECT coalesce(max(seq), 0) AS s FROM journal_intent WHERE run_id = ?').get(runId) as {
          s: number
        }
      ).s
    }
    seq += 1
    this.#seq.set(runId, seq)
    return seq
  }

  /** A new call id: every intent of one request (bulk message, $batch) shares it. */
  nextCallId(): number {
    if (this.#callId === null) {
      this.#callId = (
        this.#stmt('SELECT coalesce(max(call_id), 0) AS c FROM journal_intent').get() as { c: number }
      ).c
    }
    this.#callId += 1
    return this.#callId
  }

  /** Commits the intents of one call in one transaction, in order; returns their rows. */
  recordIntents(runId: string, intents: ReadonlyArray<NewIntent>): ReadonlyArray<IntentRow> {
    const insert = this.#stmt(
      `INSERT INTO journal_intent (run_id, seq, phase, step, table_name, entity_set, operation, source_key,
         parent_key, target_id, existed, before_image, request, call_id, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    const at = this.#now()
    return this.#db.transaction(() =>
      intents.map((i) => {
        const seq = this.#nextSeq(runId)
        const result = insert.run(
          runId,
          seq,
          i.phase,
          i.step,
          i.table,
          i.entitySet,
          i.operation,
          i.sourceKey,
          i.parentKey,
          i.targetId,
          i.existed === null ? null : i.existed ? 1 : 0,
          i.beforeImage === null || i.beforeImage === undefined ? null : JSON.stringify(i.beforeImage),
          JSON.stringify(i.request),
          i.callId,
          at,
        )
        return { ...i, intentId: Number(result.lastInsertRowid), runId, seq, at }
      }),
    )()
  }

  /**
   * Appends outcomes in one transaction. An applied outcome of a record that has a target id
   * also moves the id map: created by this run when the intent says it did not exist before.
   */
  recordOutcomes(runId: string, outcomes: ReadonlyArray<NewOutcome & Readonly<{ intent: IntentRow }>>): void {
    const insert = this.#stmt(
      `INSERT INTO journal_outcome (intent_id, run_id, status, target_id, etag, verdict, http_status, code, message,
         settled_by, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    const map = this.#stmt(
      `INSERT INTO id_map (table_name, source_key, target_id, created_by_run, last_run_id, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (table_name, source_key) DO UPDATE SET target_id = excluded.target_id,
         created_by_run = CASE WHEN excluded.created_by_run IS NOT NULL THEN excluded.created_by_run
                               ELSE id_map.created_by_run END,
         last_run_id = excluded.last_run_id, updated_at = excluded.updated_at`,
    )
    const at = this.#now()
    this.#db.transaction(() => {
      for (const o of outcomes) {
        insert.run(
          o.intentId,
          runId,
          o.status,
          o.targetId,
          o.etag,
          o.verdict,
          o.httpStatus,
          o.code,
          o.message,
          o.settledBy,
          at,
        )
        const id = o.targetId ?? o.intent.targetId
        if (
          o.status === 'applied' &&
          id !== null &&
          o.intent.operation !== 'delete' &&
          o.intent.operation !== 'update'
        ) {
          map.run(
            o.intent.table,
            o.intent.sourceKey,
            id,
            o.intent.existed === false ? runId : null,
            runId,
            at,
          )
        }
      }
    })()
  }

  /** Intents of a run without an outcome: unknown outcomes, oldest first. */
  pendingIntents(runId: string): ReadonlyArray<IntentRow> {
    return (
      this.#stmt(
        `SELECT i.* FROM journal_intent i LEFT JOIN journal_outcome o ON o.intent_id = i.intent_id
         WHERE i.run_id = ? AND o.intent_id IS NULL ORDER BY i.seq`,
      ).all(runId) as RawIntent[]
    ).map(toIntent)
  }

  /**
   * What a run already settled for one phase and step, by source key: the latest outcome. A resumed
   * run skips applied keys and keys that failed on their own merits (skippable).
   */
  settled(
    runId: string,
    phase: string,
    step: string,
  ): ReadonlyMap<string, 'applied' | 'failed-skippable' | 'failed-other'> {
    const rows = this.#stmt(
      `SELECT i.source_key AS k, o.status AS s, o.verdict AS v FROM journal_intent i
       JOIN journal_outcome o ON o.intent_id = i.intent_id
       WHERE i.run_id = ? AND i.phase = ? AND i.step = ? ORDER BY i.seq`,
    ).all(runId, phase, step) as Array<{ k: string; s: string; v: string }>
    const out = new Map<string, 'applied' | 'failed-skippable' | 'failed-other'>()
    for (const r of rows) {
      out.set(r.k, r.s === 'applied' ? 'applied' : r.v === 'skippable' ? 'failed-skippable' : 'failed-other')
    }
    return out
  }

  /** The intents of a run, in seq order, a page at a time (rollback reads them backwards by seq). */
  intentsPage(runId: string, afterSeq: number, limit: number): ReadonlyArray<IntentRow> {
    return (
      this.#stmt('SELECT * FROM journal_intent WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(
        runId,
        afterSeq,
        limit,
      ) as RawIntent[]
    ).map(toIntent)
  }

  // ---- id map ----------------------------------------------------------------------------------

  /** Target ids of the given source keys of a table (only those mapped). */
  idsOf(table: string, keys: ReadonlyArray<string>): ReadonlyMap<string, string> {
    return this.#ids(
      'SELECT target_id AS id FROM id_map WHERE table_name = ? AND source_key = ?',
      table,
      keys,
    )
  }

  /**
   * The target ids of the given source keys of a table that run `runId` created (not found there
   * before it): a later write of such a record in the same run needs no before-image, since
   * rollback deletes the record.
   */
  idsCreatedBy(runId: string, table: string, keys: ReadonlyArray<string>): ReadonlyMap<string, string> {
    return this.#ids(
      'SELECT target_id AS id FROM id_map WHERE table_name = ? AND source_key = ? AND created_by_run = ?',
      table,
      keys,
      runId,
    )
  }

  /** Runs an id-map lookup (parameters: table, key, then `extra`) for each key; the keys found. */
  #ids(sql: string, table: string, keys: ReadonlyArray<string>, ...extra: string[]): Map<string, string> {
    const out = new Map<string, string>()
    const stmt = this.#stmt(sql)
    for (const k of keys) {
      const r = stmt.get(table, k, ...extra) as { id: string } | undefined
      if (r !== undefined) out.set(k, r.id)
    }
    return out
  }

  /** How many records of a table the id map holds. */
  mappedCount(table: string): number {
    return (this.#stmt('SELECT count(*) AS n FROM id_map WHERE table_name = ?').get(table) as { n: number }).n
  }

  /** The whole id map of a table (source key → target id). */
  idMap(table: string): ReadonlyMap<string, string> {
    const rows = this.#stmt('SELECT source_key AS k, target_id AS id FROM id_map WHERE table_name = ?').all(
      table,
    ) as Array<{
      k: string
      id: string
    }>
    return new Map(rows.map((r) => [r.k, r.id]))
  }

  // ---- skips -----------------------------------------------------------------------------------

  recordSkips(runId: string, skips: ReadonlyArray<SkipRow>): void {
    const insert = this.#stmt(
      `INSERT INTO run_skip (run_id, phase, table_name, source_key, reason, message, details, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, phase, source_key, reason) DO NOTHING`,
    )
    const at = this.#now()
    this.#db.transaction(() => {
      for (const s of skips) {
        insert.run(
          runId,
          s.phase,
          s.table,
          s.sourceKey,
          s.reason,
          s.message,
          s.details === null || s.details === undefined ? null : JSON.stringify(s.details),
          at,
        )
      }
    })()
  }

  skips(runId: string, reason?: string): ReadonlyArray<SkipRow> {
    const rows = (
      reason === undefined
        ? this.#stmt('SELECT * FROM run_skip WHERE run_id = ? ORDER BY phase, source_key').all(runId)
        : this.#stmt('SELECT * FROM run_skip WHERE run_id = ? AND reason = ? ORDER BY phase, source_key').all(
            runId,
            reason,
          )
    ) as Array<{
      phase: string
      table_name: string
      source_key: string
      reason: string
      message: string
      details: string | null
    }>
    return rows.map((r) => ({
      phase: r.phase,
      table: r.table_name,
      sourceKey: r.source_key,
      reason: r.reason,
      message: r.message,
      details: r.details === null ? null : (JSON.parse(r.details) as unknown),
    }))
  }

  // ---- summaries -------------------------------------------------------------------------------

  /**
   * Applied and failed records per phase, step and table, counting each source key's latest
   * outcome once. An `absent` outcome (an unknown outcome settled at resume as not there, or an
   * update to send again) is not a result: the key was planned again, and its later intent or
   * `already-done` skip counts instead.
   */
  outcomeCounts(runId: string): ReadonlyArray<OutcomeCount> {
    return this.#stmt(
      `WITH latest AS (
         SELECT i.phase, i.step, i.table_name, i.source_key, o.status, o.verdict,
           row_number() OVER (PARTITION BY i.phase, i.step, i.table_name, i.source_key ORDER BY i.seq DESC) AS rn
         FROM journal_intent i JOIN journal_outcome o ON o.intent_id = i.intent_id WHERE i.run_id = ?)
       SELECT phase, step, table_name AS "table",
         sum(CASE WHEN status = 'applied' THEN 1 ELSE 0 END) AS applied,
         sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed
       FROM latest WHERE rn = 1 AND verdict <> 'absent' GROUP BY phase, step, table_name ORDER BY phase, step, table_name`,
    ).all(runId) as OutcomeCount[]
  }

  /** Failed records of a run (their latest outcome), newest first. */
  failures(runId: string, limit: number, offset = 0): ReadonlyArray<FailureRow> {
    return this.#stmt(
      `WITH latest AS (
         SELECT i.seq, i.phase, i.step, i.table_name, i.source_key, o.status, o.verdict, o.http_status, o.code,
           o.message, o.at,
           row_number() OVER (PARTITION BY i.phase, i.step, i.table_name, i.source_key ORDER BY i.seq DESC) AS rn
         FROM journal_intent i JOIN journal_outcome o ON o.intent_id = i.intent_id WHERE i.run_id = ?)
       SELECT seq, phase, step, table_name AS "table", source_key AS sourceKey, verdict, http_status AS httpStatus,
         code, message, at FROM latest WHERE rn = 1 AND status = 'failed' AND verdict <> 'absent'
       ORDER BY seq DESC LIMIT ? OFFSET ?`,
    ).all(runId, limit, offset) as FailureRow[]
  }

  /** Records, intents and outcomes of a run, for tests and the run view. */
  totals(runId: string): Readonly<{ intents: number; outcomes: number; pending: number }> {
    const intents = (
      this.#stmt('SELECT count(*) AS n FROM journal_intent WHERE run_id = ?').get(runId) as { n: number }
    ).n
    const outcomes = (
      this.#stmt('SELECT count(*) AS n FROM journal_outcome WHERE run_id = ?').get(runId) as { n: number }
    ).n
    return { intents, outcomes, pending: intents - outcomes }
  }
}
