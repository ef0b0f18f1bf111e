/**
 * The rollback plan (pure): what undoing one migrate run means, computed from its journal alone.
 *
 * Rollback plays the journal backwards (ARCHITECTURE.md "Decisions already taken"; STYLE.md §5):
 * every record the run created is deleted, every record it changed gets its before-image back.
 * The steps come in three stages, each newest first:
 *
 * 1. **reopen**: records whose state the run changed (a won or lost opportunity, a completed
 *    activity) get their `statecode`/`statuscode` back first, because Dataverse keeps closed
 *    records read-only (WEB-API-NOTES.md §9, §11).
 * 2. **restore**: the other columns of the before-image. Restores run before any delete, so a
 *    pre-existing record the run linked to a new parent is detached before that parent goes; a
 *    parental cascade (a contact's `parentcustomerid`) would otherwise delete it with the parent.
 * 3. **delete**: what the run created, children first (the newest creation first). Deleting a
 *    record also removes what Dataverse keeps with it: activity parties, a connection's
 *    reciprocal row, BPF instances and close activities of a deleted opportunity (§11, §13); a
 *    child already gone with its parent answers 404, which the executor counts as done.
 *
 * Intents without an outcome (a killed run) and calls that failed as retriable (a timeout may have
 * reached the server) are undone too: a delete of a record that never arrived answers 404, and a
 * restore writes values that are already there, so both are safe to repeat.
 */
import { TARGET_TABLES, type TargetTableName } from '../plan/mapping/target-tables'

/** The journal verbs of migration 0004. */
export type JournalOperation = 'upsert' | 'create' | 'update' | 'action' | 'delete'

/** One intent of the run being undone, with its outcome (null while unknown). */
export type JournalEntry = Readonly<{
  seq: number
  phase: string
  step: string
  table: string
  entitySet: string
  operation: JournalOperation
  sourceKey: string
  targetId: string | null
  existed: boolean | null
  /** The target's columns this write changed, as read before it (Web API JSON). */
  beforeImage: unknown
  /** `{method, path, body}` of the record's own request. */
  request: unknown
  outcome: Readonly<{
    status: 'applied' | 'failed'
    verdict: string
    targetId: string | null
  }> | null
}>

/** How a step names its record: by id, or by the source-id alternate key when no id is known. */
export type RecordAddress = Readonly<{ id: string }> | Readonly<{ key: string }>

export type UndoStepKind = 'reopen' | 'restore' | 'delete'

/** One write of the rollback. */
export type UndoStep = Readonly<{
  kind: UndoStepKind
  table: string
  entitySet: string
  sourceKey: string
  address: RecordAddress
  /** The PATCH body of a reopen or restore; null for a delete. */
  body: Readonly<Record<string, unknown>> | null
  /** The seqs of the migrate run's intents this step undoes. */
  undoes: ReadonlyArray<number>
  /** True when no outcome (or a retriable failure) left open whether the write reached Dataverse. */
  uncertain: boolean
}>

/** Something the plan cannot undo, said to the operator before the rollback starts. */
export type PlanWarning = Readonly<{
  code: 'no-before-image' | 'deleted-by-run' | 'close-activity-unknown' | 'no-address' | 'closed-before-run'
  table: string
  sourceKey: string
  message: string
}>

/** Per table: how many records will be deleted, restored and reopened. */
export type PlanCounts = Readonly<{ delete: number; restore: number; reopen: number }>

export type RollbackPlan = Readonly<{
  steps: ReadonlyArray<UndoStep>
  tables: Readonly<Record<string, PlanCounts>>
  warnings: ReadonlyArray<PlanWarning>
}>

export type PlanInputs = Readonly<{
  /** `${table}\u0000${sourceKey}` of records the id map says this run created. */
  createdByRun?: ReadonlySet<string>
  /** Steps already applied by an earlier attempt of the same rollback: `${kind}\u0000${table}\u0000${sourceKey}`. */
  settled?: ReadonlySet<string>
}>

/** The identity of a step for resume: `${kind}\u0000${table}\u0000${sourceKey}`. */
export const stepKey = (kind: UndoStepKind, table: string, sourceKey: string): string =>
  `${kind}\u0000${table}\u0000${sourceKey}`

/** The identity of a record in `createdByRun`. */
export const recordKey = (table: string, sourceKey: string): string => `${table}\u0000${sourceKey}`

/** Entity sets of the tables a before-image's lookups may point at, beyond the migrated tables. */
const EXTRA_SETS: Readonly<Record<string, string>> = {
  systemuser: 'systemusers',
  team: 'teams',
  businessunit: 'businessunits',
  transactioncurrency: 'transactioncurrencies',
  connectionrole: 'connectionroles',
  processstage: 'processstages',
  workflow: 'workflows',
  opportunity: 'opportunities',
  opportunityclose: 'opportunitycloses',
  campaign: 'campaigns',
  pricelevel: 'pricelevels',
  competitor: 'competitors',
  queue: 'queues',
}

const entitySetOf = (table: string): string | null =>
  (TARGET_TABLES as Readonly<Record<string, { entitySet: string } | undefined>>)[table]?.entitySet ??
  EXTRA_SETS[table] ??
  null

/**
 * Columns a PATCH can never set: the platform writes them (WEB-API-NOTES.md §8: createdon,
 * modifiedon, createdby and modifiedby cannot be imported; overriddencreatedon is create-only).
 */
const NOT_WRITABLE = new Set([
  'createdon',
  'createdby',
  'createdonbehalfby',
  'modifiedon',
  'modifiedby',
  'modifiedonbehalfby',
  'overriddencreatedon',
  'versionnumber',
  'owninguser',
  'owningteam',
  'owningbusinessunit',
  'exchangerate',
  'fullname',
  'yomifullname',
  'activitytypecode',
  'importsequencenumber',
  'timezoneruleversionnumber',
  'utcconversiontimezonecode',
])

const STATE_COLUMNS = new Set(['statecode', 'statuscode'])

const ANNOTATION = '@'
const LOOKUP_NAME = '@Microsoft.Dynamics.CRM.lookuplogicalname'
const NAV_NAME = '@Microsoft.Dynamics.CRM.associatednavigationproperty'

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

/** The navigation property that sets `column` of `table` to a `target` record. */
function navigationFor(table: string, column: string, target: string | null, annotated: unknown): string {
  const lookups = (
    TARGET_TABLES as Readonly<
      Record<string, { lookups: Readonly<Record<string, Readonly<Record<string, string>>>> }>
    >
  )[table]?.lookups[column]
  if (lookups !== undefined) {
    if (target !== null && lookups[target] !== undefined) return lookups[target]!
    // Clearing a polymorphic lookup: a null bind on any of its navigation properties empties the column.
    if (target === null) {
      const first = Object.values(lookups)[0]
      if (first !== undefined) return first
    }
  }
  if (typeof annotated === 'string' && annotated !== '') return annotated
  return column
}

/**
 * Turns a before-image (Web API JSON as read: columns, lookups as `_x_value` with their
 * `lookuplogicalname` annotation) into PATCH bodies: the state columns apart, the rest with
 * lookups as `nav@odata.bind` (a null bind clears one). Keys already in body form
 * (`nav@odata.bind`) pass through.
 */
export function restoreBodies(
  table: string,
  primaryKey: string | null,
  image: Readonly<Record<string, unknown>>,
): Readonly<{ state: Record<string, unknown> | null; columns: Record<string, unknown> | null }> {
  const state: Record<string, unknown> = {}
  const columns: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(image)) {
    if (key.endsWith('@odata.bind')) {
      columns[key] = value
      continue
    }
    if (key.includes(ANNOTATION)) continue
    const lookup = /^_(.+)_value$/.exec(key)
    if (lookup !== null) {
      const column = lookup[1]!
      if (NOT_WRITABLE.has(column)) continue
      const target =
        typeof image[`${key}${LOOKUP_NAME}`] === 'string' ? String(image[`${key}${LOOKUP_NAME}`]) : null
      const nav = navigationFor(table, column, value === null ? null : target, image[`${key}${NAV_NAME}`])
      if (value === null || value === undefined) {
        columns[`${nav}@odata.bind`] = null
        continue
      }
      const set = target === null ? null : entitySetOf(target)
      // Without its target table the lookup cannot be rebound; keep the id under its column so
      // the executor's request fails loudly rather than restoring something else.
      columns[`${nav}@odata.bind`] = set === null ? String(value) : `/${set}(${String(value)})`
      continue
    }
    // The record's own id never goes into its PATCH (a BPF instance table's key is
    // businessprocessflowinstanceid whatever the table is called).
    if (
      key === primaryKey ||
      key === `${table}id` ||
      key === 'businessprocessflowinstanceid' ||
      NOT_WRITABLE.has(key)
    )
      continue
    if (STATE_COLUMNS.has(key)) state[key] = value
    else columns[key] = value
  }
  return {
    state: Object.keys(state).length > 0 ? state : null,
    columns: Object.keys(columns).length > 0 ? columns : null,
  }
}

/** Is this entry's write possibly in the target (applied, unknown, or a retriable failure)? */
function mayHaveApplied(entry: JournalEntry): { applies: boolean; uncertain: boolean } {
  if (entry.outcome === null) return { applies: true, uncertain: true }
  if (entry.outcome.status === 'applied') return { applies: true, uncertain: false }
  // A timeout or reset after the last attempt: the server may have done the work.
  return { applies: entry.outcome.verdict === 'retriable', uncertain: true }
}

const isCloseAction = (entry: JournalEntry): boolean => {
  if (entry.operation !== 'action' || !isRecord(entry.request)) return false
  const path = entry.request['path']
  return typeof path === 'string' && /(Win|Lose)Opportunity$/.test(path)
}

/** The `OpportunityClose` entity of a Win/Lose action's body, if any. */
function closeEntityOf(entry: JournalEntry): Readonly<Record<string, unknown>> | null {
  if (!isRecord(entry.request)) return null
  const body = entry.request['body']
  if (!isRecord(body)) return null
  const close = body['OpportunityClose']
  return isRecord(close) ? close : null
}

/** The close activity's id a Win/Lose action created: the loader chooses it (`OpportunityClose.activityid`). */
function closeActivityOf(entry: JournalEntry): string | null {
  const id = closeEntityOf(entry)?.['activityid']
  return typeof id === 'string' && id !== '' ? id : null
}

/** The opportunity a Win/Lose action closed (`opportunityid@odata.bind`: `/opportunities(<id>)`). */
function closedOpportunityOf(entry: JournalEntry): string | null {
  const bind = closeEntityOf(entry)?.['opportunityid@odata.bind']
  if (typeof bind !== 'string') return null
  const m = /opportunities\(([0-9a-fA-F-]{36})\)/.exec(bind)
  return m === null ? null : m[1]!.toLowerCase()
}

type Group = {
  table: string
  entitySet: string
  /** The source key of the record's first intent (its load); child steps say `deal-1#close`. */
  sourceKey: string
  keys: Set<string>
  id: string | null
  created: boolean
  uncertain: boolean
  /** The record's first intent (its creation): deletes go in reverse creation order, children first. */
  firstSeq: number
  /** Its newest intent: restores go newest first. */
  newestSeq: number
  seqs: number[]
  /** Before-images oldest first, of the intents that changed a pre-existing record. */
  images: Array<Readonly<Record<string, unknown>>>
  missingImage: boolean
  deletedByRun: boolean
}

const PRIMARY_KEYS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(TARGET_TABLES).map((t) => [t.table, t.primaryKey]),
)

const primaryKeyOf = (table: string): string | null =>
  PRIMARY_KEYS[table] ??
  (table === 'opportunityclose'
    ? 'activityid'
    : table === 'opportunitysalesprocess'
      ? 'businessprocessflowinstanceid'
      : null)

const idOf = (entry: JournalEntry): string | null => {
  const id = entry.outcome?.targetId ?? entry.targetId
  return id === null || id === '' ? null : id.toLowerCase()
}

/**
 * Plans the undo of one migrate run from its journal (any order; sorted here). Pure: the same
 * journal and inputs always give the same steps.
 *
 * A record's intents are grouped by its id (or, without one, its source key): its load, a
 * second-pass parent link, a state change. A Win/Lose action is journaled on the close activity
 * it creates (the loader's phases.ts), with the opportunity's state as its before-image; that
 * image goes to the opportunity, so a pre-existing opportunity is reopened.
 */
export function planRollback(entries: ReadonlyArray<JournalEntry>, inputs: PlanInputs = {}): RollbackPlan {
  const created = inputs.createdByRun ?? new Set<string>()
  const settled = inputs.settled ?? new Set<string>()
  const sorted = [...entries].sort((a, b) => a.seq - b.seq)
  const groups = new Map<string, Group>()
  const warnings: PlanWarning[] = []

  // Every source key that some intent names with an id, so an id-less intent of it joins that record.
  const idOfKey = new Map<string, string>()
  for (const e of sorted) {
    const id = idOf(e)
    if (id !== null && !idOfKey.has(recordKey(e.table, e.sourceKey)))
      idOfKey.set(recordKey(e.table, e.sourceKey), id)
  }

  const groupOf = (table: string, entitySet: string, sourceKey: string, id: string | null): Group => {
    const resolved = id ?? idOfKey.get(recordKey(table, sourceKey)) ?? null
    const key =
      resolved === null ? `${table}\u0000key\u0000${sourceKey}` : `${table}\u0000id\u0000${resolved}`
    let g = groups.get(key)
    if (g === undefined) {
      g = {
        table,
        entitySet,
        sourceKey,
        keys: new Set(),
        id: resolved,
        created: false,
        uncertain: false,
        firstSeq: Number.POSITIVE_INFINITY,
        newestSeq: 0,
        seqs: [],
        images: [],
        missingImage: false,
        deletedByRun: false,
      }
      groups.set(key, g)
    }
    g.keys.add(sourceKey)
    if (created.has(recordKey(table, sourceKey))) g.created = true
    return g
  }

  for (const entry of sorted) {
    const { applies, uncertain } = mayHaveApplied(entry)
    if (!applies) continue
    const g = groupOf(entry.table, entry.entitySet, entry.sourceKey, idOf(entry))
    g.uncertain ||= uncertain
    g.firstSeq = Math.min(g.firstSeq, entry.seq)
    g.newestSeq = Math.max(g.newestSeq, entry.seq)
    g.seqs.push(entry.seq)
    if (entry.operation === 'delete') {
      g.deletedByRun = true
      continue
    }
    const close = isCloseAction(entry)
    if (entry.existed === false) {
      g.created = true
    } else if (!close) {
      if (isRecord(entry.beforeImage)) g.images.push(entry.beforeImage)
      else if (entry.existed === true) g.missingImage = true
    }
    if (!close) continue

    // The action's own record is the close activity; make sure it is addressed by its id.
    const closeId = closeActivityOf(entry)
    if (g.id === null && closeId !== null) g.id = closeId.toLowerCase()
    if (entry.table !== 'opportunityclose' && closeId !== null) {
      const activity = groupOf(
        'opportunityclose',
        'opportunitycloses',
        `${entry.sourceKey}#close`,
        closeId.toLowerCase(),
      )
      activity.created = true
      activity.uncertain ||= uncertain
      activity.firstSeq = Math.min(activity.firstSeq, entry.seq)
      activity.newestSeq = Math.max(activity.newestSeq, entry.seq)
      activity.seqs.push(entry.seq)
    } else if (closeId === null) {
      warnings.push({
        code: 'close-activity-unknown',
        table: 'opportunityclose',
        sourceKey: entry.sourceKey,
        message: `The close activity of ${entry.sourceKey} has no id in the journal; if its opportunity existed before the run, delete the close activity in Dynamics.`,
      })
    }
    // The opportunity's state before the close, to reopen it unless the run created it.
    const opportunityId = closedOpportunityOf(entry)
    if (opportunityId !== null) {
      const parentKey = entry.sourceKey.replace(/#close$/, '')
      const opportunity = groupOf('opportunity', 'opportunities', parentKey, opportunityId)
      // Its position stays its own newest write: the close activity, a child, goes first.
      opportunity.seqs.push(entry.seq)
      if (isRecord(entry.beforeImage)) opportunity.images.push(entry.beforeImage)
    }
  }

  const reopen: UndoStep[] = []
  const restore: UndoStep[] = []
  const remove: Array<{ step: UndoStep; firstSeq: number }> = []
  const counts: Record<string, { delete: number; restore: number; reopen: number }> = {}
  const count = (table: string, kind: UndoStepKind) => {
    counts[table] ??= { delete: 0, restore: 0, reopen: 0 }
    counts[table][kind] += 1
  }

  for (const g of [...groups.values()].sort((a, b) => b.newestSeq - a.newestSeq)) {
    const address: RecordAddress | null =
      g.id !== null ? { id: g.id } : g.sourceKey !== '' ? { key: g.sourceKey } : null
    const base = {
      table: g.table,
      entitySet: g.entitySet,
      sourceKey: g.sourceKey,
      undoes: g.seqs,
      uncertain: g.uncertain,
    }
    if (g.deletedByRun) {
      warnings.push({
        code: 'deleted-by-run',
        table: g.table,
        sourceKey: g.sourceKey,
        message: `The run deleted ${g.table} ${g.sourceKey}; a rollback does not re-create deleted records.`,
      })
    }
    if (g.created) {
      if (address === null) {
        warnings.push({
          code: 'no-address',
          table: g.table,
          sourceKey: g.sourceKey,
          message: `No id or key for ${g.table} ${g.sourceKey}.`,
        })
        continue
      }
      // A child whose parent key is the run's own (deal-1#bpf) without an id can only be found by id.
      if ('key' in address && g.sourceKey.includes('#')) {
        warnings.push({
          code: 'no-address',
          table: g.table,
          sourceKey: g.sourceKey,
          message: `${g.table} ${g.sourceKey} has no id in the journal; it goes with its parent's delete.`,
        })
        continue
      }
      count(g.table, 'delete')
      if (!settled.has(stepKey('delete', g.table, g.sourceKey)))
        remove.push({ step: { ...base, kind: 'delete', address, body: null }, firstSeq: g.firstSeq })
      continue
    }
    if (g.images.length === 0) {
      if (g.missingImage) {
        warnings.push({
          code: 'no-before-image',
          table: g.table,
          sourceKey: g.sourceKey,
          message: `The run changed ${g.table} ${g.sourceKey} without keeping its earlier values; it keeps the run's values.`,
        })
      }
      continue
    }
    if (address === null) {
      warnings.push({
        code: 'no-address',
        table: g.table,
        sourceKey: g.sourceKey,
        message: `No id or key for ${g.table} ${g.sourceKey}.`,
      })
      continue
    }
    // The oldest image holds each column's value before the run; later images only add columns.
    const merged: Record<string, unknown> = {}
    for (const image of g.images)
      for (const [k, v] of Object.entries(image)) if (!(k in merged)) merged[k] = v
    const bodies = restoreBodies(g.table, primaryKeyOf(g.table), merged)
    if (bodies.state !== null) {
      const closedBefore = bodies.state['statecode'] !== undefined && bodies.state['statecode'] !== 0
      if (closedBefore) {
        warnings.push({
          code: 'closed-before-run',
          table: g.table,
          sourceKey: g.sourceKey,
          message: `${g.table} ${g.sourceKey} was closed before the run; its state is set back, which Dataverse may refuse for a won or lost opportunity.`,
        })
      }
      count(g.table, 'reopen')
      if (!settled.has(stepKey('reopen', g.table, g.sourceKey)))
        reopen.push({ ...base, kind: 'reopen', address, body: bodies.state })
    }
    if (bodies.columns !== null) {
      count(g.table, 'restore')
      if (!settled.has(stepKey('restore', g.table, g.sourceKey)))
        restore.push({ ...base, kind: 'restore', address, body: bodies.columns })
    }
  }

  // A record created after another may point at it (children follow their parents in the phase
  // order), so the newest creation goes first; a later state change of a record does not move it.
  const deletes = remove.sort((a, b) => b.firstSeq - a.firstSeq).map((r) => r.step)
  return { steps: [...reopen, ...restore, ...deletes], tables: counts, warnings }
}

/** The URL of a step's record: `contacts(<id>)` or `contacts(lb_sourceid='contact-1')`. */
export function recordUrl(step: Pick<UndoStep, 'entitySet' | 'address'>, keyColumn: string): string {
  return 'id' in step.address
    ? `${step.entitySet}(${step.address.id})`
    : `${step.entitySet}(${keyColumn}='${step.address.key.replace(/'/g, "''")}')`
}

/** A table name the plan knows as a migrated one (for display order). */
export const isMigratedTable = (table: string): table is TargetTableName => table in TARGET_TABLES
