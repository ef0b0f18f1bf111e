/**
 * One generation: builds the world, walks every story once, feeds each to the dirty export and to
 * `_truth/canonical/`, then writes the truth files, the manifest and optionally the zip.
 *
 * Memory stays bounded: one story's records at a time, plus owners, teams, fixed companies and the
 * referral partners with their links (these scale with companies and partners, not engagements).
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import v8 from 'node:v8'
import vm from 'node:vm'
import { AppError, CancelledError } from '../../../errors'
import { DEFAULT_DEFECT_RATES, DEFECT_IDS, type DefectId } from '../spec/defects'
import { exportRootName } from '../spec/layout'
import type { Manifest } from '../spec/manifest'
import type { GeneratorTruth } from '../spec/truth'
import { ExportBuilder } from './export-builder'
import { uuidFrom } from './ids'
import { Injector } from './inject'
import type { Row, StoryOutput } from './model'
import { resolveOptions, type GenerateOptions, type ResolvedOptions } from './options'
import { viewPartner } from './partners'
import { countBaseStories, drawLife, FactQuota, storyStart, viewStory } from './story'
import { isoDatetime } from './time'
import { TruthWriter } from './truth-writer'
import { buildWorld } from './world'
import { HOSTILE_ENTRIES, zipExport } from './zip'
import { applyEdits, DeltaRecorder, loadPrevious, type DeltaStep, type PreviousExport } from './delta'

/** The version of the generator's output; a delta refuses a base made by another version. */
export const GENERATOR_VERSION = 1

/** What `generateExport` wrote. */
export type GenerateResult = Readonly<{
  /** The export root folder, or the .zip with `zip`. */
  out: string
  /** Name of the export root folder (the zip's single root entry). */
  root: string
  zip: boolean
  flavour: 'api' | 'ui'
  profile: string
  seed: number
  portalId: string
  exportId: string
  exportedAt: string
  exportKind: 'full' | 'incremental'
  previousExportId: string | null
  /** Rows per manifest object (the manifest's object_counts, before any deliberate D31 edit). */
  objectCounts: Readonly<Record<string, number>>
  files: ReadonlyArray<Readonly<{ path: string; rows: number; bytes: number }>>
  binaries: Readonly<{ files: number; bytes: number }>
  /** Truth lines by defect id. */
  defects: Readonly<Record<string, number>>
  /** Truth lines by `Dxx/variant`. */
  defectVariants: Readonly<Record<string, number>>
  /** Delta classification counts by `object/expected`, for a delta. */
  delta: Readonly<Record<string, number>> | null
  /** Bytes of the export (all files, or the .zip). */
  bytes: number
  stories: number
  elapsedMs: number
}>

const DAY = 86_400_000

function prepareOut(path: string, zip: boolean): string {
  const target = resolve(path)
  if (zip) {
    if (existsSync(target))
      throw new AppError({
        code: 'output-exists',
        kind: 'fatal',
        message: `${target} already exists; choose a new .zip path or delete it first.`,
      })
    mkdirSync(dirname(target), { recursive: true })
    const staging = `${target}.partial`
    rmSync(staging, { recursive: true, force: true })
    mkdirSync(staging, { recursive: true })
    return staging
  }
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new AppError({
      code: 'output-exists',
      kind: 'fatal',
      message: `${target} is not empty; the export folder must be new or empty.`,
    })
  }
  mkdirSync(target, { recursive: true })
  return target
}

function folderBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size
  }
  return total
}

/**
 * Checks the rebuilt previous world against the previous export's canonical manifest: a delta of a
 * base made by other code, or an edited base, is refused rather than silently diverging.
 */
function verifyPrevious(text: string | null, exportedAt: string, rebuilt: Manifest): void {
  if (text === null) return
  const recorded = JSON.parse(text) as Manifest
  const bySha = new Map(recorded.files.map((f) => [f.path, f.sha256]))
  const differing = rebuilt.files.filter((f) => bySha.get(f.path) !== f.sha256).map((f) => f.path)
  if (differing.length > 0) {
    throw new AppError({
      code: 'delta-base-mismatch',
      kind: 'fatal',
      message: `The export of ${exportedAt} cannot be rebuilt from its _truth/generator.json (${differing.slice(0, 3).join(', ')} differ); regenerate the base with this version.`,
    })
  }
}

let gc: (() => void) | null | undefined

/**
 * Runs a full garbage collection if the runtime lets us expose `gc` (V8 `--expose-gc` set at run
 * time, then read from a fresh context: the documented `v8.setFlagsFromString` route); else nothing.
 */
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc')
      gc = vm.runInNewContext('gc') as () => void
    } catch {
      gc = null
    }
  }
  gc?.()
}

/** A partner's links and engagements as a story, for the delta comparison. */
function partnerStory(view: ReturnType<typeof viewPartner>): StoryOutput {
  return {
    index: -1,
    contacts: [],
    companies: [],
    deals: [],
    assocs: view.assocs,
    engagements: view.engagements,
    attachments: [],
    enrollments: [],
    facts: [],
  }
}

/** Generates one synthetic Leaf360 export (EXPORT-FORMAT.md; issue 3 items 5 and 6). */
export async function generateExport(options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now()
  const previous: PreviousExport | null =
    options.deltaOf === undefined ? null : await loadPrevious(options.deltaOf, GENERATOR_VERSION)
  // A delta keeps the base's world options (seed, profile, contacts, defect scale) and moves the clock.
  const resolved: ResolvedOptions =
    previous === null ? resolveOptions(options) : previous.deltaOptions(options)
  const lineage: DeltaStep[] =
    previous === null ? [] : [...previous.lineage, previous.nextStep(resolved, options)]
  const baseExportedAtMs = Date.parse(previous?.baseExportedAt ?? resolved.exportedAt)
  const exportedAtMs = Date.parse(resolved.exportedAt)
  if (previous !== null && exportedAtMs <= Date.parse(previous.exportedAt)) {
    throw new AppError({
      code: 'invalid-generator-option',
      kind: 'fatal',
      message: `--exported-at must be later than the previous export (${previous.exportedAt}).`,
    })
  }
  const world = buildWorld(resolved, baseExportedAtMs, exportedAtMs)
  const rootName = exportRootName(world.portal.portalId, resolved.exportedAt)
  const dir = prepareOut(options.out, options.zip === true)
  try {
    return await writeAll(options, previous, resolved, lineage, world, rootName, dir, started)
  } catch (error) {
    // A zip is staged in `<out>.partial`; leave nothing behind but the error.
    if (options.zip === true) rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

async function writeAll(
  options: GenerateOptions,
  previous: PreviousExport | null,
  resolved: ResolvedOptions,
  lineage: DeltaStep[],
  world: ReturnType<typeof buildWorld>,
  rootName: string,
  dir: string,
  started: number,
): Promise<GenerateResult> {
  const baseExportedAtMs = world.portal.baseExportedAtMs
  const exportedAtMs = world.portal.exportedAtMs
  const baseStories = countBaseStories(resolved.seed, world.storyContactTarget)
  const exportId = uuidFrom(`${resolved.seed}|${resolved.exportedAt}|${resolved.flavour}|${lineage.length}`)
  const since = resolved.exportKind === 'incremental' && previous !== null ? previous.exportedAt : null
  const sinceMs = since === null ? null : Date.parse(since)
  const includeRow = (object: string, row: Row) => {
    if (sinceMs === null) return true
    const stamp = row['updated_at'] ?? row['changed_at'] ?? row['created_at'] ?? null
    return stamp === null ? false : Date.parse(stamp) >= sinceMs
  }
  const truth = new TruthWriter(dir)
  const injector = new Injector(world, resolved.flavour, {
    forcing: previous === null,
    replay: previous?.forcedPicks ?? [],
  })
  const exportBuilder = new ExportBuilder({
    world,
    flavour: resolved.flavour,
    root: dir,
    injector,
    truth,
    exportId,
    previousExportId: previous?.exportId ?? null,
    exportKind: resolved.exportKind,
    since,
    includeRow,
  })
  const writeCanonical = options.canonical !== false
  const canonicalRoot = join(dir, '_truth', 'canonical')
  const canonical = writeCanonical
    ? new ExportBuilder({
        world,
        flavour: 'api',
        root: canonicalRoot,
        injector: null,
        truth: null,
        exportId: uuidFrom(`${exportId}|canonical`),
        previousExportId: previous?.canonicalExportId ?? null,
        exportKind: 'full',
        since: null,
        includeRow: () => true,
      })
    : null
  if (previous !== null && canonical === null) {
    throw new AppError({
      code: 'invalid-generator-option',
      kind: 'fatal',
      message: 'A delta needs _truth/canonical/ (do not turn canonical off with --delta-of).',
    })
  }
  const recorder =
    previous === null ? null : new DeltaRecorder(dir, resolved.flavour, resolved.exportKind, since)
  // The previous export's canonical world, rebuilt in memory (hashes only) to compare and verify.
  const prevCanonical =
    previous === null
      ? null
      : new ExportBuilder({
          world: previous.world,
          flavour: 'api',
          root: null,
          injector: null,
          truth: null,
          exportId: previous.canonicalExportId ?? '',
          previousExportId: null,
          exportKind: 'full',
          since: null,
          includeRow: () => true,
        })
  const builders = canonical === null ? [exportBuilder] : [exportBuilder, canonical]
  for (const b of builders) b.writeStatic()
  prevCanonical?.writeStatic()
  recorder?.compareStatic(previous?.world ?? null, world)
  for (const p of world.partners) {
    const view = viewPartner(world, p, exportedAtMs)
    for (const b of builders) b.writePartner(view)
    if (previous !== null && recorder !== null) {
      const before = viewPartner(previous.world, p, Date.parse(previous.exportedAt))
      prevCanonical?.writePartner(before)
      // The partner's own links and engagements are records too; its row is settled at the end.
      recorder.compareStory(partnerStory(before), partnerStory(view))
    }
  }
  // Stories: the base ones, then (for a delta) those that started since.
  const quota = new FactQuota(resolved.defects > 0)
  const prevQuota = new FactQuota(resolved.defects > 0)
  const lifeCtx = { world, baseStories, quota }
  const prevCtx = previous === null ? null : { world: previous.world, baseStories, quota: prevQuota }
  let stories = 0
  const total =
    baseStories +
    (exportedAtMs > baseExportedAtMs
      ? Math.ceil(((exportedAtMs - baseExportedAtMs) / (5 * 365.25 * DAY)) * baseStories * 1.3) + 2
      : 0)
  for (let index = 0; ; index++) {
    if (index >= baseStories && storyStart(world, index, baseStories) > exportedAtMs) break
    if (options.isCancelled?.() === true) throw new CancelledError()
    const life = drawLife(lifeCtx, index)
    const story = applyEdits(viewStory({ world, atMs: exportedAtMs }, life), lineage, world)
    if (prevCtx !== null && previous !== null && recorder !== null) {
      const prevLife = drawLife(prevCtx, index)
      const prevStory = applyEdits(
        viewStory({ world: previous.world, atMs: Date.parse(previous.exportedAt) }, prevLife),
        lineage.slice(0, -1),
        previous.world,
      )
      recorder.compareStory(prevStory, story)
      if (prevStory !== null) prevCanonical?.writeStory(prevStory)
    }
    if (story !== null) {
      for (const b of builders) b.writeStory(story)
      stories++
    }
    // A full collection now and then: V8 lets dead story objects pile up in old space long before
    // it collects them, and RSS follows; the live heap of a generation stays small (tens of MB).
    if (index % 250 === 249) collectGarbage()
    if (index % 4 === 3) {
      for (const b of builders) await b.drain()
      await recorder?.drain()
      options.onProgress?.(
        Math.min(0.95, index / Math.max(1, total)),
        `${stories.toLocaleString('en-US')} stories written`,
      )
    }
  }
  options.onProgress?.(0.96, 'Writing partners, companies, schema and manifest')
  const summary = await exportBuilder.finish()
  if (canonical !== null) await canonical.finish()
  if (prevCanonical !== null && previous !== null && canonical !== null && recorder !== null) {
    const rebuilt = await prevCanonical.finish()
    verifyPrevious(previous.canonicalManifest, previous.exportedAt, rebuilt.manifest)
    recorder.compareSettled('contacts', prevCanonical.settled.contacts, canonical.settled.contacts)
    recorder.compareSettled('companies', prevCanonical.settled.companies, canonical.settled.companies)
  }
  const truthSummary = await truth.finish(summary.parts)
  const deltaCounts = recorder === null ? null : await recorder.finish()
  const rates: Record<string, number> = {}
  for (const id of DEFECT_IDS)
    rates[id] = Math.min(1, (DEFAULT_DEFECT_RATES[id as DefectId] ?? 0.0005) * resolved.defects)
  const generatorTruth: GeneratorTruth & Record<string, unknown> = {
    generator: 'leafbridge-generate-export',
    version: GENERATOR_VERSION,
    seed: resolved.seed,
    profile: resolved.profile,
    flavour: resolved.flavour,
    options: {
      ...resolved,
      hostileZip: options.hostileZip === true,
      zip: options.zip === true,
      canonical: writeCanonical,
    },
    defect_rates: rates,
    clock: {
      exported_at: resolved.exportedAt,
      history_start: isoDatetime(world.portal.historyStartMs),
      base_exported_at: isoDatetime(baseExportedAtMs),
    } as GeneratorTruth['clock'],
    portal_id: world.portal.portalId,
    export_id: exportId,
    canonical_export_id: canonical === null ? null : uuidFrom(`${exportId}|canonical`),
    root: rootName,
    lineage: lineage as unknown as GeneratorTruth['lineage'],
    base_stories: baseStories,
    forced_picks: injector.forcedPicks,
    defects: truth.counts,
  }
  writeFileSync(join(dir, '_truth', 'generator.json'), JSON.stringify(generatorTruth, null, 2) + '\n')
  const manifest: Manifest = summary.manifest
  let bytes: number
  let hostileLines = 0
  let out = resolve(options.out)
  if (options.zip === true) {
    options.onProgress?.(0.98, 'Zipping')
    if (options.hostileZip === true) {
      // The tampered entries are recorded too (file level): a reader refuses the archive whole (§2).
      const lines = HOSTILE_ENTRIES.map((entry) =>
        JSON.stringify({
          defect_id: 'D13',
          file: entry.replace('ROOT', rootName),
          row: null,
          column: null,
          clean_value: null,
          variant: 'hostile-zip-entry',
        }),
      )
      appendFileSync(join(dir, '_truth', 'defects.jsonl'), lines.join('\n') + '\n')
      hostileLines = lines.length
    }
    bytes = await zipExport(dir, rootName, out, options.hostileZip === true)
    rmSync(dir, { recursive: true, force: true })
  } else bytes = folderBytes(dir)
  void truthSummary
  const counts: Record<string, number> = {}
  for (const f of manifest.files) counts[f.object] = (counts[f.object] ?? 0) + f.rows
  options.onProgress?.(1, 'Done')
  out = resolve(options.out)
  return {
    out,
    root: rootName,
    zip: options.zip === true,
    flavour: resolved.flavour,
    profile: resolved.profile,
    seed: resolved.seed,
    portalId: world.portal.portalId,
    exportId,
    exportedAt: resolved.exportedAt,
    exportKind: resolved.exportKind,
    previousExportId: previous?.exportId ?? null,
    objectCounts: counts,
    files: manifest.files.map((f) => ({ path: f.path, rows: f.rows, bytes: f.bytes })),
    binaries: summary.binaries,
    defects:
      hostileLines === 0 ? truth.counts : { ...truth.counts, D13: (truth.counts['D13'] ?? 0) + hostileLines },
    defectVariants:
      hostileLines === 0
        ? truth.variantCounts
        : { ...truth.variantCounts, 'D13/hostile-zip-entry': hostileLines },
    delta: deltaCounts,
    bytes,
    stories,
    elapsedMs: Math.round(performance.now() - started),
  }
}
