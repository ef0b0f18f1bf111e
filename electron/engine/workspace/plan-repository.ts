/**
 * The planning tables of migration 0005: plan settings, target audits, mapping versions, the schema
 * changes apply made, owner decisions and cached source facts.
 */
import type { OwnerDecisions, TargetAudit } from '../../shared/dto/plan'
import type { Workspace } from './workspace'

// ---- settings -------------------------------------------------------------------------------------

/** A stored plan setting (JSON), or undefined. */
export function readPlanSetting<T>(ws: Workspace, key: string): T | undefined {
  const row = ws.database.prepare('SELECT value FROM plan_setting WHERE key = ?').get(key) as
    { value: string } | undefined
  return row === undefined ? undefined : (JSON.parse(row.value) as T)
}

export function writePlanSetting(ws: Workspace, key: string, value: unknown, at: string): void {
  ws.database
    .prepare(
      `INSERT INTO plan_setting (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    )
    .run(key, JSON.stringify(value), at)
}

// ---- audits ---------------------------------------------------------------------------------------

export function saveAudit(ws: Workspace, audit: TargetAudit): number {
  return Number(
    ws.database
      .prepare('INSERT INTO target_audit (at, url, audit) VALUES (?, ?, ?)')
      .run(audit.auditedAt, audit.environment.url, JSON.stringify(audit)).lastInsertRowid,
  )
}

/** The newest audit (of `url` when given), or null. */
export function latestAudit(ws: Workspace, url?: string): TargetAudit | null {
  const row = (
    url === undefined
      ? ws.database.prepare('SELECT audit FROM target_audit ORDER BY audit_id DESC LIMIT 1').get()
      : ws.database
          .prepare('SELECT audit FROM target_audit WHERE url = ? ORDER BY audit_id DESC LIMIT 1')
          .get(url)
  ) as { audit: string } | undefined
  return row === undefined ? null : (JSON.parse(row.audit) as TargetAudit)
}

// ---- mapping versions -------------------------------------------------------------------------------

/** One stored mapping version; `document` is the MappingDocument JSON, parsed by the caller. */
export type MappingVersionRow = Readonly<{
  version: number
  createdAt: string
  importId: number | null
  status: 'proposed' | 'confirmed' | 'superseded'
  confirmedAt: string | null
  note: string | null
  document: unknown
}>

type MappingRaw = {
  version: number
  created_at: string
  import_id: number | null
  status: MappingVersionRow['status']
  confirmed_at: string | null
  note: string | null
  document: string
}

const toMapping = (r: MappingRaw): MappingVersionRow => ({
  version: r.version,
  createdAt: r.created_at,
  importId: r.import_id,
  status: r.status,
  confirmedAt: r.confirmed_at,
  note: r.note,
  document: JSON.parse(r.document),
})

/** Stores a new proposed version; earlier proposals are superseded (a confirmed one stays). */
export function insertMappingVersion(
  ws: Workspace,
  v: Readonly<{ createdAt: string; importId: number | null; note: string | null; document: unknown }>,
): number {
  const db = ws.database
  return db.transaction(() => {
    db.prepare("UPDATE mapping_version SET status = 'superseded' WHERE status = 'proposed'").run()
    const next = (
      db.prepare('SELECT coalesce(max(version), 0) + 1 AS v FROM mapping_version').get() as { v: number }
    ).v
    db.prepare(
      "INSERT INTO mapping_version (version, created_at, import_id, status, note, document) VALUES (?, ?, ?, 'proposed', ?, ?)",
    ).run(next, v.createdAt, v.importId, v.note, JSON.stringify(v.document))
    return next
  })()
}

export function mappingVersion(ws: Workspace, version: number): MappingVersionRow | null {
  const r = ws.database.prepare('SELECT * FROM mapping_version WHERE version = ?').get(version) as
    MappingRaw | undefined
  return r === undefined ? null : toMapping(r)
}

/** The newest version that is not superseded (a proposal after a confirmation wins), or null. */
export function currentMapping(ws: Workspace): MappingVersionRow | null {
  const r = ws.database
    .prepare("SELECT * FROM mapping_version WHERE status != 'superseded' ORDER BY version DESC LIMIT 1")
    .get() as MappingRaw | undefined
  return r === undefined ? null : toMapping(r)
}

/** The confirmed version, or null. */
export function confirmedMapping(ws: Workspace): MappingVersionRow | null {
  const r = ws.database.prepare("SELECT * FROM mapping_version WHERE status = 'confirmed'").get() as
    MappingRaw | undefined
  return r === undefined ? null : toMapping(r)
}

/** Confirms `version`; the previously confirmed one is superseded. */
export function confirmMappingVersion(ws: Workspace, version: number, at: string): void {
  const db = ws.database
  db.transaction(() => {
    db.prepare(
      "UPDATE mapping_version SET status = 'superseded' WHERE status = 'confirmed' AND version != ?",
    ).run(version)
    db.prepare("UPDATE mapping_version SET status = 'confirmed', confirmed_at = ? WHERE version = ?").run(
      at,
      version,
    )
  })()
}

// ---- schema apply and its changes -----------------------------------------------------------------------

export type SchemaChangeKind =
  'publisher' | 'solution' | 'column' | 'key' | 'connection-role' | 'role-association' | 'process' | 'stage'

/** One change apply made, or meant to make. */
export type SchemaChangeRow = Readonly<{
  changeId: number
  applyId: number
  url: string
  kind: SchemaChangeKind
  table: string | null
  name: string
  state: 'pending' | 'created' | 'undone' | 'gone'
  targetId: string | null
  details: Readonly<Record<string, unknown>> | null
  at: string
}>

export function startApply(ws: Workspace, url: string, at: string): number {
  return Number(
    ws.database
      .prepare("INSERT INTO schema_apply (url, started_at, status) VALUES (?, ?, 'running')")
      .run(url, at).lastInsertRowid,
  )
}

export function finishApply(
  ws: Workspace,
  applyId: number,
  status: 'finished' | 'failed',
  result: unknown,
  at: string,
): void {
  ws.database
    .prepare('UPDATE schema_apply SET status = ?, result = ?, finished_at = ? WHERE apply_id = ?')
    .run(status, JSON.stringify(result), at, applyId)
}

/** The last finished apply's result, or null. */
export function lastApplyResult<T>(ws: Workspace): T | null {
  const r = ws.database
    .prepare("SELECT result FROM schema_apply WHERE status = 'finished' ORDER BY apply_id DESC LIMIT 1")
    .get() as { result: string } | undefined
  return r === undefined ? null : (JSON.parse(r.result) as T)
}

/** Writes the intent of one change before the call that makes it (committed at once). */
export function recordChangeIntent(
  ws: Workspace,
  c: Readonly<{
    applyId: number
    url: string
    kind: SchemaChangeKind
    table: string | null
    name: string
    details?: Readonly<Record<string, unknown>>
    at: string
  }>,
): number {
  return Number(
    ws.database
      .prepare(
        "INSERT INTO schema_change (apply_id, url, kind, table_name, name, state, details, at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
      )
      .run(c.applyId, c.url, c.kind, c.table, c.name, c.details ? JSON.stringify(c.details) : null, c.at)
      .lastInsertRowid,
  )
}

/** Settles a change: created (with the id Dataverse gave), undone, or gone (the call never took effect). */
export function settleChange(
  ws: Workspace,
  changeId: number,
  state: 'created' | 'undone' | 'gone',
  targetId: string | null,
  at: string,
): void {
  ws.database
    .prepare(
      'UPDATE schema_change SET state = ?, target_id = coalesce(?, target_id), settled_at = ? WHERE change_id = ?',
    )
    .run(state, targetId, at, changeId)
}

type ChangeRaw = {
  change_id: number
  apply_id: number
  url: string
  kind: SchemaChangeKind
  table_name: string | null
  name: string
  state: SchemaChangeRow['state']
  target_id: string | null
  details: string | null
  at: string
}

/** Changes still in the target (created, or pending: unknown), newest first: the undo order. */
export function changesToUndo(ws: Workspace, url: string): ReadonlyArray<SchemaChangeRow> {
  return (
    ws.database
      .prepare(
        "SELECT * FROM schema_change WHERE url = ? AND state IN ('pending', 'created') ORDER BY change_id DESC",
      )
      .all(url) as ChangeRaw[]
  ).map((r) => ({
    changeId: r.change_id,
    applyId: r.apply_id,
    url: r.url,
    kind: r.kind,
    table: r.table_name,
    name: r.name,
    state: r.state,
    targetId: r.target_id,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
    at: r.at,
  }))
}

// ---- owners -----------------------------------------------------------------------------------------------

export function readOwnerDecisions(ws: Workspace): OwnerDecisions {
  const d = ws.database
    .prepare('SELECT fallback_systemuser_id AS f FROM owner_decision WHERE singleton = 1')
    .get() as { f: string | null } | undefined
  const overrides = ws.database
    .prepare(
      'SELECT owner_id AS ownerId, systemuser_id AS systemUserId FROM owner_override ORDER BY owner_id',
    )
    .all() as Array<{ ownerId: string; systemUserId: string }>
  return { fallbackSystemUserId: d?.f ?? null, overrides }
}

/** Replaces the owner decisions: the fallback, and the overrides of the owners named (null clears one). */
export function writeOwnerDecisions(
  ws: Workspace,
  change: Readonly<{
    fallbackSystemUserId?: string | null
    overrides?: ReadonlyArray<Readonly<{ ownerId: string; systemUserId: string | null }>>
  }>,
  at: string,
): void {
  const db = ws.database
  db.transaction(() => {
    if (change.fallbackSystemUserId !== undefined) {
      db.prepare(
        `INSERT INTO owner_decision (singleton, fallback_systemuser_id, updated_at) VALUES (1, ?, ?)
         ON CONFLICT (singleton) DO UPDATE SET fallback_systemuser_id = excluded.fallback_systemuser_id, updated_at = excluded.updated_at`,
      ).run(change.fallbackSystemUserId, at)
    }
    for (const o of change.overrides ?? []) {
      if (o.systemUserId === null) db.prepare('DELETE FROM owner_override WHERE owner_id = ?').run(o.ownerId)
      else
        db.prepare(
          `INSERT INTO owner_override (owner_id, systemuser_id, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (owner_id) DO UPDATE SET systemuser_id = excluded.systemuser_id, updated_at = excluded.updated_at`,
        ).run(o.ownerId, o.systemUserId, at)
    }
  })()
}

// ---- cached source facts -------------------------------------------------------------------------------------

export function readCachedFacts<T>(ws: Workspace, importId: number): T | null {
  const r = ws.database.prepare('SELECT facts FROM plan_source_facts WHERE import_id = ?').get(importId) as
    { facts: string } | undefined
  return r === undefined ? null : (JSON.parse(r.facts) as T)
}

export function writeCachedFacts(ws: Workspace, importId: number, facts: unknown, at: string): void {
  ws.database
    .prepare(
      `INSERT INTO plan_source_facts (import_id, created_at, facts) VALUES (?, ?, ?)
       ON CONFLICT (import_id) DO UPDATE SET created_at = excluded.created_at, facts = excluded.facts`,
    )
    .run(importId, at, JSON.stringify(facts))
}
