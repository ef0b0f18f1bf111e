/**
 * Handlers for the verify domain: a verify pass of the latest run runs as a job with progress per
 * table; the latest pass, its mismatches and its report files read the workspace.
 */
import type { MismatchPage, VerifyReport } from '../../shared/dto/verify'
import type { VerifyChannels } from '../../shared/ipc/domains/verify'
import { assertNoRunningJob, type EngineContext } from '../context'
import { AppError } from '../errors'
import { rewriteReports, verifyLatestRun } from '../run/verify-pass'
import { VerifyRepository } from '../workspace/verify-repository'
import type { HandlersFor } from './handlers'

const DEFAULT_PAGE = 100

export function verifyHandlers(ctx: EngineContext): HandlersFor<VerifyChannels> {
  const repo = () => new VerifyRepository(ctx.workspaces.require())
  const passOf = (verifyId: number | undefined): VerifyReport | null => {
    const r = repo()
    const pass = verifyId === undefined ? r.latestFinishedPass() : r.getPass(verifyId)
    if (pass === undefined) {
      if (verifyId === undefined) return null
      throw new AppError({
        code: 'verify-not-found',
        kind: 'fatal',
        message: `This workspace has no verify pass ${verifyId}.`,
      })
    }
    return pass.status === 'finished' ? (pass.summary as VerifyReport) : null
  }
  return {
    'verify:start': async ({ outDir }) => {
      const workspace = ctx.workspaces.require()
      assertNoRunningJob(ctx)
      const profile = await ctx.target.profile(workspace)
      return ctx.jobs.start('verify', `Verify the migration against ${profile.url}`, async (job) => {
        const report = await verifyLatestRun({
          workspace,
          profile,
          clock: ctx.clock,
          logger: ctx.logger,
          ...(outDir === undefined ? {} : { outDir }),
          signal: job.signal,
          onLog: (message) => job.log('info', message),
          onProgress: (p) => job.progress({ done: p.done, total: p.total, unit: 'records', phase: p.table }),
        })
        job.log(
          report.mismatches === 0 ? 'info' : 'warn',
          `${report.reconciliation.reduce((n, r) => n + r.verified, 0)} records verified, ${report.mismatches} mismatch(es). Reports in ${report.reportsDir ?? ''}.`,
        )
        return report
      })
    },
    'verify:get-latest': () => passOf(undefined),
    'verify:list-mismatches': ({ verifyId, table, offset, limit }): MismatchPage => {
      const r = repo()
      const pass = verifyId === undefined ? r.latestFinishedPass() : r.getPass(verifyId)
      const start = offset ?? 0
      if (pass === undefined) return { verifyId: null, total: 0, offset: start, rows: [] }
      const page = r.mismatchPage(pass.verifyId, start, limit ?? DEFAULT_PAGE, table ?? null)
      return { verifyId: pass.verifyId, total: page.total, offset: start, rows: page.rows }
    },
    'verify:write-reports': async ({ verifyId, outDir }) => {
      const report = passOf(verifyId)
      if (report === null) {
        throw new AppError({
          code: 'nothing-verified',
          kind: 'fatal',
          message: 'No verify pass has finished yet. Run verify first.',
        })
      }
      return rewriteReports(ctx.workspaces.require(), report, outDir)
    },
  }
}
