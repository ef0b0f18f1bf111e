/**
 * Builds one export on disk (or, with no root, only its hashes): opens the tables of its flavour,
 * renders each record of the world into them — with defects and truth lines for the dirty export,
 * clean for `_truth/canonical/` — and finally writes the schema and automation JSON and the manifest
 * (§2, §3). It holds one story at a time plus the small static tables; partners and non-household
 * companies are written last because ui rows list what every story linked to them.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import { ASSOCIATION_TYPES, ASSOCIATION_TYPES_BY_ID, type ObjectType } from '../spec/association-types'
import {
  ACTIVITIES_COLUMNS,
  ACTIVITY_TYPE_LABELS,
  dataFilesOf,
  ENGAGEMENT_FILES,
  type DataFileSpec,
  type DataObject,
} from '../spec/columns'
import { enumLabel } from '../spec/enums'
import { MANIFEST_PATH } from '../spec/layout'
import { FLAVOUR_FORMATS, FORMAT_VERSION, type Manifest, type ManifestFile } from '../spec/manifest'
import type { Flavour } from '../spec/value-types'
import type { Injector, RowJob } from './inject'
import type { Assoc, EngagementRecord, Row, StoryOutput, WorldFact } from './model'
import type { PartnerView } from './partners'
import {
  apiValueOf,
  planColumns,
  renderLookups,
  uiCustomText,
  uiText,
  xlsxCell,
  type PlannedColumn,
  type RenderLookups,
} from './render'
import { isoDatetime, uiDatetime } from './time'
import type { PendingLine, TruthWriter } from './truth-writer'
import { CsvTableWriter } from './writers/csv-writer'
import { HashSink } from './writers/sink'
import { finalPartPath, type Cell, type RowRef, type TableWriter } from './writers/table'
import { XlsxTableWriter } from './writers/xlsx-writer'
import type { World } from './world'
import { buildJsonFiles } from './json-files'

/** What one built export reports. */
export type BuildSummary = Readonly<{
  manifest: Manifest
  parts: ReadonlyMap<string, Readonly<{ parts: number; format: 'csv' | 'xlsx' }>>
  binaries: Readonly<{ files: number; bytes: number }>
}>

/** Options of one builder. */
export type BuilderOptions = Readonly<{
  world: World
  flavour: Flavour
  /** Export root on disk; null builds hashes only (delta verification). */
  root: string | null
  injector: Injector | null
  truth: TruthWriter | null
  exportId: string
  previousExportId: string | null
  exportKind: 'full' | 'incremental'
  since: string | null
  /** Incremental exports hold only records updated at or after `since` (§8). */
  includeRow: (object: string, row: Row) => boolean
}>

type Adjacent = {
  otherType: ObjectType
  otherId: string
  typeId: number
  isPrimary: boolean
  archived: boolean
}

/** Links seen from each entity, in both directions (the inverse type on the far side, §6.7). */
class Adjacency {
  readonly map = new Map<string, Adjacent[]>()

  add(a: Assoc, archivedIds: ReadonlySet<string>): void {
    const push = (id: string, entry: Adjacent) => {
      const list = this.map.get(id)
      if (list === undefined) this.map.set(id, [entry])
      else list.push(entry)
    }
    const inverse = ASSOCIATION_TYPES_BY_ID.get(a.typeId)?.inverseTypeId ?? null
    push(a.fromId, {
      otherType: a.toType,
      otherId: a.toId,
      typeId: a.typeId,
      isPrimary: a.isPrimary,
      archived: archivedIds.has(a.toId),
    })
    if (inverse !== null)
      push(a.toId, {
        otherType: a.fromType,
        otherId: a.fromId,
        typeId: inverse,
        isPrimary: a.isPrimary,
        archived: archivedIds.has(a.fromId),
      })
  }

  get(id: string): ReadonlyArray<Adjacent> {
    return this.map.get(id) ?? []
  }
}

const TYPED_COPY: Readonly<Record<string, DataObject>> = {
  'contact>company': 'associations_contact_company',
  'contact>deal': 'associations_contact_deal',
  'deal>company': 'associations_deal_company',
  'contact>contact': 'associations_contact_contact',
}

const CATEGORY = new Map(ASSOCIATION_TYPES.map((t) => [t.associationTypeId, t]))

const hhmmss = (ms: number) => {
  const s = Math.round(ms / 1000)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`
}

/** Builds one export. */
export class ExportBuilder {
  readonly #o: BuilderOptions
  readonly #world: World
  readonly #flavour: Flavour
  readonly #lookups: RenderLookups
  readonly #tables = new Map<string, TableWriter>()
  readonly #columns = new Map<string, PlannedColumn[]>()
  readonly #specs = new Map<string, DataFileSpec>()
  readonly #global = new Adjacency()
  readonly #lastLink = new Map<string, number>()
  readonly #globalIds: ReadonlySet<string>
  readonly #partners: PartnerView[] = []
  readonly #fileLines: Array<{ path: string; lines: PendingLine[] }> = []
  #binaries = { files: 0, bytes: 0 }

  constructor(options: BuilderOptions) {
    this.#o = options
    this.#world = options.world
    this.#flavour = options.flavour
    this.#lookups = renderLookups(options.world)
    this.#globalIds = new Set([
      ...options.world.companies.map((c) => c['id'] ?? ''),
      ...options.world.partners.map((p) => p.id),
    ])
    for (const spec of dataFilesOf(options.flavour)) {
      if (spec.object === 'attachments' && options.flavour === 'ui' && !options.world.options.includeBinaries)
        continue
      this.#open(spec)
    }
  }

  #open(spec: DataFileSpec): void {
    const injector = this.#o.injector
    const plan = injector?.filePlan(spec.object) ?? {
      format: 'csv' as const,
      encoding: 'utf-8' as const,
      declared: 'utf-8' as const,
    }
    const columns = planColumns(this.#world, spec, this.#flavour)
    const unknown = injector?.unknownColumn(spec.object) ?? null
    const fileLines: PendingLine[] = []
    if (unknown !== null) {
      columns.push({ kind: 'unknown', header: unknown, name: unknown })
      fileLines.push({ defectId: 'D43', variant: 'unknown-column', column: unknown, cleanValue: null })
    }
    const missingIdColumn =
      spec.object === 'workflow_enrollments' && this.#world.options.missingIdColumn && injector !== null
    const header = columns
      .filter((c) => !(missingIdColumn && c.name === 'enrollment_id'))
      .map((c) => c.header)
    if (this.#flavour === 'ui' && spec.object === 'contacts' && injector?.enabled === true) {
      const labels = columns.filter((c) => c.kind === 'custom').map((c) => c.header)
      const dup = labels.find((l, i) => labels.indexOf(l) !== i)
      if (dup !== undefined)
        fileLines.push({
          defectId: 'D43',
          variant: 'duplicate-ui-label',
          column: columns.filter((c) => c.header === dup).at(-1)?.name ?? null,
          cleanValue: null,
          dirtyValue: dup,
        })
    }
    const maxRows = this.#world.options.maxRowsPerFile
    const table: TableWriter =
      plan.format === 'xlsx'
        ? new XlsxTableWriter({
            root: this.#o.root,
            logicalPath: spec.path,
            sheetName: spec.object,
            header,
            formats: columns.map((c) =>
              c.kind === 'standard' || c.kind === 'custom' || c.kind === 'appended' ? xlsxFormat(c) : null,
            ),
            maxRows,
          })
        : new CsvTableWriter({
            root: this.#o.root,
            logicalPath: spec.path,
            header,
            encoding: plan.encoding,
            lineEnding: this.#flavour === 'ui' && !spec.apiFormInBothFlavours ? '\r\n' : '\n',
            maxRows,
          })
    this.#tables.set(spec.object, table)
    if (fileLines.length > 0) this.#fileLines.push({ path: table.logicalPath, lines: fileLines })
    this.#columns.set(
      spec.object,
      missingIdColumn ? columns.filter((c) => c.name !== 'enrollment_id') : columns,
    )
    this.#specs.set(spec.object, spec)
  }

  #isExport(): boolean {
    return this.#o.injector !== null
  }

  #plan(object: string) {
    return this.#o.injector?.filePlan(object)
  }

  /** Renders a row's cells in this flavour. */
  #render(
    object: string,
    row: Row,
    appended: (column: PlannedColumn) => string | null,
    lines: PendingLine[],
    recordId: string | null,
  ): Cell[] {
    const columns = this.#columns.get(object) ?? []
    const spec = this.#specs.get(object)
    const apiForm = this.#flavour === 'api' || spec?.apiFormInBothFlavours === true
    const xlsx = this.#plan(object)?.format === 'xlsx'
    const numericZips = xlsx && (this.#o.injector?.enabled ?? false)
    const quarantined = this.#o.injector?.quarantinedReal
    return columns.map((column) => {
      if (column.kind === 'unknown') return String(100 + ((recordId ?? '').charCodeAt(3) % 800))
      const api = column.kind === 'appended' ? appended(column) : apiValueOf(column, row)
      // References to a real record whose own row is quarantined: D11 target_quarantined (§9).
      if (quarantined !== undefined && quarantined.size > 0 && api !== null && isReference(column)) {
        for (const id of api.split(';')) {
          if (quarantined.has(id) && id !== recordId)
            lines.push({
              defectId: 'D11',
              variant: 'target-quarantined',
              column: column.name,
              cleanValue: api,
              dirtyValue: api,
              recordId: recordId ?? undefined,
            })
        }
      }
      if (column.kind === 'appended') {
        // §7: the Date entered columns are ui datetimes (Excel dates in XLSX); id lists stay ids.
        if (api === null || column.appended.kind !== 'date-entered') return api
        return xlsx
          ? new Date(this.#lookups.zone.localAsUtc(Date.parse(api)))
          : uiDatetime(this.#lookups.zone, Date.parse(api))
      }
      if (apiForm) return api
      const text =
        column.kind === 'standard'
          ? uiText(column.spec, api, this.#lookups)
          : column.kind === 'custom'
            ? uiCustomText(column.property, api, this.#lookups)
            : api
      if (!xlsx) return text
      const cell = xlsxCell(column, api, text, this.#lookups, numericZips)
      if (
        typeof cell === 'number' &&
        column.kind === 'standard' &&
        column.spec.type === 'zip' &&
        api !== null &&
        api.startsWith('0')
      ) {
        lines.push({
          defectId: 'D08',
          variant: 'zip5-lost-zero',
          column: column.name,
          cleanValue: api,
          dirtyValue: String(cell),
          recordId: recordId ?? undefined,
        })
      }
      return cell
    })
  }

  /** Writes one row (after the injector) and its truth lines and extras; returns where it landed. */
  #write(
    object: string,
    row: Row,
    recordId: string | null,
    options: {
      appended?: (c: PlannedColumn, lines: PendingLine[]) => string | null
      facts?: ReadonlyArray<WorldFact>
      shadow?: Row
    } = {},
  ): RowRef | null {
    const table = this.#tables.get(object)
    if (table === undefined) return null
    const lines: PendingLine[] = []
    const appended = options.appended
    const cells = this.#render(
      object,
      row,
      (c) => (appended === undefined ? null : appended(c, lines)),
      lines,
      recordId,
    )
    const job: RowJob = {
      file: object,
      recordId,
      row: options.shadow ?? row,
      columns: this.#columns.get(object) ?? [],
      cells,
      lines,
      touched: new Set(),
      mode: undefined,
      extras: [],
      skip: false,
      facts: new Set((options.facts ?? []).map((f) => f.defectId)),
    }
    const injector = this.#o.injector
    if (injector !== null) {
      injector.row(job, table.format === 'xlsx')
      for (const fact of options.facts ?? []) {
        const i = job.columns.findIndex((c) => c.name === fact.column)
        const cell = i < 0 ? null : job.cells[i]
        job.lines.push({
          defectId: fact.defectId as PendingLine['defectId'],
          variant: fact.variant,
          column: fact.column,
          cleanValue: fact.column === null ? null : (row[fact.column] ?? null),
          ...(fact.column === null
            ? {}
            : {
                dirtyValue:
                  cell === null || cell === undefined
                    ? null
                    : cell instanceof Date
                      ? cell.toISOString()
                      : String(cell),
              }),
          recordId: fact.recordId,
          ...(fact.canonicalId !== undefined ? { canonicalId: fact.canonicalId } : {}),
          ...(fact.group !== undefined ? { group: fact.group } : {}),
        })
      }
      if (this.#flavour === 'api' && row['archived'] === 'true' && recordId !== null)
        job.lines.push({
          defectId: 'D18',
          variant: 'archived',
          column: 'archived',
          cleanValue: 'true',
          dirtyValue: 'true',
          recordId,
        })
    }
    if (job.skip) return null
    const ref = table.writeRow(job.cells, job.mode)
    this.#o.truth?.add(job.lines, ref)
    for (const extra of job.extras) {
      const extraRef = table.writeRow(extra.cells, extra.mode)
      this.#o.truth?.add(extra.lines, extraRef)
    }
    return ref
  }

  /** The ui cell of an appended column (§7) for entity `id`. */
  #appendedValue(
    column: PlannedColumn,
    id: string,
    row: Row,
    adjacency: Adjacency,
    extra: { dateEntered?: Map<string, string>; companyNames?: ReadonlyMap<string, string> },
    lines: PendingLine[],
  ): string | null {
    if (column.kind !== 'appended') return null
    const a = column.appended
    switch (a.kind) {
      case 'primary-company-name': {
        const companyId = row['primary_company_id'] ?? null
        return companyId === null
          ? null
          : (extra.companyNames?.get(companyId) ??
              this.#world.companies.find((c) => c['id'] === companyId)?.['name'] ??
              null)
      }
      case 'primary-company-ids':
        return joinCapped(
          adjacency
            .get(id)
            .filter((e) => e.otherType === 'company' && e.isPrimary && !e.archived)
            .map((e) => e.otherId),
          this.#world.options.associationRowCap,
          column.name,
          lines,
          id,
          this.#o.injector !== null,
        )
      case 'associated-ids': {
        const ids = adjacency
          .get(id)
          .filter(
            (e) =>
              e.otherType === a.toObject &&
              !e.archived &&
              (a.typeIds === null || a.typeIds.includes(e.typeId)),
          )
          .map((e) => e.otherId)
        return joinCapped(
          ids,
          this.#world.options.associationRowCap,
          column.name,
          lines,
          id,
          this.#o.injector !== null,
        )
      }
      case 'date-entered': {
        const at = extra.dateEntered?.get(a.stageId)
        return at === undefined ? null : at
      }
    }
  }

  /** Owners and teams (§4.1, §4.2), first. */
  writeStatic(): void {
    const scale = this.#world.defectScale
    for (const owner of this.#world.owners) {
      if (!this.#o.includeRow('owners', owner.row)) continue
      const facts: WorldFact[] =
        owner.deactivatedAtMs !== null && scale > 0
          ? [
              {
                defectId: 'D19',
                variant: 'deactivated-owner',
                object: 'owners',
                recordId: owner.row['owner_id'] ?? '',
                column: 'is_active',
              },
            ]
          : []
      this.#write('owners', owner.row, owner.row['owner_id'] ?? null, { facts })
    }
    for (const team of this.#world.teams)
      if (this.#o.includeRow('teams', team)) this.#write('teams', team, team['team_id'] ?? null)
  }

  /** A partner's engagements now; its contact row at the end. */
  writePartner(view: PartnerView): void {
    // Only the row waits for the end; the engagements are written now and not kept.
    this.#partners.push({ ...view, engagements: [] })
    const archived = new Set<string>()
    for (const a of view.assocs) {
      this.#global.add(a, archived)
      this.#noteLink(a)
    }
    this.#writeAssociations(view.assocs)
    const adjacency = new Adjacency()
    this.#writeEngagements(view.engagements, adjacency, [], new Set())
  }

  #noteLink(a: Assoc): void {
    const at = a.createdAt === null ? 0 : Date.parse(a.createdAt)
    for (const id of [a.fromId, a.toId]) {
      if (this.#globalIds.has(id)) this.#lastLink.set(id, Math.max(this.#lastLink.get(id) ?? 0, at))
    }
  }

  /** One story's records, in file order. */
  writeStory(story: StoryOutput): void {
    const injector = this.#o.injector
    injector?.planStory(story)
    const archived = new Set<string>()
    for (const c of story.contacts) if (c.row['archived'] === 'true') archived.add(c.row['id'] ?? '')
    for (const d of story.deals) if (d.row['archived'] === 'true') archived.add(d.row['id'] ?? '')
    for (const e of story.engagements) if (e.row['archived'] === 'true') archived.add(e.row['id'] ?? '')
    for (const a of story.attachments) if (a.row['archived'] === 'true') archived.add(a.row['file_id'] ?? '')
    for (const t of story.touches ?? [])
      if (this.#globalIds.has(t.id)) this.#lastLink.set(t.id, Math.max(this.#lastLink.get(t.id) ?? 0, t.ms))
    const adjacency = new Adjacency()
    for (const a of story.assocs) {
      adjacency.add(a, archived)
      if (this.#globalIds.has(a.fromId) || this.#globalIds.has(a.toId)) {
        this.#global.add(a, archived)
        this.#noteLink(a)
      }
    }
    const ui = this.#flavour === 'ui'
    const factsOf = (object: string, id: string) =>
      this.#isExport()
        ? story.facts.filter(
            (f) =>
              f.recordId === id &&
              (f.object === object ||
                (ui && object === 'activities' && (f.object === 'emails' || f.object === 'notes'))),
          )
        : []
    const visible = (row: Row) => !(ui && row['archived'] === 'true')
    const companyNames = new Map(story.companies.map((c) => [c.row['id'] ?? '', c.row['name'] ?? '']))
    for (const c of story.contacts) {
      if (c.role === 'duplicate' && !this.#isExport()) continue
      if (!visible(c.row) || !this.#o.includeRow('contacts', c.row)) continue
      const id = c.row['id'] ?? ''
      this.#write('contacts', c.row, id, {
        facts: factsOf('contacts', id),
        shadow: { ...c.row, _latest_stage: c.latestDealStage },
        appended: (column, lines) =>
          this.#appendedValue(column, id, c.row, adjacency, { companyNames }, lines),
      })
    }
    for (const co of story.companies) {
      if (!visible(co.row) || !this.#o.includeRow('companies', co.row)) continue
      const id = co.row['id'] ?? ''
      this.#write('companies', co.row, id, {
        facts: factsOf('companies', id),
        appended: (column, lines) => this.#appendedValue(column, id, co.row, adjacency, {}, lines),
      })
    }
    for (const d of story.deals) {
      if (!visible(d.row) || !this.#o.includeRow('deals', d.row)) continue
      const id = d.row['id'] ?? ''
      this.#write('deals', d.row, id, {
        facts: factsOf('deals', id),
        shadow: d.latest ? { ...d.row, _latest_deal: 'true' } : d.row,
        appended: (column, lines) =>
          this.#appendedValue(column, id, d.row, adjacency, { dateEntered: d.dateEntered }, lines),
      })
    }
    if (!ui) {
      for (const d of story.deals) {
        const history =
          injector === null
            ? d.history.map((row) => ({ row, lines: [] as PendingLine[] }))
            : injector.history(d.row['id'] ?? '', d.row['created_at'] ?? '', d.history)
        for (const h of history) {
          if (!this.#o.includeRow('deal_stage_history', h.row)) continue
          const ref = this.#tables
            .get('deal_stage_history')
            ?.writeRow(this.#render('deal_stage_history', h.row, () => null, h.lines, h.row['id'] ?? null))
          if (ref !== undefined) this.#o.truth?.add(h.lines, ref)
        }
      }
      this.#writeAssociations(story.assocs)
    }
    this.#writeEngagements(story.engagements, adjacency, story.facts, archived)
    for (const a of story.attachments) {
      if (!visible(a.row) || !this.#o.includeRow('attachments', a.row)) continue
      const id = a.row['file_id'] ?? ''
      const row =
        this.#isExport() && a.unsafeOriginalName !== null
          ? { ...a.row, original_filename: a.unsafeOriginalName }
          : a.row
      const extraLines: PendingLine[] = []
      if (this.#isExport() && a.unsafeOriginalName !== null) {
        extraLines.push({
          defectId: 'D13',
          variant: 'unsafe-original-filename',
          column: 'original_filename',
          cleanValue: a.row['original_filename'] ?? null,
          dirtyValue: a.unsafeOriginalName,
          recordId: id,
        })
      }
      const table = this.#tables.get('attachments')
      if (table === undefined) continue
      const lines: PendingLine[] = [...extraLines]
      const cells = this.#render('attachments', row, () => null, lines, id)
      const job: RowJob = {
        file: 'attachments',
        recordId: id,
        row: a.row,
        columns: this.#columns.get('attachments') ?? [],
        cells,
        lines,
        touched: new Set(),
        mode: undefined,
        extras: [],
        skip: false,
        facts: new Set(factsOf('attachments', id).map((f) => f.defectId)),
      }
      if (injector !== null) {
        injector.row(job, false)
        for (const fact of factsOf('attachments', id)) {
          job.lines.push({
            defectId: fact.defectId as PendingLine['defectId'],
            variant: fact.variant,
            column: fact.column,
            cleanValue: fact.column === null ? null : (a.row[fact.column] ?? null),
            ...(fact.column === null
              ? {}
              : { dirtyValue: cellText(job.cells[job.columns.findIndex((c) => c.name === fact.column)]) }),
            recordId: id,
            ...(fact.canonicalId !== undefined ? { canonicalId: fact.canonicalId } : {}),
          })
        }
        if (!ui && a.row['archived'] === 'true')
          job.lines.push({
            defectId: 'D18',
            variant: 'archived',
            column: 'archived',
            cleanValue: 'true',
            dirtyValue: 'true',
            recordId: id,
          })
      }
      const ref = table.writeRow(job.cells, job.mode)
      this.#o.truth?.add(job.lines, ref)
      for (const extra of job.extras) this.#o.truth?.add(extra.lines, table.writeRow(extra.cells, extra.mode))
      if (
        this.#isExport() &&
        this.#o.root !== null &&
        a.binary !== null &&
        !(injector?.isBinaryAbsent(job.lines) ?? false)
      ) {
        const path = join(this.#o.root, 'files', id, a.storedName)
        if (this.#binaries.files === 0) mkdirSync(join(this.#o.root, 'files'), { recursive: true })
        this.#writeBinary(path, a.binary)
        this.#binaries.files++
        this.#binaries.bytes += a.binary.length
      }
    }
    for (const e of story.enrollments) {
      if (!this.#o.includeRow('workflow_enrollments', e)) continue
      const missingIdColumn = this.#world.options.missingIdColumn && injector !== null
      const lines: PendingLine[] = missingIdColumn
        ? [
            {
              defectId: 'D43',
              variant: 'missing-id-column',
              column: 'enrollment_id',
              cleanValue: e['enrollment_id'] ?? null,
              recordId: e['enrollment_id'] ?? undefined,
            },
          ]
        : []
      const cells = this.#render('workflow_enrollments', e, () => null, lines, e['enrollment_id'] ?? null)
      const ref = this.#tables.get('workflow_enrollments')?.writeRow(cells)
      if (ref !== undefined) this.#o.truth?.add(lines, ref)
    }
  }

  #writeAssociations(assocs: ReadonlyArray<Assoc>): void {
    if (this.#flavour === 'ui') return
    const rows: Array<{ row: Row; copy: string | null; inverse: boolean; pairKey: string }> = []
    for (const a of assocs) {
      if (a.fromType === 'engagement') continue
      const spec = CATEGORY.get(a.typeId)
      const inverseId = spec?.inverseTypeId ?? null
      const base = (fromType: string, fromId: string, toType: string, toId: string, typeId: number): Row => {
        const t = CATEGORY.get(typeId)
        return {
          from_object_type: fromType,
          from_id: fromId,
          to_object_type: toType,
          to_id: toId,
          association_type_id: String(typeId),
          association_category: t?.category ?? 'LEAF360_DEFINED',
          label: t?.label ?? null,
          is_primary: a.isPrimary ? 'true' : 'false',
          created_at: a.createdAt,
        }
      }
      const pairKey = `${a.fromId}|${a.toId}|${a.typeId}`
      const forward = base(a.fromType, a.fromId, a.toType, a.toId, a.typeId)
      const copy = TYPED_COPY[`${a.fromType}>${a.toType}`] ?? null
      rows.push({ row: forward, copy, inverse: false, pairKey })
      if (inverseId !== null) {
        const inverse = base(a.toType, a.toId, a.fromType, a.fromId, inverseId)
        rows.push({
          row: inverse,
          copy: a.fromType === 'contact' && a.toType === 'contact' ? copy : null,
          inverse: true,
          pairKey,
        })
      }
    }
    const injector = this.#o.injector
    const planned =
      injector === null
        ? {
            main: rows.map((r) => ({ row: r.row, lines: [] as PendingLine[] })),
            copies: rows
              .filter((r) => r.copy !== null)
              .map((r) => ({ copy: r.copy ?? '', row: r.row, lines: [] as PendingLine[] })),
          }
        : injector.associations(rows)
    const main = this.#tables.get('associations')
    let lastRef: RowRef | null = null
    for (const m of planned.main) {
      if (!this.#o.includeRow('associations', m.row)) continue
      if (m.row['_missing'] === 'true') {
        if (lastRef !== null) this.#o.truth?.add(m.lines, lastRef)
        continue
      }
      lastRef = main?.writeRow(this.#render('associations', m.row, () => null, m.lines, null)) ?? null
      if (lastRef !== null) this.#o.truth?.add(m.lines, lastRef)
    }
    for (const c of planned.copies) {
      if (!this.#o.includeRow('associations', c.row)) continue
      const table = this.#tables.get(c.copy)
      if (table === undefined) continue
      if (c.row['_missing'] === 'true') {
        this.#fileLines.push({ path: table.logicalPath, lines: c.lines })
        continue
      }
      const ref = table.writeRow(this.#render(c.copy, c.row, () => null, c.lines, null))
      this.#o.truth?.add(c.lines, ref)
    }
  }

  #writeEngagements(
    engagements: ReadonlyArray<EngagementRecord>,
    adjacency: Adjacency,
    facts: ReadonlyArray<WorldFact>,
    archived: ReadonlySet<string>,
  ): void {
    const ui = this.#flavour === 'ui'
    const factsOf = (object: string, id: string) =>
      this.#isExport() ? facts.filter((f) => f.recordId === id && f.object === object) : []
    for (const e of engagements) {
      const id = e.row['id'] ?? ''
      const object = ENGAGEMENT_FILES.find((f) => f.type === e.type)?.object ?? 'notes'
      if (!this.#o.includeRow(object, e.row)) continue
      if (!ui) {
        this.#write(object, e.row, id, { facts: factsOf(object, id) })
        const links: Row[] = [
          ...e.contacts.map((c) => link(id, e.type, 'contact', c, 500)),
          ...e.companies.map((c) => link(id, e.type, 'company', c, 502)),
          ...e.deals.map((d) => link(id, e.type, 'deal', d, 504)),
        ]
        const planned =
          this.#o.injector?.engagementLinks(links) ??
          links.map((row) => ({ row, lines: [] as PendingLine[] }))
        const table = this.#tables.get('engagement_associations')
        for (const l of planned) {
          const ref = table?.writeRow(
            this.#render('engagement_associations', l.row, () => null, l.lines, null),
          )
          if (ref !== undefined) this.#o.truth?.add(l.lines, ref)
        }
        continue
      }
      if (e.row['archived'] === 'true') continue
      this.#write('activities', activityRow(e, archived), id, {
        facts: factsOf(object, id).map((f) => ({ ...f, object: 'activities' })),
      })
    }
    void adjacency
  }

  readonly #binaryWrites = new Set<Promise<void>>()

  /**
   * Writes one attachment binary in the background: creating tens of thousands of small files is
   * file-system bound, so it overlaps with generating rows; `drain` bounds the writes in flight.
   */
  #writeBinary(path: string, bytes: Buffer): void {
    const write = mkdir(dirname(path))
      .then(() => writeFile(path, bytes))
      .finally(() => this.#binaryWrites.delete(write))
    this.#binaryWrites.add(write)
  }

  /** Yields to the file streams when they are full. */
  async drain(): Promise<void> {
    while (this.#binaryWrites.size > 64) await Promise.race(this.#binaryWrites)
    for (const t of this.#tables.values()) await t.drain()
    await this.#o.truth?.drain()
  }

  /** Partners and non-household companies as written (updated_at settled by their links), by id. */
  readonly settled = { contacts: new Map<string, Row>(), companies: new Map<string, Row>() }

  /** Writes the deferred rows, the JSON files and the manifest; closes everything. */
  async finish(): Promise<BuildSummary> {
    await Promise.all(this.#binaryWrites)
    // Partners: updated when anything linked to them (their ui rows list those links).
    for (const p of this.#partners) {
      const id = p.row['id'] ?? ''
      const row = { ...p.row, updated_at: latest(p.row['updated_at'], this.#lastLink.get(id)) }
      this.settled.contacts.set(id, row)
      if (!this.#o.includeRow('contacts', row)) continue
      this.#write('contacts', row, id, {
        shadow: { ...row, _latest_stage: null },
        appended: (column, lines) => this.#appendedValue(column, id, row, this.#global, {}, lines),
      })
    }
    // Non-household companies, with the D20 parent cycles injected into the hierarchy.
    const companies: Row[] = this.#world.companies.map((c) => ({
      ...c,
      updated_at: latest(c['updated_at'], this.#lastLink.get(c['id'] ?? '')),
    }))
    const cycleLines = new Map<string, PendingLine[]>()
    const injector = this.#o.injector
    if (injector !== null && injector.enabled) {
      const roots = companies.filter((c) => c['parent_company_id'] === null)
      const self = roots.find((c) => !companies.some((x) => x['parent_company_id'] === c['id']))
      injector.newRow()
      if (self !== undefined && injector.decide('D20', 'self-parent', 0.001, `companies|${self['id']}`)) {
        cycleLines.set(self['id'] ?? '', [
          {
            defectId: 'D20',
            variant: 'self-parent',
            column: 'parent_company_id',
            cleanValue: null,
            dirtyValue: self['id'] ?? null,
            recordId: self['id'] ?? undefined,
          },
        ])
      }
      injector.newRow()
      const child = companies.find((c) => c['parent_company_id'] !== null)
      const parent =
        child === undefined ? undefined : companies.find((c) => c['id'] === child['parent_company_id'])
      if (
        child !== undefined &&
        parent !== undefined &&
        BigInt(parent['id'] ?? '0') < BigInt(child['id'] ?? '0') &&
        injector.decide('D20', 'parent-cycle', 0.001, `companies|${parent['id']}`)
      ) {
        cycleLines.set(parent['id'] ?? '', [
          {
            defectId: 'D20',
            variant: 'parent-cycle',
            column: 'parent_company_id',
            cleanValue: null,
            dirtyValue: child['id'] ?? null,
            recordId: parent['id'] ?? undefined,
          },
        ])
      }
    }
    for (const c of companies) {
      this.settled.companies.set(c['id'] ?? '', c)
      if (!this.#o.includeRow('companies', c)) continue
      const id = c['id'] ?? ''
      const cycle = cycleLines.get(id)
      const dirty = cycle === undefined ? c : { ...c, parent_company_id: cycle[0]?.dirtyValue ?? null }
      const ref = this.#write('companies', dirty, id, {
        shadow: c,
        appended: (column, lines) => this.#appendedValue(column, id, c, this.#global, {}, lines),
      })
      if (ref !== null && cycle !== undefined) this.#o.truth?.add(cycle, ref)
    }
    // Broken rows that must end their file (D24 unterminated quote).
    if (injector !== null) {
      for (const [object, table] of this.#tables) {
        for (const t of injector.trailingRows(object))
          this.#o.truth?.add(t.lines, table.writeRow(t.cells, t.mode))
      }
    }
    const files: ManifestFile[] = []
    const parts = new Map<string, { parts: number; format: 'csv' | 'xlsx' }>()
    for (const [object, table] of this.#tables) {
      const summaries = await table.close()
      parts.set(table.logicalPath, {
        parts: summaries.length,
        format: table.format === 'xlsx' ? 'xlsx' : 'csv',
      })
      const plan = this.#plan(object)
      for (const s of summaries) {
        const declared = s.format === 'xlsx' ? null : (plan?.declared ?? s.encoding)
        files.push({
          path: s.path,
          object,
          format: s.format,
          encoding: declared,
          rows: s.rows,
          bytes: s.bytes,
          sha256: s.sha256,
          part: s.part,
        })
        if (injector !== null && plan !== undefined && s.format === 'csv' && s.encoding !== 'utf-8') {
          const variant =
            s.encoding === 'utf-8-bom'
              ? 'utf-8-bom'
              : plan.declared === s.encoding
                ? 'windows-1252'
                : 'windows-1252-undeclared'
          this.#o.truth?.add(
            [{ defectId: 'D07', variant, column: null, cleanValue: s.encoding, dirtyValue: plan.declared }],
            { path: s.path, row: null },
          )
        }
      }
    }
    for (const f of this.#fileLines) {
      const info = parts.get(f.path)
      const path = info === undefined ? f.path : finalPartPath(f.path, info.format, 1, info.parts)
      this.#o.truth?.add(f.lines, { path, row: null })
    }
    // schema/ and automation/ JSON (§4.6, §4.7, §4.10, §4.11).
    const json = buildJsonFiles(this.#world, injector)
    for (const j of json) {
      const bytes = Buffer.from(j.text, 'utf8')
      const write = !(j.listedButMissing && injector !== null)
      if (write && this.#o.root !== null) {
        mkdirSync(dirname(join(this.#o.root, j.path)), { recursive: true })
        writeFileSync(join(this.#o.root, j.path), bytes)
      }
      files.push({
        path: j.path,
        object: j.object,
        format: 'json',
        encoding: 'utf-8',
        rows: j.rows,
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        part: null,
      })
      for (const l of j.lines) this.#o.truth?.add([l.line], { path: j.path, row: l.row })
    }
    files.sort((a, b) => fileOrder(a.path) - fileOrder(b.path) || (a.path < b.path ? -1 : 1))
    const objectCounts: Record<string, number> = {}
    for (const f of files) objectCounts[f.object] = (objectCounts[f.object] ?? 0) + f.rows
    const formats = FLAVOUR_FORMATS[this.#flavour]
    const manifest: Record<string, unknown> = {
      format_version: FORMAT_VERSION,
      export_id: this.#o.exportId,
      portal_id: this.#world.portal.portalId,
      source_system: 'Leaf360',
      flavour: this.#flavour,
      export_kind: this.#o.exportKind,
      since: this.#o.since,
      previous_export_id: this.#o.previousExportId,
      exported_at: isoDatetime(this.#world.portal.exportedAtMs),
      exported_by:
        this.#world.owners.find((o) => o.role === 'admin')?.row['email'] ??
        `admin@${this.#world.portal.domain}`,
      timezone: this.#world.portal.zone.name,
      currency: 'USD',
      delimiter: ',',
      multi_value_separator: ';',
      datetime_format: formats.datetime_format,
      date_format: formats.date_format,
      association_row_cap: this.#world.options.associationRowCap,
      max_rows_per_file: this.#world.options.maxRowsPerFile,
      includes_binaries: this.#world.options.includeBinaries,
      partial: false,
      object_counts: objectCounts,
      files,
    }
    if (injector !== null && injector.enabled && this.#o.root !== null)
      this.#manifestMismatches(manifest, files, objectCounts)
    const manifestText = JSON.stringify(manifest, null, 2) + '\n'
    if (this.#o.root !== null) writeFileSync(join(this.#o.root, MANIFEST_PATH), manifestText)
    else {
      const sink = new HashSink()
      sink.write(Buffer.from(manifestText))
      await sink.close()
    }
    return { manifest: manifest as Manifest, parts, binaries: this.#binaries }
  }

  /** D31: manifest entries that disagree with the files, one of each kind (file level, §9). */
  #manifestMismatches(
    manifest: Record<string, unknown>,
    files: ManifestFile[],
    counts: Record<string, number>,
  ): void {
    const truth = this.#o.truth
    const add = (
      variant: string,
      path: string,
      column: string | null,
      clean: string | null,
      dirty: string | null,
    ) =>
      truth?.add([{ defectId: 'D31', variant, column, cleanValue: clean, dirtyValue: dirty }], {
        path,
        row: null,
      })
    const edit = (
      object: string,
      change: (f: ManifestFile) => ManifestFile,
      variant: string,
      column: keyof ManifestFile,
    ) => {
      const i = files.findIndex((f) => f.object === object)
      const f = files[i]
      if (f === undefined) return
      const changed = change(f)
      files[i] = changed
      add(variant, f.path, column, String(f[column]), String(changed[column]))
    }
    edit('owners', (f) => ({ ...f, rows: f.rows + 1 }), 'rows-mismatch', 'rows')
    edit('teams', (f) => ({ ...f, bytes: f.bytes + 7 }), 'bytes-mismatch', 'bytes')
    edit(
      'workflow_enrollments',
      (f) => ({ ...f, sha256: createHash('sha256').update(f.sha256).digest('hex') }),
      'sha256-mismatch',
      'sha256',
    )
    const contacts = counts['contacts'] ?? 0
    counts['contacts'] = contacts + 2
    add(
      'object-counts-mismatch',
      MANIFEST_PATH,
      'object_counts.contacts',
      String(contacts),
      String(contacts + 2),
    )
    const missing = files.find((f) => f.path === 'automation/sla_policies.json')
    if (missing !== undefined) add('listed-file-missing', missing.path, null, null, null)
    if (this.#o.root !== null) {
      writeFileSync(
        join(this.#o.root, 'data', 'export_log.txt'),
        `Export ${String(manifest['export_id'])} finished.\n`,
      )
      add('unlisted-file', 'data/export_log.txt', null, null, null)
    }
    if (this.#flavour === 'api') {
      manifest['association_row_cap'] = String(manifest['association_row_cap'])
      add(
        'key-invalid',
        MANIFEST_PATH,
        'association_row_cap',
        String(this.#world.options.associationRowCap),
        JSON.stringify(manifest['association_row_cap']),
      )
    } else {
      manifest['max_rows_per_file'] = 0
      add('key-invalid', MANIFEST_PATH, 'max_rows_per_file', String(this.#world.options.maxRowsPerFile), '0')
    }
  }
}

function xlsxFormat(column: PlannedColumn) {
  if (column.kind === 'standard') {
    if (column.spec.uiRendering !== 'typed' || column.spec.multi) return null
    return column.spec.type === 'date'
      ? 'date'
      : column.spec.type === 'datetime'
        ? 'datetime'
        : column.spec.type === 'money'
          ? 'money'
          : null
  }
  if (column.kind === 'custom')
    return column.property.type === 'date' ? 'date' : column.property.type === 'datetime' ? 'datetime' : null
  if (column.kind === 'appended') return column.appended.kind === 'date-entered' ? 'datetime' : null
  return null
}

/** The text of a rendered cell, for truth lines. */
function cellText(cell: Cell | undefined): string | null {
  return cell === null || cell === undefined ? null : cell instanceof Date ? cell.toISOString() : String(cell)
}

function isReference(column: PlannedColumn): boolean {
  if (column.kind === 'appended') return column.appended.kind === 'associated-ids'
  if (column.kind !== 'standard') return false
  return (
    column.spec.ref === 'contacts' ||
    column.name === 'object_id' ||
    column.name === 'from_id' ||
    column.name === 'to_id' ||
    column.name === 'associated_contact_ids'
  )
}

function joinCapped(
  ids: ReadonlyArray<string>,
  cap: number,
  column: string,
  lines: PendingLine[],
  recordId: string,
  record: boolean,
): string | null {
  const unique = [...new Set(ids)]
  if (unique.length === 0) return null
  if (unique.length >= cap) {
    // §7: a cell holds at most association_row_cap ids; a full cell may be incomplete (D32).
    if (record)
      lines.push({
        defectId: 'D32',
        variant: 'association-cap',
        column,
        cleanValue: null,
        dirtyValue: String(Math.min(unique.length, cap)),
        recordId,
      })
    return unique.slice(0, cap).join(';')
  }
  return unique.join(';')
}

function link(engagementId: string, type: string, objectType: string, objectId: string, typeId: number): Row {
  return {
    engagement_id: engagementId,
    engagement_type: type,
    object_type: objectType,
    object_id: objectId,
    association_type_id: String(typeId),
  }
}

function latest(updatedAt: string | null | undefined, linkMs: number | undefined): string | null {
  const own = updatedAt === null || updatedAt === undefined ? 0 : Date.parse(updatedAt)
  const ms = Math.max(own, linkMs ?? 0)
  return ms === 0 ? (updatedAt ?? null) : isoDatetime(ms)
}

const ORDER = [
  'manifest',
  'schema/',
  'data/owners',
  'data/teams',
  'data/contacts',
  'data/companies',
  'data/deals',
  'data/deal_stage',
  'data/associations.',
  'data/associations',
  'data/engagements',
  'data/activities',
  'data/attachments',
  'automation/',
]
function fileOrder(path: string): number {
  const i = ORDER.findIndex((p) => path.startsWith(p))
  return i < 0 ? ORDER.length : i
}

/** The ui activities.csv row of an engagement (§7), in api form of its own columns. */
function activityRow(e: EngagementRecord, archived: ReadonlySet<string>): Row {
  const r = e.row
  const label = (name: Parameters<typeof enumLabel>[0], v: string | null | undefined) =>
    v === null || v === undefined ? null : (enumLabel(name, v) ?? v)
  const outcome =
    e.type === 'CALL'
      ? label('call_disposition', r['disposition'])
      : e.type === 'MEETING'
        ? label('meeting_outcome', r['outcome'])
        : e.type === 'TASK'
          ? label('task_status', r['status'])
          : e.type === 'SMS'
            ? label('sms_delivery_status', r['delivery_status'])
            : e.type === 'EMAIL'
              ? label('email_send_status', r['send_status'])
              : null
  const direction =
    e.type === 'EMAIL'
      ? label('email_direction', r['direction'])
      : e.type === 'CALL' || e.type === 'SMS'
        ? label('call_direction', r['direction'])
        : null
  const alive = (ids: ReadonlyArray<string>) => ids.filter((id) => !archived.has(id)).join(';') || null
  const row: Row = {
    id: r['id'] ?? null,
    activity_type: ACTIVITY_TYPE_LABELS[e.type],
    timestamp: r['timestamp'] ?? null,
    owner_id: r['owner_id'] ?? null,
    subject: r['subject'] ?? r['title'] ?? null,
    body:
      e.type === 'EMAIL' || e.type === 'NOTE' || e.type === 'MEETING' || e.type === 'SMS' || e.type === 'CALL'
        ? (r['body'] ?? null)
        : (r['body'] ?? null),
    direction,
    outcome,
    duration: r['duration_ms'] == null ? null : hhmmss(Number(r['duration_ms'])),
    from: r['from_number'] ?? r['from_email'] ?? null,
    to: r['to_number'] ?? r['to_emails'] ?? null,
    due_date: e.type === 'TASK' ? (r['timestamp'] ?? null) : null,
    completed_at: r['completed_at'] ?? null,
    created_at: r['created_at'] ?? null,
    updated_at: r['updated_at'] ?? null,
    attachment_ids: r['attachment_ids'] ?? null,
    associated_contact_ids: alive(e.contacts),
    associated_company_ids: alive(e.companies),
    associated_deal_ids: alive(e.deals),
  }
  for (const [k, v] of Object.entries(r))
    if (!(k in row) && !ACTIVITIES_COLUMNS.some((c) => c.name === k)) row[k] = v
  return row
}
