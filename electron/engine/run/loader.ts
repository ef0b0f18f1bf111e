/**
 * The loader: sends journaled writes to Dataverse and is the one place that reacts to the
 * classifier's verdicts (STYLE.md §4):
 *
 * - ok: every record of the call is applied;
 * - retriable, throttled (429): the user pauses for the full Retry-After (the limiter) and the call
 *   goes again, on whichever user is free first;
 * - retriable, anything else (5xx, reset, timeout): the outcome is unknown, so it is settled first
 *   by reading the target by alternate key (or id); only what is absent is sent again;
 * - skippable: a call of several records is split in halves until the bad records stand alone
 *   and fail with their own reason, while the rest load (bulk messages are all-or-nothing on
 *   standard tables, [bulk]);
 * - fatal: the call's records are journaled as failed and the run stops with the run id, phase,
 *   entity set and source key in the error.
 *
 * Every write is an upsert by alternate key, a create with an id chosen beforehand, an update, or
 * an action whose created record has such an id, so a retry never duplicates anything.
 */
import { AppError } from '../errors'
import type { Logger } from '../logger'
import { assertNever } from '../../shared/assert-never'
import { type BatchItem } from '../target/dataverse/batch'
import {
  bulkRequest,
  keyPredicate,
  singleOperation,
  type BulkMessage,
  type RecordWrite,
} from '../target/dataverse/bulk'
import { commitUpload, initializeUpload, uploadBlock } from '../target/dataverse/file-upload'
import { classifyResponse, type Verdict } from '../target/dataverse/classify-response'
import type { DataverseRequest, DataverseResponse } from '../target/dataverse/client'
import type { IntentRow, JournalRepository, NewOutcome } from '../workspace/journal-repository'
import type { RequestReport } from './throttle'
import type { Lease, UserPool } from './user-pool'

/** How an unknown outcome of an item is settled. */
export type SettleBy =
  /** Look the record up by its alternate key (it was created if it is there). */
  | Readonly<{ kind: 'key'; entitySet: string; primaryKey: string; column: string; value: string }>
  /** Look the record up by the id it was created with. */
  | Readonly<{ kind: 'id'; entitySet: string; primaryKey: string; id: string }>
  /** An update or state change: sending it again is harmless. */
  | Readonly<{ kind: 'resend' }>

/** One journaled write ready to send. */
export type LoadItem = Readonly<{
  intent: IntentRow
  write: RecordWrite
  mode: 'upsert' | 'create' | 'update' | 'action'
  /** For actions: the operation to call (`WinOpportunity`) and its body. */
  action?: Readonly<{ path: string; body: unknown }>
  /** Fills in what the journal does not keep (file contents) just before sending. */
  prepare?: (body: Readonly<Record<string, unknown>>) => Promise<Readonly<Record<string, unknown>>>
  /** For chunked uploads: the file's bytes in blocks of at most 4 MB. */
  blocks?: () => AsyncIterable<Buffer>
  settle: SettleBy
}>

/** How a group of items travels. */
export type Transport =
  | Readonly<{ kind: 'bulk'; message: BulkMessage }>
  | Readonly<{ kind: 'batch' }>
  /** One request per item, for writes that cannot be batched. */
  | Readonly<{ kind: 'single' }>
  /** A note whose file goes in blocks: Initialize, UploadBlock × n, Commit. */
  | Readonly<{ kind: 'upload' }>

/** One call's worth of items of one table. */
export type Unit = Readonly<{
  phase: string
  table: string
  entitySet: string
  transport: Transport
  items: ReadonlyArray<LoadItem>
}>

/** Counts the loader reports as outcomes are journaled. */
export type OutcomeListener = (phase: string, table: string, applied: number, failed: number) => void

export type LoaderOptions = Readonly<{
  runId: string
  pool: UserPool
  journal: JournalRepository
  logger: Logger
  now: () => number
  monotonic: () => number
  signal: AbortSignal
  onOutcome: OutcomeListener
  /** Per-request timeout, ms (bulk calls of 1,000 records can take minutes on a busy server). */
  requestTimeoutMs?: number
  /** Attempts per item for retriable errors other than throttling (default 8). */
  maxAttempts?: number
  /** Items per `$batch` (WEB-API-NOTES §1: small batches, more parallelism). */
  batchSize?: number
  /** Records failed calls into `onFailure` for the operator's error list. */
  onFailure?: (item: LoadItem, verdict: Exclude<Verdict, { kind: 'ok' }>) => void
}>

/** The run stopped on a fatal verdict; carries where it happened (STYLE.md §4). */
export class RunStoppedError extends AppError {}

const headerNumber = (headers: Readonly<Record<string, string>>, name: string): number | null => {
  const raw = headers[name]
  if (raw === undefined) return null
  const n = Number(raw.replace(/,/g, ''))
  return Number.isFinite(n) ? n : null
}

const MAX_THROTTLED_ATTEMPTS = 200
const SETTLE_KEYS_PER_QUERY = 100

/** The loader of one run. */
export class Loader {
  readonly #o: LoaderOptions
  readonly #timeoutMs: number
  readonly #maxAttempts: number
  #stopped: AppError | null = null

  constructor(options: LoaderOptions) {
    this.#o = options
    this.#timeoutMs = options.requestTimeoutMs ?? 120_000
    this.#maxAttempts = options.maxAttempts ?? 8
  }

  get batchSize(): number {
    return this.#o.batchSize ?? 100
  }

  /** The error that stopped the run, once a fatal verdict was seen. */
  get stopped(): AppError | null {
    return this.#stopped
  }

  #throwIfStopped(): void {
    if (this.#stopped !== null) throw this.#stopped
    if (this.#o.signal.aborted)
      throw new AppError({ code: 'cancelled', kind: 'fatal', message: 'The run was cancelled.' })
  }

  /** Sends a request as whichever user is free, reporting the answer to that user's limiter. */
  async #call(req: DataverseRequest, records: number): Promise<DataverseResponse> {
    this.#throwIfStopped()
    const lease: Lease = await this.#o.pool.acquire(records)
    const started = this.#o.monotonic()
    let res: DataverseResponse
    try {
      res = await lease.user.client.sendOnce({ ...req, timeoutMs: req.timeoutMs ?? this.#timeoutMs })
    } catch (error) {
      lease.finish({
        latencyMs: this.#o.monotonic() - started,
        throttledForMs: null,
        timeRemainingMs: null,
        requestsRemaining: null,
      })
      throw error
    }
    const report: RequestReport = {
      // The transport's own measure when it has one (sending to headers): closer to the server's
      // charge than the time until this busy process got round to the answer.
      latencyMs: res.elapsedMs ?? this.#o.monotonic() - started,
      throttledForMs:
        res.verdict.kind === 'retriable' && res.verdict.reason === 'throttled'
          ? Math.max(1, res.verdict.waitMs)
          : null,
      timeRemainingMs: headerNumber(res.headers, 'x-ms-ratelimit-time-remaining-xrm-requests'),
      requestsRemaining: headerNumber(res.headers, 'x-ms-ratelimit-burst-remaining-xrm-requests'),
    }
    lease.finish(report)
    return res
  }

  /** Sends a read (the settle queries, before-images) with retries on retriable verdicts; throws otherwise. */
  async read<T>(path: string, what: string): Promise<T[]> {
    const out: T[] = []
    let next: string | null = path
    let attempt = 0
    while (next !== null) {
      const res = await this.#call(
        { method: 'GET', path: next, prefer: ['odata.maxpagesize=5000', 'odata.include-annotations="*"'] },
        1,
      )
      const v = res.verdict
      if (v.kind === 'ok') {
        const page = JSON.parse(res.text) as { value: T[]; '@odata.nextLink'?: string }
        out.push(...page.value)
        next = page['@odata.nextLink'] ?? null
        attempt = 0
        continue
      }
      if (
        v.kind === 'retriable' &&
        attempt++ < (v.reason === 'throttled' ? MAX_THROTTLED_ATTEMPTS : this.#maxAttempts)
      ) {
        if (v.reason !== 'throttled') await this.#backoff(v.waitMs)
        continue
      }
      throw new AppError({
        code: 'dataverse-error',
        kind: v.kind === 'retriable' ? 'retriable' : 'fatal',
        message: `${what} failed: ${v.message}${v.code ? ` (${v.code}, HTTP ${v.status})` : ''}`,
        details: { status: v.status, dataverseCode: v.code },
      })
    }
    return out
  }

  #backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.min(ms, 30_000))
      this.#o.signal.addEventListener('abort', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /**
   * Settles items whose outcome is unknown: reads the target and returns the ids of items found
   * (applied) and the items to send again.
   */
  async settle(
    items: ReadonlyArray<LoadItem>,
  ): Promise<{ applied: Map<LoadItem, string>; absent: LoadItem[] }> {
    const applied = new Map<LoadItem, string>()
    const absent: LoadItem[] = []
    const groups = new Map<string, LoadItem[]>()
    for (const item of items) {
      const s = item.settle
      if (s.kind === 'resend') {
        absent.push(item)
        continue
      }
      const group = `${s.kind}|${s.entitySet}|${s.primaryKey}|${s.kind === 'key' ? s.column : s.primaryKey}`
      const list = groups.get(group)
      if (list === undefined) groups.set(group, [item])
      else list.push(item)
    }
    for (const list of groups.values()) {
      const first = list[0]!.settle as Exclude<SettleBy, { kind: 'resend' }>
      const column = first.kind === 'key' ? first.column : first.primaryKey
      for (let i = 0; i < list.length; i += SETTLE_KEYS_PER_QUERY) {
        const slice = list.slice(i, i + SETTLE_KEYS_PER_QUERY)
        const values = slice.map((it) => {
          const s = it.settle as Exclude<SettleBy, { kind: 'resend' }>
          return s.kind === 'key' ? s.value : s.id
        })
        const filter = `Microsoft.Dynamics.CRM.In(PropertyName='${column}',PropertyValues=[${values
          .map((v) => `'${v.replace(/'/g, "''")}'`)
          .join(',')}])`
        const select = [
          first.primaryKey,
          ...(first.kind === 'key' ? [column] : []),
          // A connection's reciprocal row repeats its columns (WEB-API-NOTES §13): keep the master.
          ...(first.entitySet === 'connections' ? ['ismaster'] : []),
        ].join(',')
        const rows = await this.read<Record<string, unknown>>(
          `${first.entitySet}?$select=${select}&$filter=${encodeURIComponent(filter)}`,
          `Reading back ${first.entitySet}`,
        )
        const found = new Map<string, string>()
        for (const row of rows) {
          const id = String(row[first.primaryKey] ?? '').toLowerCase()
          const key = first.kind === 'key' ? String(row[column] ?? '') : id
          if (found.has(key) && row['ismaster'] !== true) continue
          found.set(key, id)
        }
        for (const it of slice) {
          const s = it.settle as Exclude<SettleBy, { kind: 'resend' }>
          const id = found.get(s.kind === 'key' ? s.value : s.id.toLowerCase())
          if (id !== undefined) applied.set(it, id)
          else absent.push(it)
        }
      }
    }
    return { applied, absent }
  }

  /** Journals the outcomes of finished items. */
  #journal(unit: Unit, outcomes: ReadonlyArray<NewOutcome & { intent: IntentRow }>): void {
    if (outcomes.length === 0) return
    this.#o.journal.recordOutcomes(this.#o.runId, outcomes)
    const applied = outcomes.filter((o) => o.status === 'applied').length
    this.#o.onOutcome(unit.phase, unit.table, applied, outcomes.length - applied)
  }

  #appliedOutcome(
    item: LoadItem,
    id: string | null,
    settledBy: 'response' | 'read-back',
  ): NewOutcome & { intent: IntentRow } {
    return {
      intent: item.intent,
      intentId: item.intent.intentId,
      status: 'applied',
      targetId: id ?? item.intent.targetId,
      etag: null,
      verdict: 'ok',
      httpStatus: null,
      code: null,
      message: null,
      settledBy,
    }
  }

  #failedOutcome(
    item: LoadItem,
    verdict: Exclude<Verdict, { kind: 'ok' }>,
  ): NewOutcome & { intent: IntentRow } {
    this.#o.onFailure?.(item, verdict)
    return {
      intent: item.intent,
      intentId: item.intent.intentId,
      status: 'failed',
      targetId: null,
      etag: null,
      verdict: verdict.kind,
      httpStatus: verdict.status || null,
      code: verdict.code || null,
      message: verdict.message,
      settledBy: 'response',
    }
  }

  #stop(unit: Unit, item: LoadItem | undefined, verdict: Extract<Verdict, { kind: 'fatal' }>): never {
    const error = new RunStoppedError({
      code: verdict.status === 401 || verdict.status === 403 ? 'dataverse-access-denied' : 'run-stopped',
      kind: 'fatal',
      message: `The run stopped in phase ${unit.phase} writing ${unit.entitySet}${item ? ` (record ${item.intent.sourceKey})` : ''}: ${verdict.message}${verdict.code ? ` (${verdict.code}, HTTP ${verdict.status})` : verdict.status ? ` (HTTP ${verdict.status})` : ''}. Fix the cause, then run the migration again: it resumes where it stopped.`,
      details: {
        runId: this.#o.runId,
        phase: unit.phase,
        entitySet: unit.entitySet,
        sourceKey: item?.intent.sourceKey ?? null,
        status: verdict.status,
        dataverseCode: verdict.code,
      },
    })
    this.#stopped ??= error
    throw error
  }

  /** Sends one unit until every item has an outcome (or the run stops). */
  async send(unit: Unit): Promise<void> {
    let pending: ReadonlyArray<LoadItem> = unit.items
    let attempt = 0
    let throttled = 0
    while (pending.length > 0) {
      this.#throwIfStopped()
      const current: Unit = { ...unit, items: pending }
      const res = await this.#sendOnce(current)
      if (res.kind === 'done') return
      if (res.kind === 'throttled') {
        if (++throttled > MAX_THROTTLED_ATTEMPTS) {
          this.#journal(
            unit,
            pending.map((i) => this.#failedOutcome(i, res.verdict)),
          )
          return
        }
        continue
      }
      if (res.kind === 'unknown') {
        // The call may have been applied: settle by reading, then send only what is absent.
        const { applied, absent } = await this.settle(pending)
        this.#journal(
          unit,
          [...applied].map(([item, id]) => this.#appliedOutcome(item, id, 'read-back')),
        )
        if (++attempt >= this.#maxAttempts) {
          this.#journal(
            unit,
            absent.map((i) => this.#failedOutcome(i, res.verdict)),
          )
          return
        }
        this.#o.logger.warn('call outcome unknown; settled by read-back', {
          phase: unit.phase,
          entitySet: unit.entitySet,
          applied: applied.size,
          resend: absent.length,
          code: res.verdict.code,
        })
        await this.#backoff(res.verdict.waitMs)
        pending = absent
        continue
      }
      if (res.kind === 'retry') {
        pending = res.items
        continue
      }
      if (res.kind === 'split') {
        // A bulk call fails whole on one bad record ([bulk]). Halve it while it is large; once a
        // part is no bigger than a $batch, send it as one with continue-on-error, so every bad
        // record fails alone with its own reason and the rest load, in one call.
        if (unit.transport.kind === 'bulk' && pending.length <= this.batchSize) {
          await this.send({ ...unit, transport: { kind: 'batch' }, items: pending })
          return
        }
        const half = Math.ceil(pending.length / 2)
        await Promise.all([
          this.send({ ...unit, items: pending.slice(0, half) }),
          this.send({ ...unit, items: pending.slice(half) }),
        ])
        return
      }
      assertNever(res, 'unknown send result')
    }
  }

  async #bodyOf(item: LoadItem): Promise<Readonly<Record<string, unknown>>> {
    return item.prepare ? item.prepare(item.write.body) : item.write.body
  }

  async #sendOnce(
    unit: Unit,
  ): Promise<
    | Readonly<{ kind: 'done' }>
    | Readonly<{ kind: 'throttled'; verdict: Exclude<Verdict, { kind: 'ok' }> }>
    | Readonly<{ kind: 'unknown'; verdict: Extract<Verdict, { kind: 'retriable' }> }>
    | Readonly<{ kind: 'retry'; items: ReadonlyArray<LoadItem> }>
    | Readonly<{ kind: 'split' }>
  > {
    const t = unit.transport
    switch (t.kind) {
      case 'bulk': {
        const writes = await Promise.all(
          unit.items.map(async (i) => ({ ...i.write, body: await this.#bodyOf(i) })),
        )
        const res = await this.#call(bulkRequest(t.message, writes), unit.items.length)
        return this.#react(unit, res.verdict, () => {
          let ids: string[] = []
          if (t.message === 'CreateMultiple' && res.text !== '') {
            ids = ((JSON.parse(res.text) as { Ids?: string[] }).Ids ?? []).map((id) => id.toLowerCase())
          }
          this.#journal(
            unit,
            unit.items.map((item, i) => this.#appliedOutcome(item, ids[i] ?? null, 'response')),
          )
        })
      }
      case 'single': {
        const item = unit.items[0]!
        if (unit.items.length > 1) {
          await Promise.all(unit.items.map((i) => this.send({ ...unit, items: [i] })))
          return { kind: 'done' }
        }
        const op =
          item.mode === 'action'
            ? null
            : singleOperation(item.mode, { ...item.write, body: await this.#bodyOf(item) })
        const req: DataverseRequest =
          op === null
            ? { method: 'POST', path: item.action!.path, body: item.action!.body }
            : {
                method: op.method,
                path: op.url,
                ...(op.body === undefined ? {} : { body: op.body }),
                ...(op.headers ? { headers: op.headers } : {}),
              }
        const res = await this.#call(req, 1)
        return this.#react(unit, res.verdict, () =>
          this.#journal(unit, [this.#appliedOutcome(item, null, 'response')]),
        )
      }
      case 'upload': {
        if (unit.items.length > 1) {
          await Promise.all(unit.items.map((i) => this.send({ ...unit, items: [i] })))
          return { kind: 'done' }
        }
        const item = unit.items[0]!
        const verdict = await this.#upload(item)
        return this.#react(unit, verdict, () =>
          this.#journal(unit, [this.#appliedOutcome(item, null, 'response')]),
        )
      }
      case 'batch': {
        const ops = await Promise.all(
          unit.items.map(async (item): Promise<BatchItem> => {
            if (item.mode === 'action') {
              return {
                kind: 'request',
                op: { method: 'POST', url: item.action!.path, body: item.action!.body },
              }
            }
            return {
              kind: 'request',
              op: singleOperation(item.mode, { ...item.write, body: await this.#bodyOf(item) }),
            }
          }),
        )
        const lease = await this.#batchCall(ops, unit.items.length)
        const whole = lease.response.verdict
        if (whole.kind !== 'ok' || lease.parts.length !== unit.items.length) {
          if (whole.kind === 'ok') {
            // Fewer parts than requests: processing stopped at a failure ([batch]); settle and go on.
            return {
              kind: 'unknown',
              verdict: {
                kind: 'retriable',
                status: 200,
                code: 'batch-incomplete',
                message: 'The $batch answered fewer parts than it was sent.',
                waitMs: 0,
                reason: 'server-error',
              },
            }
          }
          return this.#react(unit, whole, () => {})
        }
        const applied: Array<NewOutcome & { intent: IntentRow }> = []
        const failed: Array<NewOutcome & { intent: IntentRow }> = []
        const again: LoadItem[] = []
        let fatal: { item: LoadItem; verdict: Extract<Verdict, { kind: 'fatal' }> } | null = null
        let throttledFor = 0
        unit.items.forEach((item, i) => {
          const part = lease.parts[i]!
          const v = classifyResponse(part.status, part.headers, part.body, 0, this.#o.now())
          switch (v.kind) {
            case 'ok':
              applied.push(this.#appliedOutcome(item, null, 'response'))
              break
            case 'retriable':
              if (v.reason === 'throttled') throttledFor = Math.max(throttledFor, v.waitMs)
              again.push(item)
              break
            case 'skippable':
              failed.push(this.#failedOutcome(item, v))
              break
            case 'fatal':
              fatal ??= { item, verdict: v }
              failed.push(this.#failedOutcome(item, v))
              break
            default:
              assertNever(v, 'unclassified batch part')
          }
        })
        this.#journal(unit, [...applied, ...failed])
        if (fatal !== null) {
          const f = fatal as { item: LoadItem; verdict: Extract<Verdict, { kind: 'fatal' }> }
          this.#journal(
            unit,
            again.map((i) => this.#failedOutcome(i, f.verdict)),
          )
          this.#stop(unit, f.item, f.verdict)
        }
        if (again.length === 0) return { kind: 'done' }
        if (throttledFor > 0) await this.#backoff(throttledFor)
        // Retriable parts: their outcome is unknown unless throttled; settling decides.
        const { applied: found, absent } = await this.settle(again)
        this.#journal(
          unit,
          [...found].map(([item, id]) => this.#appliedOutcome(item, id, 'read-back')),
        )
        return { kind: 'retry', items: absent }
      }
      default:
        return assertNever(t, 'unknown transport')
    }
  }

  /**
   * One chunked upload; returns the verdict of the step that decided it. A throttled step is
   * repeated; any other failure ends the upload with that verdict (the caller settles or splits).
   */
  async #upload(item: LoadItem): Promise<Verdict> {
    const columns = { ...item.write.body }
    const id =
      item.write.createId ??
      (item.write.address.kind === 'id' ? item.write.address.id : (item.intent.targetId ?? ''))
    const step = async (req: DataverseRequest): Promise<DataverseResponse> => {
      for (let throttled = 0; ; throttled++) {
        const res = await this.#call(req, 1)
        if (
          res.verdict.kind === 'retriable' &&
          res.verdict.reason === 'throttled' &&
          throttled < MAX_THROTTLED_ATTEMPTS
        )
          continue
        return res
      }
    }
    const init = await step(initializeUpload(id, columns))
    if (init.verdict.kind !== 'ok') return init.verdict
    const token = String(
      (JSON.parse(init.text) as { FileContinuationToken?: string }).FileContinuationToken ?? '',
    )
    let index = 0
    for await (const block of item.blocks?.() ?? []) {
      const res = await step(uploadBlock(token, index, block))
      if (res.verdict.kind !== 'ok') return res.verdict
      index++
    }
    const commit = await step(commitUpload(token, id, columns, index))
    return commit.verdict
  }

  async #batchCall(ops: ReadonlyArray<BatchItem>, records: number) {
    this.#throwIfStopped()
    const lease = await this.#o.pool.acquire(records)
    const started = this.#o.monotonic()
    try {
      const result = await lease.user.client.batch(ops, { continueOnError: true, policy: { maxAttempts: 1 } })
      const v = result.response.verdict
      lease.finish({
        latencyMs: this.#o.monotonic() - started,
        throttledForMs: v.kind === 'retriable' && v.reason === 'throttled' ? Math.max(1, v.waitMs) : null,
        timeRemainingMs: headerNumber(result.response.headers, 'x-ms-ratelimit-time-remaining-xrm-requests'),
        requestsRemaining: headerNumber(
          result.response.headers,
          'x-ms-ratelimit-burst-remaining-xrm-requests',
        ),
      })
      return result
    } catch (error) {
      lease.finish({
        latencyMs: this.#o.monotonic() - started,
        throttledForMs: null,
        timeRemainingMs: null,
        requestsRemaining: null,
      })
      throw error
    }
  }

  /** The one reaction to a call's verdict (STYLE.md §4). */
  #react(
    unit: Unit,
    verdict: Verdict,
    onOk: () => void,
  ):
    | Readonly<{ kind: 'done' }>
    | Readonly<{ kind: 'throttled'; verdict: Exclude<Verdict, { kind: 'ok' }> }>
    | Readonly<{ kind: 'unknown'; verdict: Extract<Verdict, { kind: 'retriable' }> }>
    | Readonly<{ kind: 'split' }> {
    switch (verdict.kind) {
      case 'ok':
        onOk()
        return { kind: 'done' }
      case 'retriable':
        return verdict.reason === 'throttled' ? { kind: 'throttled', verdict } : { kind: 'unknown', verdict }
      case 'skippable':
        if (unit.items.length > 1) return { kind: 'split' }
        this.#journal(unit, [this.#failedOutcome(unit.items[0]!, verdict)])
        return { kind: 'done' }
      case 'fatal':
        this.#journal(
          unit,
          unit.items.map((i) => this.#failedOutcome(i, verdict)),
        )
        return this.#stop(unit, unit.items[0], verdict)
      default:
        return assertNever(verdict, 'unclassified Dataverse response')
    }
  }
}

/** Builds the key-settle spec of an alternate-key write. */
export const settleByKey = (
  entitySet: string,
  primaryKey: string,
  column: string,
  value: string,
): SettleBy => ({
  kind: 'key',
  entitySet,
  primaryKey,
  column,
  value,
})

/** For logs: `contacts(lb_sourceid='contact-1')`. */
export const describeKey = (entitySet: string, column: string, value: string): string =>
  `${entitySet}${keyPredicate(column, value)}`
