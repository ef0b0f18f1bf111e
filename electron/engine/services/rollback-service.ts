/**
 * Handlers for the rollback domain: the preview reads the journal only; the rollback itself runs
 * as a job against the workspace's target, with progress in steps, and resumes an interrupted one.
 */
import type { RollbackChannels } from '../../shared/ipc/domains/rollback'
import { assertNoRunningJob, type EngineContext } from '../context'
import { previewRollback, rollbackMigration } from '../run/rollback'
import { connectTarget } from '../target/dataverse/connect'
import { RollbackRepository } from '../workspace/rollback-repository'
import { readTargetConnection } from '../workspace/target-repository'
import { AppError } from '../errors'
import type { HandlersFor } from './handlers'

export function rollbackHandlers(ctx: EngineContext): HandlersFor<RollbackChannels> {
  const now = () => new Date(ctx.clock.now()).toISOString()
  const targetUrl = () => {
    const row = readTargetConnection(ctx.workspaces.require())
    if (row === null) {
      throw new AppError({
        code: 'no-target',
        kind: 'fatal',
        message: 'No target environment is set for this workspace. Choose it in the Target step.',
      })
    }
    return row.url
  }
  return {
    'rollback:preview': () =>
      previewRollback(new RollbackRepository(ctx.workspaces.require(), now), targetUrl()),
    'rollback:start': async () => {
      const workspace = ctx.workspaces.require()
      assertNoRunningJob(ctx)
      const profile = await ctx.target.profile(workspace)
      const repo = new RollbackRepository(workspace, now)
      const preview = previewRollback(repo, profile.url)
      if (preview.runs.length === 0) {
        throw new AppError({
          code: 'nothing-to-roll-back',
          kind: 'fatal',
          message: `No migration run against ${profile.url} is left to roll back.`,
        })
      }
      return ctx.jobs.start('rollback', `Roll back the migration in ${profile.url}`, async (job) => {
        const connection = connectTarget(profile, { users: 1, logger: ctx.logger })
        try {
          // Signs in before anything is undone, so a wrong secret stops the job before its first write.
          await connection.primary.whoAmI()
          const result = await rollbackMigration({
            repo,
            client: connection.primary,
            targetUrl: profile.url,
            signal: job.signal,
            onLog: (message) => job.log('info', message),
            onProgress: (p) => job.progress({ done: p.done, total: p.total, unit: 'writes', phase: p.stage }),
          })
          workspace.logActivity(
            result.failed === 0 ? 'rollback-finished' : 'rollback-incomplete',
            `Rollback of ${result.runs.length} run(s): ${result.applied} writes undone, ${result.alreadyAbsent} already gone, ${result.failed} failed.`,
          )
          job.log(
            result.failed === 0 ? 'info' : 'warn',
            `${result.applied + result.alreadyAbsent} step(s) done, ${result.failed} failed.`,
          )
          return result
        } finally {
          await connection.close()
        }
      })
    },
  }
}
