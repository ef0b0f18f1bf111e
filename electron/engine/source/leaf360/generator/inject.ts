/**
 * The defect injector (§9, §11.6): decides, per record and cell, which defects the export carries and
 * writes their dirty spellings into the rendered row, recording one truth line per injection (§10).
 *
 * Decisions are keyed by (seed, defect, file, record id, column) rather than by position, so the same
 * record looks the same in every export of a portal unless it changed: a delta's reader sees no
 * phantom changes. Rare defects are also forced onto their first eligible candidate once per base
 * export, so a tiny export holds every kind; those picks are kept in `_truth/generator.json` and
 * replayed by deltas.
 */
import { LOAN_STATUS_LEGACY_SPELLINGS, LOAN_STATUS_USUAL_STAGES, enumLabel } from '../spec/enums'
import type { DefectId } from '../spec/defects'
import type { Encoding, Flavour } from '../spec/value-types'
import { INVISIBLE_CHARACTERS } from '../spec/value-types'
import { isWindows1252, mojibake } from './writers/encoding'
import {
  apiDatetimeVariant,
  dateVariant,
  emailInvalid,
  emailTruncated,
  moneyVariant,
  phoneDrift,
  phoneUnparseable,
  placeholderDate,
  PLACEHOLDER_EMAILS,
  restoreCaps,
  uiDatetimeVariant,
} from './dirty-values'
import type { Row, StoryOutput } from './model'
import { hash32, streamOf, type Rng } from './random'
import type { PlannedColumn } from './render'
import { uiDatetime } from './time'
import type { PendingLine } from './truth-writer'
import type { Cell, RowMode } from './writers/table'
import type { World } from './world'

/** One row on its way to a table, with what the injector may change. */
export type RowJob = {
  readonly file: string
  readonly recordId: string | null
  readonly row: Row
  readonly columns: ReadonlyArray<PlannedColumn>
  readonly cells: Cell[]
  readonly lines: PendingLine[]
  readonly touched: Set<string>
  mode: RowMode | undefined
  /** Rows written right after this one (duplicates, stale copies, broken rows). */
  readonly extras: Array<{ cells: Cell[]; mode?: RowMode; lines: PendingLine[] }>
  /** Drop this row (its record is written elsewhere or not at all). */
  skip: boolean
  /** World facts of the record (`Dxx`), so injections never hide them. */
  readonly facts?: ReadonlySet<string>
}

/** A forced pick, kept in generator.json so a delta replays it. */
export type ForcedPick = Readonly<{ key: string }>

/** How a ui data file is written (§7: encodings and XLSX). */
export type FilePlan = Readonly<{ format: 'csv' | 'xlsx'; encoding: Encoding; declared: Encoding | null }>

const DAY = 86_400_000

const ZERO_ZIP_STATES = new Set(['CT', 'MA', 'ME', 'NH', 'NJ', 'PR', 'RI', 'VT'])

const STATUS_CONTRADICTIONS = [
  'new_lead',
  'nurture',
  'pre_approved',
  'in_process',
  'clear_to_close',
  'past_client',
  'lost',
  'application',
]

/** The injector of one export. */
export class Injector {
  readonly #world: World
  readonly #flavour: Flavour
  readonly #scale: number
  readonly #seed: number
  readonly #forcing: boolean
  readonly #replay: ReadonlySet<string>
  readonly #forcedNow: string[] = []
  readonly #taken = new Set<string>()
  /** Contacts whose own row is quarantined although they are real (D22): references to them are D11 target_quarantined. */
  readonly quarantinedReal = new Set<string>()
  readonly #trailing = new Map<string, Array<{ cells: Cell[]; mode?: RowMode; lines: PendingLine[] }>>()
  /** A row takes at most one forced pick, so forced defects spread over the first rows. */
  #forcedThisRow = false

  constructor(
    world: World,
    flavour: Flavour,
    options: Readonly<{ forcing: boolean; replay: ReadonlyArray<string> }>,
  ) {
    this.#world = world
    this.#flavour = flavour
    this.#scale = world.defectScale
    this.#seed = world.options.seed
    this.#forcing = options.forcing && this.#scale > 0
    this.#replay = new Set(options.replay)
  }

  /** Whether any defect is injected at all. */
  get enabled(): boolean {
    return this.#scale > 0
  }

  /** The forced picks of this export (for generator.json). */
  get forcedPicks(): ReadonlyArray<string> {
    return [...this.#forcedNow, ...this.#replay]
  }

  /**
   * Whether `key` (defect/variant/file/record/column) gets the defect: a keyed draw against the
   * scaled rate, a replayed pick, or the first eligible candidate of a forced kind.
   */
  decide(defect: DefectId, variant: string, rate: number, key: string, force = true): boolean {
    if (this.#scale <= 0) return false
    if (this.#replay.size > 0 && this.#replay.has(`${defect}|${variant}|${key}`)) return true
    if (this.#draw(defect, variant, key) < Math.min(1, rate * this.#scale)) return true
    const kind = `${defect}|${variant}`
    if (force && this.#forcing && !this.#forcedThisRow && !this.#taken.has(kind)) {
      this.#forcedThisRow = true
      this.#taken.add(kind)
      this.#forcedNow.push(`${defect}|${variant}|${key}`)
      return true
    }
    return false
  }

  readonly #prefixHashes = new Map<string, number>()

  /**
   * The keyed draw in [0, 1) of (defect, variant, key). Keys share their row part (`file|id|…`), so
   * its hash is cached and only the last segment and the defect are hashed per call: this runs for
   * every candidate cell of every row.
   */
  #draw(defect: string, variant: string, key: string): number {
    const cut = key.lastIndexOf('|')
    const prefix = cut < 0 ? '' : key.slice(0, cut)
    let h = this.#prefixHashes.get(prefix)
    if (h === undefined) {
      if (this.#prefixHashes.size > 4096) this.#prefixHashes.clear()
      h = hash32(prefix, this.#seed)
      this.#prefixHashes.set(prefix, h)
    }
    const kind = `${defect}|${variant}`
    let k = this.#kindHashes.get(kind)
    if (k === undefined) {
      k = hash32(kind)
      this.#kindHashes.set(kind, k)
    }
    return hash32(key.slice(cut + 1), (h ^ k) >>> 0) / 4294967296
  }

  readonly #kindHashes = new Map<string, number>()

  /** Starts a new row for the one-forced-pick-per-row rule. */
  newRow(): void {
    this.#forcedThisRow = false
  }

  /** A keyed stream for choosing a dirty spelling. */
  rng(key: string): Rng {
    return streamOf(this.#seed, `dirty:${key}`)
  }

  /** How the ui flavour writes a data file (§7); api files are UTF-8 CSV (one gets a BOM: D07). */
  filePlan(object: string): FilePlan {
    if (this.#flavour === 'api') {
      return object === 'teams' && this.#scale > 0
        ? { format: 'csv', encoding: 'utf-8-bom', declared: 'utf-8-bom' }
        : { format: 'csv', encoding: 'utf-8', declared: 'utf-8' }
    }
    const rotating = ['contacts', 'companies', 'deals', 'activities']
    const i = rotating.indexOf(object)
    if (i < 0)
      return object === 'owners' && this.#scale > 0
        ? { format: 'csv', encoding: 'utf-8-bom', declared: 'utf-8-bom' }
        : { format: 'csv', encoding: 'utf-8', declared: 'utf-8' }
    // One of each: XLSX, Windows-1252 declared, UTF-8 with BOM, Windows-1252 declared as UTF-8 (D07).
    const kinds =
      this.#scale > 0
        ? ['xlsx', 'windows-1252', 'utf-8-bom', 'windows-1252-undeclared']
        : ['xlsx', 'utf-8', 'utf-8', 'utf-8']
    // Rotated by seed; activities never gets XLSX, because it holds the bodies whose CSV shapes
    // (D22, D24) the ui flavour needs, and it is the biggest file.
    const assignment = rotating.map((_, k) => kinds[(k + this.#seed) % kinds.length] ?? 'utf-8')
    if (assignment[3] === 'xlsx') {
      const other = this.#seed % 3
      assignment[3] = assignment[other] ?? 'utf-8'
      assignment[other] = 'xlsx'
    }
    const kind = assignment[i] ?? 'utf-8'
    switch (kind) {
      case 'xlsx':
        return { format: 'xlsx', encoding: 'utf-8', declared: null }
      case 'windows-1252':
        return { format: 'csv', encoding: 'windows-1252', declared: 'windows-1252' }
      case 'windows-1252-undeclared':
        return { format: 'csv', encoding: 'windows-1252', declared: 'utf-8' }
      case 'utf-8-bom':
        return { format: 'csv', encoding: 'utf-8-bom', declared: 'utf-8-bom' }
      default:
        return { format: 'csv', encoding: 'utf-8', declared: 'utf-8' }
    }
  }

  /** An extra column neither standard nor defined (D43), api contacts only. */
  unknownColumn(object: string): string | null {
    return this.#flavour === 'api' && object === 'contacts' && this.#scale > 0 ? 'hs_legacy_score' : null
  }

  /** Story-level decisions made before any of its rows is written. */
  planStory(story: StoryOutput): void {
    for (const c of story.contacts) {
      const id = c.row['id'] ?? ''
      if (
        c.role === 'primary' &&
        c.storyLocal &&
        c.row['archived'] === 'false' &&
        this.decide('D22', 'real-row-mismatch', 0.0003, `contacts|${id}`)
      ) {
        this.quarantinedReal.add(id)
      }
    }
  }

  /** Rows to write at the very end of a table (D24 unterminated quote must be last). */
  trailingRows(table: string): ReadonlyArray<{ cells: Cell[]; mode?: RowMode; lines: PendingLine[] }> {
    return this.#trailing.get(table) ?? []
  }

  // --- helpers -------------------------------------------------------------------------------

  #index(job: RowJob, name: string): number {
    return job.columns.findIndex((c) => c.name === name)
  }

  #text(job: RowJob, i: number): string | null {
    const cell = job.cells[i]
    return cell === null || cell === undefined
      ? null
      : cell instanceof Date
        ? cell.toISOString()
        : String(cell)
  }

  /** Writes a dirty value into column `name` and records it. */
  #set(
    job: RowJob,
    name: string,
    dirty: string | null,
    defectId: DefectId,
    variant: string,
    extra: Partial<PendingLine> = {},
  ): void {
    const i = this.#index(job, name)
    if (i < 0) return
    job.cells[i] = dirty
    job.touched.add(name)
    job.lines.push({
      defectId,
      variant,
      column: name,
      cleanValue: job.row[name] ?? null,
      dirtyValue: dirty,
      recordId: job.recordId ?? undefined,
      ...extra,
    })
  }

  /** Whether the row's file is Windows-1252, which cannot hold zero-width characters. */
  #cp1252(job: RowJob): boolean {
    return this.filePlan(job.file).encoding === 'windows-1252'
  }

  /** An invisible character D38 restores: zero-width inside the value, or (Windows-1252) a trailing NBSP. */
  #invisible(job: RowJob, value: string, at: number): { value: string; variant: string } {
    if (this.#cp1252(job)) return { value: `${value}${INVISIBLE_CHARACTERS.nbsp}`, variant: 'nbsp' }
    return {
      value: `${value.slice(0, at)}${INVISIBLE_CHARACTERS.zeroWidthSpace}${value.slice(at)}`,
      variant: 'zero-width',
    }
  }

  #free(job: RowJob, name: string): boolean {
    return this.#index(job, name) >= 0 && !job.touched.has(name)
  }

  #key(job: RowJob, column: string): string {
    return `${job.file}|${job.recordId ?? ''}|${column}`
  }

  // --- value defects shared by several files -----------------------------------------------

  #phones(job: RowJob, names: ReadonlyArray<string>): void {
    for (const name of names) {
      const clean = job.row[name] ?? null
      if (clean === null || !this.#free(job, name)) continue
      const key = this.#key(job, name)
      if (this.decide('D03', 'null-token', 0.002, key))
        this.#set(job, name, this.rng(key).pick(['N/A', 'none', 'NULL']), 'D03', 'null-token')
      else if (this.decide('D03', 'unparseable', 0.03, key))
        this.#set(job, name, phoneUnparseable(clean, this.rng(key)), 'D03', 'unparseable')
      else if (this.decide('D03', 'non-canonical', 0.35, key))
        this.#set(job, name, phoneDrift(clean, this.rng(key)), 'D03', 'non-canonical')
    }
  }

  #zips(job: RowJob, names: ReadonlyArray<string>, stateColumns: ReadonlyArray<string>): void {
    names.forEach((name, k) => {
      const clean = job.row[name] ?? null
      const state = job.row[stateColumns[k] ?? ''] ?? null
      if (
        clean === null ||
        !clean.startsWith('0') ||
        !this.#free(job, name) ||
        (state !== null && !ZERO_ZIP_STATES.has(state))
      )
        return
      const key = this.#key(job, name)
      if (clean.length === 10 && this.decide('D08', 'zip9-lost-zero', 0.1, key))
        this.#set(job, name, clean.replace('-', '').replace(/^0+/, ''), 'D08', 'zip9-lost-zero')
      else if (clean.length === 5 && this.decide('D08', 'zip5-lost-zero', 0.1, key))
        this.#set(job, name, clean.replace(/^0+/, ''), 'D08', 'zip5-lost-zero')
    })
  }

  #emails(job: RowJob, names: ReadonlyArray<string>): void {
    // A shared e-mail (D01, D02) made invalid by another defect would no longer be shared.
    if (job.facts?.has('D01') === true || job.facts?.has('D02') === true) return
    for (const name of names) {
      const clean = job.row[name] ?? null
      if (clean === null || clean.includes(';') || !this.#free(job, name)) continue
      const key = this.#key(job, name)
      const truncated = emailTruncated(clean)
      if (truncated !== null && this.decide('D15', 'truncated-email', 0.005 / 0.03, key))
        this.#set(job, name, truncated, 'D15', 'truncated-email')
      else if (this.decide('D26', 'null-token', 0.001, key)) this.#set(job, name, 'n/a', 'D26', 'null-token')
      else if (this.decide('D26', 'placeholder-email', 0.005, key))
        this.#set(job, name, this.rng(key).pick(PLACEHOLDER_EMAILS), 'D26', 'placeholder-email')
      else if (this.decide('D26', 'invalid-email', 0.015, key))
        this.#set(job, name, emailInvalid(clean, this.rng(key)), 'D26', 'invalid-email')
      else if (this.decide('D38', 'zero-width', 0.002, key)) {
        const v = this.#invisible(job, clean, clean.indexOf('@'))
        this.#set(job, name, v.value, 'D38', v.variant)
      }
    }
  }

  #names(job: RowJob): void {
    const los = job.row['source_system'] === 'los_sync'
    for (const name of ['first_name', 'last_name']) {
      const clean = job.row[name] ?? null
      if (clean === null || !this.#free(job, name)) continue
      const key = this.#key(job, name)
      const caps = clean.toUpperCase()
      if (
        los &&
        caps !== clean &&
        restoreCaps(caps, name === 'last_name') === clean &&
        this.decide('D16', 'all-caps-name', 0.6, `${job.file}|${job.recordId ?? ''}`, name === 'first_name')
      ) {
        this.#set(job, name, caps, 'D16', 'all-caps-name')
      } else if (
        /[^ -~]/.test(clean) &&
        (!this.#cp1252(job) || isWindows1252(mojibake(clean))) &&
        this.decide('D25', 'mojibake', 0.03, key)
      ) {
        this.#set(job, name, mojibake(clean), 'D25', 'mojibake')
      } else if (this.decide('D38', 'nbsp', 0.002, key)) {
        this.#set(job, name, `${clean}${INVISIBLE_CHARACTERS.nbsp}`, 'D38', 'nbsp')
      }
    }
  }

  #enums(job: RowJob, names: ReadonlyArray<string>): void {
    for (const name of names) {
      const i = this.#index(job, name)
      const column = job.columns[i]
      const clean = job.row[name] ?? null
      if (
        clean === null ||
        column === undefined ||
        column.kind !== 'standard' ||
        column.spec.enum === null ||
        !this.#free(job, name)
      )
        continue
      const key = this.#key(job, name)
      if (
        !this.decide(
          'D10',
          name === 'loan_status' ? 'legacy-spelling' : 'wrong-case',
          0.02,
          key,
          name === 'loan_status' || name === 'lead_source',
        )
      )
        continue
      const r = this.rng(key)
      const label = enumLabel(column.spec.enum, clean) ?? clean
      if (r.chance(0.08) || this.decide('D10', 'unmapped', 0, key)) {
        this.#set(
          job,
          name,
          r.pick(['Hot Lead', 'FTHB', 'Referral - Realtor', 'TBD - ask LO', 'Other (see notes)']),
          'D10',
          'unmapped',
        )
        continue
      }
      const legacy =
        name === 'loan_status' ? LOAN_STATUS_LEGACY_SPELLINGS.filter((l) => l.value === clean) : []
      if (legacy.length > 0) this.#set(job, name, r.pick(legacy).spelling, 'D10', 'legacy-spelling')
      else if (this.#flavour === 'api' && label !== clean && r.chance(0.5))
        this.#set(job, name, label, 'D10', 'label-in-api')
      else {
        const shown = this.#flavour === 'api' ? clean : label
        const wrong = shown === shown.toUpperCase() ? shown.toLowerCase() : shown.toUpperCase()
        if (wrong !== shown) this.#set(job, name, wrong, 'D10', 'wrong-case')
      }
    }
  }

  #owners(job: RowJob, names: ReadonlyArray<string>): void {
    for (const name of names) {
      const clean = job.row[name] ?? null
      if (clean === null || !this.#free(job, name)) continue
      const key = this.#key(job, name)
      if (this.#flavour === 'api') {
        if (this.decide('D11', 'orphan-field', 0.02, key))
          this.#set(job, name, String(49_000_000 + (hash32(key) % 900_000)), 'D11', 'orphan-field')
        continue
      }
      const i = this.#index(job, name)
      const shown = this.#text(job, i)
      if (shown === null) continue
      if (
        shown.startsWith('Jordan Lee') &&
        this.#world.owners.filter((o) => `${o.row['first_name']} ${o.row['last_name']}` === 'Jordan Lee')
          .length > 1
      ) {
        job.touched.add(name)
        job.lines.push({
          defectId: 'D34',
          variant: 'ambiguous-owner-name',
          column: name,
          cleanValue: clean,
          dirtyValue: shown,
          recordId: job.recordId ?? undefined,
        })
      } else if (this.decide('D34', 'unknown-owner-name', 0.01, key)) {
        this.#set(
          job,
          name,
          this.rng(key).pick(['Former Employee', 'Chris Banner', 'Integration User']),
          'D34',
          'unknown-owner-name',
        )
      } else if (this.decide('D34', 'owner-name-spaces', 0.01, key)) {
        this.#set(job, name, shown.replace(' ', '  '), 'D34', 'owner-name-spaces')
      }
    }
  }

  #dates(job: RowJob, datetimes: ReadonlyArray<string>, dates: ReadonlyArray<string>): void {
    const zone = this.#world.portal.zone
    const year = new Date(this.#world.portal.exportedAtMs).getUTCFullYear()
    for (const name of datetimes) {
      const clean = job.row[name] ?? null
      if (!this.#free(job, name)) continue
      const key = this.#key(job, name)
      if (clean === null) {
        const column = job.columns[this.#index(job, name)]
        const nullable = column?.kind === 'standard' ? column.spec.nullable : true
        if (nullable && this.decide('D05', 'placeholder-date', 0.002, key))
          this.#set(job, name, placeholderDate('datetime', this.rng(key)), 'D05', 'placeholder-date')
        continue
      }
      if (
        this.#flavour === 'ui'
          ? this.decide('D04', 'ui-variant', 0.15, key)
          : this.decide('D04', 'api-variant', 0.01, key)
      ) {
        const v =
          this.#flavour === 'ui'
            ? uiDatetimeVariant(clean, zone, this.rng(key))
            : apiDatetimeVariant(clean, zone, this.rng(key))
        this.#set(job, name, v.value, 'D04', v.variant)
      }
    }
    for (const name of dates) {
      const clean = job.row[name] ?? null
      if (!this.#free(job, name)) continue
      const key = this.#key(job, name)
      if (clean === null) {
        if (this.decide('D05', 'placeholder-date', 0.01, key))
          this.#set(job, name, placeholderDate('date', this.rng(key)), 'D05', 'placeholder-date')
        continue
      }
      if (this.#flavour === 'ui' && this.decide('D04', 'datetime-in-date-column', 0.01, key)) {
        // A datetime in a date column keeps its date in the manifest zone (§5): local noon that day.
        const noon = Date.parse(`${clean}T12:00:00Z`) - zone.offset(Date.parse(`${clean}T12:00:00Z`))
        this.#set(job, name, uiDatetime(zone, noon), 'D04', 'datetime-in-date-column')
      } else if (this.decide('D04', 'date-variant', this.#flavour === 'ui' ? 0.15 : 0.01, key)) {
        const v = dateVariant(clean, this.#flavour, this.rng(key), year)
        if (v !== null) this.#set(job, name, v.value, 'D04', v.variant)
      }
    }
  }

  #bools(job: RowJob, names: ReadonlyArray<string>): void {
    for (const name of names) {
      if ((job.row[name] ?? null) === null || !this.#free(job, name)) continue
      const key = this.#key(job, name)
      if (this.decide('D30', 'unknown-boolean', 0.0005, key))
        this.#set(job, name, this.rng(key).pick(['maybe', '?', 'Unknown']), 'D30', 'unknown-boolean')
    }
  }

  #idSpellings(job: RowJob, idColumn: string, references: ReadonlyArray<string>): void {
    const id = job.row[idColumn] ?? null
    if (id !== null && this.#free(job, idColumn)) {
      const key = this.#key(job, idColumn)
      if (this.decide('D33', 'dot-zero', this.#flavour === 'ui' ? 0.003 : 0.0005, key))
        this.#set(job, idColumn, `${id}.0`, 'D33', 'dot-zero')
      else if (this.decide('D38', 'zero-width', 0.0005, key)) {
        const v = this.#invisible(job, id, 4)
        this.#set(job, idColumn, v.value, 'D38', v.variant)
      }
    }
    for (const name of references) {
      const ref = job.row[name] ?? null
      if (ref === null || ref.includes(';') || !this.#free(job, name)) continue
      const key = this.#key(job, name)
      if (this.decide('D33', 'leading-apostrophe', 0.002, key))
        this.#set(job, name, `'${ref}`, 'D33', 'leading-apostrophe')
      else if (this.decide('D33', 'exponent-reference', 0.0005, key))
        this.#set(job, name, Number(ref).toExponential(5).replace('e+', 'E+'), 'D33', 'exponent-reference')
      else if (this.decide('D11', 'orphan-field', 0.002, key))
        this.#set(job, name, String(Number(ref.slice(0, 6)) * 100_000 + 99_991), 'D11', 'orphan-field')
    }
  }

  /** Copies of the row (D21 identical / conflicting), an id mangled to an exponent (D33), an empty id (D37). */
  #recordCopies(job: RowJob, idColumn: string, changeable: string): void {
    const id = job.row[idColumn] ?? null
    if (id === null) return
    const key = `${job.file}|${id}`
    const idIndex = this.#index(job, idColumn)
    if (this.decide('D21', 'identical-row', 0.0005, key)) {
      job.extras.push({
        cells: [...job.cells],
        mode: job.mode,
        lines: [
          {
            defectId: 'D21',
            variant: 'identical-row',
            column: null,
            cleanValue: null,
            recordId: id,
            canonicalId: id,
          },
        ],
      })
    }
    if (this.decide('D21', 'conflicting-row', 0.0005, key)) {
      // A stale version: an older updated_at and one other value; the reader keeps the latest (§9).
      const stale = [...job.cells]
      const u = this.#index(job, 'updated_at')
      const c = this.#index(job, changeable)
      const updated = job.row['updated_at'] ?? null
      if (u >= 0 && updated !== null) {
        const older = new Date(Date.parse(updated) - 3 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z')
        stale[u] = this.#flavour === 'ui' ? uiDatetime(this.#world.portal.zone, Date.parse(older)) : older
      }
      if (c >= 0) stale[c] = `${this.#text(job, c) ?? ''} (old)`.trim()
      job.extras.push({
        cells: stale,
        lines: [
          {
            defectId: 'D21',
            variant: 'conflicting-row',
            column: null,
            cleanValue: null,
            recordId: id,
            canonicalId: id,
          },
        ],
      })
    }
    if (idIndex >= 0 && this.decide('D33', 'exponent-row-id', 0.0003, key)) {
      const mangled = [...job.cells]
      mangled[idIndex] = Number(`9${id.slice(1)}`)
        .toExponential(5)
        .replace('e+', 'E+')
      job.extras.push({
        cells: mangled,
        lines: [
          {
            defectId: 'D33',
            variant: 'exponent-row-id',
            column: idColumn,
            cleanValue: null,
            dirtyValue: String(mangled[idIndex]),
          },
        ],
      })
    }
    if (idIndex >= 0 && this.decide('D37', 'missing-id', 0.0003, key)) {
      const blank = [...job.cells]
      blank[idIndex] = this.rng(key).chance(0.5)
        ? null
        : this.#cp1252(job)
          ? INVISIBLE_CHARACTERS.nbsp
          : `${INVISIBLE_CHARACTERS.nbsp}${INVISIBLE_CHARACTERS.zeroWidthSpace}`
      job.extras.push({
        cells: blank,
        lines: [
          {
            defectId: 'D37',
            variant: 'missing-id',
            column: idColumn,
            cleanValue: null,
            dirtyValue: blank[idIndex] === null ? null : String(blank[idIndex]),
          },
        ],
      })
    }
  }

  /** CSV row shapes (D22, D24); XLSX has no such defects. */
  #rowShape(job: RowJob, xlsx: boolean, strayColumn: string | null): void {
    if (xlsx) return
    const key = `${job.file}|${job.recordId ?? ''}`
    if (job.recordId !== null && this.quarantinedReal.has(job.recordId)) {
      job.mode = { ...job.mode, extraFields: ['x', 'y'] }
      job.lines.push({
        defectId: 'D22',
        variant: 'column-count-mismatch',
        column: null,
        cleanValue: null,
        recordId: job.recordId,
      })
      return
    }
    if (job.recordId !== null && this.decide('D22', 'column-count-mismatch', 0.0003, `${key}|copy`)) {
      // A broken copy of the row with its last fields lost (an extra row, quarantined).
      job.extras.push({
        cells: [...job.cells],
        mode: { dropFields: 3 },
        lines: [
          {
            defectId: 'D22',
            variant: 'column-count-mismatch',
            column: null,
            cleanValue: null,
            recordId: job.recordId,
          },
        ],
      })
    }
    if (this.decide('D22', 'extra-empty-fields', 0.0005, key)) {
      job.mode = {
        ...job.mode,
        extraFields: ['', this.rng(key).chance(0.5) ? INVISIBLE_CHARACTERS.nbsp : ''],
      }
      job.lines.push({
        defectId: 'D22',
        variant: 'extra-empty-fields',
        column: null,
        cleanValue: null,
        recordId: job.recordId ?? undefined,
      })
    }
    if (strayColumn !== null) {
      const i = this.#index(job, strayColumn)
      const text = this.#text(job, i)
      if (
        i >= 0 &&
        text !== null &&
        /^[^",\r\n]+"[^,\r\n]*$/.test(text) &&
        this.decide('D24', 'stray-quote', 0.2, key)
      ) {
        job.mode = { ...job.mode, verbatim: [i] }
        job.touched.add(strayColumn)
        job.lines.push({
          defectId: 'D24',
          variant: 'stray-quote',
          column: strayColumn,
          cleanValue: job.row[strayColumn] ?? null,
          dirtyValue: text,
          recordId: job.recordId ?? undefined,
        })
      }
    }
  }

  /** A broken row at the very end of a CSV table (D24 unterminated quote; also D22 mismatch junk). */
  #trailingJunk(job: RowJob, table: string, bodyColumn: string): void {
    if (this.#trailing.has(table)) return
    const key = `${table}|trailing`
    const i = this.#index(job, bodyColumn)
    if (i < 0) return
    if (this.decide('D24', 'unterminated-quote', 0, key)) {
      const cells = [...job.cells]
      const idIndex = this.#index(job, 'id')
      if (idIndex >= 0) cells[idIndex] = `${job.recordId?.slice(0, 2) ?? '9'}${'9'.repeat(17)}`
      cells[i] = 'Borrower called back about the rate lock, said he would send the'
      this.#trailing.set(table, [
        {
          cells,
          mode: { unterminatedAt: i },
          lines: [
            {
              defectId: 'D24',
              variant: 'unterminated-quote',
              column: bodyColumn,
              cleanValue: null,
              dirtyValue: `"${String(cells[i])}`,
            },
          ],
        },
      ])
    }
  }

  // --- per file --------------------------------------------------------------------------------

  /** Applies the defects of one row (the builder then writes it and its extras). */
  row(job: RowJob, xlsx: boolean): void {
    if (this.#scale <= 0) return
    this.#forcedThisRow = false
    // A real row quarantined for its shape (D22) carries no other defect: the reader never sees them.
    if (job.recordId !== null && this.quarantinedReal.has(job.recordId))
      return this.#rowShape(job, xlsx, null)
    switch (job.file) {
      case 'contacts':
        return this.#contact(job, xlsx)
      case 'companies':
        return this.#company(job, xlsx)
      case 'deals':
        return this.#deal(job, xlsx)
      case 'calls':
      case 'emails':
      case 'meetings':
      case 'notes':
      case 'tasks':
      case 'sms':
      case 'activities':
        return this.#engagement(job, xlsx)
      case 'attachments':
        return this.#attachment(job)
      default:
        return
    }
  }

  #contact(job: RowJob, xlsx: boolean): void {
    // E-mails first: D15 has the fewest candidates (long addresses), so it gets first claim on a
    // row's forced pick.
    this.#emails(job, ['email'])
    this.#idSpellings(job, 'id', ['referred_by_contact_id', 'primary_company_id'])
    this.#names(job)
    const extra = job.row['additional_emails'] ?? null
    if (
      extra !== null &&
      extra.includes(';') &&
      this.#free(job, 'additional_emails') &&
      this.decide('D10', 'multi-separator', 0.3, this.#key(job, 'additional_emails'))
    ) {
      this.#set(job, 'additional_emails', extra.replace(/;/g, ','), 'D10', 'multi-separator')
    }
    this.#phones(job, ['phone', 'mobile_phone'])
    this.#zips(job, ['zip'], ['state'])
    // D27: loan_status contradicting the latest deal (15 % of contacts with a deal).
    const stage = job.row['_latest_stage'] ?? null
    const status = job.row['loan_status'] ?? null
    if (
      stage !== null &&
      status !== null &&
      status !== 'do_not_contact' &&
      status !== 'referral_partner' &&
      this.decide('D27', 'loan-status-contradiction', 0.15, this.#key(job, 'loan_status'))
    ) {
      const contradicting = STATUS_CONTRADICTIONS.filter(
        (s) =>
          !(LOAN_STATUS_USUAL_STAGES as Record<string, { stages: ReadonlyArray<string> }>)[
            s
          ]?.stages.includes(stage) && s !== status,
      )
      const dirty = this.rng(this.#key(job, 'loan_status')).pick(contradicting)
      this.#set(
        job,
        'loan_status',
        this.#flavour === 'ui' ? (enumLabel('loan_status', dirty) ?? dirty) : dirty,
        'D27',
        'loan-status-contradiction',
      )
    }
    this.#enums(job, [
      'loan_status',
      'lead_source',
      'lifecycle_stage',
      'lead_status',
      'sms_consent',
      'contact_type',
    ])
    this.#owners(job, ['owner_id', 'loan_officer_owner_id', 'assistant_owner_id'])
    this.#dates(job, ['created_at', 'last_activity_at', 'sms_consent_at'], ['date_of_birth'])
    this.#bools(job, ['email_opt_out', 'do_not_call'])
    const key = `${job.file}|${job.recordId ?? ''}`
    if (this.#free(job, 'contact_type') && this.decide('D37', 'missing-required', 0.0003, key))
      this.#set(job, 'contact_type', null, 'D37', 'missing-required')
    if (this.#free(job, 'created_at') && this.decide('D39', 'updated-before-created', 0.0003, key)) {
      const updated = Date.parse(job.row['updated_at'] ?? '')
      const later = new Date(updated + 2 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z')
      this.#set(
        job,
        'created_at',
        this.#flavour === 'ui' ? uiDatetime(this.#world.portal.zone, Date.parse(later)) : later,
        'D39',
        'updated-before-created',
      )
    }
    this.#recordCopies(job, 'id', 'phone')
    this.#rowShape(job, xlsx, null)
  }

  #company(job: RowJob, xlsx: boolean): void {
    this.#idSpellings(job, 'id', [])
    this.#phones(job, ['phone'])
    this.#zips(job, ['zip', 'property_zip'], ['state', 'property_state'])
    this.#enums(job, ['company_type'])
    this.#owners(job, ['owner_id'])
    this.#dates(job, ['created_at'], [])
    const value = job.row['estimated_property_value'] ?? null
    const key = `${job.file}|${job.recordId ?? ''}`
    if (
      value !== null &&
      this.#flavour === 'api' &&
      this.decide('D30', 'formatted-number-in-api', 0.01, this.#key(job, 'estimated_property_value'))
    ) {
      const v = moneyVariant(value, this.rng(key))
      this.#set(job, 'estimated_property_value', v.value, 'D30', v.variant)
    }
    if (this.#free(job, 'created_at') && this.decide('D39', 'created-after-export', 0.0003, key)) {
      const after = new Date(this.#world.portal.exportedAtMs + 3 * DAY)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
      this.#set(
        job,
        'created_at',
        this.#flavour === 'ui' ? uiDatetime(this.#world.portal.zone, Date.parse(after)) : after,
        'D39',
        'created-after-export',
      )
    }
    this.#recordCopies(job, 'id', 'phone')
    this.#rowShape(job, xlsx, null)
  }

  #deal(job: RowJob, xlsx: boolean): void {
    const key = `${job.file}|${job.recordId ?? ''}`
    this.#idSpellings(job, 'id', ['referral_partner_contact_id'])
    this.#zips(job, ['subject_zip'], ['subject_state'])
    // D06: a property not chosen yet, typed as TBD (street → null, subject_tbd stays true).
    if (
      (job.row['subject_address'] ?? null) === null &&
      job.row['subject_tbd'] === 'true' &&
      this.decide('D06', 'tbd-address', 0.2, this.#key(job, 'subject_address'))
    ) {
      this.#set(
        job,
        'subject_address',
        this.rng(key).pick(['TBD', 'TBD TBD', 'To Be Determined', '123 Main St']),
        'D06',
        'tbd-address',
      )
    }
    // D29: a stage that pipelines.json does not know. Never on a contact's latest deal: an unknown
    // stage exempts the contact from D27 (§6.1), which would silence an injected contradiction.
    if (
      job.row['_latest_deal'] !== 'true' &&
      this.decide('D29', 'unknown-stage', 0.002, this.#key(job, 'dealstage'))
    ) {
      this.#set(
        job,
        'dealstage',
        this.rng(key).pick(['closing_scheduled', 'refi_appraisal_ordered', 'Suspended']),
        'D29',
        'unknown-stage',
      )
    }
    this.#enums(job, [
      'loan_type',
      'loan_purpose',
      'occupancy',
      'property_type',
      'lead_source',
      'channel',
      'lock_status',
      'lost_reason',
    ])
    this.#owners(job, ['owner_id', 'loan_officer_owner_id', 'processor_owner_id'])
    this.#dates(
      job,
      ['date_entered_current_stage', 'created_at'],
      ['closedate', 'preapproval_date', 'application_date', 'funded_date', 'lost_date'],
    )
    for (const name of ['amount', 'loan_amount', 'purchase_price']) {
      const value = job.row[name] ?? null
      if (value === null || !this.#free(job, name)) continue
      if (
        this.#flavour === 'api'
          ? this.decide('D30', 'formatted-number-in-api', 0.003, this.#key(job, name))
          : this.decide('D30', 'unparseable-number', 0.001, this.#key(job, name))
      ) {
        const v =
          this.#flavour === 'api'
            ? moneyVariant(value, this.rng(this.#key(job, name)))
            : { value: `${(Number(value) / 1000).toFixed(1)}K`, variant: 'unparseable-number' }
        this.#set(job, name, v.value, 'D30', v.variant)
      }
    }
    if (this.#free(job, 'dealname') && this.decide('D37', 'missing-required', 0.0003, key))
      this.#set(job, 'dealname', null, 'D37', 'missing-required')
    this.#recordCopies(job, 'id', 'lender_name')
    this.#rowShape(job, xlsx, null)
  }

  #engagement(job: RowJob, xlsx: boolean): void {
    const key = `${job.file}|${job.recordId ?? ''}`
    this.#idSpellings(job, 'id', [])
    this.#phones(job, ['from_number', 'to_number'])
    this.#emails(job, ['from_email'])
    this.#enums(job, [
      'disposition',
      'status',
      'direction',
      'send_status',
      'meeting_type',
      'outcome',
      'priority',
      'task_type',
      'delivery_status',
      'source',
    ])
    this.#owners(job, ['owner_id'])
    this.#dates(
      job,
      this.#flavour === 'ui' ? ['timestamp', 'created_at'] : ['timestamp', 'created_at', 'opened_at'],
      [],
    )
    const completed = job.row['completed_at'] ?? null
    if (
      completed !== null &&
      this.#free(job, 'completed_at') &&
      this.decide('D39', 'completed-before-created', 0.001, key)
    ) {
      const before = new Date(Date.parse(job.row['created_at'] ?? completed) - 2 * DAY)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
      this.#set(
        job,
        'completed_at',
        this.#flavour === 'ui' ? uiDatetime(this.#world.portal.zone, Date.parse(before)) : before,
        'D39',
        'completed-before-created',
      )
    }
    this.#recordCopies(job, 'id', job.file === 'activities' ? 'subject' : 'owner_id')
    const body = job.file === 'activities' || job.file === 'notes' ? 'body' : null
    this.#rowShape(job, xlsx, body)
    if (body !== null && !xlsx) this.#trailingJunk(job, job.file, body)
  }

  #attachment(job: RowJob): void {
    const key = `${job.file}|${job.recordId ?? ''}`
    const id = job.recordId ?? ''
    const size = job.row['size_bytes'] ?? '0'
    const present = job.row['binary_present'] === 'true'
    if (present && this.decide('D36', 'size-mismatch', 0.003, key))
      this.#set(
        job,
        'size_bytes',
        String(Number(size) + 1_024 * (1 + (hash32(key) % 50))),
        'D36',
        'size-mismatch',
      )
    else if (present && this.decide('D36', 'sha256-mismatch', 0.002, key))
      this.#set(job, 'sha256', hash32(key).toString(16).padStart(8, '0').repeat(8), 'D36', 'sha256-mismatch')
    else if (
      present &&
      Number(size) > 0 &&
      job.facts?.has('D36') !== true &&
      this.decide('D12', 'binary-absent', 0.005, key)
    ) {
      job.touched.add('binary_present')
      job.lines.push({
        defectId: 'D12',
        variant: 'binary-absent',
        column: 'stored_path',
        cleanValue: job.row['stored_path'] ?? null,
        dirtyValue: job.row['stored_path'] ?? null,
        recordId: id,
      })
    }
    if (this.decide('D13', 'unsafe-stored-path', 0.001, key)) {
      // An extra row whose stored_path leaves files/{file_id}/: quarantined, never read (D13).
      const i = this.#index(job, 'stored_path')
      const f = this.#index(job, 'file_id')
      const cells = [...job.cells]
      const fakeId = `${id.slice(0, 3)}9${id.slice(4)}`
      if (f >= 0) cells[f] = fakeId
      cells[i] = this.rng(key).pick([
        `files/${fakeId}/../../../etc/passwd`,
        `files/${id}/statement.pdf`,
        `files/${fakeId}/CON`,
        `files/${fakeId}/a\\b.pdf`,
        `/tmp/${fakeId}.pdf`,
      ])
      job.extras.push({
        cells,
        lines: [
          {
            defectId: 'D13',
            variant: 'unsafe-stored-path',
            column: 'stored_path',
            cleanValue: null,
            dirtyValue: String(cells[i]),
            recordId: fakeId,
          },
        ],
      })
    }
  }

  /** Whether the builder should leave a binary out although `binary_present=true` (D12 binary-absent). */
  isBinaryAbsent(lines: ReadonlyArray<PendingLine>): boolean {
    return lines.some((l) => l.defectId === 'D12' && l.variant === 'binary-absent')
  }

  /**
   * Stage history anomalies of one deal (§4.6, D35), api only: returns the rows to write (possibly
   * reordered, one left out, one changed) with their lines by position.
   */
  history(
    dealId: string,
    dealCreatedAt: string,
    rows: ReadonlyArray<Row>,
  ): Array<{ row: Row; lines: PendingLine[] }> {
    const out = rows.map((row) => ({ row: { ...row }, lines: [] as PendingLine[] }))
    this.#forcedThisRow = false
    if (this.#scale <= 0 || rows.length < 3) return out
    const key = `deal_stage_history|${dealId}`
    const line = (
      variant: string,
      column: string | null,
      clean: string | null,
      dirty: string | null,
      extra: Partial<PendingLine> = {},
    ): PendingLine => ({
      defectId: 'D35',
      variant,
      column,
      cleanValue: clean,
      dirtyValue: dirty,
      recordId: dealId,
      ...extra,
    })
    if (this.decide('D35', 'gap', 0.002, key)) {
      const [removed] = out.splice(1, 1)
      const next = out[1]
      if (next !== undefined && removed !== undefined)
        next.lines.push(
          line('gap', 'from_stage_id', next.row['from_stage_id'] ?? null, next.row['from_stage_id'] ?? null, {
            canonicalId: removed.row['id'] ?? undefined,
          }),
        )
    } else if (this.decide('D35', 'out-of-order', 0.002, key)) {
      const a = out[1]
      const b = out[2]
      if (a !== undefined && b !== undefined) {
        out[1] = b
        out[2] = a
        b.lines.push(line('out-of-order', null, null, null))
      }
    } else if (this.decide('D35', 'outside-life', 0.002, key)) {
      const first = out[0]
      if (first !== undefined) {
        const before = new Date(Date.parse(dealCreatedAt) - 9 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z')
        first.lines.push(line('outside-life', 'changed_at', first.row['changed_at'] ?? null, before))
        first.row['changed_at'] = before
      }
    } else if (this.decide('D35', 'last-stage-mismatch', 0.002, key)) {
      const last = out.at(-1)
      if (last !== undefined) {
        const dirty = last.row['to_stage_id'] === 'nurture' ? 'lost' : 'nurture'
        last.lines.push(line('last-stage-mismatch', 'to_stage_id', last.row['to_stage_id'] ?? null, dirty))
        last.row['to_stage_id'] = dirty
      }
    }
    if (this.decide('D11', 'orphan-history', 0.0005, key)) {
      const orphan = {
        ...(rows[0] ?? {}),
        id: `${rows[0]?.['id'] ?? '2'}9`,
        deal_id: String(38_499_000_000 + (hash32(key) % 1_000_000)),
      }
      out.push({
        row: orphan,
        lines: [
          {
            defectId: 'D11',
            variant: 'orphan-history',
            column: 'deal_id',
            cleanValue: null,
            dirtyValue: orphan['deal_id'] ?? null,
            recordId: orphan['id'] ?? undefined,
          },
        ],
      })
    }
    return out
  }

  /**
   * Association rows of one story (§4.7, D42, D11), api only. `rows` are forward/inverse pairs in
   * order; returns rows for associations.csv and, per typed copy, the rows it holds.
   */
  associations(rows: ReadonlyArray<{ row: Row; copy: string | null; inverse: boolean; pairKey: string }>): {
    main: Array<{ row: Row; lines: PendingLine[] }>
    copies: Array<{ copy: string; row: Row; lines: PendingLine[] }>
  } {
    const main: Array<{ row: Row; lines: PendingLine[] }> = []
    const copies: Array<{ copy: string; row: Row; lines: PendingLine[] }> = []
    const identity = (r: Row) =>
      `${r['from_object_type']}|${r['from_id']}|${r['to_object_type']}|${r['to_id']}|${r['association_type_id']}`
    for (const { row, copy, inverse, pairKey } of rows) {
      this.#forcedThisRow = false
      const key = `associations|${identity(row)}`
      const line = (defectId: DefectId, variant: string, extra: Partial<PendingLine> = {}): PendingLine => ({
        defectId,
        variant,
        column: null,
        cleanValue: null,
        recordId: identity(row),
        ...extra,
      })
      const contactContact = row['from_object_type'] === 'contact' && row['to_object_type'] === 'contact'
      if (
        this.#scale > 0 &&
        inverse &&
        !contactContact &&
        this.decide('D42', 'missing-inverse', 0.002, `associations|${pairKey}`)
      ) {
        // The inverse row is left out; the reader synthesises it. Recorded on the forward row's file.
        main.push({ row: { ...row, _missing: 'true' }, lines: [line('D42', 'missing-inverse')] })
        continue
      }
      if (
        this.#scale > 0 &&
        !inverse &&
        copy !== null &&
        this.decide('D42', 'copy-without-match', 0.001, key)
      ) {
        copies.push({ copy, row, lines: [line('D42', 'copy-without-match')] })
        continue
      }
      main.push({ row, lines: [] })
      if (copy !== null) {
        if (this.#scale > 0 && this.decide('D31', 'typed-copy-lacking-rows', 0, `copy|${copy}`)) {
          copies.push({
            copy,
            row: { ...row, _missing: 'true' },
            lines: [
              {
                defectId: 'D31',
                variant: 'typed-copy-lacking-rows',
                column: null,
                cleanValue: null,
                recordId: identity(row),
              },
            ],
          })
        } else if (this.#scale > 0 && this.decide('D42', 'conflicting-row', 0.0005, `copy|${key}`)) {
          copies.push({
            copy,
            row: { ...row, label: `${row['label'] ?? 'Contact'} (old)` },
            lines: [line('D42', 'conflicting-row')],
          })
        } else copies.push({ copy, row, lines: [] })
      }
      if (this.#scale <= 0) continue
      if (this.decide('D42', 'identical-row', 0.001, key))
        main.push({ row, lines: [line('D42', 'identical-row')] })
      else if (this.decide('D42', 'conflicting-row', 0.0005, key))
        main.push({
          row: { ...row, is_primary: row['is_primary'] === 'true' ? 'false' : 'true' },
          lines: [line('D42', 'conflicting-row')],
        })
      if (!inverse && this.decide('D11', 'orphan-association', 0.01, key)) {
        const orphan = {
          ...row,
          to_id: `${(row['to_id'] ?? '').slice(0, 5)}${String(hash32(key) % 1_000_000).padStart(6, '0')}9`,
        }
        main.push({
          row: orphan,
          lines: [
            {
              defectId: 'D11',
              variant: 'orphan-association',
              column: 'to_id',
              cleanValue: null,
              dirtyValue: orphan['to_id'] ?? null,
              recordId: identity(orphan),
            },
          ],
        })
      }
    }
    return { main, copies }
  }

  /** Engagement link rows (§4.8): exact duplicates (D42) and orphan links (D11). */
  engagementLinks(rows: ReadonlyArray<Row>): Array<{ row: Row; lines: PendingLine[] }> {
    const out: Array<{ row: Row; lines: PendingLine[] }> = []
    for (const row of rows) {
      this.#forcedThisRow = false
      out.push({ row, lines: [] })
      if (this.#scale <= 0) continue
      const id = `${row['engagement_id']}|${row['engagement_type']}|${row['object_type']}|${row['object_id']}|${row['association_type_id']}`
      const key = `engagement_associations|${id}`
      if (this.decide('D42', 'identical-row', 0.001, key))
        out.push({
          row,
          lines: [
            { defectId: 'D42', variant: 'identical-row', column: null, cleanValue: null, recordId: id },
          ],
        })
      if (this.decide('D11', 'orphan-association', 0.005, key)) {
        const orphan = {
          ...row,
          object_id: `${(row['object_id'] ?? '').slice(0, 4)}${String(hash32(key) % 10_000_000).padStart(7, '0')}`,
        }
        out.push({
          row: orphan,
          lines: [
            {
              defectId: 'D11',
              variant: 'orphan-association',
              column: 'object_id',
              cleanValue: null,
              dirtyValue: orphan['object_id'] ?? null,
            },
          ],
        })
      }
    }
    return out
  }
}
