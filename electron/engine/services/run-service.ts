/**
 * Handlers for the run domain: a migration run is a job of kind `migrate` on the open workspace
 * against its target connection; progress reports one phase at a time (records done of records
 * planned), logs carry per-phase lines and failed records, the result is the run summary.
 */
import type { RunFailure, RunPhase, RunSummary, RunView } from '../../shared/dto/run'
import type { RunChannels } from '../../shared/ipc/domains/run'
import type { EngineContext } from '../context'
import { AppError } from '../errors'
import { runMigration } from '../run/run-migration'
import { connectTarget } from '../target/dataverse/connect'
import { JournalRepository, type RunRow } from '../workspace/journal-repository'
import type { Workspace } from '../workspace/workspace'
import type { HandlersFor } from './handlers'

function viewOf(journal: JournalRepository, run: RunRow): RunView {
  const error = run.error as { code?: unknown; message?: unknown } | null
  return {
    runId: run.runId,
    runNo: run.runNo,
    targetUrl: run.targetUrl,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    resumes: run.resumes,
    phases: journal
      .phases(run.runId)
      .map((p) => ({ phase: p.phase, status: p.status, expected: p.expected })),
    summary: (run.summary as RunSummary | null) ?? null,
    error:
      error !== null && typeof error.message === 'string'
        ? { code: typeof error.code === 'string' ? error.code : 'error', message: error.message }
        : null,
    resumable: run.status !== 'finished' && !journal.undone(run.runId),
  }
}

export function runHandlers(ctx: EngineContext): HandlersFor<RunChannels> {
  const now = () => new Date(ctx.clock.now()).toISOString()
  const journalOf = (ws: Workspace) => new JournalRepository(ws, now)

  const start = async (
    request: Readonly<{ phases?: ReadonlyArray<RunPhase>; users?: number; newRun?: boolean }>,
    label: string,
  ) => {
    const ws = ctx.workspaces.require()
    if (ctx.jobs.list().some((j) => j.jobKind === 'migrate' && j.state === 'running')) {
      throw new AppError({
        code: 'run-in-progress',
        kind: 'retriable',
        message: 'A migration run is already in progress on this workspace. Wait for it, or cancel it first.',
      })
    }
    const profile = await ctx.target.profile(ws)
    return ctx.jobs.start('migrate', label, async (job) => {
      const connection = connectTarget(profile, {
        logger: ctx.logger,
        clock: ctx.clock,
        ...(request.users !== undefined ? { users: request.users } : {}),
        onDeviceCode: (m) => job.log('info', m.text),
      })
      try {
        job.log(
          'info',
          `Migrating to ${profile.url} with ${connection.clients.length} application user${connection.clients.length === 1 ? '' : 's'}.`,
        )
        return await runMigration({
          workspace: ws,
          connection,
          clock: ctx.clock,
          logger: ctx.logger,
          signal: job.signal,
          ...(request.phases ? { phases: request.phases } : {}),
          ...(request.newRun ? { newRun: true } : {}),
          onProgress: (p) => job.progress({ done: p.done, total: p.total, unit: 'records', phase: p.phase }),
          onLog: (level, message) => job.log(level, message),
        })
      } finally {
        await connection.close()
      }
    })
  }

  return {
    'run:start': (req) => start(req, `Migrate${req.phases ? ` (${req.phases.join(', ')})` : ''}`),
    'run:resume': async (req) => {
      const ws = ctx.workspaces.require()
      const profile = await ctx.target.profile(ws)
      const unfinished = journalOf(ws).unfinishedRun(profile.url)
      if (unfinished === undefined) {
        throw new AppError({
          code: 'nothing-to-resume',
          kind: 'fatal',
          message: `No unfinished migration run against ${profile.url} to resume; start a new run instead.`,
        })
      }
      return start(
        req.users !== undefined ? { users: req.users } : {},
        `Resume migration run ${unfinished.runNo}`,
      )
    },
    'run:get-latest': () => {
      const ws = ctx.workspaces.require()
      const journal = journalOf(ws)
      const run = journal.latestRun('migrate')
      return run === undefined ? null : viewOf(journal, run)
    },
    'run:list-failures': ({ runId, offset, limit }): ReadonlyArray<RunFailure> =>
      journalOf(ctx.workspaces.require()).failures(runId, limit, offset),
  }
}
