/**
 * The rollback executor: undoes every migrate run against a target that no rollback has undone
 * yet, newest run first, by the plan of rollback-plan.ts. Each step is journaled before its call
 * and settled after it in a rollback run of the same journal, so a rollback stopped at any moment
 * (a crash, a cancel, a lost network) resumes where it stopped when started again; a step already
 * applied is not sent twice, and a step whose answer was lost is safe to repeat (a delete of a
 * record already gone answers 404, a restore writes the same values).
 *
 * Steps travel in `$batch` requests with `Prefer: odata.continue-on-error`, so one refused step
 * fails alone (WEB-API-NOTES.md §2). Restores are `PATCH` with `If-Match: *`, so a record deleted
 * meanwhile is reported instead of re-created (§4). The stages (reopen, restore, delete) never
 * overlap; within the delete stage, a delete a parental relationship refused while a child still
 * existed is tried once more at the end.
 */
import { randomUUID } from 'node:crypto'
import type {
  RollbackCounts,
  RollbackPreview,
  RollbackResult,
  RollbackWarning,
} from '../../shared/dto/rollback'
import { assertNever } from '../../shared/assert-never'
import { AppError, CancelledError, toAppErrorData } from '../errors'
import { type MappingDocument, logicalNameOf } from '../plan/mapping/model'
import type { BatchItem } from '../target/dataverse/batch'
import { classifyResponse } from '../target/dataverse/classify-response'
import type { DataverseClient } from '../target/dataverse/client'
import type { RollbackOutcome, RollbackRepository, RollbackRunRow } from '../workspace/rollback-repository'
import { type RollbackPlan, type UndoStep, planRollback, recordUrl } from './rollback-plan'

/** Progress of a rollback, in steps. */
export type RollbackProgress = Readonly<{ done: number; total: number; stage: UndoStep['kind'] }>

export type RollbackOptions = Readonly<{
  repo: RollbackRepository
  client: DataverseClient
  targetUrl: string
  signal?: AbortSignal
  onProgress?: (p: RollbackProgress) => void
  onLog?: (message: string) => void
  /** Steps per `$batch` (default 100). */
  batchSize?: number
  /** `$batch` requests in flight (default: the server's dop hint, at most 4). */
  concurrency?: number
  now?: () => number
}>

/** One migrate run's plan with the rollback run that carries it out. */
type RunPlan = Readonly<{ run: RollbackRunRow; plan: RollbackPlan; alreadyDone: number; resumes: boolean }>

const keyColumnOf = (mapping: unknown): string => {
  const prefix = (mapping as Partial<MappingDocument> | null)?.prefix
  return logicalNameOf(`${typeof prefix === 'string' && prefix !== '' ? prefix : 'lb'}_SourceId`)
}

function planFor(repo: RollbackRepository, run: RollbackRunRow): RunPlan {
  const previous = repo.unfinishedRollback(run.runId)
  const settled = previous === undefined ? new Set<string>() : repo.appliedSteps(previous.runId)
  const plan = planRollback(repo.journal(run.runId), { createdByRun: repo.createdBy(run.runId), settled })
  return { run, plan, alreadyDone: settled.size, resumes: previous !== undefined }
}

const addCounts = (into: Record<string, RollbackCounts>, from: Readonly<Record<string, RollbackCounts>>) => {
  for (const [table, c] of Object.entries(from)) {
    const t = into[table] ?? { delete: 0, restore: 0, reopen: 0 }
    into[table] = { delete: t.delete + c.delete, restore: t.restore + c.restore, reopen: t.reopen + c.reopen }
  }
}

/** What a rollback of `targetUrl` will undo (read only: nothing is sent). */
export function previewRollback(repo: RollbackRepository, targetUrl: string): RollbackPreview {
  const plans = repo.runsToUndo(targetUrl).map((run) => planFor(repo, run))
  const tables: Record<string, RollbackCounts> = {}
  for (const p of plans) addCounts(tables, p.plan.tables)
  const total = Object.values(tables).reduce((n, c) => n + c.delete + c.restore + c.reopen, 0)
  return {
    targetUrl,
    runs: plans.map((p) => ({
      runId: p.run.runId,
      runNo: p.run.runNo,
      status: p.run.status,
      startedAt: p.run.startedAt,
      finishedAt: p.run.finishedAt,
    })),
    tables,
    total,
    alreadyDone: plans.reduce((n, p) => n + p.alreadyDone, 0),
    resumes: plans.some((p) => p.resumes),
    warnings: plans.flatMap((p) => p.plan.warnings),
  }
}

type StepResult = Readonly<{ step: UndoStep; outcome: Omit<RollbackOutcome, 'intentId'> }>

const MAX_PART_ATTEMPTS = 6

/** The request of one step. */
function requestOf(
  step: UndoStep,
  keyColumn: string,
): Readonly<{ method: 'PATCH' | 'DELETE'; url: string; body?: unknown; headers?: Record<string, string> }> {
  const url = recordUrl(step, keyColumn)
  switch (step.kind) {
    case 'delete':
      return { method: 'DELETE', url }
    case 'reopen':
    case 'restore':
      // If-Match: * makes the PATCH update-only: a record gone meanwhile is a 404, never a new record.
      return { method: 'PATCH', url, body: step.body ?? {}, headers: { 'If-Match': '*' } }
    default:
      return assertNever(step.kind, 'unknown undo step')
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })

/** Sends one chunk of steps as a `$batch`, retrying retriable parts; every step gets an outcome. */
async function sendChunk(
  client: DataverseClient,
  steps: ReadonlyArray<UndoStep>,
  keyColumn: string,
  signal: AbortSignal | undefined,
  now: () => number,
): Promise<ReadonlyArray<StepResult>> {
  const results = new Map<UndoStep, StepResult['outcome']>()
  let pending = [...steps]
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (signal?.aborted) throw new CancelledError()
    const items: BatchItem[] = pending.map((s) => ({ kind: 'request', op: requestOf(s, keyColumn) }))
    const { response, parts } = await client.batch(items, {
      continueOnError: true,
      ...(signal ? { policy: { maxAttempts: 8, signal } } : {}),
    })
    if (response.verdict.kind !== 'ok' || parts.length !== pending.length) {
      const v = response.verdict
      if (v.kind === 'fatal') {
        throw new AppError({
          code: v.status === 401 || v.status === 403 ? 'dataverse-access-denied' : 'rollback-stopped',
          kind: 'fatal',
          message: `The rollback stopped: ${v.message}${v.code ? ` (${v.code}, HTTP ${v.status})` : ` (HTTP ${v.status})`}. Fix the cause and start the rollback again; it resumes where it stopped.`,
        })
      }
      // A lost or short answer: the steps are idempotent, so send them again.
      if (attempt + 1 < MAX_PART_ATTEMPTS) {
        await sleep(v.kind === 'retriable' ? v.waitMs : 1000 * 2 ** attempt, signal)
        continue
      }
      const message = v.kind === 'ok' ? 'The $batch answered fewer parts than it was sent.' : v.message
      for (const s of pending)
        results.set(s, {
          status: 'failed',
          verdict: 'retriable',
          httpStatus: v.kind === 'ok' ? response.status : v.status || null,
          code: v.kind === 'ok' ? 'batch-incomplete' : v.code || null,
          message,
          forget: null,
        })
      break
    }
    const again: UndoStep[] = []
    let waitMs = 0
    pending.forEach((step, i) => {
      const part = parts[i]!
      const v = classifyResponse(part.status, part.headers, part.body, attempt, now())
      const forget = step.kind === 'delete' ? { table: step.table, sourceKey: step.sourceKey } : null
      switch (v.kind) {
        case 'ok':
          results.set(step, {
            status: 'applied',
            verdict: 'ok',
            httpStatus: part.status,
            code: null,
            message: null,
            forget,
          })
          break
        case 'skippable':
          if (part.status === 404 && step.kind === 'delete') {
            // Already gone: with its parent (a cascade), or never created (an intent without an outcome).
            results.set(step, {
              status: 'applied',
              verdict: 'absent',
              httpStatus: 404,
              code: v.code || null,
              message: null,
              forget,
            })
          } else {
            results.set(step, {
              status: 'failed',
              verdict: 'skippable',
              httpStatus: part.status,
              code: v.code || null,
              message:
                part.status === 404
                  ? `The record is no longer in Dynamics, so its earlier values cannot be restored.`
                  : v.message,
              forget: null,
            })
          }
          break
        case 'retriable':
          if (attempt + 1 < MAX_PART_ATTEMPTS) {
            again.push(step)
            waitMs = Math.max(waitMs, v.waitMs)
          } else {
            results.set(step, {
              status: 'failed',
              verdict: 'retriable',
              httpStatus: v.status || null,
              code: v.code || null,
              message: v.message,
              forget: null,
            })
          }
          break
        case 'fatal':
          results.set(step, {
            status: 'failed',
            verdict: 'fatal',
            httpStatus: v.status || null,
            code: v.code || null,
            message: v.message,
            forget: null,
          })
          break
        default:
          assertNever(v, 'unclassified batch part')
      }
    })
    pending = again
    if (pending.length > 0) await sleep(waitMs, signal)
  }
  return steps.map((step) => ({ step, outcome: results.get(step)! }))
}

/** Runs `work` over `chunks` with at most `limit` in flight; stops taking new chunks once one throws. */
async function inPool<T>(
  chunks: ReadonlyArray<T>,
  limit: number,
  work: (chunk: T) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: unknown = null
  const worker = async () => {
    while (failure === null && next < chunks.length) {
      const chunk = chunks[next++]!
      try {
        await work(chunk)
      } catch (error) {
        failure ??= error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, chunks.length)) }, worker))
  if (failure !== null) throw failure
}

const chunk = <T>(list: ReadonlyArray<T>, size: number): T[][] => {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}

/** Splits steps into runs of consecutive steps of one table, keeping their order. */
function runsOfTable(steps: ReadonlyArray<UndoStep>): UndoStep[][] {
  const out: UndoStep[][] = []
  for (const step of steps) {
    const last = out.at(-1)
    if (last !== undefined && last[0]!.table === step.table) last.push(step)
    else out.push([step])
  }
  return out
}

/** Undoes every migrate run against the target that no rollback has undone yet, newest first. */
export async function rollbackMigration(o: RollbackOptions): Promise<RollbackResult> {
  const now = o.now ?? Date.now
  const batchSize = Math.max(1, Math.min(1000, o.batchSize ?? 100))
  const concurrency = o.concurrency ?? Math.max(1, Math.min(4, o.client.dopHint ?? 4))
  const plans = o.repo.runsToUndo(o.targetUrl).map((run) => planFor(o.repo, run))
  const total = plans.reduce((n, p) => n + p.plan.steps.length, 0)
  const tables: Record<string, RollbackCounts> = {}
  for (const p of plans) addCounts(tables, p.plan.tables)
  const warnings: RollbackWarning[] = plans.flatMap((p) => p.plan.warnings)
  const failures: Array<RollbackResult['failures'][number]> = []
  const done: Array<RollbackResult['runs'][number]> = []
  let applied = 0
  let absent = 0
  let progressed = 0

  for (const { run, plan } of plans) {
    const keyColumn = keyColumnOf(run.mapping)
    const previous = o.repo.unfinishedRollback(run.runId)
    const rollback = previous ?? o.repo.createRollback(randomUUID(), run)
    if (previous !== undefined) {
      o.repo.resumeRollback(previous.runId)
      o.onLog?.(`Resuming the interrupted rollback of run ${run.runNo}.`)
    } else o.onLog?.(`Rolling back run ${run.runNo}: ${plan.steps.length} write(s).`)

    const settle = (results: ReadonlyArray<StepResult>, intentIds: ReadonlyArray<number>) => {
      o.repo.recordOutcomes(
        rollback.runId,
        results.map((r, i) => ({ intentId: intentIds[i]!, ...r.outcome })),
      )
      for (const r of results) {
        if (r.outcome.status === 'applied') {
          if (r.outcome.verdict === 'absent') absent += 1
          else applied += 1
        }
      }
    }
    const send = async (steps: ReadonlyArray<UndoStep>): Promise<ReadonlyArray<StepResult>> => {
      if (o.signal?.aborted) throw new CancelledError()
      const intentIds = o.repo.recordIntents(
        rollback.runId,
        steps.map((s) => {
          const req = requestOf(s, keyColumn)
          return {
            step: s.kind,
            table: s.table,
            entitySet: s.entitySet,
            sourceKey: s.sourceKey,
            targetId: 'id' in s.address ? s.address.id : null,
            request: {
              method: req.method,
              path: req.url,
              ...(req.body === undefined ? {} : { body: req.body }),
            },
          }
        }),
      )
      const results = await sendChunk(o.client, steps, keyColumn, o.signal, now)
      settle(results, intentIds)
      return results
    }

    const failedHere: StepResult[] = []
    try {
      for (const stage of ['reopen', 'restore', 'delete'] as const) {
        const steps = plan.steps.filter((s) => s.kind === stage)
        const retry: UndoStep[] = []
        // Deletes go table by table in the plan's order (children first); only the chunks of one
        // table travel in parallel, so a parent is never deleted while its children's chunk is out.
        for (const run of stage === 'delete' ? runsOfTable(steps) : [steps]) {
          await inPool(chunk(run, batchSize), concurrency, async (part) => {
            const results = await send(part)
            for (const r of results) {
              if (r.outcome.status === 'applied') continue
              // A parent refused while a child still pointed at it: try once more after the rest.
              if (stage === 'delete' && r.outcome.verdict !== 'fatal') retry.push(r.step)
              else failedHere.push(r)
            }
            progressed += part.length
            o.onProgress?.({ done: progressed, total, stage })
          })
        }
        for (const part of chunk(retry, batchSize)) {
          for (const r of await send(part)) if (r.outcome.status !== 'applied') failedHere.push(r)
        }
      }
    } catch (error) {
      const data = toAppErrorData(error)
      o.repo.setStatus(
        rollback.runId,
        error instanceof CancelledError ? 'cancelled' : 'failed',
        { applied, absent },
        data,
      )
      throw error
    }
    for (const r of failedHere) {
      failures.push({
        table: r.step.table,
        sourceKey: r.step.sourceKey,
        kind: r.step.kind,
        message: r.outcome.message ?? 'failed',
        code: r.outcome.code,
      })
    }
    o.repo.setStatus(rollback.runId, failedHere.length === 0 ? 'finished' : 'failed', {
      steps: plan.steps.length,
      failed: failedHere.length,
      tables: plan.tables,
    })
    done.push({ runId: run.runId, runNo: run.runNo, rollbackRunId: rollback.runId })
    if (failedHere.length > 0) {
      o.onLog?.(`${failedHere.length} step(s) of run ${run.runNo} failed; the older runs stay as they are.`)
      break
    }
  }
  return {
    targetUrl: o.targetUrl,
    runs: done,
    tables,
    applied,
    alreadyAbsent: absent,
    failed: failures.length,
    failures,
    warnings,
  }
}
