/**
 * Turns a phase's planned writes into journaled calls: chunk by table, skip what this run already
 * settled (resume), find out which records exist (the id map, a table known to hold no foreign
 * keyed rows, else a read by alternate key that also yields the before-image of the columns the
 * write changes), commit the intents, then hand the chunk to the loader.
 */
import { createHash } from 'node:crypto'
import type { BulkSupport, TargetCapabilities } from './target-capabilities'
import type {
  IntentOperation,
  IntentRow,
  JournalRepository,
  NewIntent,
  SkipRow,
} from '../workspace/journal-repository'
import { MAX_BULK_TARGETS, recordPath, type RecordWrite } from '../target/dataverse/bulk'
import { type LoadItem, type Loader, type SettleBy, type Transport, type Unit } from './loader'
import type { UserPool } from './user-pool'

type Body = Readonly<Record<string, unknown>>

/** One record's write as a phase plans it, before the run knows whether the record exists. */
export type PlannedWrite = Readonly<{
  step: string
  table: string
  entitySet: string
  primaryKey: string
  sourceKey: string
  parentKey: string | null
  /** `record`: upsert (or create/update on tables without a key); `update`: the record must exist; `action`: an operation call. */
  kind: 'record' | 'update' | 'action'
  /** The id a new record is created with (deterministic: the same source key always gets the same id). */
  newId: string
  /** Existence, id and before-image when the phase already knows them (no read needed). */
  known?: Readonly<{ existed: boolean; id: string; before: unknown }>
  /** Columns to read as the before-image (besides the primary key). */
  probeColumns: ReadonlyArray<string>
  /**
   * The Web API body. `existed` says whether the record was there before (create-only columns,
   * parties); `before` is the record as read, so an update can carry only what changes.
   */
  body: (existed: boolean, before: Readonly<Record<string, unknown>> | null) => Body
  /** What the journal keeps instead of the body (file contents left out); defaults to the body. */
  journalBody?: (existed: boolean, before: Readonly<Record<string, unknown>> | null) => Body
  /** The size of the file the write carries, bytes: an existing note with a file of this size keeps it. */
  fileSize?: number
  prepare?: (body: Body) => Promise<Body>
  /** For actions: the call, given the record's id, and the record it creates (settled by id). */
  action?: (targetId: string) => Readonly<{
    path: string
    body: unknown
    creates: Readonly<{ entitySet: string; primaryKey: string; id: string }>
  }>
  /** Says why a write is not needed given the record as read (already closed…); null to send it. */
  unnecessary?: (before: Readonly<Record<string, unknown>> | null) => string | null
  /** Send as a chunked upload (files above 4 MB): the file's blocks. */
  upload?: boolean
  blocks?: () => AsyncIterable<Buffer>
  /** Approximate request bytes (files), to keep calls small. */
  bytes?: number
}>

/** Outcome-independent counts a phase reports. */
export type PhaseCounters = {
  planned: number
  skippedSettled: number
  unnecessary: number
}

export type PhaseRunnerOptions = Readonly<{
  runId: string
  phase: string
  journal: JournalRepository
  loader: Loader
  pool: UserPool
  capabilities: TargetCapabilities
  keyColumn: string
  /** Records per bulk call (≤ 1,000). */
  chunkSize: number
  /** How many writes the step plans (to shrink its last chunks so they go out side by side). */
  expected?: number
  /** Largest request body per call, bytes. */
  maxCallBytes?: number
  onSkipped: (table: string, n: number) => void
  signal: AbortSignal
}>

/** A deterministic GUID for a source key (name-based, RFC 4122 version 5 layout). */
export function deterministicId(...parts: ReadonlyArray<string>): string {
  const bytes = Buffer.from(
    createHash('sha1')
      .update(`leafbridge:${parts.join('|')}`)
      .digest()
      .subarray(0, 16),
  )
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const quote = (v: string) => `'${v.replace(/'/g, "''")}'`

/** Runs one phase's writes; resolves when each has an outcome or a reason it was not sent. */
export class PhaseRunner {
  readonly #o: PhaseRunnerOptions
  readonly #settled = new Map<string, ReadonlyMap<string, string>>()
  readonly #fresh = new Map<string, Promise<boolean>>()
  readonly #running = new Set<Promise<void>>()
  readonly counters: PhaseCounters = { planned: 0, skippedSettled: 0, unnecessary: 0 }
  #error: unknown = null

  constructor(options: PhaseRunnerOptions) {
    this.#o = options
  }

  #settledOf(step: string): ReadonlyMap<string, string> {
    let s = this.#settled.get(step)
    if (s === undefined) {
      s = this.#o.journal.settled(this.#o.runId, this.#o.phase, step)
      this.#settled.set(step, s)
    }
    return s
  }

  /**
   * Does the target hold keyed rows of `table` that this workspace did not write? Checked once per
   * run and table (and kept, so a resumed run answers the same). Chunks run in parallel: they all
   * wait on the one check, which must see the table before any of them writes to it (a check made
   * after our first chunk landed would find our own rows and send every later chunk to probing).
   */
  #foreignRows(w: PlannedWrite): Promise<boolean> {
    let check = this.#fresh.get(w.table)
    if (check === undefined) {
      check = this.#checkForeignRows(w)
      this.#fresh.set(w.table, check)
      // A failed check is asked again by the next chunk.
      check.catch(() => this.#fresh.delete(w.table))
    }
    return check
  }

  async #checkForeignRows(w: PlannedWrite): Promise<boolean> {
    const stored = this.#o.journal.foreignKeyedRows(this.#o.runId, w.table)
    if (stored !== undefined) return stored
    let foreign = true
    if (this.#o.capabilities.keyed.has(w.table) && this.#o.journal.mappedCount(w.table) === 0) {
      const rows = await this.#o.loader.read<Record<string, unknown>>(
        `${w.entitySet}?$select=${w.primaryKey}&$filter=${encodeURIComponent(`${this.#o.keyColumn} ne null`)}&$top=1`,
        `Checking ${w.entitySet} for records with a source id`,
      )
      foreign = rows.length > 0
    }
    this.#o.journal.setForeignKeyedRows(this.#o.runId, w.table, foreign)
    return foreign
  }

  /** Reads the records of a chunk that may exist: their ids and before-images. */
  async #probe(writes: ReadonlyArray<PlannedWrite>): Promise<Map<PlannedWrite, Record<string, unknown>>> {
    const found = new Map<PlannedWrite, Record<string, unknown>>()
    if (writes.length === 0) return found
    const first = writes[0]!
    const keyed = this.#o.capabilities.keyed.has(first.table) && first.kind === 'record'
    const columns = new Set<string>([first.primaryKey, ...writes.flatMap((w) => w.probeColumns)])
    if (keyed) columns.add(this.#o.keyColumn)
    // A connection's reciprocal row repeats its columns (WEB-API-NOTES §13): read `ismaster` to tell them apart.
    if (first.table === 'connection') columns.add('ismaster')
    const mapped = keyed
      ? new Map<string, string>()
      : this.#o.journal.idsOf(
          first.table,
          writes.map((w) => w.sourceKey),
        )
    for (let i = 0; i < writes.length; i += 100) {
      const slice = writes.slice(i, i + 100)
      const property = keyed ? this.#o.keyColumn : first.primaryKey
      const values = slice.map((w) => (keyed ? w.sourceKey : (mapped.get(w.sourceKey) ?? w.newId)))
      const filter = `Microsoft.Dynamics.CRM.In(PropertyName='${property}',PropertyValues=[${values.map(quote).join(',')}])`
      const rows = await this.#o.loader.read<Record<string, unknown>>(
        `${first.entitySet}?$select=${[...columns].join(',')}&$filter=${encodeURIComponent(filter)}`,
        `Reading ${first.entitySet} before writing`,
      )
      const byValue = new Map<string, Record<string, unknown>>()
      for (const r of rows) {
        const k = String(r[property] ?? '').toLowerCase()
        if (!byValue.has(k) || r['ismaster'] === true) byValue.set(k, r)
      }
      slice.forEach((w, j) => {
        const row = byValue.get(values[j]!.toLowerCase())
        if (row !== undefined) found.set(w, row)
      })
    }
    return found
  }

  /** Queues planned writes; resolves once every chunk has been handed to the loader and finished. */
  async run(writes: Iterable<PlannedWrite> | AsyncIterable<PlannedWrite>): Promise<void> {
    const buffers = new Map<string, PlannedWrite[]>()
    const bytes = new Map<string, number>()
    const maxBytes = this.#o.maxCallBytes ?? 16 * 1024 * 1024
    for await (const w of writes) {
      if (this.#error !== null) break
      if (this.#o.signal.aborted) break
      this.counters.planned++
      const settled = this.#settledOf(w.step).get(w.sourceKey)
      if (settled === 'applied' || settled === 'failed-skippable') {
        this.counters.skippedSettled++
        this.#o.onSkipped(w.table, 1)
        continue
      }
      const group = `${w.table}|${w.step}|${w.kind}|${w.upload === true}`
      const list = buffers.get(group) ?? []
      list.push(w)
      buffers.set(group, list)
      const size = (bytes.get(group) ?? 0) + (w.bytes ?? 1024)
      bytes.set(group, size)
      if (list.length >= this.#chunkSizeFor(w) || size >= maxBytes) {
        buffers.delete(group)
        bytes.delete(group)
        await this.#dispatch(list)
      }
    }
    for (const list of buffers.values()) {
      if (this.#error !== null) break
      await this.#dispatch(list)
    }
    await Promise.allSettled([...this.#running])
    if (this.#error !== null) throw this.#error
  }

  #chunkSizeFor(w: PlannedWrite): number {
    if (w.upload === true) return 1
    const bulk = this.#o.capabilities.bulk.get(w.table)
    const usesBulk = w.kind !== 'action' && bulk !== undefined && (bulk.upsert || bulk.create || bulk.update)
    let size = Math.min(this.#o.chunkSize, this.#o.pool.recommendedRecords() ?? this.#o.chunkSize)
    // Near the end of a step, smaller chunks: the last records then travel in parallel calls
    // instead of one long call while the others sit idle until the next step may start.
    if (this.#o.expected !== undefined) {
      const remaining = Math.max(0, this.#o.expected - this.counters.planned)
      size = Math.min(size, Math.max(50, Math.ceil(remaining / 6)))
    }
    return usesBulk ? Math.min(MAX_BULK_TARGETS, size) : Math.min(size, this.#o.loader.batchSize * 2)
  }

  /** Waits while enough chunks are outstanding, then starts one more. */
  async #dispatch(list: ReadonlyArray<PlannedWrite>): Promise<void> {
    // As many chunks as are being sent, plus two ready per user: more would only hold records in
    // memory and intents in the journal ahead of their calls.
    const capacity = () =>
      this.#o.pool.users.reduce((n, u) => n + u.limiter.inFlight, 0) + 2 * this.#o.pool.users.length + 2
    // Capacity grows as chunks get their leases, not only as they end: wake on either.
    while (this.#running.size >= capacity() && this.#error === null)
      await Promise.race([...this.#running, this.#o.pool.nextLease()])
    if (this.#error !== null) return
    const p = this.#chunk(list)
      .catch((error: unknown) => {
        this.#error ??= error
      })
      .finally(() => this.#running.delete(p))
    this.#running.add(p)
  }

  async #chunk(list: ReadonlyArray<PlannedWrite>): Promise<void> {
    const first = list[0]!
    const table = first.table
    const keyed = this.#o.capabilities.keyed.has(table) && first.kind === 'record'
    const unknown: PlannedWrite[] = []
    const decided = new Map<
      PlannedWrite,
      { existed: boolean; id: string; before: Record<string, unknown> | null }
    >()
    const foreign = first.kind === 'record' ? await this.#foreignRows(first) : true
    const mapped = this.#o.journal.idsOf(
      table,
      list.filter((w) => w.known === undefined).map((w) => w.sourceKey),
    )
    for (const w of list) {
      if (w.known !== undefined) {
        decided.set(w, {
          existed: w.known.existed,
          id: w.known.id,
          before: (w.known.before as Record<string, unknown> | null) ?? null,
        })
      } else if (!foreign && !mapped.has(w.sourceKey)) {
        decided.set(w, { existed: false, id: w.newId, before: null })
      } else unknown.push(w)
    }
    const probed = await this.#probe(unknown)
    for (const w of unknown) {
      const row = probed.get(w)
      decided.set(
        w,
        row === undefined
          ? { existed: false, id: w.newId, before: null }
          : { existed: true, id: String(row[w.primaryKey]).toLowerCase(), before: row },
      )
    }

    const skips: SkipRow[] = []
    const intents: NewIntent[] = []
    const sendable: Array<{
      w: PlannedWrite
      existed: boolean
      id: string
      mode: LoadItem['mode']
      body: Body
      withFile: boolean
    }> = []
    const callId = this.#o.journal.nextCallId()
    for (const w of list) {
      const d = decided.get(w)!
      const reason =
        w.unnecessary?.(d.before) ?? (w.kind === 'update' && !d.existed ? 'target-record-missing' : null)
      if (reason !== null) {
        skips.push({
          phase: this.#o.phase,
          table,
          sourceKey: `${w.sourceKey}${w.step === 'load' ? '' : `#${w.step}`}`,
          reason,
          message: skipMessage(reason),
          details: null,
        })
        continue
      }
      // An existing note whose file has the same size keeps its file; only changed columns go.
      const fileSame = d.existed && w.fileSize !== undefined && d.before?.['filesize'] === w.fileSize
      const body = w.body(d.existed, d.before)
      if (
        w.kind === 'record' &&
        d.existed &&
        Object.keys(body).length === 0 &&
        (w.fileSize === undefined || fileSame)
      ) {
        skips.push({
          phase: this.#o.phase,
          table,
          sourceKey: `${w.sourceKey}${w.step === 'load' ? '' : `#${w.step}`}`,
          reason: 'already-done',
          message: skipMessage('already-done'),
          details: null,
        })
        continue
      }
      const mode: LoadItem['mode'] =
        w.kind === 'action'
          ? 'action'
          : w.kind === 'update'
            ? 'update'
            : keyed
              ? 'upsert'
              : d.existed
                ? 'update'
                : 'create'
      const operation: IntentOperation =
        mode === 'upsert' ? 'upsert' : mode === 'create' ? 'create' : mode === 'update' ? 'update' : 'action'
      const journalBody = fileSame ? body : (w.journalBody ?? w.body)(d.existed, d.before)
      const action = w.action?.(d.id)
      const path =
        action?.path ??
        (keyed
          ? recordPath({
              entitySet: w.entitySet,
              address: { kind: 'key', column: this.#o.keyColumn, value: w.sourceKey },
            })
          : mode === 'create'
            ? w.entitySet
            : `${w.entitySet}(${d.id})`)
      intents.push({
        phase: this.#o.phase,
        step: w.step,
        table: action
          ? action.creates.entitySet === w.entitySet
            ? table
            : tableOfSet(action.creates.entitySet)
          : table,
        entitySet: action ? action.creates.entitySet : w.entitySet,
        operation,
        sourceKey: w.sourceKey,
        parentKey: w.parentKey,
        targetId: action ? action.creates.id : d.id,
        existed: action ? false : d.existed,
        beforeImage: d.existed ? d.before : null,
        request: {
          method: mode === 'create' || mode === 'action' ? 'POST' : 'PATCH',
          path,
          body: action ? action.body : journalBody,
        },
        callId,
      })
      sendable.push({
        w,
        existed: d.existed,
        id: d.id,
        mode,
        body,
        withFile: w.fileSize !== undefined && !fileSame,
      })
    }
    if (skips.length > 0) {
      this.#o.journal.recordSkips(this.#o.runId, skips)
      this.counters.unnecessary += skips.length
      this.#o.onSkipped(table, skips.length)
    }
    if (intents.length === 0) return
    const rows: ReadonlyArray<IntentRow> = this.#o.journal.recordIntents(this.#o.runId, intents)
    const items: LoadItem[] = sendable.map((s, i) => {
      const intent = rows[i]!
      const write: RecordWrite = {
        table,
        entitySet: s.w.entitySet,
        primaryKey: s.w.primaryKey,
        address:
          keyed && s.mode === 'upsert'
            ? { kind: 'key', column: this.#o.keyColumn, value: s.w.sourceKey }
            : { kind: 'id', id: s.id },
        createId: s.existed ? null : s.id,
        body: s.body,
      }
      const action = s.w.action?.(s.id)
      const settle: SettleBy = action
        ? {
            kind: 'id',
            entitySet: action.creates.entitySet,
            primaryKey: action.creates.primaryKey,
            id: action.creates.id,
          }
        : s.existed
          ? { kind: 'resend' }
          : keyed
            ? {
                kind: 'key',
                entitySet: s.w.entitySet,
                primaryKey: s.w.primaryKey,
                column: this.#o.keyColumn,
                value: s.w.sourceKey,
              }
            : { kind: 'id', entitySet: s.w.entitySet, primaryKey: s.w.primaryKey, id: s.id }
      return {
        intent,
        write,
        mode: s.mode,
        ...(action ? { action: { path: action.path, body: action.body } } : {}),
        ...(s.w.prepare && s.withFile ? { prepare: s.w.prepare } : {}),
        ...(s.w.blocks && s.withFile ? { blocks: s.w.blocks } : {}),
        settle,
      }
    })
    const byMode = new Map<string, LoadItem[]>()
    items.forEach((item, i) => {
      const k = `${item.mode}|${sendable[i]!.w.upload === true && sendable[i]!.withFile}`
      const l = byMode.get(k) ?? []
      l.push(item)
      byMode.set(k, l)
    })
    const units: Unit[] = []
    for (const [group_, group] of byMode) {
      const [mode, upload] = group_.split('|')
      const transport =
        upload === 'true'
          ? ({ kind: 'upload' } as const)
          : transportFor(mode as LoadItem['mode'], this.#o.capabilities.bulk.get(table))
      const size =
        transport.kind === 'batch'
          ? this.#o.loader.batchSize
          : transport.kind === 'bulk'
            ? MAX_BULK_TARGETS
            : 1
      for (let i = 0; i < group.length; i += size) {
        units.push({
          phase: this.#o.phase,
          table,
          entitySet: first.entitySet,
          transport,
          items: group.slice(i, i + size),
        })
      }
    }
    await Promise.all(units.map((u) => this.#o.loader.send(u)))
  }
}

const TABLE_OF_SET: Readonly<Record<string, string>> = { opportunitycloses: 'opportunityclose' }
const tableOfSet = (set: string): string => TABLE_OF_SET[set] ?? set

function transportFor(mode: LoadItem['mode'], bulk: BulkSupport | undefined): Transport {
  if (mode === 'action') return { kind: 'batch' }
  if (mode === 'upsert' && bulk?.upsert) return { kind: 'bulk', message: 'UpsertMultiple' }
  if (mode === 'create' && bulk?.create) return { kind: 'bulk', message: 'CreateMultiple' }
  if (mode === 'update' && bulk?.update) return { kind: 'bulk', message: 'UpdateMultiple' }
  return { kind: 'batch' }
}

function skipMessage(reason: string): string {
  switch (reason) {
    case 'target-record-missing':
      return 'The record this write changes is not in the target (it failed to load or was removed); nothing was sent.'
    case 'already-closed':
      return 'The opportunity is already closed in the target; nothing was sent.'
    case 'already-done':
      return 'The target already has this state; nothing was sent.'
    default:
      return reason
  }
}
