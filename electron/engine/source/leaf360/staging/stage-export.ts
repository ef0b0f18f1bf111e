/**
 * Stages one Leaf360 export into the open workspace (issue 3): open the folder or zip (a tampered
 * archive is refused whole, §2), settle flavour and time zone from the manifest (or the contacts
 * header and the operator), plan the files, stage every row or quarantine it with a reason, run
 * the checks that need all rows, classify the delta against earlier imports, store the profile.
 *
 * An import that fails or is cancelled leaves no rows behind: its batches are removed and the
 * import is recorded as failed or cancelled.
 */
import type { StageReport } from '../../../../shared/dto/source'
import { systemClock, type Clock } from '../../../clock'
import { AppError, CancelledError } from '../../../errors'
import { StagingRepository } from '../../../workspace/staging-repository'
import type { Workspace } from '../../../workspace/workspace'
import { buildProfile } from '../profile/build-profile'
import { decideEncoding, scanBytes } from '../reader/encoding'
import { openExportSource, type ExportSource } from '../reader/export-source'
import { planExport, type PlannedPart } from '../reader/export-layout'
import { flavourOfHeader, parseManifestText, settleExport, type OperatorChoices } from '../reader/manifest'
import { readCsv, readXlsx, xlsxCellText } from '../reader/tabular'
import { ASSOCIATION_TYPES, STANDARD_PIPELINES, type Flavour } from '../spec'
import { readId } from '../validate/scalars'
import { removeInvisible, trimAscii } from '../validate/text'
import {
  indexPipelines,
  looseKey,
  type OwnerName,
  type ValidationContext,
} from '../validate/validation-context'
import { stageDataFile, stagedObjectOf } from './data-file-stager'
import { createProducer, inThreadProducer, type Producer, type WorkerPolicy } from './producer-pool'
import { stageDelta } from './delta'
import { FindingsTally } from './findings'
import { stageJsonFile } from './json-stager'
import { runPostChecks } from './post-checks'
import { KnownIds } from './known-ids'
import { RecordWriter } from './record-writer'
import { SourceFacts } from './source-facts'
import type { StageContext, StageProgress } from './stage-context'

/** How to stage. */
export type StageOptions = OperatorChoices &
  Readonly<{
    signal?: AbortSignal
    onProgress?: (p: StageProgress) => void
    onLog?: (message: string) => void
    clock?: Clock
    /** Read and validate in a worker thread: always, never, or for large exports (default auto). */
    worker?: WorkerPolicy
  }>

const MAX_MANIFEST_BYTES = 16 * 1024 * 1024

async function readSmallText(source: ExportSource, path: string, limit: number): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of await source.open(path)) {
    size += (chunk as Buffer).length
    if (size > limit) return null
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The header and rows of a small file (owners, teams), decoded as §9 D07 says. */
async function readSmallTable(source: ExportSource, part: PlannedPart): Promise<string[][]> {
  const rows: string[][] = []
  if (part.format === 'xlsx') {
    for await (const batch of readXlsx(await source.open(part.path))) {
      for (const r of batch) rows.push(r.cells.map((c) => xlsxCellText(c, 'other')))
    }
    return rows
  }
  const facts = await scanBytes(await source.open(part.path))
  const { encoding } = decideEncoding(part.declared?.encoding ?? null, facts)
  for await (const batch of readCsv(await source.open(part.path), encoding)) {
    for (const r of batch) rows.push(r.cells as string[])
  }
  return rows
}

/** The first record of the contacts file, to infer the flavour (§2). */
async function contactsHeader(source: ExportSource): Promise<string[] | null> {
  const candidates = source.files
    .map((f) => f.path)
    .filter((p) => /^data\/contacts(_part\d+)?\.(csv|xlsx)$/i.test(p))
    .sort()
  const path = candidates[0]
  if (path === undefined) return null
  const stream = path.toLowerCase().endsWith('.xlsx')
    ? readXlsx(await source.open(path))
    : readCsv(await source.open(path), 'utf-8')
  for await (const batch of stream) {
    const first = batch[0]
    if (first !== undefined) {
      await stream.return(undefined)
      return first.cells.map((c) => xlsxCellText(c, 'other'))
    }
  }
  return null
}

const columnIndex = (header: ReadonlyArray<string>, name: string) =>
  header.findIndex((h) => removeInvisible(trimAscii(h.replace(/^\ufeff/, ''))) === name)

/** ui: owner names and team names stand for their ids (§7); read them before any file refers to them. */
async function uiNameIndexes(
  source: ExportSource,
  plan: ReturnType<typeof planExport>,
): Promise<{ owners: Map<string, OwnerName[]>; teams: Map<string, string> }> {
  const owners = new Map<string, OwnerName[]>()
  const teams = new Map<string, string>()
  for (const file of plan.files) {
    if (file.kind !== 'data' || (file.spec.object !== 'owners' && file.spec.object !== 'teams')) continue
    for (const part of file.parts) {
      const rows = await readSmallTable(source, part)
      const header = rows[0] ?? []
      if (file.spec.object === 'owners') {
        const [id, first, last, active] = ['Owner ID', 'First Name', 'Last Name', 'Active'].map((n) =>
          columnIndex(header, n),
        )
        for (const row of rows.slice(1)) {
          const ownerId = readId(removeInvisible(trimAscii(row[id!] ?? '')))
          if (ownerId.kind !== 'ok' && ownerId.kind !== 'repaired') continue
          const name = looseKey(removeInvisible(`${row[first!] ?? ''} ${row[last!] ?? ''}`))
          const isActive = !/^(no|false|n|f|0)$/i.test(trimAscii(row[active!] ?? ''))
          const list = owners.get(name) ?? []
          list.push({ ownerId: ownerId.id, active: isActive })
          owners.set(name, list)
        }
      } else {
        const [id, name] = ['Team ID', 'Team Name'].map((n) => columnIndex(header, n))
        for (const row of rows.slice(1)) {
          const teamId = readId(removeInvisible(trimAscii(row[id!] ?? '')))
          if (teamId.kind !== 'ok' && teamId.kind !== 'repaired') continue
          const key = looseKey(removeInvisible(row[name!] ?? ''))
          if (key !== '' && !teams.has(key)) teams.set(key, teamId.id)
        }
      }
    }
  }
  return { owners, teams }
}

/** Stages the export at `location` into `workspace`; resolves with the report. */
export async function stageExport(
  workspace: Workspace,
  location: string,
  options: StageOptions = {},
): Promise<StageReport> {
  const clock = options.clock ?? systemClock
  const iso = () => new Date(clock.now()).toISOString()
  const startedMs = clock.monotonic()
  const log = options.onLog ?? (() => {})
  const source = await openExportSource(location)
  const repo = new StagingRepository(workspace)
  let importId: number | null = null
  let starting: Promise<Producer | null> | null = null
  try {
    const manifestEntry = source.files.find((f) => f.path.toLowerCase() === 'manifest.json')
    const manifestText =
      manifestEntry === undefined ? null : await readSmallText(source, manifestEntry.path, MAX_MANIFEST_BYTES)
    const manifest = manifestText === null ? null : parseManifestText(manifestText)
    const header = await contactsHeader(source)
    const settings = settleExport(
      manifest,
      manifestEntry === undefined ? 'missing' : manifest === null ? 'unparseable' : null,
      header === null ? null : flavourOfHeader(header),
      {
        ...(options.flavour ? { flavour: options.flavour } : {}),
        ...(options.timezone ? { timezone: options.timezone } : {}),
      },
    )
    const plan = planExport(source.files, settings.flavour, settings.files)
    log(`Reading a ${settings.flavour} export (${settings.flavourOrigin}), time zone ${settings.timezone}.`)

    importId = repo.createImport({
      location,
      container: source.kind,
      flavour: settings.flavour,
      flavourOrigin: settings.flavourOrigin,
      timezone: settings.timezone,
      portalId: settings.portalId,
      exportId: settings.exportId,
      exportKind: settings.exportKind,
      partial: settings.partial,
      exportedAt: settings.exportedAt,
      startedAt: iso(),
      manifest,
    })
    repo.beginBulk()
    const tally = new FindingsTally()
    const notes: Array<{ file: string | null; reason: string; message: string }> = []
    const id = importId
    const fileFinding: StageContext['fileFinding'] = (code, file, reason, message, column = null) => {
      if (code === null) {
        notes.push({ file, reason, message })
        return
      }
      repo.insertFinding(id, { code, file, row: null, column, raw: null, reason, message })
      tally.add(code, { file, row: null, column, raw: null, reason, sourceId: null })
    }
    for (const issue of settings.issues)
      fileFinding(issue.code, 'manifest.json', issue.reason, issue.message, issue.column)
    for (const issue of plan.issues) fileFinding(issue.code, issue.file, issue.reason, issue.message)
    for (const path of source.outsideRoot) {
      fileFinding(
        null,
        path,
        'outside_root',
        `${path} lies outside the export's root folder and was not read.`,
      )
    }

    const names = settings.flavour === 'ui' ? await uiNameIndexes(source, plan) : null
    const validation: ValidationContext = {
      flavour: settings.flavour as Flavour,
      dates: {
        flavour: settings.flavour,
        timezone: settings.timezone,
        referenceMs: settings.exportedAtMs ?? clock.now(),
      },
      exportedAtMs: settings.exportedAtMs,
      associationRowCap: settings.associationRowCap,
      pipelines: indexPipelines(STANDARD_PIPELINES),
      properties: new Map(),
      associationTypes: ASSOCIATION_TYPES,
      ownerNames: names?.owners ?? null,
      teamNames: names?.teams ?? null,
    }
    const declaredRows = plan.files.flatMap((f) => f.parts).map((p) => p.declared?.rows)
    const rowsTotal = declaredRows.every((n) => n !== undefined)
      ? declaredRows.reduce((a, b) => a! + b!, 0)!
      : null
    // Objects are settled as read to the end once each of their files is (known-ids.ts).
    const known = new KnownIds()
    const objectOf = (file: (typeof plan.files)[number]) =>
      file.kind === 'data' ? stagedObjectOf(file.spec) : file.spec.object
    known.expect(plan.files.map(objectOf))
    const ctx: StageContext = {
      repo,
      importId,
      source,
      settings,
      tally,
      writer: new RecordWriter(repo, importId, tally, known, settings.flavour as Flavour),
      binaries: plan.binaries,
      signal: options.signal,
      onProgress: options.onProgress ?? (() => {}),
      validation,
      rowsDone: 0,
      rowsTotal,
      associationFiles: new Set(),
      copyMatches: new Map(),
      associationsPresent: plan.files.some((f) => f.kind === 'data' && f.spec.object === 'associations'),
      fileFinding,
      observed: new Map(),
      facts: new SourceFacts(),
      synthesised: 0,
    }
    const exportBytes = plan.files.flatMap((f) => f.parts).reduce((n, p) => n + p.size, 0)
    // Under `auto` the worker starts while the first files are read here: its start-up (loading
    // the reader and validators) then costs no time of its own.
    const inThread = inThreadProducer(source, plan.binaries, options.signal)
    let worker: Producer | null = null
    let readInWorker = false
    starting = createProducer(source, plan.binaries, {
      policy: options.worker ?? 'auto',
      exportBytes,
      ...(options.signal ? { signal: options.signal } : {}),
    }).then(
      (p) => (p.parallel ? (worker = p) : null),
      (error: unknown) => {
        log(`The staging worker did not start (${(error as Error).message}); reading here.`)
        return null
      },
    )
    // `always` reads every data file in the worker, so it waits for it.
    if (options.worker === 'always') await starting
    for (const file of plan.files) {
      if (options.signal?.aborted) throw new CancelledError()
      log(`Reading ${file.parts.map((p) => p.path).join(', ')}.`)
      if (file.kind === 'json') {
        await stageJsonFile(ctx, file)
      } else {
        const producer: Producer = worker ?? inThread
        if (producer.parallel && !readInWorker) log('Reading and validating in a worker thread.')
        readInWorker ||= producer.parallel
        await stageDataFile(ctx, file, producer)
      }
      known.finished(objectOf(file))
    }
    if (options.signal?.aborted) throw new CancelledError()
    ctx.onProgress({ file: '', rowsDone: ctx.rowsDone, rowsTotal: ctx.rowsDone, phase: 'checking' })
    log('Checking references, duplicates and histories across files.')
    runPostChecks(ctx)
    const synthesised = ctx.synthesised
    const inferDeletions = manifest !== null && settings.exportKind === 'full' && !settings.partial
    if (settings.partial) {
      fileFinding(
        null,
        'manifest.json',
        'partial_export',
        'The manifest says partial=true: absent records are not treated as deleted (§8).',
      )
    }
    ctx.onProgress({ file: '', rowsDone: ctx.rowsDone, rowsTotal: ctx.rowsDone, phase: 'delta' })
    const delta = stageDelta(ctx, inferDeletions)
    const stagedAt = iso()
    const profile = buildProfile(repo, {
      importId,
      location,
      settings,
      tally,
      columns: [...ctx.observed.values()],
      properties: ctx.validation.properties,
      delta,
      notes,
      stagedAt,
      synthesised,
      facts: ctx.facts,
      stagedCounts: ctx.writer.stagedCounts,
    })
    repo.saveProfile(importId, stagedAt, profile)

    const objects: Record<string, { read: number; staged: number; quarantined: number; skipped: number }> = {}
    const totals = { read: 0, staged: 0, quarantined: 0, skipped: 0 }
    for (const f of repo.files(importId)) {
      objects[f.path] = { read: f.rowsRead, staged: f.staged, quarantined: f.quarantined, skipped: f.skipped }
      totals.read += f.rowsRead
      totals.staged += f.staged
      totals.quarantined += f.quarantined
      totals.skipped += f.skipped
    }
    const report: StageReport = {
      importId,
      location,
      flavour: settings.flavour,
      flavourOrigin: settings.flavourOrigin,
      timezone: settings.timezone,
      exportKind: settings.exportKind,
      partial: settings.partial,
      objects,
      totals,
      synthesised,
      findings: tally.countsObject(),
      quarantineReasons: tally.quarantineObject(),
      delta,
      notes,
      readInWorker,
      durationMs: Math.round(clock.monotonic() - startedMs),
    }
    repo.finishImport(importId, 'finished', iso(), { ...report, headsAdvanced: repo.headsAdvanced(importId) })
    workspace.logActivity(
      'source-staged',
      `Staged ${totals.staged} of ${totals.read} rows from ${location} (${totals.quarantined} quarantined, ${totals.skipped} skipped).`,
      { importId, flavour: settings.flavour },
    )
    return report
  } catch (error) {
    if (importId !== null) {
      repo.rollback()
      repo.discardImportRows(importId)
      const cancelled = error instanceof CancelledError || options.signal?.aborted === true
      repo.finishImport(importId, cancelled ? 'cancelled' : 'failed', iso(), {
        error: error instanceof AppError ? error.toData() : { message: (error as Error).message },
      })
    }
    throw error
  } finally {
    repo.endBulk()
    await (await starting)?.close()
    await source.close()
  }
}
