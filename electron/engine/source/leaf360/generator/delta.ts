/**
 * Delta exports (§8): a later export of the same portal. The previous export's `_truth/generator.json`
 * says how its world was made; the delta rebuilds that world at the previous moment and at the new
 * one (the same lives, seen later: deals progress, new leads arrive), applies the edits of every
 * delta step so far (changed, archived and removed records; D41 anomalies), and records the expected
 * classification of every record in `_truth/delta.jsonl`.
 *
 * Edits are sticky: step j's edit of a record is re-applied in every later view, so a record edited
 * once does not flip back. Each is keyed by (step seed, record id), never by position.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import yauzl from 'yauzl'
import { AppError } from '../../../errors'
import { ASSOCIATION_TYPES_BY_ID } from '../spec/association-types'
import { ENGAGEMENT_FILES } from '../spec/columns'
import { generatorTruthSchema, type DeltaChange, type DeltaClass } from '../spec/truth'
import type { Flavour } from '../spec/value-types'
import { hash32, streamOf } from './random'
import type { Row, StoryOutput } from './model'
import { resolveOptions, type GenerateOptions, type ResolvedOptions } from './options'
import { isoDatetime } from './time'
import { FileSink } from './writers/sink'
import { buildWorld, phoneFor, type World } from './world'
import { placeholderBinary } from './binaries'
import { createHash } from 'node:crypto'

const DAY = 86_400_000

/** One delta step of a lineage. */
export type DeltaStep = Readonly<{
  exportedAt: string
  previousExportedAt: string
  changes: number
  seed: number
  exportKind: 'full' | 'incremental'
}>

/** What a delta needs to know about the export it follows. */
export type PreviousExport = Readonly<{
  exportId: string
  canonicalExportId: string | null
  exportedAt: string
  baseExportedAt: string
  flavour: Flavour
  lineage: ReadonlyArray<DeltaStep>
  forcedPicks: ReadonlyArray<string>
  /** The world as the previous export saw it. */
  world: World
  /** Its `_truth/canonical/manifest.json`, to verify the rebuilt world against (null if absent). */
  canonicalManifest: string | null
  deltaOptions: (options: GenerateOptions) => ResolvedOptions
  nextStep: (resolved: ResolvedOptions, options: GenerateOptions) => DeltaStep
}>

async function readZipEntry(zipPath: string, suffix: string): Promise<string | null> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (e, z) => (e || !z ? reject(e) : resolve(z))),
  )
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName
      if (name === suffix || name.endsWith(`/${suffix}`)) {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e)
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('end', () => {
            zip.close()
            resolve(Buffer.concat(chunks).toString('utf8'))
          })
        })
      } else zip.readEntry()
    })
    zip.on('end', () => resolve(null))
    zip.on('error', reject)
    zip.readEntry()
  })
}

/** Reads the previous export's `_truth/` (folder or zip) and rebuilds its world. */
export async function loadPrevious(path: string, version: number): Promise<PreviousExport> {
  const isZip = path.toLowerCase().endsWith('.zip')
  const read = async (rel: string) =>
    isZip
      ? readZipEntry(path, rel)
      : existsSync(join(path, rel))
        ? readFileSync(join(path, rel), 'utf8')
        : null
  const text = await read('_truth/generator.json')
  if (text === null) {
    throw new AppError({
      code: 'delta-base-missing',
      kind: 'fatal',
      message: `${path} has no _truth/generator.json: --delta-of needs an export written by leafbridge generate-export.`,
    })
  }
  const parsed = generatorTruthSchema.safeParse(JSON.parse(text))
  if (!parsed.success || parsed.data.version !== version) {
    throw new AppError({
      code: 'delta-base-mismatch',
      kind: 'fatal',
      message: `${path} was written by another generator version; regenerate the base export with this version first.`,
    })
  }
  const truth = parsed.data as typeof parsed.data & Record<string, unknown>
  const o = truth.options as unknown as ResolvedOptions
  const clock = truth.clock as { exported_at: string; base_exported_at?: string }
  const baseExportedAt = clock.base_exported_at ?? clock.exported_at
  const lineage = (truth.lineage as unknown as DeltaStep[]) ?? []
  const base: ResolvedOptions = { ...o, exportedAt: baseExportedAt }
  const world = buildWorld(base, Date.parse(baseExportedAt), Date.parse(clock.exported_at))
  const exportedAt = clock.exported_at
  return {
    exportId: truth.export_id,
    canonicalExportId: typeof truth['canonical_export_id'] === 'string' ? truth['canonical_export_id'] : null,
    exportedAt,
    baseExportedAt,
    flavour: truth.flavour,
    lineage,
    forcedPicks: Array.isArray(truth['forced_picks']) ? (truth['forced_picks'] as string[]) : [],
    world,
    canonicalManifest: await read('_truth/canonical/manifest.json'),
    deltaOptions: (options) => {
      const next = options.exportedAt ?? isoDatetime(Date.parse(exportedAt) + 14 * DAY)
      const checked = resolveOptions({
        ...options,
        profile: o.profile,
        contacts: o.contacts,
        seed: o.seed,
        exportedAt: next,
        timezone: o.timezone,
        defects: o.defects,
      })
      return {
        ...base,
        flavour: options.flavour ?? truth.flavour,
        exportedAt: checked.exportedAt,
        exportKind: options.exportKind ?? 'full',
        changes: checked.changes,
        maxRowsPerFile: options.maxRowsPerFile ?? o.maxRowsPerFile,
        associationRowCap: options.associationRowCap ?? o.associationRowCap,
        missingIdColumn: options.missingIdColumn ?? false,
        invalidJson: options.invalidJson ?? false,
      }
    },
    nextStep: (resolved) => ({
      exportedAt: resolved.exportedAt,
      previousExportedAt: exportedAt,
      changes: resolved.changes,
      seed: hash32(`delta|${resolved.exportedAt}|${lineage.length}`, o.seed),
      exportKind: resolved.exportKind,
    }),
  }
}

/** Per-record change made by the last step, for the recorder. */
const EDITS = new WeakMap<StoryOutput, Map<string, DeltaChange>>()

const stamp = (ms: number) => isoDatetime(Math.floor(ms / 1000) * 1000)

/**
 * Applies every step's edits, in order, to a story as viewed at the last step's moment (sticky:
 * a view at step k carries the edits of steps 1…k). Returns the story, emptied when it was removed.
 */
export function applyEdits(
  story: StoryOutput | null,
  steps: ReadonlyArray<DeltaStep>,
  world: World,
): StoryOutput | null {
  if (story === null || steps.length === 0) return story
  const changes = new Map<string, DeltaChange>()
  const defects = world.defectScale > 0
  steps.forEach((step, k) => {
    const last = k === steps.length - 1
    const prevMs = Date.parse(step.previousExportedAt)
    const atMs = Date.parse(step.exportedAt)
    const editMs = (r: ReturnType<typeof streamOf>) =>
      Math.round(prevMs + (0.05 + 0.9 * r.next()) * (atMs - prevMs))
    const mark = (id: string, change: DeltaChange) => {
      if (last) changes.set(id, change)
    }
    const existed = (row: Row) => Date.parse(row['created_at'] ?? row['uploaded_at'] ?? '') <= prevMs
    const primary = story.contacts[0]
    // Whole lead stories deleted (hard delete: absent from a full export, §8).
    const lonelyLead =
      primary !== undefined &&
      story.deals.length === 0 &&
      story.contacts.every((c) => c.role !== 'co_borrower') &&
      primary.row['contact_type'] === 'prospect'
    if (
      lonelyLead &&
      existed(primary.row) &&
      streamOf(step.seed, `remove:${primary.row['id']}`).next() < step.changes * 0.15
    ) {
      for (const c of story.contacts) mark(c.row['id'] ?? '', 'removed')
      for (const e of story.engagements) mark(e.row['id'] ?? '', 'removed')
      story.touches = [
        ...(story.touches ?? []),
        ...story.assocs
          .filter((a) => a.toType === 'contact' && a.fromType === 'contact')
          .map((a) => ({ id: a.toId, ms: editMs(streamOf(step.seed, `touch:${a.toId}`)) })),
      ]
      story.contacts = []
      story.engagements = []
      story.assocs = []
      story.enrollments = []
      story.attachments = []
      story.companies = []
      story.deals = []
      story.facts = []
      return
    }
    for (const c of story.contacts) {
      if (!existed(c.row)) continue
      const id = c.row['id'] ?? ''
      const r = streamOf(step.seed, `edit:contact:${id}`)
      const d = r.next()
      const when = editMs(r)
      const anomaly = r.next()
      const newPhone = phoneFor('612', 3_000_000 + (hash32(id, step.seed) % 5_000_000))
      if (d < step.changes * 0.5) {
        c.row['phone'] = newPhone
        c.row['lead_status'] = c.row['lead_status'] === null ? null : 'CONNECTED'
        const updated = Date.parse(c.row['updated_at'] ?? '')
        const created = Date.parse(c.row['created_at'] ?? '')
        if (defects && step.exportKind === 'full' && anomaly < 0.08) {
          // D41: content changed without a later updated_at (same, or even earlier).
          if (anomaly < 0.04 && updated - created > 2 * DAY) c.row['updated_at'] = stamp(updated - DAY)
        } else c.row['updated_at'] = stamp(Math.max(updated, when))
        mark(id, 'modified')
      } else if (d < step.changes * 0.6 && lonelyLead && c.role === 'primary') {
        c.row['archived'] = 'true'
        c.row['updated_at'] = stamp(Math.max(Date.parse(c.row['updated_at'] ?? ''), when))
        story.touches = [
          ...(story.touches ?? []),
          ...story.assocs
            .filter((a) => a.fromId === id && a.toType === 'contact')
            .map((a) => ({ id: a.toId, ms: when })),
        ]
        mark(id, 'archived')
      }
    }
    if (story.deals.length === 1) {
      const deal = story.deals[0]
      if (deal !== undefined && existed(deal.row) && deal.row['archived'] === 'false') {
        const r = streamOf(step.seed, `edit:deal:${deal.row['id']}`)
        const d = r.next()
        const when = editMs(r)
        if (d < step.changes * 0.3 && deal.row['amount'] !== null) {
          deal.row['amount'] = (Number(deal.row['amount']) * 1.05).toFixed(2)
          deal.row['updated_at'] = stamp(Math.max(Date.parse(deal.row['updated_at'] ?? ''), when))
          mark(deal.row['id'] ?? '', 'modified')
        }
      }
    }
    const lastActivity = primary?.row['last_activity_at'] ?? null
    story.engagements = story.engagements.filter((e) => {
      if (
        e.type !== 'NOTE' ||
        !existed(e.row) ||
        lastActivity === null ||
        (e.row['timestamp'] ?? '') >= lastActivity
      )
        return true
      const removed = streamOf(step.seed, `edit:engagement:${e.row['id']}`).next() < step.changes * 0.05
      if (removed) mark(e.row['id'] ?? '', 'removed')
      return !removed
    })
    for (const a of story.attachments) {
      if (
        a.binary === null ||
        a.binary.length === 0 ||
        !existed({ created_at: a.row['uploaded_at'] ?? null })
      )
        continue
      const r = streamOf(step.seed, `edit:attachment:${a.row['file_id']}`)
      const d = r.next()
      const when = editMs(r)
      if (d < step.changes * 0.05) {
        // A new version of the document under the same file_id: sha256 changes (§8).
        const bytes = Buffer.concat([
          placeholderBinary('pdf', a.row['file_id'] ?? '', 'revised'),
          Buffer.from(`\n% revision ${k + 1}\n`),
        ])
        a.binary = bytes
        a.row['size_bytes'] = String(bytes.length)
        a.row['sha256'] = createHash('sha256').update(bytes).digest('hex')
        a.row['updated_at'] = stamp(Math.max(Date.parse(a.row['updated_at'] ?? ''), when))
        mark(a.row['file_id'] ?? '', 'modified')
      }
    }
  })
  EDITS.set(story, changes)
  return story
}

type Seen = Map<string, string>

/** Expected classification of records between the previous export and this one (§8). */
export class DeltaRecorder {
  readonly #sink: FileSink
  readonly #flavour: Flavour
  readonly #kind: 'full' | 'incremental'
  readonly #counts: Record<string, number> = {}

  readonly #since: string | null

  constructor(root: string, flavour: Flavour, kind: 'full' | 'incremental', since: string | null) {
    this.#sink = new FileSink(join(root, '_truth', 'delta.jsonl'))
    this.#flavour = flavour
    this.#kind = kind
    this.#since = since
  }

  #line(object: string, id: string, expected: DeltaClass, change: DeltaChange): void {
    this.#sink.writeText(JSON.stringify({ object, id, expected, change }) + '\n', 'utf-8')
    const key = `${object}/${expected}`
    this.#counts[key] = (this.#counts[key] ?? 0) + 1
  }

  /** Compares one object's records, `prev` and `next` keyed by id → content (rows as JSON). */
  #compare(
    object: string,
    prev: Seen,
    next: Seen,
    changes: ReadonlyMap<string, DeltaChange>,
    visiblePrev: (id: string) => boolean,
    visibleNext: (id: string) => boolean,
    updatedPrev: Map<string, string>,
    updatedNext: Map<string, string>,
    sinceInclude: (id: string) => boolean,
    facts: Array<{ id: string; variant: string }>,
  ): void {
    for (const [id, content] of next) {
      const before = prev.get(id)
      const nowVisible = visibleNext(id)
      const wasVisible = before !== undefined && visiblePrev(id)
      const change = changes.get(id)
      if (!nowVisible) {
        if (wasVisible) this.#line(object, id, this.#kind === 'full' ? 'gone' : 'unchanged', 'archived')
        continue
      }
      if (!wasVisible) {
        this.#line(
          object,
          id,
          this.#kind === 'incremental' && !sinceInclude(id) ? 'unchanged' : 'new',
          'created',
        )
        continue
      }
      if (before === content) {
        this.#line(object, id, 'unchanged', 'none')
        continue
      }
      const u0 = updatedPrev.get(id) ?? ''
      const u1 = updatedNext.get(id) ?? ''
      const anomaly: DeltaChange | null =
        u1 === u0 ? 'changed-same-updated-at' : u1 < u0 ? 'updated-at-backwards' : null
      if (anomaly !== null) facts.push({ id, variant: anomaly })
      const label: DeltaChange = anomaly ?? (change === 'archived' ? 'archived' : 'modified')
      this.#line(
        object,
        id,
        this.#kind === 'incremental' && !sinceInclude(id) && anomaly === null ? 'unchanged' : 'changed',
        label,
      )
    }
    for (const [id] of prev) {
      if (next.has(id) || !visiblePrev(id)) continue
      this.#line(object, id, this.#kind === 'full' ? 'gone' : 'unchanged', 'removed')
    }
  }

  /** Compares one story as the previous and this export saw it; adds D41 facts to `next`. */
  compareStory(prev: StoryOutput | null, next: StoryOutput | null): void {
    const ui = this.#flavour === 'ui'
    const changes = (next === null ? undefined : EDITS.get(next)) ?? new Map<string, DeltaChange>()
    const sinceIso = this.#since
    const since = (updated: Map<string, string>) => (id: string) =>
      sinceIso === null || (updated.get(id) ?? '') >= sinceIso
    const groups: Array<{ object: string; rows: (s: StoryOutput) => Array<[string, Row]> }> = [
      { object: 'contacts', rows: (s) => s.contacts.map((c) => [c.row['id'] ?? '', c.row]) },
      { object: 'companies', rows: (s) => s.companies.map((c) => [c.row['id'] ?? '', c.row]) },
      { object: 'deals', rows: (s) => s.deals.map((d) => [d.row['id'] ?? '', d.row]) },
      { object: 'attachments', rows: (s) => s.attachments.map((a) => [a.row['file_id'] ?? '', a.row]) },
      {
        object: 'workflow_enrollments',
        rows: (s) => s.enrollments.map((e) => [e['enrollment_id'] ?? '', e]),
      },
    ]
    if (!ui)
      groups.push({
        object: 'deal_stage_history',
        rows: (s) => s.deals.flatMap((d) => d.history.map((h): [string, Row] => [h['id'] ?? '', h])),
      })
    for (const f of ENGAGEMENT_FILES) {
      groups.push({
        object: ui ? 'activities' : f.object,
        rows: (s) => s.engagements.filter((e) => e.type === f.type).map((e) => [e.row['id'] ?? '', e.row]),
      })
    }
    for (const g of groups) {
      const toMap = (s: StoryOutput | null) =>
        new Map((s === null ? [] : g.rows(s)).map(([id, row]) => [id, JSON.stringify(row)]))
      const updated = (s: StoryOutput | null) =>
        new Map(
          (s === null ? [] : g.rows(s)).map(([id, row]) => [
            id,
            row['updated_at'] ?? row['changed_at'] ?? '',
          ]),
        )
      const archivedIn = (s: StoryOutput | null) =>
        new Set(
          (s === null ? [] : g.rows(s)).filter(([, row]) => row['archived'] === 'true').map(([id]) => id),
        )
      const a0 = archivedIn(prev)
      const a1 = archivedIn(next)
      const facts: Array<{ id: string; variant: string }> = []
      const u1 = updated(next)
      this.#compare(
        g.object,
        toMap(prev),
        toMap(next),
        changes,
        (id) => !(ui && a0.has(id)),
        (id) => !(ui && a1.has(id)),
        updated(prev),
        u1,
        since(u1),
        facts,
      )
      if (next !== null && g.object === 'contacts') {
        for (const f of facts)
          next.facts.push({
            defectId: 'D41',
            variant: f.variant,
            object: 'contacts',
            recordId: f.id,
            column: 'updated_at',
          })
      }
    }
    if (!ui) {
      // Both directions are rows of associations.csv (§4.7), so both are records of the oracle.
      const keys = (a: StoryOutput['assocs'][number]): string[] => {
        const inverse = ASSOCIATION_TYPES_BY_ID.get(a.typeId)?.inverseTypeId ?? null
        const forward = `${a.fromType}|${a.fromId}|${a.toType}|${a.toId}|${a.typeId}`
        return inverse === null || a.fromType === 'engagement'
          ? [forward]
          : [forward, `${a.toType}|${a.toId}|${a.fromType}|${a.fromId}|${inverse}`]
      }
      const assocRows = (s: StoryOutput | null) =>
        new Map(
          (s === null ? [] : s.assocs).flatMap((a) =>
            keys(a).map((k) => [k, JSON.stringify([a.isPrimary, a.createdAt])] as const),
          ),
        )
      const created = new Map(
        (next === null ? [] : next.assocs).flatMap((a) =>
          keys(a).map((k) => [k, a.createdAt ?? ''] as const),
        ),
      )
      this.#compare(
        'associations',
        assocRows(prev),
        assocRows(next),
        new Map(),
        () => true,
        () => true,
        new Map(),
        new Map(),
        since(created),
        [],
      )
      const links = (s: StoryOutput | null) =>
        new Map(
          (s === null ? [] : s.engagements)
            .flatMap((e) => [
              ...e.contacts.map((c) => `${e.row['id']}|${e.type}|contact|${c}|500`),
              ...e.deals.map((d) => `${e.row['id']}|${e.type}|deal|${d}|504`),
            ])
            .map((k) => [k, k]),
        )
      const engagementUpdated = new Map(
        (next === null ? [] : next.engagements).map((e) => [e.row['id'] ?? '', e.row['updated_at'] ?? '']),
      )
      const linkSince = (id: string) =>
        sinceIso === null || (engagementUpdated.get(id.split('|')[0] ?? '') ?? '') >= sinceIso
      this.#compare(
        'engagement_associations',
        links(prev),
        links(next),
        new Map(),
        () => true,
        () => true,
        new Map(),
        new Map(),
        linkSince,
        [],
      )
    }
  }

  /** Owners and teams: static, unchanged unless the world says otherwise. */
  compareStatic(prev: World | null, next: World): void {
    if (prev === null) return
    const map = (rows: ReadonlyArray<Row>, key: string) =>
      new Map(rows.map((r) => [r[key] ?? '', JSON.stringify(r)]))
    this.#compare(
      'owners',
      map(
        prev.owners.map((o) => o.row),
        'owner_id',
      ),
      map(
        next.owners.map((o) => o.row),
        'owner_id',
      ),
      new Map(),
      () => true,
      () => true,
      new Map(),
      new Map(),
      () => true,
      [],
    )
    this.#compare(
      'teams',
      map(prev.teams, 'team_id'),
      map(next.teams, 'team_id'),
      new Map(),
      () => true,
      () => true,
      new Map(),
      new Map(),
      () => true,
      [],
    )
  }

  /** Partners and fixed companies as both canonical builders settled them. */
  compareSettled(object: string, prev: ReadonlyMap<string, Row>, next: ReadonlyMap<string, Row>): void {
    const toMap = (m: ReadonlyMap<string, Row>) =>
      new Map([...m].map(([id, row]) => [id, JSON.stringify(row)]))
    const updated = (m: ReadonlyMap<string, Row>) =>
      new Map([...m].map(([id, row]) => [id, row['updated_at'] ?? '']))
    const u1 = updated(next)
    const sinceIso = this.#since
    this.#compare(
      object,
      toMap(prev),
      toMap(next),
      new Map(),
      () => true,
      () => true,
      updated(prev),
      u1,
      (id) => sinceIso === null || (u1.get(id) ?? '') >= sinceIso,
      [],
    )
  }

  async drain(): Promise<void> {
    await this.#sink.drain()
  }

  /** Closes delta.jsonl; returns counts by `object/expected`. */
  async finish(): Promise<Record<string, number>> {
    await this.#sink.close()
    return this.#counts
  }
}
