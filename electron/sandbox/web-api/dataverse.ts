/**
 * The environment's business core: create, update, upsert, delete and associate records with the
 * semantics migrations trip on (WEB-API-NOTES §4–§13, issue 4 "Semantics"):
 *
 * - system columns are the platform's: `createdon` (or the `overriddencreatedon` value, which then
 *   holds the load time, §8), `createdby`/`modifiedby`/`…onbehalfby` (impersonation, [imp]),
 *   `modifiedon`, `versionnumber`; client values for them are ignored, as the SDK ignores them;
 * - an owner must be an enabled systemuser or a team; a disabled owner is refused;
 * - `statecode` cannot be set on create; opportunity state changes only through WinOpportunity /
 *   LoseOpportunity (§9);
 * - active alternate keys are unique; bulk and change-set writes are all-or-nothing (the Store's
 *   transactions);
 * - a connection writes its reciprocal row (§13); activity parties arrive through
 *   `*_activity_parties` deep inserts (§11); note documents are checked against
 *   `organization.maxuploadfilesize` (§12); BPF instances against their process's stages (§10).
 */
import type { ColumnDef, NavDef, Schema, TableDef } from '../schema/model'
import type { Lookup, Row, Store, Value } from '../store/store'
import { isLookup, keyOf } from '../store/store'
import { EMPTY_GUID, GUID_PATTERN, newGuid } from '../util/ids'
import type { CallContext } from './context'
import {
  attachmentTooBig,
  badPayload,
  disabledUser,
  duplicateKey,
  duplicateRecord,
  invalidArgument,
  invalidBodyProperty,
  invalidState,
  matchingRecordExists,
  messageNotSupported,
  recordNotFound,
  undeclaredBind,
  useCloseMessage,
  versionMismatch,
  DataverseError,
} from './errors'
import { describeKey, keyValues, parseReference, resolveKey, type KeySpec } from './references'
import { coerceInput, lookup } from './values'

/** Tables a client may not create rows in directly ([party]: parties come with their activity). */
const NOT_CREATABLE = new Set(['activityparty', 'activitypointer', 'principal'])

/** Columns excluded from "changed" detection and from the data hash (platform-managed). */
export const SYSTEM_MANAGED = new Set(['modifiedon', 'modifiedby', 'modifiedonbehalfby', 'versionnumber'])

/** Organisation-wide ids and settings seeded at start. */
export type EnvironmentIds = Readonly<{
  organizationId: string
  businessUnitId: string
  currencyId: string
  defaultTeamId: string
}>

type Deferred = (id: string) => void

type ParsedPayload = { values: Row; deferred: Deferred[]; stateRequested: boolean }

/** Per-table facts the hot create path needs, computed once per column set. */
type TableInfo = Readonly<{
  columnCount: number
  createdon: boolean
  modifiedon: boolean
  createdby: boolean
  modifiedby: boolean
  createdonbehalfby: boolean
  modifiedonbehalfby: boolean
  versionnumber: boolean
  organization: boolean
  ownerBindable: boolean
  activityType: boolean
  money: ReadonlyArray<readonly [name: string, base: string | null]>
  currency: boolean
  exchangeRate: boolean
  fullname: boolean
  yomi: boolean
  defaultStatus: ReadonlyMap<number, number>
}>

/** Options of one write. */
export type WriteOptions = Readonly<{
  /** `If-Match` value: `*` or a `W/"…"` ETag. */
  ifMatch?: string | null
  /** Bypasses the statecode-on-create and opportunity-state rules (Win/Lose, QualifyLead use it). */
  allowState?: boolean
}>

/** The environment core. One instance per running sandbox. */
export class Dataverse {
  readonly schema: Schema
  readonly store: Store
  ids: EnvironmentIds

  constructor(schema: Schema, store: Store, ids: EnvironmentIds) {
    this.schema = schema
    this.store = store
    this.ids = ids
  }

  /** The next row version (ETags are `W/"<versionnumber>"`). */
  nextVersion(): number {
    if (this.#version === null)
      this.#version = Number(this.store.getSetting('counter.versionnumber') ?? '1000')
    this.#version++
    this.store.setSetting('counter.versionnumber', String(this.#version))
    return this.#version
  }

  #version: number | null = null
  #lookups = new Map<string, Lookup>()
  #nowMs = -1
  #nowIso = ''
  readonly #info = new WeakMap<TableDef, TableInfo>()

  /** A shared, never-mutated lookup value (system columns of every row point at the same user). */
  #lookup(table: string, id: string): Lookup {
    const key = `${table}:${id}`
    let value = this.#lookups.get(key)
    if (value === undefined) {
      if (this.#lookups.size > 10000) this.#lookups.clear()
      value = lookup(table, id)
      this.#lookups.set(key, value)
    }
    return value
  }

  #iso(ms: number): string {
    if (ms !== this.#nowMs) {
      this.#nowMs = ms
      this.#nowIso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
    }
    return this.#nowIso
  }

  /** What the system-column code needs to know about a table, computed once per column set. */
  #tableInfo(table: TableDef): TableInfo {
    const cached = this.#info.get(table)
    if (cached !== undefined && cached.columnCount === table.columns.size) return cached
    const cols = table.columns
    const money: Array<readonly [string, string | null]> = []
    for (const column of cols.values()) {
      if (column.attributeType !== 'Money' || column.logicalName.endsWith('_base')) continue
      const base = `${column.logicalName}_base`
      money.push([column.logicalName, cols.has(base) ? base : null])
    }
    const owner = cols.get('ownerid')
    const defaultStatus = new Map<number, number>()
    for (const status of table.stateModel?.statuses ?? []) {
      if (status.state !== undefined && !defaultStatus.has(status.state))
        defaultStatus.set(status.state, status.value)
    }
    const info: TableInfo = {
      columnCount: cols.size,
      createdon: cols.has('createdon'),
      modifiedon: cols.has('modifiedon'),
      createdby: cols.has('createdby'),
      modifiedby: cols.has('modifiedby'),
      createdonbehalfby: cols.has('createdonbehalfby'),
      modifiedonbehalfby: cols.has('modifiedonbehalfby'),
      versionnumber: cols.has('versionnumber'),
      organization: cols.get('organizationid')?.targets.includes('organization') === true,
      ownerBindable: owner !== undefined && owner.attributeType === 'Owner' && owner.validForCreate,
      activityType: table.isActivity && cols.has('activitytypecode'),
      money,
      currency: cols.has('transactioncurrencyid'),
      exchangeRate: cols.has('exchangerate'),
      fullname: cols.has('fullname') && cols.has('firstname') && cols.has('lastname'),
      yomi: cols.has('yomifullname'),
      defaultStatus,
    }
    this.#info.set(table, info)
    return info
  }

  /** The organisation record (maxuploadfilesize and other settings). */
  organization(): Row {
    return this.store.get('organization', this.ids.organizationId) ?? {}
  }

  /** The table for a logical name; a 404 segment error if unknown. */
  tableOf(logicalName: string): TableDef {
    const table = this.schema.table(logicalName)
    if (table === undefined)
      throw new DataverseError(404, '0x8006088a', `Resource not found for the segment '${logicalName}'.`)
    return table
  }

  /** A record that must exist. */
  require(table: TableDef, key: KeySpec): { id: string; row: Row } {
    const id = resolveKey(this.store, table, key)
    const row = id === undefined ? undefined : this.store.get(table.logicalName, id)
    if (id === undefined || row === undefined) throw recordNotFound(table.logicalName, describeKey(key))
    return { id, row }
  }

  /** A systemuser that exists and is enabled (owners, impersonated users). */
  requireEnabledUser(id: string): Row {
    const user = this.store.get('systemuser', id.toLowerCase())
    if (user === undefined) throw recordNotFound('systemuser', id)
    if (user['isdisabled'] === true) throw disabledUser(id)
    return user
  }

  // ---------------------------------------------------------------- create

  /** Creates a record; returns its id. Atomic with everything it creates alongside. */
  create(
    table: TableDef,
    body: Record<string, unknown>,
    ctx: CallContext,
    options: WriteOptions = {},
  ): string {
    if (NOT_CREATABLE.has(table.logicalName)) throw messageNotSupported('Create', table.logicalName)
    return this.store.transaction(() => this.#create(table, body, ctx, options, null))
  }

  #create(
    table: TableDef,
    body: Record<string, unknown>,
    ctx: CallContext,
    options: WriteOptions,
    parent: { column: string; value: Lookup } | null,
  ): string {
    const parsed = this.#parsePayload(table, body, 'create', ctx)
    const values = parsed.values
    if (parent !== null) values[parent.column] = parent.value
    const rawId = values[table.primaryId]
    const id = typeof rawId === 'string' ? rawId.toLowerCase() : newGuid()
    if (this.store.get(table.logicalName, id) !== undefined) throw duplicateRecord()

    const row: Row = { ...values, [table.primaryId]: id }
    if (table.columns.has(table.keyProperty) && table.keyProperty !== table.primaryId)
      row[table.keyProperty] = id
    this.#applyCreateSystemColumns(table, row, ctx, options, parsed.stateRequested)
    this.#beforeWrite(table, row, undefined, ctx, options)
    this.#checkKeys(table, id, row)
    this.store.put(table.logicalName, id, row)
    for (const run of parsed.deferred) run(id)
    this.#afterCreate(table, id, row, ctx, body)
    return id
  }

  #applyCreateSystemColumns(
    table: TableDef,
    row: Row,
    ctx: CallContext,
    options: WriteOptions,
    stateRequested: boolean,
  ): void {
    const info = this.#tableInfo(table)
    const now = this.#iso(ctx.now)
    if (info.createdon) {
      // WEB-API-NOTES §8: overriddencreatedon becomes createdon; overriddencreatedon holds the load time.
      const override = row['overriddencreatedon']
      row['createdon'] = typeof override === 'string' ? override : now
      if (typeof override === 'string') row['overriddencreatedon'] = now
    }
    if (info.modifiedon) row['modifiedon'] = now
    const user = this.#lookup('systemuser', ctx.userId)
    if (info.createdby) row['createdby'] = user
    if (info.modifiedby) row['modifiedby'] = user
    if (ctx.callerId !== ctx.userId) {
      const caller = this.#lookup('systemuser', ctx.callerId)
      if (info.createdonbehalfby) row['createdonbehalfby'] = caller
      if (info.modifiedonbehalfby) row['modifiedonbehalfby'] = caller
    }
    if (info.versionnumber) row['versionnumber'] = this.nextVersion()
    if (info.organization) row['organizationid'] = this.#lookup('organization', this.ids.organizationId)
    if (info.ownerBindable && (row['ownerid'] === undefined || row['ownerid'] === null)) row['ownerid'] = user
    if (table.stateModel !== null) {
      const requested = row['statecode']
      if (
        stateRequested &&
        requested !== undefined &&
        requested !== null &&
        requested !== 0 &&
        options.allowState !== true
      ) {
        throw invalidState(
          `${table.logicalName} cannot be created in state ${String(requested)}: statecode is not valid on create. Create the record in its default state, then change its state.`,
        )
      }
      if (row['statecode'] === undefined || row['statecode'] === null) row['statecode'] = 0
      const status = row['statuscode']
      if (status === undefined || status === null) {
        row['statuscode'] = info.defaultStatus.get(Number(row['statecode'])) ?? 1
      }
    }
    if (info.activityType) row['activitytypecode'] = table.logicalName
    this.#applyComputed(table, row)
  }

  /** Money `_base` columns, exchange rate, currency, full names: what the platform derives. */
  #applyComputed(table: TableDef, row: Row): void {
    const info = this.#tableInfo(table)
    let hasMoney = false
    for (const [name, base] of info.money) {
      if (row[name] === undefined) continue
      hasMoney = true
      if (base !== null) row[base] = row[name] ?? null
    }
    if (hasMoney && info.currency && (row['transactioncurrencyid'] ?? null) === null) {
      row['transactioncurrencyid'] = this.#lookup('transactioncurrency', this.ids.currencyId)
    }
    if (hasMoney && info.exchangeRate && (row['exchangerate'] ?? null) === null) row['exchangerate'] = 1
    if (info.fullname) {
      const first = row['firstname']
      const last = row['lastname']
      const full =
        typeof first === 'string' && first !== ''
          ? typeof last === 'string' && last !== ''
            ? `${first} ${last}`
            : first
          : typeof last === 'string' && last !== ''
            ? last
            : null
      row['fullname'] = full
      if (info.yomi) row['yomifullname'] = full
    }
  }

  // ---------------------------------------------------------------- update

  /** Updates a record by id (PATCH with `If-Match: *`, or a plain update). */
  update(
    table: TableDef,
    id: string,
    body: Record<string, unknown>,
    ctx: CallContext,
    options: WriteOptions = {},
  ): void {
    this.store.transaction(() => this.#update(table, id, body, ctx, options))
  }

  #update(
    table: TableDef,
    id: string,
    body: Record<string, unknown>,
    ctx: CallContext,
    options: WriteOptions,
  ): void {
    const before = this.store.get(table.logicalName, id)
    if (before === undefined) throw recordNotFound(table.logicalName, id)
    const ifMatch = options.ifMatch ?? null
    if (ifMatch !== null && ifMatch !== '*' && ifMatch !== `W/"${String(before['versionnumber'] ?? '')}"`) {
      throw versionMismatch()
    }
    const parsed = this.#parsePayload(table, body, 'update', ctx)
    const row: Row = { ...before, ...parsed.values }
    const now = new Date(ctx.now).toISOString().replace(/\.\d{3}Z$/, 'Z')
    const cols = table.columns
    if (cols.has('modifiedon')) row['modifiedon'] = now
    if (cols.has('modifiedby')) row['modifiedby'] = lookup('systemuser', ctx.userId)
    if (cols.has('modifiedonbehalfby')) {
      row['modifiedonbehalfby'] = ctx.callerId !== ctx.userId ? lookup('systemuser', ctx.callerId) : null
    }
    if (cols.has('versionnumber')) row['versionnumber'] = this.nextVersion()
    if (
      table.stateModel !== null &&
      parsed.values['statecode'] !== undefined &&
      parsed.values['statuscode'] === undefined
    ) {
      const state = Number(row['statecode'])
      if (parsed.values['statecode'] !== before['statecode']) {
        row['statuscode'] =
          table.stateModel.statuses.find((s) => s.state === state)?.value ?? row['statuscode'] ?? null
      }
    }
    this.#applyComputed(table, row)
    this.#beforeWrite(table, row, before, ctx, options)
    this.#checkKeys(table, id, row)
    this.store.put(table.logicalName, id, row)
    for (const run of parsed.deferred) run(id)
    this.#afterUpdate(table, id, row, before)
  }

  // ---------------------------------------------------------------- upsert

  /**
   * PATCH on a key: update when the record exists, create otherwise ([upsert]). `If-Match: *`
   * makes it update-only (404 when missing), `If-None-Match: *` create-only (412 when present,
   * [cond]). On create, body values win and key values fill the gaps; on update the key columns
   * are not repeated.
   */
  upsert(
    table: TableDef,
    key: KeySpec,
    body: Record<string, unknown>,
    ctx: CallContext,
    conditions: Readonly<{ ifMatch?: string | null; ifNoneMatch?: string | null }> = {},
  ): { id: string; created: boolean } {
    return this.store.transaction(() => {
      const existing = resolveKey(this.store, table, key)
      if (existing !== undefined) {
        if (conditions.ifNoneMatch === '*') throw matchingRecordExists()
        const stripped = { ...body }
        if (key.kind === 'alternate') {
          for (const name of key.values.keys()) delete stripped[name]
        }
        this.#update(table, existing, stripped, ctx, { ifMatch: conditions.ifMatch ?? null })
        return { id: existing, created: false }
      }
      if (conditions.ifMatch !== undefined && conditions.ifMatch !== null) {
        throw recordNotFound(table.logicalName, describeKey(key))
      }
      if (NOT_CREATABLE.has(table.logicalName)) throw messageNotSupported('Create', table.logicalName)
      const fromKey = keyValues(table, key)
      const merged: Record<string, unknown> = { ...body }
      const extra: Row = {}
      for (const [column, value] of Object.entries(fromKey)) {
        const def = table.columns.get(column)
        if (def === undefined) continue
        if (value !== null && typeof value === 'object') {
          if (
            !Object.keys(body).some((k) => k.endsWith('@odata.bind') && this.#bindColumn(table, k) === column)
          ) {
            extra[column] = value
          }
        } else if (!(def.property in body)) merged[def.property] = value
      }
      const id = this.#create(table, merged, ctx, {}, null)
      if (Object.keys(extra).length > 0) {
        const row = this.store.get(table.logicalName, id) ?? {}
        const updated = { ...row, ...extra }
        this.#checkKeys(table, id, updated)
        this.store.put(table.logicalName, id, updated)
      }
      return { id, created: true }
    })
  }

  #bindColumn(table: TableDef, key: string): string | null {
    const nav = table.navigations.get(key.slice(0, -'@odata.bind'.length))
    return nav?.kind === 'single' ? nav.column : null
  }

  // ---------------------------------------------------------------- delete

  /** Deletes a record and what cascades with it (parties, notes, connections, BPF instances…). */
  delete(table: TableDef, id: string, ctx: CallContext): void {
    this.store.transaction(() => this.#delete(table, id, ctx, new Set()))
  }

  #delete(table: TableDef, id: string, ctx: CallContext, seen: Set<string>): void {
    const mark = `${table.logicalName}:${id}`
    if (seen.has(mark)) return
    seen.add(mark)
    const row = this.store.get(table.logicalName, id)
    if (row === undefined) throw recordNotFound(table.logicalName, id)
    this.store.remove(table.logicalName, id)
    if (table.logicalName === 'connection') {
      const related = row['relatedconnectionid']
      if (isLookup(related) && this.store.get('connection', related.id) !== undefined) {
        this.#delete(table, related.id, ctx, seen)
      }
    }
    // Cascade: parental relationships delete their children; others remove the link.
    for (const [otherTable, otherId, column] of this.store.referencesTo(id)) {
      const other = this.schema.table(otherTable)
      const current = this.store.get(otherTable, otherId)
      if (other === undefined || current === undefined) continue
      const value = current[column]
      if (!isLookup(value) || value.table !== table.logicalName) continue
      if (this.#cascades(other, column)) this.#delete(other, otherId, ctx, seen)
      else if (column !== 'createdby' && column !== 'modifiedby' && column !== 'ownerid') {
        this.store.put(otherTable, otherId, { ...current, [column]: null })
      }
    }
    for (const key of [...this.store.tableNames()]) {
      if (!key.startsWith('assoc:')) continue
      for (const [assocId, assoc] of this.store.rows(key)) {
        if (assoc['first'] === id || assoc['second'] === id) this.store.remove(key, assocId)
      }
    }
  }

  /** Does deleting the target of `table.column` delete the row (a parental relationship)? */
  #cascades(table: TableDef, column: string): boolean {
    if (table.isBpf) return true
    if (table.logicalName === 'activityparty' && column === 'activityid') return true
    if (table.logicalName === 'annotation' && column === 'objectid') return true
    if (table.logicalName === 'connection' && (column === 'record1id' || column === 'record2id')) return true
    if (table.logicalName === 'opportunityclose' && column === 'opportunityid') return true
    if (table.logicalName === 'processstage' && column === 'processid') return true
    if (table.isActivity && column === 'regardingobjectid') return true
    const def = table.columns.get(column)
    return def?.attributeType === 'Customer'
  }

  // ---------------------------------------------------------------- associations

  /** Associates two records through a collection navigation property (`POST …/nav/$ref`). */
  associate(
    table: TableDef,
    id: string,
    navName: string,
    target: { table: TableDef; id: string },
    ctx: CallContext,
  ): void {
    const nav = table.navigations.get(navName)
    if (nav === undefined)
      throw new DataverseError(404, '0x8006088a', `Resource not found for the segment '${navName}'.`)
    this.store.transaction(() => {
      if (nav.kind === 'one-to-many') {
        const child = this.store.get(nav.target, target.id)
        if (child === undefined) throw recordNotFound(nav.target, target.id)
        this.#update(this.tableOf(nav.target), target.id, {}, ctx, {})
        const updated = this.store.get(nav.target, target.id) ?? child
        this.store.put(nav.target, target.id, {
          ...updated,
          [nav.referencingColumn]: lookup(table.logicalName, id),
        })
        return
      }
      if (nav.kind === 'many-to-many') {
        this.#link(nav, id, target.id)
        return
      }
      throw badPayload(`'${navName}' is a single-valued navigation property; use PUT …/${navName}/$ref.`)
    })
  }

  #link(nav: Extract<NavDef, { kind: 'many-to-many' }>, id: string, targetId: string): void {
    const [first, second] = nav.side === 'first' ? [id, targetId] : [targetId, id]
    const table = `assoc:${nav.relationship}`
    const assocId = `${first}|${second}`
    if (this.store.get(table, assocId) !== undefined) {
      throw new DataverseError(412, '0x80040237', 'Cannot insert duplicate key.')
    }
    this.store.put(table, assocId, { first, second })
  }

  /** Removes an association (`DELETE …/nav(<id>)/$ref` or `…/nav/$ref?$id=`). */
  disassociate(table: TableDef, id: string, navName: string, targetId: string | null): void {
    const nav = table.navigations.get(navName)
    if (nav === undefined)
      throw new DataverseError(404, '0x8006088a', `Resource not found for the segment '${navName}'.`)
    this.store.transaction(() => {
      if (nav.kind === 'single') {
        const row = this.store.get(table.logicalName, id)
        if (row === undefined) throw recordNotFound(table.logicalName, id)
        this.store.put(table.logicalName, id, { ...row, [nav.column]: null })
        return
      }
      if (targetId === null) throw badPayload('The record to disassociate is missing ($id).')
      if (nav.kind === 'one-to-many') {
        const child = this.store.get(nav.target, targetId)
        if (child === undefined) throw recordNotFound(nav.target, targetId)
        this.store.put(nav.target, targetId, { ...child, [nav.referencingColumn]: null })
        return
      }
      const [first, second] = nav.side === 'first' ? [id, targetId] : [targetId, id]
      this.store.remove(`assoc:${nav.relationship}`, `${first}|${second}`)
    })
  }

  /** Records related through a many-to-many navigation property. */
  related(table: TableDef, navName: string, row: Row): Row[] {
    const nav = table.navigations.get(navName)
    if (nav === undefined || nav.kind !== 'many-to-many') return []
    const id = row[table.primaryId]
    const out: Row[] = []
    for (const assoc of this.store.rows(`assoc:${nav.relationship}`).values()) {
      const mine = nav.side === 'first' ? assoc['first'] : assoc['second']
      const theirs = nav.side === 'first' ? assoc['second'] : assoc['first']
      if (mine !== id || typeof theirs !== 'string') continue
      const other = this.store.get(nav.target, theirs)
      if (other !== undefined) out.push(other)
    }
    return out
  }

  /** Rows of `table` whose lookup `column` points at `id`. */
  referencing(table: string, column: string, id: string): Row[] {
    const out: Row[] = []
    for (const refId of this.store.referencingIds(id, table, column)) {
      const row = this.store.get(table, refId)
      if (row !== undefined) out.push(row)
    }
    return out
  }

  // ---------------------------------------------------------------- payloads

  #parsePayload(
    table: TableDef,
    body: Record<string, unknown>,
    mode: 'create' | 'update',
    ctx: CallContext,
  ): ParsedPayload {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw badPayload('The request body must be a JSON object.')
    }
    const values: Row = {}
    const deferred: Deferred[] = []
    let stateRequested = false
    for (const [key, raw] of Object.entries(body)) {
      if (key === '@odata.type') {
        if (
          typeof raw === 'string' &&
          raw !== `Microsoft.Dynamics.CRM.${table.logicalName}` &&
          raw !== `#Microsoft.Dynamics.CRM.${table.logicalName}`
        ) {
          throw badPayload(
            `The @odata.type '${raw}' does not match the entity set's type 'Microsoft.Dynamics.CRM.${table.logicalName}'.`,
          )
        }
        continue
      }
      if (key.endsWith('@odata.bind')) {
        this.#bind(table, key.slice(0, -'@odata.bind'.length), raw, mode, values, deferred)
        continue
      }
      if (key.startsWith('@') || key.includes('@')) continue
      const nav = table.navigations.get(key)
      if (nav !== undefined && raw !== null && typeof raw === 'object') {
        this.#deepInsert(table, nav, raw, ctx, values, deferred)
        continue
      }
      const column = table.byProperty.get(key)
      if (column === undefined) throw invalidBodyProperty(key, table.logicalName)
      if (column.property !== column.logicalName) {
        throw new DataverseError(
          400,
          '0x0',
          'CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.',
        )
      }
      if (column.logicalName === 'statecode') stateRequested = true
      const allowed = mode === 'create' ? column.validForCreate : column.validForUpdate
      if (!allowed) continue
      values[column.logicalName] = coerceInput(table.logicalName, column, raw)
    }
    return { values, deferred, stateRequested }
  }

  #bind(
    table: TableDef,
    navName: string,
    raw: unknown,
    mode: 'create' | 'update',
    values: Row,
    deferred: Deferred[],
  ): void {
    const nav = table.navigations.get(navName)
    if (nav === undefined) throw undeclaredBind(navName, table.setName)
    if (nav.kind === 'single') {
      const column = table.columns.get(nav.column)
      if (column === undefined || !(mode === 'create' ? column.validForCreate : column.validForUpdate)) {
        if (column?.isPrimaryId !== true) return
      }
      if (raw === null) {
        values[nav.column] = null
        return
      }
      const target = parseReference(this.schema, this.store, raw)
      if (!nav.targets.includes(target.table.logicalName)) {
        throw badPayload(
          `The navigation property '${navName}' expects ${nav.targets.join(' or ')}, not ${target.table.logicalName}.`,
        )
      }
      values[nav.column] =
        column?.attributeType === 'Uniqueidentifier' ? target.id : lookup(target.table.logicalName, target.id)
      return
    }
    // Collection bind on create: associate existing records ([create] "Account_Tasks@odata.bind").
    const uris = Array.isArray(raw) ? raw : [raw]
    const targets = uris.map((uri) => parseReference(this.schema, this.store, uri))
    deferred.push((id) => {
      for (const target of targets) {
        if (nav.kind === 'one-to-many') {
          const child = this.store.get(nav.target, target.id)
          if (child !== undefined) {
            this.store.put(nav.target, target.id, {
              ...child,
              [nav.referencingColumn]: lookup(table.logicalName, id),
            })
          }
        } else this.#link(nav, id, target.id)
      }
    })
  }

  #deepInsert(
    table: TableDef,
    nav: NavDef,
    raw: object,
    ctx: CallContext,
    values: Row,
    deferred: Deferred[],
  ): void {
    if (nav.kind === 'single') {
      const targetTable = this.tableOf(nav.targets[0] ?? '')
      const childId = this.#create(targetTable, raw as Record<string, unknown>, ctx, {}, null)
      values[nav.column] = lookup(targetTable.logicalName, childId)
      return
    }
    if (!Array.isArray(raw)) throw badPayload(`'${nav.name}' takes an array of records.`)
    const targetTable = this.tableOf(nav.target)
    deferred.push((id) => {
      for (const item of raw as Array<Record<string, unknown>>) {
        if (nav.kind === 'one-to-many') {
          this.#create(
            targetTable,
            item,
            ctx,
            {},
            { column: nav.referencingColumn, value: lookup(table.logicalName, id) },
          )
        } else {
          const childId = this.#create(targetTable, item, ctx, {}, null)
          this.#link(nav, id, childId)
        }
      }
    })
  }

  // ---------------------------------------------------------------- rules

  #checkKeys(table: TableDef, id: string, row: Row): void {
    for (const key of table.keys.values()) {
      if (key.status !== 'Active') continue
      if (keyOf(row, key.attributes) === null) continue
      const existing = this.store.findByKey(table.logicalName, key.logicalName, row)
      if (existing !== undefined && existing !== id) {
        const names = key.attributes.map((a) => table.columns.get(a)?.displayName ?? a).join(', ')
        throw duplicateKey(names, key.displayName)
      }
    }
  }

  #beforeWrite(
    table: TableDef,
    row: Row,
    before: Row | undefined,
    ctx: CallContext,
    options: WriteOptions,
  ): void {
    const owner = row['ownerid']
    if (
      isLookup(owner) &&
      (before === undefined || !isLookup(before['ownerid']) || before['ownerid'].id !== owner.id)
    ) {
      if (owner.table === 'systemuser') {
        const user = this.store.get('systemuser', owner.id)
        if (user === undefined) throw recordNotFound('systemuser', owner.id)
        if (user['isdisabled'] === true) throw disabledUser(owner.id)
        if (table.columns.has('owninguser')) row['owninguser'] = owner
        if (table.columns.has('owningteam')) row['owningteam'] = null
        const bu = user['businessunitid']
        if (table.columns.has('owningbusinessunit'))
          row['owningbusinessunit'] = isLookup(bu) ? bu : lookup('businessunit', this.ids.businessUnitId)
      } else if (owner.table === 'team') {
        if (this.store.get('team', owner.id) === undefined) throw recordNotFound('team', owner.id)
        if (table.columns.has('owningteam')) row['owningteam'] = owner
        if (table.columns.has('owninguser')) row['owninguser'] = null
        if (table.columns.has('owningbusinessunit'))
          row['owningbusinessunit'] = lookup('businessunit', this.ids.businessUnitId)
      }
    }
    if (table.stateModel !== null && before !== undefined) {
      this.#checkStateChange(table, row, before, options)
    } else if (table.stateModel !== null) {
      this.#checkStatusPair(table, row)
    }
    if (table.logicalName === 'annotation') this.#checkAnnotation(row)
    if (table.isBpf) this.#checkBpfInstance(table, row, before)
    if (table.logicalName === 'workflow' && before === undefined) this.#checkWorkflow(row)
    if (table.logicalName === 'publisher' || table.logicalName === 'solution')
      this.#checkSolutionAware(table, row)
  }

  /** Publishers and solutions: unique names, a valid customization prefix, a solution's publisher. */
  #checkSolutionAware(table: TableDef, row: Row): void {
    const uniqueName = row['uniquename']
    if (typeof uniqueName !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(uniqueName)) {
      throw invalidArgument(`A ${table.logicalName} needs a uniquename of letters, digits and underscores.`)
    }
    const id = row[table.primaryId]
    for (const [otherId, other] of this.store.rows(table.logicalName)) {
      if (otherId !== id && String(other['uniquename'] ?? '').toLowerCase() === uniqueName.toLowerCase()) {
        throw invalidArgument(`A ${table.logicalName} with the unique name ${uniqueName} already exists.`)
      }
    }
    if (table.logicalName === 'publisher') {
      const prefix = row['customizationprefix']
      if (
        typeof prefix !== 'string' ||
        !/^[A-Za-z][A-Za-z0-9]{1,7}$/.test(prefix) ||
        prefix.toLowerCase().startsWith('mscrm')
      ) {
        throw invalidArgument(
          'customizationprefix must be 2 to 8 letters or digits, start with a letter, and not start with mscrm.',
        )
      }
    } else if (!isLookup(row['publisherid'])) {
      throw invalidArgument('A solution needs its publisher ("publisherid@odata.bind").')
    }
  }

  #checkStatusPair(table: TableDef, row: Row): void {
    const model = table.stateModel
    if (model === null) return
    const state = row['statecode']
    const status = row['statuscode']
    if (typeof status !== 'number' || typeof state !== 'number') return
    const option = model.statuses.find((s) => s.value === status)
    if (option !== undefined && option.state !== state) {
      const stateName = model.states.find((s) => s.value === state)?.label ?? String(state)
      const entityName = table.schemaName
      throw invalidState(
        `${status} is not a valid status code for state code ${entityName}State.${stateName.replaceAll(' ', '')} on ${table.logicalName}.`,
      )
    }
  }

  #checkStateChange(table: TableDef, row: Row, before: Row, options: WriteOptions): void {
    if (
      table.logicalName === 'opportunity' &&
      options.allowState !== true &&
      row['statecode'] !== before['statecode']
    ) {
      // WEB-API-NOTES §9: Won/Lost only through WinOpportunity / LoseOpportunity; reopening is allowed.
      if (row['statecode'] === 1) throw useCloseMessage('Won', 'WinOpportunityRequest')
      if (row['statecode'] === 2) throw useCloseMessage('Lost', 'LoseOpportunityRequest')
    }
    this.#checkStatusPair(table, row)
  }

  #checkAnnotation(row: Row): void {
    const parent = row['objectid']
    if (isLookup(parent)) row['objecttypecode'] = parent.table
    const body = row['documentbody']
    if (typeof body === 'string' && body.length > 0) {
      // [files]: the limit applies to the Base64 text.
      const limit = Number(this.organization()['maxuploadfilesize'] ?? 5242880)
      if (body.length > limit) throw attachmentTooBig()
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw badPayload('documentbody must be Base64 text.')
      row['filesize'] =
        Math.floor((body.length * 3) / 4) - (body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0)
      row['isdocument'] = true
    } else if ('documentbody' in row) {
      row['isdocument'] = false
    }
  }

  #checkWorkflow(row: Row): void {
    if (row['category'] !== 4) return
    const entity = row['primaryentity']
    if (typeof entity !== 'string' || this.schema.table(entity) === undefined) {
      throw invalidArgument(
        'A business process flow needs primaryentity, the logical name of an existing table.',
      )
    }
  }

  /** The stages of a process, in order (stagecategory, then creation order). */
  stagesOf(processId: string): Row[] {
    return this.referencing('processstage', 'processid', processId).sort((a, b) => {
      const ca = Number(a['stagecategory'] ?? 0)
      const cb = Number(b['stagecategory'] ?? 0)
      return ca !== cb ? ca - cb : Number(a['__order'] ?? 0) - Number(b['__order'] ?? 0)
    })
  }

  #checkBpfInstance(table: TableDef, row: Row, before: Row | undefined): void {
    const process = row['processid']
    const processId = isLookup(process) ? process.id : typeof process === 'string' ? process : null
    if (processId === null)
      throw invalidArgument('A business process flow instance needs processid (the BPF definition).')
    const workflow = this.store.get('workflow', processId)
    if (workflow === undefined || workflow['category'] !== 4) {
      throw invalidArgument(`Process ${processId} is not a business process flow (workflow category 4).`)
    }
    const stages = this.stagesOf(processId)
    const stageIds = stages.map((s) => String(s['processstageid']))
    if (stageIds.length === 0) throw invalidArgument(`Process ${processId} has no stages.`)
    const active = row['activestageid']
    let activeId = isLookup(active) ? active.id : null
    if (activeId === null) {
      activeId = stageIds[0] ?? null
      row['activestageid'] = lookup('processstage', activeId ?? '')
    }
    if (activeId === null || !stageIds.includes(activeId)) {
      throw invalidArgument(`The stage ${String(activeId)} is not a stage of process ${processId}.`)
    }
    const index = stageIds.indexOf(activeId)
    const path = typeof row['traversedpath'] === 'string' ? String(row['traversedpath']) : null
    if (before === undefined) {
      if (path === null) {
        if (index !== 0) {
          throw invalidArgument(
            'traversedpath is required when a business process flow instance does not start at the first stage.',
          )
        }
        row['traversedpath'] = activeId
      }
      row['activestagestartedon'] ??= row['createdon'] ?? null
      if (row['statecode'] === undefined) row['statecode'] = 0
    }
    const traversed = String(row['traversedpath'])
      .split(',')
      .map((s) => s.trim().toLowerCase())
    if (traversed.at(-1) !== activeId || traversed.some((s) => !stageIds.includes(s))) {
      throw invalidArgument(
        `traversedpath must list visited stages of process ${processId} and end with the active stage.`,
      )
    }
    if (before !== undefined) {
      const previous = before['activestageid']
      const previousIndex = isLookup(previous) ? stageIds.indexOf(previous.id) : -1
      if (previousIndex >= 0 && Math.abs(previousIndex - index) > 1) {
        throw invalidArgument('A business process flow moves one stage at a time (forward or back).')
      }
      if (previousIndex !== index) row['activestagestartedon'] = row['modifiedon'] ?? null
    }
    if (row['statuscode'] === 2 && index !== stageIds.length - 1) {
      throw invalidState('A business process flow can be finished only at its last stage.')
    }
    const primary = [...table.columns.values()].find(
      (c) =>
        c.targets.length === 1 &&
        c.targets[0] !== 'processstage' &&
        c.targets[0] !== 'workflow' &&
        ![
          'createdby',
          'modifiedby',
          'createdonbehalfby',
          'modifiedonbehalfby',
          'organizationid',
          'transactioncurrencyid',
        ].includes(c.logicalName) &&
        String(workflow['primaryentity'] ?? '') === c.targets[0],
    )
    if (primary !== undefined && before === undefined) {
      const record = row[primary.logicalName]
      if (!isLookup(record))
        throw invalidArgument(
          `A ${table.logicalName} instance needs ${primary.logicalName} (the ${primary.targets[0] ?? ''} it belongs to).`,
        )
      for (const other of this.store.rows(table.logicalName).values()) {
        const otherRecord = other[primary.logicalName]
        const otherProcess = other['processid']
        if (
          isLookup(otherRecord) &&
          otherRecord.id === record.id &&
          isLookup(otherProcess) &&
          otherProcess.id === processId
        ) {
          throw duplicateRecord()
        }
      }
    }
  }

  // ---------------------------------------------------------------- side effects

  #afterCreate(table: TableDef, id: string, row: Row, ctx: CallContext, body: Record<string, unknown>): void {
    if (table.logicalName === 'connection' && row['relatedconnectionid'] === undefined) {
      // [conn]: one create writes two rows, linked by relatedconnectionid; the first is the master.
      const reciprocalId = newGuid()
      const reciprocal: Row = {
        ...row,
        connectionid: reciprocalId,
        record1id: row['record2id'] ?? null,
        record2id: row['record1id'] ?? null,
        record1roleid: row['record2roleid'] ?? null,
        record2roleid: row['record1roleid'] ?? null,
        relatedconnectionid: lookup('connection', id),
        ismaster: false,
        versionnumber: this.nextVersion(),
      }
      this.store.put('connection', reciprocalId, reciprocal)
      this.store.put('connection', id, {
        ...row,
        relatedconnectionid: lookup('connection', reciprocalId),
        ismaster: true,
      })
    }
    if (table.logicalName === 'processstage') {
      this.store.put('processstage', id, { ...row, __order: this.nextVersion() })
    }
    this.onCreated?.(
      table,
      id,
      this.store.get(table.logicalName, id) ?? row,
      ctx,
      body['processid'] === EMPTY_GUID,
    )
  }

  #afterUpdate(table: TableDef, id: string, row: Row, before: Row): void {
    if (table.logicalName === 'connection') {
      const related = row['relatedconnectionid']
      if (isLookup(related)) {
        const other = this.store.get('connection', related.id)
        if (other !== undefined) {
          const mirrored: Row = { ...other }
          for (const column of ['statecode', 'statuscode', 'effectivestart', 'effectiveend', 'description']) {
            if (row[column] !== before[column]) mirrored[column] = row[column] ?? null
          }
          this.store.put('connection', related.id, mirrored)
        }
      }
    }
  }

  /**
   * Set by the environment: runs after every create, inside its transaction (BPF instance tables
   * for new BPF definitions, automatic BPF instances, solution components). `skipProcess` is true
   * when the body set `processid` to the empty GUID ([bpf]).
   */
  onCreated:
    ((table: TableDef, id: string, row: Row, ctx: CallContext, skipProcess: boolean) => void) | null = null

  /** A column of a table by payload name or logical name. */
  column(table: TableDef, name: string): ColumnDef | undefined {
    return table.byProperty.get(name) ?? table.columns.get(name)
  }

  /** Is this string a GUID? (re-exported for callers that parse ids from URLs) */
  static isGuid(value: unknown): value is string {
    return typeof value === 'string' && GUID_PATTERN.test(value)
  }

  /** Values of a row that differ from `before`, ignoring platform-managed columns. */
  static changed(before: Row, after: Row): string[] {
    const out: string[] = []
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (SYSTEM_MANAGED.has(key)) continue
      if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) out.push(key)
    }
    return out
  }

  /** The raw stored value of a column, for serialisers. */
  static valueOf(row: Row, column: string): Value {
    return row[column] ?? null
  }
}
