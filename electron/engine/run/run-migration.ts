/**
 * One migration run: open (or resume) the run in the journal, read the target's capabilities,
 * settle the unknown outcomes a crash left behind, then run the selected phases in dependency
 * order, each step only for what this run has not settled yet. The result is the same whether
 * the run went through at once or was killed and resumed any number of times.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { RunSummary, RunTableCounts } from '../../shared/dto/run'
import type { Clock } from '../clock'
import { AppError, CancelledError } from '../errors'
import { silentLogger, type Logger } from '../logger'
import { mappingDocumentSchema, PHASES, type MappingDocument, type PhaseId } from '../plan/mapping/model'
import { TARGET_TABLES, type TargetTableName } from '../plan/mapping/target-tables'
import { defaultMortgageTemplate } from '../plan/mapping/template'
import type { PipelineSpec } from '../source/leaf360/spec/pipelines'
import { stageSlug } from '../source/leaf360/spec/pipelines'
import { openExportSource, type ExportSource } from '../source/leaf360/reader/export-source'
import type { TargetConnection } from '../target/dataverse/connect'
import { JournalRepository, type IntentRow, type RunRow } from '../workspace/journal-repository'
import { RunSourceRepository } from '../workspace/run-source-repository'
import type { Workspace } from '../workspace/workspace'
import { runBuildContext } from './build-context'
import { Loader, type LoadItem } from './loader'
import { confirmedMappingDocument } from '../plan/mapping-store'
import { prepareOwnerResolution } from '../plan/owners'
import { ownerResolverOf, type OwnerResolver } from './owners'
import { PhaseRunner } from './phase-runner'
import { keyColumnOf, planPhase, type PhaseContext } from './phases'
import { loadSourceView } from './source-view'
import { readCapabilities, type TargetCapabilities } from './target-capabilities'
import { UserPool, type PoolStats } from './user-pool'

/** Per-table figures of a run (the CLI contract's `tables`). `verified`/`mismatches` stay 0 until verify runs. */
export type TableSummary = RunTableCounts

/** What a run reports. */
export type MigrationSummary = RunSummary

/** Progress of one phase: records done of records planned, across its steps. */
export type PhaseProgress = Readonly<{ phase: PhaseId; done: number; total: number }>

export type MigrateOptions = Readonly<{
  workspace: Workspace
  connection: TargetConnection
  /** Phases to run (default all), always in dependency order. */
  phases?: ReadonlyArray<PhaseId>
  /** The mapping to build payloads from; default: the workspace's confirmed mapping (the Mapping step). */
  mapping?: MappingDocument
  /**
   * Owner resolution; default: the plan's (by e-mail, with the operator's overrides and fallback),
   * which refuses the run while any record would lack a valid, enabled owner.
   */
  owners?: OwnerResolver
  /** Start a new run even when the last one did not finish. */
  newRun?: boolean
  clock: Clock
  logger?: Logger
  signal?: AbortSignal
  onProgress?: (p: PhaseProgress) => void
  onLog?: (level: 'info' | 'warn' | 'error', message: string) => void
  /** Records per bulk call (default 1,000 or fewer for small phases). */
  chunkSize?: number
  batchSize?: number
  requestTimeoutMs?: number
}>

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** The export's pipelines from the staged schema/pipelines.json. */
export function stagedPipelines(workspace: Workspace): PipelineSpec[] {
  const repo = new RunSourceRepository(workspace)
  const source = repo.latestImport()
  if (source === undefined) return []
  const out: PipelineSpec[] = []
  for (const r of repo.current('pipelines', source.importId, true)) {
    const p = JSON.parse(r.data) as Record<string, unknown>
    const stages = (Array.isArray(p['stages']) ? p['stages'] : []) as Array<Record<string, unknown>>
    out.push({
      pipelineId: String(p['pipeline_id']),
      label: String(p['label'] ?? p['pipeline_id']),
      displayOrder: Number(p['display_order'] ?? 0),
      isDefault: p['is_default'] === true,
      active: p['active'] !== false,
      archived: p['archived'] === true,
      stages: stages
        .map((s) => ({
          stageId: String(s['stage_id']),
          label: String(s['label'] ?? s['stage_id']),
          displayOrder: Number(s['display_order'] ?? 0),
          probability: Number(s['probability'] ?? 0),
          isClosed: s['is_closed'] === true,
          outcome: (['open', 'won', 'lost'].includes(String(s['outcome'])) ? s['outcome'] : 'open') as
            'open' | 'won' | 'lost',
          milestoneGroup: String(
            s['milestone_group'] ?? 'lead',
          ) as PipelineSpec['stages'][number]['milestoneGroup'],
          archived: s['archived'] === true,
          slug: stageSlug(String(s['stage_id'])),
        }))
        .sort((a, b) => a.displayOrder - b.displayOrder),
    })
  }
  return out.sort((a, b) => a.displayOrder - b.displayOrder)
}

/** The mapping a run uses when none is given: the default template for the staged export. */
export function defaultMappingFor(workspace: Workspace): MappingDocument {
  const pipelines = stagedPipelines(workspace)
  return defaultMortgageTemplate(pipelines.length > 0 ? { pipelines } : {})
}

/** The loaded tables of a mapping (for capabilities). */
function tablesOf(mapping: MappingDocument): TargetTableName[] {
  const out = new Set<TargetTableName>(['account'])
  for (const o of mapping.objects) if (o.target.kind === 'table') out.add(o.target.table as TargetTableName)
  return [...out]
}

/** Settles a resumed run's pending intents: applied if the target has the record, else absent (sent again). */
async function settlePending(
  loader: Loader,
  journal: JournalRepository,
  run: RunRow,
  keyColumn: string,
  capabilities: TargetCapabilities,
): Promise<{ applied: number; absent: number }> {
  const keyed = capabilities.keyed
  const pending = journal.pendingIntents(run.runId)
  if (pending.length === 0) return { applied: 0, absent: 0 }
  const items: LoadItem[] = pending.map((intent: IntentRow) => {
    const pk = primaryKeyOf(intent.table, capabilities)
    const settle: LoadItem['settle'] =
      intent.existed !== false
        ? { kind: 'resend' }
        : intent.operation === 'upsert' && keyed.has(intent.table)
          ? {
              kind: 'key',
              entitySet: intent.entitySet,
              primaryKey: pk,
              column: keyColumn,
              value: intent.sourceKey,
            }
          : { kind: 'id', entitySet: intent.entitySet, primaryKey: pk, id: intent.targetId ?? '' }
    return {
      intent,
      write: {
        table: intent.table,
        entitySet: intent.entitySet,
        primaryKey: pk,
        address: { kind: 'id', id: intent.targetId ?? '' },
        createId: null,
        body: {},
      },
      mode: 'update',
      settle,
    }
  })
  const { applied, absent } = await loader.settle(items)
  journal.recordOutcomes(run.runId, [
    ...[...applied].map(([item, id]) => ({
      intent: item.intent,
      intentId: item.intent.intentId,
      status: 'applied' as const,
      targetId: id,
      etag: null,
      verdict: 'ok' as const,
      httpStatus: null,
      code: null,
      message: 'Outcome unknown at resume; the record is in the target.',
      settledBy: 'read-back' as const,
    })),
    ...absent.map((item) => ({
      intent: item.intent,
      intentId: item.intent.intentId,
      status: 'failed' as const,
      targetId: null,
      etag: null,
      verdict: 'absent' as const,
      httpStatus: null,
      code: null,
      message:
        item.settle.kind === 'resend'
          ? 'Outcome unknown at resume; the write is sent again.'
          : 'Outcome unknown at resume; the record is not in the target and is sent again.',
      settledBy: 'read-back' as const,
    })),
  ])
  return { applied: applied.size, absent: absent.length }
}

/** The primary key of a table an intent wrote: a mapped table, a BPF instance table, or opportunityclose. */
function primaryKeyOf(table: string, capabilities: TargetCapabilities): string {
  const known = (TARGET_TABLES as Readonly<Record<string, { primaryKey: string }>>)[table]?.primaryKey
  if (known !== undefined) return known
  if (table === 'opportunityclose') return 'activityid'
  return (
    capabilities.processes.find((p) => p.logicalName === table)?.primaryKey ?? 'businessprocessflowinstanceid'
  )
}

/** Runs (or resumes) a migration; resolves with its summary, throws on a fatal stop or a cancel. */
export async function runMigration(options: MigrateOptions): Promise<MigrationSummary> {
  const { workspace, connection, clock } = options
  const logger = options.logger ?? silentLogger
  const signal = options.signal ?? new AbortController().signal
  const log = (level: 'info' | 'warn' | 'error', message: string) => {
    options.onLog?.(level, message)
    logger[level](message)
  }
  const now = () => new Date(clock.now()).toISOString()
  const journal = new JournalRepository(workspace, now)
  const targetUrl = connection.profile.url
  const started = clock.monotonic()

  const previous = options.newRun === true ? undefined : journal.unfinishedRun(targetUrl)
  const requested = options.phases && options.phases.length > 0 ? options.phases : null
  let run: RunRow
  let mapping: MappingDocument
  if (previous !== undefined) {
    mapping = mappingDocumentSchema.parse(previous.mapping)
    const phases = requested ?? (previous.phases as PhaseId[])
    journal.markResumed(previous.runId, connection.clients.length)
    journal.setRunStatus(previous.runId, 'running', { phases })
    run = journal.getRun(previous.runId)!
    log('info', `Resuming run ${run.runNo} (${run.runId}), started ${run.startedAt}.`)
  } else {
    mapping = options.mapping ?? confirmedMappingDocument(workspace).document
    const source = new RunSourceRepository(workspace).latestImport()
    if (source === undefined) {
      throw new AppError({
        code: 'nothing-staged',
        kind: 'fatal',
        message: 'Nothing is staged in this workspace. Stage a Leaf360 export first.',
      })
    }
    const text = JSON.stringify(mapping)
    run = journal.createRun({
      runId: randomUUID(),
      kind: 'migrate',
      targetUrl,
      importId: source.importId,
      phases: requested ?? [...PHASES],
      users: connection.clients.length,
      mapping,
      mappingSha256: sha256(text),
      at: now(),
    })
    workspace.logActivity('run-started', `Migration run ${run.runNo} started against ${targetUrl}.`, {
      runId: run.runId,
    })
    log('info', `Run ${run.runNo} (${run.runId}) against ${targetUrl}.`)
  }
  const selected = PHASES.filter((p) => run.phases.includes(p))
  const keyColumn = keyColumnOf(mapping)

  const exportSource: { current: ExportSource | null } = { current: null }
  const pool = new UserPool(connection.clients, 4, () => clock.monotonic())
  const counts = new Map<string, { applied: number; failed: number; skipped: number }>()
  const phaseDone = new Map<string, number>()
  const bump = (phase: string, table: string, applied: number, failed: number, skipped: number) => {
    const c = counts.get(table) ?? { applied: 0, failed: 0, skipped: 0 }
    c.applied += applied
    c.failed += failed
    c.skipped += skipped
    counts.set(table, c)
    phaseDone.set(phase, (phaseDone.get(phase) ?? 0) + applied + failed + skipped)
  }
  let failuresLogged = 0
  const loader = new Loader({
    runId: run.runId,
    pool,
    journal,
    logger,
    now: clock.now,
    monotonic: clock.monotonic,
    signal,
    onOutcome: (phase, table, applied, failed) => bump(phase, table, applied, failed, 0),
    onFailure: (item, verdict) => {
      if (failuresLogged++ < 50)
        log(
          'warn',
          `${item.intent.phase}: ${item.intent.sourceKey} failed: ${verdict.message}${verdict.code ? ` (${verdict.code})` : ''}`,
        )
    },
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  })
  const phaseRows: Array<{ phase: PhaseId; status: string; expected: number; seconds: number }> = []
  let settledOnResume = { applied: 0, absent: 0 }
  const stopPool = () => pool.close(new CancelledError())
  signal.addEventListener('abort', stopPool)
  try {
    await Promise.all(connection.clients.map((client) => client.whoAmI()))
    const capabilities = await readCapabilities(connection.primary, mapping.prefix, tablesOf(mapping))
    const missingKeys = tablesOf(mapping).filter((t) => !capabilities.keyed.has(t))
    if (missingKeys.length > 0) {
      log(
        'warn',
        `No active ${keyColumn} alternate key on ${missingKeys.join(', ')}: those records are created with chosen ids and updated by id. Apply the schema plan for upserts by key.`,
      )
    }
    if (previous !== undefined) {
      settledOnResume = await settlePending(loader, journal, run, keyColumn, capabilities)
      if (settledOnResume.applied + settledOnResume.absent > 0) {
        log(
          'info',
          `Settled ${settledOnResume.applied + settledOnResume.absent} unknown outcomes by reading the target: ${settledOnResume.applied} applied, ${settledOnResume.absent} to send again.`,
        )
      }
    }
    const view = loadSourceView(workspace, mapping)
    const owners =
      options.owners ??
      ownerResolverOf(
        await prepareOwnerResolution({ workspace, client: connection.primary, clock }),
        view.owners,
      )
    const build = runBuildContext(mapping, view, capabilities, owners)
    const skips: Array<{
      table: string
      sourceKey: string
      reason: string
      message: string
      details: unknown
      phase: string
    }> = []
    let currentPhase = ''
    const ctx: PhaseContext = {
      runId: run.runId,
      mapping,
      view,
      build,
      capabilities,
      journal,
      keyColumn,
      files: async () => (exportSource.current ??= await openExportSource(view.source.location)),
      skip: (table, sourceKey, reason, message, details) => {
        skips.push({ phase: currentPhase, table, sourceKey, reason, message, details })
        bump(currentPhase, table, 0, 0, 1)
        if (skips.length >= 200) journal.recordSkips(run.runId, skips.splice(0))
      },
    }
    const existingPhases = new Map(journal.phases(run.runId).map((p) => [p.phase, p]))
    let earlierSessionsMs = 0
    for (const [position, phase] of selected.entries()) {
      if (signal.aborted) throw new CancelledError()
      const earlier = existingPhases.get(phase)
      if (earlier?.status === 'done') {
        // Done in an earlier session of this run: its time counts in the run's elapsed time.
        const seconds =
          earlier.startedAt !== null && earlier.finishedAt !== null
            ? Math.max(0, Date.parse(earlier.finishedAt) - Date.parse(earlier.startedAt)) / 1000
            : 0
        earlierSessionsMs += seconds * 1000
        phaseRows.push({ phase, status: 'done', expected: earlier.expected, seconds })
        continue
      }
      currentPhase = phase
      const plan = planPhase(ctx, phase)
      const total = plan.expected * plan.steps.length
      journal.setPhase(run.runId, phase, position, 'running', plan.expected)
      const phaseStarted = clock.monotonic()
      phaseDone.set(phase, 0)
      let stepBase = 0
      const report = () =>
        options.onProgress?.({
          phase,
          done: Math.min(total, stepBase + Math.min(plan.expected, phaseDone.get(phase) ?? 0)),
          total,
        })
      const timer = setInterval(report, 250)
      try {
        for (const step of plan.steps) {
          phaseDone.set(phase, 0)
          const runner = new PhaseRunner({
            runId: run.runId,
            phase,
            journal,
            loader,
            pool,
            capabilities,
            keyColumn,
            chunkSize: options.chunkSize ?? chunkSizeFor(plan.expected, connection.clients.length),
            expected: plan.expected,
            onSkipped: (_table, n) => {
              phaseDone.set(phase, (phaseDone.get(phase) ?? 0) + n)
            },
            signal,
          })
          await runner.run(step.writes())
          if (skips.length > 0) journal.recordSkips(run.runId, skips.splice(0))
          stepBase += plan.expected
          report()
        }
      } finally {
        clearInterval(timer)
        if (skips.length > 0) journal.recordSkips(run.runId, skips.splice(0))
      }
      if (signal.aborted) throw new CancelledError()
      journal.setPhase(run.runId, phase, position, 'done', plan.expected)
      options.onProgress?.({ phase, done: total, total })
      const seconds = (clock.monotonic() - phaseStarted) / 1000
      phaseRows.push({ phase, status: 'done', expected: plan.expected, seconds })
      log('info', phaseLine(phase, plan.expected, journal, run.runId, seconds))
    }
    const summary = summarise(
      run,
      journal,
      mapping,
      view.count,
      phaseRows,
      clock.monotonic() - started + earlierSessionsMs,
      pool.stats(),
      settledOnResume,
      previous !== undefined,
      'finished',
    )
    journal.setRunStatus(run.runId, 'finished', { summary })
    workspace.logActivity(
      'run-finished',
      `Migration run ${run.runNo} finished: ${summary.records.loaded} records loaded, ${summary.records.failed} failed.`,
      { runId: run.runId },
    )
    return summary
  } catch (error) {
    const cancelled = error instanceof CancelledError || signal.aborted
    const data =
      error instanceof AppError
        ? error.toData()
        : {
            code: 'internal-error',
            kind: 'bug',
            message: error instanceof Error ? error.message : String(error),
          }
    journal.setRunStatus(run.runId, cancelled ? 'cancelled' : 'failed', { error: data })
    workspace.logActivity(
      cancelled ? 'run-cancelled' : 'run-failed',
      `Migration run ${run.runNo} ${cancelled ? 'was cancelled' : `stopped: ${data.message}`}`,
      { runId: run.runId },
    )
    throw cancelled && !(error instanceof CancelledError) ? new CancelledError() : error
  } finally {
    signal.removeEventListener('abort', stopPool)
    await exportSource.current?.close()
  }
}

/** Records per bulk call: up to 1,000, smaller for small phases so every user has calls to carry. */
export function chunkSizeFor(expected: number, users: number): number {
  return Math.max(50, Math.min(1000, Math.ceil(expected / Math.max(1, users * 8))))
}

function phaseLine(
  phase: string,
  expected: number,
  journal: JournalRepository,
  runId: string,
  seconds: number,
): string {
  const rows = journal.outcomeCounts(runId).filter((r) => r.phase === phase)
  const applied = rows.reduce((n, r) => n + r.applied, 0)
  const failed = rows.reduce((n, r) => n + r.failed, 0)
  const rate = seconds > 0 ? Math.round(applied / seconds) : 0
  return `${phase}: ${applied.toLocaleString('en-US')} writes applied, ${failed.toLocaleString('en-US')} failed (${expected.toLocaleString('en-US')} records) in ${seconds.toFixed(1)} s, ${rate.toLocaleString('en-US')}/s.`
}

/** The run's figures from the journal: each table's latest outcome per record of its load step. */
export function summarise(
  run: RunRow,
  journal: JournalRepository,
  mapping: MappingDocument,
  count: (m: MappingDocument['objects'][number]) => number,
  phases: ReadonlyArray<Readonly<{ phase: PhaseId; status: string; expected: number; seconds: number }>>,
  elapsedMs: number,
  users: PoolStats,
  settledOnResume: Readonly<{ applied: number; absent: number }>,
  resumed: boolean,
  status: MigrationSummary['status'],
): MigrationSummary {
  const tables: Record<string, TableSummary> = {}
  const row = (table: string) =>
    (tables[table] ??= { expected: 0, loaded: 0, failed: 0, skipped: 0, verified: 0, mismatches: 0 })
  for (const o of mapping.objects) {
    if (o.target.kind !== 'table' || !run.phases.includes(o.target.phase)) continue
    row(o.target.table).expected += count(o)
  }
  if (run.phases.includes('accounts')) row('account').expected += 1
  for (const c of journal.outcomeCounts(run.runId)) {
    if (c.step !== 'load' && c.step !== 'bpf' && c.step !== 'close') continue
    const r = row(c.table)
    if (c.step !== 'load') r.expected += c.applied + c.failed
    r.loaded += c.applied
    r.failed += c.failed
  }
  let oversizedFiles = 0
  for (const s of journal.skips(run.runId)) {
    if (s.reason === 'oversized-file') oversizedFiles++
    if (s.sourceKey.includes('#')) continue
    // A record already in the target as the mapping says is loaded; nothing had to be sent.
    if (s.reason === 'already-done') row(s.table).loaded++
    else row(s.table).skipped++
  }
  const loaded = Object.values(tables).reduce((n, t) => n + t.loaded, 0)
  const failed = Object.values(tables).reduce((n, t) => n + t.failed, 0)
  const skipped = Object.values(tables).reduce((n, t) => n + t.skipped, 0)
  return {
    runId: run.runId,
    status,
    resumed,
    phases,
    tables,
    mismatches: 0,
    records: { loaded, failed, skipped },
    elapsedMs: Math.round(elapsedMs),
    recordsPerSecond: elapsedMs > 0 ? Math.round((loaded / elapsedMs) * 1000) : 0,
    users,
    settledOnResume,
    oversizedFiles,
  }
}
