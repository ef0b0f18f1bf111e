/**
 * Handlers for the source domain: staging runs as a job with progress per file and rows and a
 * cancel; profile and quarantine read the open workspace.
 */
import { createWriteStream, existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { QuarantinePage, SourceProfile } from '../../shared/dto/source'
import type { SourceChannels } from '../../shared/ipc/domains/source'
import { assertNoRunningJob, type EngineContext } from '../context'
import { AppError } from '../errors'
import { stageExport } from '../source/leaf360/staging/stage-export'
import { StagingRepository } from '../workspace/staging-repository'
import type { HandlersFor } from './handlers'

const DEFAULT_PAGE = 100

const QUARANTINE_COLUMNS = [
  'quarantine_id',
  'object',
  'file',
  'row',
  'line',
  'source_id',
  'reason',
  'defect',
  'message',
  'raw',
] as const

const csvField = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The handlers of the source channels over the engine context. */
export function sourceHandlers(ctx: EngineContext): HandlersFor<SourceChannels> {
  const repo = () => new StagingRepository(ctx.workspaces.require())
  /** The import a request means: the one named, else the latest finished. */
  const importOf = (r: StagingRepository, importId: number | undefined): number | null => {
    if (importId === undefined) return r.latestFinishedImport()?.importId ?? null
    const found = r.getImport(importId)
    if (found === undefined) {
      throw new AppError({
        code: 'import-not-found',
        kind: 'fatal',
        message: `This workspace has no import ${importId}. Stage an export first, or pick one of its imports.`,
      })
    }
    return importId
  }
  return {
    'source:stage': ({ path, timezone, flavour }) => {
      const workspace = ctx.workspaces.require()
      assertNoRunningJob(ctx)
      const location = resolve(path)
      return ctx.jobs.start('stage-export', `Stage the export ${location}`, async (job) => {
        const report = await stageExport(workspace, location, {
          ...(timezone === undefined ? {} : { timezone }),
          ...(flavour === undefined ? {} : { flavour }),
          signal: job.signal,
          clock: ctx.clock,
          onLog: (message) => job.log('info', message),
          onProgress: (p) =>
            job.progress({
              done: p.rowsDone,
              total: p.rowsTotal,
              unit: 'rows',
              phase: p.file === '' ? p.phase : p.file,
            }),
        })
        job.log(
          'info',
          `Staged ${report.totals.staged} of ${report.totals.read} rows; ${report.totals.quarantined} quarantined, ${report.totals.skipped} skipped.`,
        )
        ctx.logger.info('export staged', { importId: report.importId, rows: report.totals.read })
        return report
      })
    },
    'source:get-profile': ({ importId }) => {
      const r = repo()
      const id = importOf(r, importId)
      return id === null ? null : ((r.getProfile(id) as SourceProfile | undefined) ?? null)
    },
    'source:list-quarantine': ({ importId, offset, limit, reason }): QuarantinePage => {
      const r = repo()
      const id = importOf(r, importId)
      const start = offset ?? 0
      if (id === null) return { importId: null, total: 0, offset: start, rows: [] }
      const page = r.quarantinePage(id, start, limit ?? DEFAULT_PAGE, reason ?? null)
      return { importId: id, total: page.total, offset: start, rows: page.rows }
    },
    'source:export-quarantine-csv': async ({ importId, destination }) => {
      const r = repo()
      const id = importOf(r, importId)
      const target = resolve(destination)
      if (existsSync(target)) {
        throw new AppError({
          code: 'destination-exists',
          kind: 'fatal',
          message: `${target} already exists; choose a new file name for the quarantine export.`,
        })
      }
      if (!existsSync(dirname(target))) {
        throw new AppError({
          code: 'directory-not-found',
          kind: 'fatal',
          message: `The folder ${dirname(target)} does not exist.`,
        })
      }
      const out = createWriteStream(target, { flags: 'wx' })
      const write = (line: string) =>
        new Promise<void>((done, fail) => {
          const onError = (e: Error) => fail(e)
          out.once('error', onError)
          if (out.write(line)) {
            out.off('error', onError)
            done()
          } else {
            out.once('drain', () => {
              out.off('error', onError)
              done()
            })
          }
        })
      let rows = 0
      await write(QUARANTINE_COLUMNS.join(',') + '\r\n')
      if (id !== null) {
        for (const q of r.iterateQuarantine(id)) {
          await write(
            [
              q.quarantineId,
              q.object,
              q.file,
              q.row,
              q.line,
              q.sourceId,
              q.reason,
              q.defect,
              q.message,
              q.raw,
            ]
              .map(csvField)
              .join(',') + '\r\n',
          )
          rows++
        }
      }
      await new Promise<void>((done, fail) => out.end((e?: Error | null) => (e ? fail(e) : done())))
      return { path: target, rows }
    },
  }
}
