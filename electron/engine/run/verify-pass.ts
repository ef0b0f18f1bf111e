/**
 * One verify pass of the workspace's latest migration run, start to end: pick the run, connect to
 * its target, build the expected side, read back and compare, store the result, and write the
 * reconciliation report files. The service's `verify:start` job and the demo both call this.
 */
import { basename, dirname, extname, join, resolve } from 'node:path'
import type { VerifyReport } from '../../shared/dto/verify'
import type { Clock } from '../clock'
import { AppError, CancelledError, toAppErrorData } from '../errors'
import type { Logger } from '../logger'
import { type MappingDocument, mappingDocumentSchema } from '../plan/mapping/model'
import { writeDataDictionary } from '../reports/data-dictionary'
import { landingOf, writeDuplicates } from '../reports/duplicates'
import { writeOversizedFiles } from '../reports/oversized-files'
import { writeReconciliationReports } from '../reports/reconciliation'
import type { ReportFile } from '../../shared/dto/verify'
import { JournalRepository } from '../workspace/journal-repository'
import { duplicateGroups } from '../workspace/report-repository'
import { connectTarget } from '../target/dataverse/connect'
import type { TargetProfile } from '../target/dataverse/profile'
import { VerifyRepository } from '../workspace/verify-repository'
import type { Workspace } from '../workspace/workspace'
import { type VerifyProgress, verifyRun } from './verify'
import type { SourceView } from './source-view'
import { prepareExpected } from './verify-expected'

/** Where reports go when the operator names no folder: `<workspace name>-reports` beside it. */
export const defaultReportsDir = (workspace: Workspace): string =>
  join(dirname(workspace.path), `${basename(workspace.path, extname(workspace.path))}-reports`)

export type VerifyPassOptions = Readonly<{
  workspace: Workspace
  profile: TargetProfile
  clock: Clock
  logger?: Logger
  outDir?: string
  signal?: AbortSignal
  onProgress?: (p: VerifyProgress) => void
  onLog?: (message: string) => void
}>

/** Verifies the latest migrate run against the profile's environment. */
export async function verifyLatestRun(o: VerifyPassOptions): Promise<VerifyReport> {
  const repo = new VerifyRepository(o.workspace)
  const iso = () => new Date(o.clock.now()).toISOString()
  const run = repo.latestMigrateRun(o.profile.url)
  if (run === undefined) {
    throw new AppError({
      code: 'no-run',
      kind: 'fatal',
      message: `This workspace has no migration run against ${o.profile.url} to verify (or it was rolled back). Run the migration first.`,
    })
  }
  if (run.status === 'running') {
    o.onLog?.(`Run ${run.runNo} did not finish; verifying what it loaded so far.`)
  }
  const mapping = mappingDocumentSchema.parse(run.mapping)
  const startedAt = iso()
  const verifyId = repo.createPass(run.runId, o.profile.url, startedAt)
  const connection = connectTarget(o.profile, { users: 1, ...(o.logger ? { logger: o.logger } : {}) })
  try {
    const side = await prepareExpected({
      workspace: o.workspace,
      client: connection.primary,
      mapping,
      importId: run.importId,
      clock: o.clock,
    })
    if (side.owners === 'unresolved')
      o.onLog?.('The owners step is not ready any more; owners are not compared this time.')
    const outcome = await verifyRun({
      client: connection.primary,
      mapping,
      runId: run.runId,
      verifyId,
      repo,
      expected: side.expected,
      expectedCount: side.expectedCount,
      fileSize: side.fileSize,
      sourceCounts: side.sourceCounts,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    })
    const dir = resolve(o.outDir ?? defaultReportsDir(o.workspace))
    const base: VerifyReport = {
      verifyId,
      runId: run.runId,
      runNo: run.runNo,
      targetUrl: o.profile.url,
      startedAt,
      finishedAt: iso(),
      tables: Object.fromEntries(
        outcome.reconciliation.map((r) => [
          r.table,
          {
            expected: r.expected,
            loaded: r.loaded,
            failed: r.failed,
            verified: r.verified,
            mismatches: r.mismatches,
          },
        ]),
      ),
      mismatches: outcome.mismatches,
      reconciliation: outcome.reconciliation,
      sample: outcome.sample,
      reportsDir: dir,
      files: [],
    }
    const files = [
      ...(await writeReconciliationReports(dir, base, () => repo.iterateMismatches(verifyId))),
      ...(await writeDeliverables(o.workspace, dir, run, mapping, side.view.targetOf, base.finishedAt)),
    ]
    const report: VerifyReport = { ...base, files }
    repo.finishPass(verifyId, 'finished', iso(), { summary: report, reportsDir: dir })
    o.workspace.logActivity(
      'verify-finished',
      `Run ${run.runNo} verified: ${outcome.mismatches} mismatch(es); reports in ${dir}.`,
      { verifyId, runId: run.runId },
    )
    return report
  } catch (error) {
    const cancelled = error instanceof CancelledError || o.signal?.aborted === true
    repo.finishPass(verifyId, cancelled ? 'cancelled' : 'failed', iso(), { error: toAppErrorData(error) })
    throw error
  } finally {
    await connection.close()
  }
}

/**
 * The brief's post-migration deliverables beside the reconciliation: the data dictionary of
 * migrated fields, the duplicate report and the oversized-file manifest.
 */
async function writeDeliverables(
  workspace: Workspace,
  dir: string,
  run: Readonly<{ runId: string; runNo: number; importId: number | null }>,
  mapping: MappingDocument,
  targetOf: SourceView['targetOf'],
  at: string,
): Promise<ReadonlyArray<ReportFile>> {
  const tag = (report: string, written: ReadonlyArray<{ format: string; path: string; bytes: number }>) =>
    written.map((w) => ({ report, format: w.format, path: w.path, bytes: w.bytes }))
  const repo = new VerifyRepository(workspace)
  const idMaps = new Map<string, ReadonlyMap<string, Readonly<{ id: string }>>>()
  const idOf = (table: string, key: string) => {
    let m = idMaps.get(table)
    if (m === undefined) idMaps.set(table, (m = repo.idMap(table)))
    return m.get(key)?.id ?? null
  }
  const skipped = new JournalRepository(workspace, () => at)
    .skips(run.runId)
    .filter((s) => s.table === 'annotation' && !s.sourceKey.includes('#'))
  return [
    ...tag('data-dictionary', await writeDataDictionary(dir, mapping, at)),
    ...tag(
      'duplicates',
      await writeDuplicates(
        dir,
        run.importId === null ? [] : duplicateGroups(workspace, run.importId),
        landingOf(targetOf, idOf),
        at,
      ),
    ),
    ...tag('oversized-files', await writeOversizedFiles(dir, skipped, run.runNo, at)),
  ]
}

/** Writes a finished pass's reports again into `outDir` (the files listed in the stored report change). */
export async function rewriteReports(workspace: Workspace, report: VerifyReport, outDir: string) {
  const repo = new VerifyRepository(workspace)
  const dir = resolve(outDir)
  const files = await writeReconciliationReports(dir, report, () => repo.iterateMismatches(report.verifyId))
  repo.setReportsDir(report.verifyId, dir, { ...report, reportsDir: dir, files })
  return files
}
