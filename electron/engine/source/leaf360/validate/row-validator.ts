/**
 * Validation and normalisation of one data file's rows (EXPORT-FORMAT.md §4, §5, §7, §9).
 *
 * `compileRowValidator` reads a file's header once: it locates every standard, custom (§4.10) and
 * ui appended (§7) column by name, reports duplicate, unknown and missing headers (D43), and builds
 * one reader per column. `validate` then turns each record into either a staged row (normalised
 * values keyed by api column name, warnings, references for the foreign-key check) or a
 * quarantine decision with its reason. It never throws on bad data.
 */
import {
  ENUMS,
  ENUM_ALIASES,
  enumLabel,
  headerOf,
  standardColumnsOf,
  uiAppendedColumns,
  valueTypeOfProperty,
  type ColumnSpec,
  type DataFileSpec,
  type EnumOption,
  type PropertyDefinitionJson,
  type QuarantineReason,
  type UiAppendedColumn,
  type ValueType,
} from '../spec'
import {
  checkEmail,
  isAllCapsName,
  isTbdStreet,
  normaliseCapsName,
  normalisePhone,
  normaliseZip,
} from './contact-fields'
import { formatInstant, newDayMonthOrder, normaliseDate, normaliseDatetime } from './datetime'
import { EnumMatcher } from './enum-matcher'
import { IssueList, type DefectCode, type IssueSink, type RowIssue } from './issues'
import {
  normaliseBool,
  normaliseDecimal,
  normaliseInt,
  normaliseMoney,
  normalisePct,
  normaliseProb,
  normaliseRefId,
  readId,
} from './scalars'
import { hasInvisible, htmlToText, looksLikeHtml, removeInvisible, repairMojibake, trimAscii } from './text'
import { looseKey, type ValidationContext } from './validation-context'

/** What a reference points at, for the check once every row is read (D11). */
export type RefTarget =
  | 'owners'
  | 'teams'
  | 'contacts'
  | 'companies'
  | 'deals'
  | 'attachments'
  /** An engagement of any type (attachment links, §6.7 604/605). */
  | 'engagements'
  /** An engagement of one type (engagement links name it, §4.8). */
  | 'calls'
  | 'emails'
  | 'meetings'
  | 'notes'
  | 'tasks'
  | 'sms'

/** One reference a staged row makes. */
export type RowRef = Readonly<{ column: string; target: RefTarget; id: string }>

/** A contact's dedupe key (profile duplicate candidates, D01/D02). */
export type RowKey = Readonly<{ kind: 'email' | 'phone' | 'name_address'; key: string }>

/** One record as the reader hands it over. */
export type InputRow = Readonly<{
  fields: ReadonlyArray<string>
  /** Per Terms: the logical record number within the physical file, from 1. */
  row: number
  line: number
  /** D24: a stray quote kept literally. */
  strayQuote?: boolean
  /** D24: re-read from an unterminated quote. */
  malformed?: boolean
  /** XLSX: indexes of cells that held a typed date, whose text form the reader wrote itself. */
  typedDates?: ReadonlySet<number>
}>

/** A row to stage. */
export type StageDecision = Readonly<{
  kind: 'stage'
  sourceId: string
  data: Record<string, unknown>
  issues: ReadonlyArray<RowIssue>
  refs: ReadonlyArray<RowRef>
  keys: ReadonlyArray<RowKey>
  archived: boolean
  updatedAt: string | null
}>

/** A row not to stage, with its reason. */
export type QuarantineDecision = Readonly<{
  kind: 'quarantine'
  reason: QuarantineReason
  defect: DefectCode
  message: string
  sourceId: string | null
}>

/** The outcome of validating one row. */
export type RowDecision = StageDecision | QuarantineDecision

/** A warning about the file rather than a row (D43). */
export type FileIssue = Readonly<{ code: DefectCode; column: string | null; reason: string; message: string }>

/** A compiled validator for one physical file. */
export type RowValidator = Readonly<{
  /** The data keys of the file's columns, in header order (null for a column not read). */
  columns: ReadonlyArray<
    Readonly<{ header: string; key: string; kind: ColumnKind; type: string; index: number }>
  >
  fileIssues: ReadonlyArray<FileIssue>
  /** The file lacks its id column (§4): every row is quarantined `missing_id_column`. */
  missingIdColumn: boolean
  validate: (row: InputRow) => RowDecision
}>

type ColumnKind = 'standard' | 'custom' | 'appended' | 'unknown'

/** Per-row scratch space shared by the column readers. */
type RowState = {
  issues: IssueList
  refs: RowRef[]
  keys: RowKey[]
  emailValid: boolean
  /** The cell being read held a typed date (XLSX): its format is not the export's, so no D04 for it. */
  typedCell: boolean
}

type CellReader = (value: string, st: RowState) => unknown

/** The type of a column as this module reads it. */
type ColumnType = Readonly<{
  type: ValueType | 'phone'
  enumOptions: ReadonlyArray<EnumOption> | null
  enumAliases: ReadonlyArray<Readonly<{ spelling: string; value: string | null }>>
  ref: ColumnSpec['ref']
  multi: boolean
  nullable: boolean
  body: boolean
  allowed: ReadonlyArray<string> | null
}>

type PlannedColumn = {
  index: number
  header: string
  key: string
  kind: ColumnKind
  columnType: ColumnType
  read: CellReader
  /** A D38 tab rule applies: names, e-mails and ids (§9 D38). */
  tabSensitive: boolean
}

const NULL_TOKENS = new Set(['NULL', 'null', 'N/A', 'n/a', 'none', '-'])
const MULTI_FALLBACK_TYPES = new Set<string>(['email', 'id', 'state', 'key'])
const BODY_LIMIT = 65_536
const STREET_COLUMNS = new Set(['address', 'property_address', 'subject_address'])
const ENGAGEMENT_OBJECTS = new Set(['calls', 'emails', 'meetings', 'notes', 'tasks', 'sms', 'activities'])

/** The engagement file of each `engagement_type` of engagement_associations.csv (§4.8). */
const ENGAGEMENT_OBJECT_OF_TYPE: Readonly<Record<string, RefTarget>> = {
  CALL: 'calls',
  EMAIL: 'emails',
  MEETING: 'meetings',
  NOTE: 'notes',
  TASK: 'tasks',
  SMS: 'sms',
}

const OBJECT_TYPE_TARGET: Readonly<Record<string, RefTarget>> = {
  contact: 'contacts',
  company: 'companies',
  deal: 'deals',
  engagement: 'engagements',
  attachment: 'attachments',
}

const SPEC_REF_TARGET: Readonly<Partial<Record<NonNullable<ColumnSpec['ref']>, RefTarget>>> = {
  owners: 'owners',
  teams: 'teams',
  contacts: 'contacts',
  companies: 'companies',
  deals: 'deals',
  attachments: 'attachments',
}

const columnTypeOf = (c: ColumnSpec, ctxProps: ReadonlyArray<PropertyDefinitionJson>): ColumnType => {
  const standardOptions = c.enum === null ? null : ENUMS[c.enum]
  // Property definitions extend standard enumerations and win on conflict (§4.10).
  const portal = c.enum === null ? [] : optionsOf(ctxProps.find((p) => p.name === c.name))
  return {
    type: c.type,
    enumOptions: standardOptions === null ? null : [...standardOptions, ...portal],
    enumAliases: c.enum === null ? [] : (ENUM_ALIASES[c.enum] ?? []),
    ref: c.ref,
    multi: c.multi,
    nullable: c.nullable,
    body: c.body,
    allowed: c.allowed,
  }
}

function optionsOf(p: PropertyDefinitionJson | undefined): ReadonlyArray<EnumOption> {
  return (p?.options ?? []).map((o) => ({ value: o.value, label: o.label }))
}

function customColumnType(p: PropertyDefinitionJson): ColumnType {
  const { type, multi } = valueTypeOfProperty(p)
  return {
    type,
    enumOptions: type === 'enum' ? optionsOf(p) : null,
    enumAliases: [],
    ref: null,
    multi,
    nullable: true,
    body: false,
    allowed: null,
  }
}

const textColumn: ColumnType = {
  type: 'string',
  enumOptions: null,
  enumAliases: [],
  ref: null,
  multi: false,
  nullable: true,
  body: false,
  allowed: null,
}

/** Splits a multi cell (§5): `;`, and for emails, ids, states and keys also `,` and `|` (D10). */
function splitMulti(value: string, baseType: string, column: string, st: RowState): string[] {
  let parts: string[]
  if (value.includes(';')) parts = value.split(';')
  else if (MULTI_FALLBACK_TYPES.has(baseType) && /[,|]/.test(value)) {
    st.issues.warn('D10', column, value, 'multi_separator')
    parts = value.split(/[,|]/)
  } else parts = [value]
  const out: string[] = []
  for (const p of parts) {
    const t = trimAscii(p)
    if (t.length > 0) out.push(t)
  }
  return out
}

/** Normalises a ui owner cell (§7, D34): spaces collapsed, ` (Deactivated User)` read as a hint. */
function resolveOwnerName(
  value: string,
  column: string,
  ctx: ValidationContext,
  st: RowState,
): string | null {
  const collapsed = value.replace(/\s+/g, ' ').trim()
  if (collapsed !== value) st.issues.warn('D34', column, value, 'spaces')
  const suffix = /\s*\(deactivated user\)$/i.exec(collapsed)
  const name = (suffix === null ? collapsed : collapsed.slice(0, suffix.index)).trim().toLowerCase()
  const candidates = ctx.ownerNames?.get(name) ?? []
  if (candidates.length === 1) return candidates[0]!.ownerId
  if (candidates.length > 1) {
    const byState = candidates.filter((c) => c.active === (suffix === null))
    if (byState.length === 1) return byState[0]!.ownerId
    st.issues.warn('D34', column, value, 'ambiguous')
    return null
  }
  // An owner id where a name is expected still resolves (a hand-edited file).
  const asId = readId(collapsed)
  if (asId.kind === 'ok' && ctx.ownerNames !== null) {
    for (const list of ctx.ownerNames.values()) if (list.some((c) => c.ownerId === asId.id)) return asId.id
  }
  st.issues.warn('D34', column, value, 'unknown')
  return null
}

/** Builds the reader of one cell's non-empty, cleaned value. */
function cellReader(
  key: string,
  ct: ColumnType,
  spec: DataFileSpec,
  ctx: ValidationContext,
  uiRendering: ColumnSpec['uiRendering'] | null,
): CellReader {
  const flavour = spec.apiFormInBothFlavours ? 'api' : ctx.flavour
  const dateCtx = flavour === ctx.dates.flavour ? ctx.dates : { ...ctx.dates, flavour }
  const order = newDayMonthOrder()
  const isName = key === 'first_name' || key === 'last_name'
  const isLastName = key === 'last_name'
  const target: RefTarget | null = ct.ref === null ? null : (SPEC_REF_TARGET[ct.ref] ?? null)

  const matcher =
    ct.type === 'enum'
      ? new EnumMatcher(ct.enumOptions === null ? [] : ct.enumOptions, [], ct.enumAliases)
      : null

  const one = specialisedReader(key, ct, flavour, dateCtx, order, matcher, {
    isName,
    isLastName,
    isStreet: STREET_COLUMNS.has(key),
    target,
    ownerNames: flavour === 'ui' && uiRendering === 'owner-name',
    teamNames: target === 'teams' && flavour === 'ui' && uiRendering === 'team-name',
    ctx,
  })

  if (!ct.multi) return one
  return (value, st) => {
    const parts = splitMulti(value, ct.type, key, st)
    const out: unknown[] = []
    for (const p of parts) {
      const v = one(p, st)
      if (v !== null) out.push(v)
    }
    return out
  }
}

/**
 * The sink for a typed XLSX date cell: its text form is the reader's own rendering, so only the
 * D04 warnings about time itself (DST) and any other defect pass through.
 */
function quietFormat(st: RowState): IssueSink {
  return {
    warn: (code, column, raw, reason) => {
      if (code === 'D04' && (reason === undefined || !reason.startsWith('dst'))) return
      st.issues.warn(code, column, raw, reason)
    },
  }
}

/** A null token (§5) of a non-string column; the length test spares the hash of long values. */
const isNullToken = (value: string) => value.length <= 4 && NULL_TOKENS.has(value)

type ReaderTraits = Readonly<{
  isName: boolean
  isLastName: boolean
  isStreet: boolean
  target: RefTarget | null
  ownerNames: boolean
  teamNames: boolean
  ctx: ValidationContext
}>

/**
 * The reader of one column's type, chosen once when the header is compiled, so reading a cell
 * runs no type dispatch.
 */
function specialisedReader(
  key: string,
  ct: ColumnType,
  flavour: 'api' | 'ui',
  dateCtx: ValidationContext['dates'],
  order: ReturnType<typeof newDayMonthOrder>,
  matcher: EnumMatcher | null,
  t: ReaderTraits,
): CellReader {
  switch (ct.type) {
    case 'string': {
      const allowed = ct.allowed
      return (value, st) => {
        if (allowed !== null && !allowed.includes(value)) {
          const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase())
          st.issues.warn('D10', key, value, found === undefined ? 'unmapped' : 'wrong_case')
          return found ?? value
        }
        let text = value
        const repaired = repairMojibake(text)
        if (repaired !== null) {
          st.issues.warn('D25', key, value)
          text = repaired
        }
        if (t.isName && isAllCapsName(text)) {
          const clean = normaliseCapsName(text, t.isLastName)
          if (clean !== text) {
            st.issues.warn('D16', key, value)
            text = clean
          }
        }
        if (t.isStreet && isTbdStreet(text)) {
          st.issues.warn('D06', key, value)
          return null
        }
        return text
      }
    }
    case 'email':
      return (value, st) => {
        if (isNullToken(value)) {
          st.issues.warn('D26', key, value, 'null_token')
          return null
        }
        const verdict = checkEmail(value, key, st.issues)
        if (key === 'email') st.emailValid = verdict === 'valid'
        return value
      }
    case 'phone':
      return (value, st) => {
        if (isNullToken(value)) {
          st.issues.warn('D03', key, value, 'null_token')
          return null
        }
        return normalisePhone(value, key, st.issues)
      }
    case 'zip':
      return (value, st) => (isNullToken(value) ? null : normaliseZip(value, key, st.issues))
    case 'state':
      return (value) => (isNullToken(value) ? null : value.toUpperCase())
    case 'int':
      return (value, st) => (isNullToken(value) ? null : normaliseInt(value, flavour, key, st.issues))
    case 'decimal':
      return (value, st) => (isNullToken(value) ? null : normaliseDecimal(value, flavour, key, st.issues))
    case 'money':
      return (value, st) => (isNullToken(value) ? null : normaliseMoney(value, flavour, key, st.issues))
    case 'pct':
      return (value, st) => (isNullToken(value) ? null : normalisePct(value, flavour, key, st.issues))
    case 'prob':
      return (value, st) => (isNullToken(value) ? null : normaliseProb(value, key, st.issues))
    case 'bool':
      return (value, st) => (isNullToken(value) ? null : normaliseBool(value, flavour, key, st.issues))
    case 'date':
      return (value, st) =>
        isNullToken(value)
          ? null
          : normaliseDate(value, dateCtx, key, st.typedCell ? quietFormat(st) : st.issues, order)
    case 'datetime':
      return (value, st) =>
        isNullToken(value)
          ? null
          : normaliseDatetime(value, dateCtx, key, st.typedCell ? quietFormat(st) : st.issues, order)
    case 'enum':
      return (value, st) => {
        if (isNullToken(value) || matcher === null) return null
        const m = matcher.match(value, flavour)
        if (m.d10) st.issues.warn('D10', key, value, m.how.replace(/-/g, '_'))
        return m.value
      }
    case 'key':
      // Pipelines and stages are resolved row-wide (they depend on each other); other keys as written.
      return (value) => (isNullToken(value) ? null : value)
    case 'owner':
      return (value, st) => {
        if (isNullToken(value)) return null
        const id = t.ownerNames
          ? resolveOwnerName(value, key, t.ctx, st)
          : normaliseRefId(value, key, st.issues)
        if (id !== null) st.refs.push({ column: key, target: 'owners', id })
        return id
      }
    case 'id':
      return (value, st) => {
        if (isNullToken(value)) return null
        if (t.teamNames) {
          const teamId = t.ctx.teamNames?.get(looseKey(value))
          if (teamId === undefined) {
            st.issues.warn('D11', key, value, 'unknown_team_name')
            return null
          }
          st.refs.push({ column: key, target: 'teams', id: teamId })
          return teamId
        }
        const id = normaliseRefId(value, key, st.issues)
        if (id !== null && t.target !== null) st.refs.push({ column: key, target: t.target, id })
        return id
      }
  }
}

/** The id of a column's ui appended kind (§7) as a typed column. */
function appendedColumnType(col: UiAppendedColumn): ColumnType {
  switch (col.kind) {
    case 'primary-company-name':
      return textColumn
    case 'associated-ids':
    case 'primary-company-ids':
      return { ...textColumn, type: 'id', multi: true }
    case 'date-entered':
      return { ...textColumn, type: 'datetime' }
  }
}

function appendedTarget(col: UiAppendedColumn): RefTarget | null {
  if (col.kind === 'associated-ids') return OBJECT_TYPE_TARGET[col.toObject] ?? null
  if (col.kind === 'primary-company-ids') return 'companies'
  return null
}

const CUSTOM_KEY = (name: string) => name

/**
 * Compiles the validator of one physical file from its header. `object` is the manifest object
 * the rows are staged as.
 */
export function compileRowValidator(
  spec: DataFileSpec,
  header: ReadonlyArray<string>,
  ctx: ValidationContext,
): RowValidator {
  const flavour = spec.apiFormInBothFlavours ? 'api' : ctx.flavour
  const standard = standardColumnsOf(spec, flavour)
  const props = spec.customProperties === null ? [] : (ctx.properties.get(spec.customProperties) ?? [])
  const standardNames = new Set(spec.columns.map((c) => c.name))
  const custom = props
    .filter((p) => !standardNames.has(p.name))
    .slice()
    .sort((a, b) => a.display_order - b.display_order)
  const appended =
    flavour === 'ui' && (spec.object === 'contacts' || spec.object === 'companies' || spec.object === 'deals')
      ? uiAppendedColumns(spec.object, ctx.associationTypes, ctx.pipelines.list)
      : []

  const byHeader = new Map<string, ColumnSpec>()
  const byLooseHeader = new Map<string, ColumnSpec>()
  for (const c of standard) {
    const h = headerOf(spec, c, flavour)
    byHeader.set(h, c)
    byLooseHeader.set(looseKey(h), c)
  }
  const customByHeader = new Map<string, PropertyDefinitionJson[]>()
  for (const p of custom) {
    const h = flavour === 'ui' ? p.label : p.name
    const list = customByHeader.get(h) ?? []
    list.push(p)
    customByHeader.set(h, list)
  }
  const appendedByHeader = new Map(appended.map((a) => [a.header, a]))

  const fileIssues: FileIssue[] = []
  const planned: PlannedColumn[] = []
  const seen = new Map<string, number>()
  const usedStandard = new Set<string>()
  const cleanHeader = header.map((h) => removeInvisible(trimAscii(h)))

  cleanHeader.forEach((h, index) => {
    const occurrence = (seen.get(h) ?? 0) + 1
    seen.set(h, occurrence)
    const std = byHeader.get(h) ?? byLooseHeader.get(looseKey(h))
    if (std !== undefined && !usedStandard.has(std.name)) {
      usedStandard.add(std.name)
      const ct = columnTypeOf(std, props)
      planned.push({
        index,
        header: h,
        key: std.name,
        kind: 'standard',
        columnType: ct,
        read: cellReader(std.name, ct, spec, ctx, std.uiRendering),
        tabSensitive: isTabSensitive(std.name, ct),
      })
      return
    }
    // Equal ui labels are assigned to the properties bearing them in display_order (§7, D43).
    const customs = customByHeader.get(h)
    const p = customs?.[occurrence - 1]
    if (p !== undefined) {
      if (occurrence === 2) {
        fileIssues.push({
          code: 'D43',
          column: h,
          reason: 'duplicate_header',
          message: `The header "${h}" appears more than once; columns assigned to properties by display order.`,
        })
      }
      const ct = customColumnType(p)
      planned.push({
        index,
        header: h,
        key: CUSTOM_KEY(p.name),
        kind: 'custom',
        columnType: ct,
        read: cellReader(p.name, ct, spec, ctx, null),
        tabSensitive: false,
      })
      return
    }
    const app = occurrence === 1 ? appendedByHeader.get(h) : undefined
    if (app !== undefined) {
      const ct = appendedColumnType(app)
      const target = appendedTarget(app)
      const base = cellReader(h, ct, spec, ctx, null)
      const cap = ctx.associationRowCap
      const read: CellReader =
        target === null
          ? base
          : (value, st) => {
              const ids = base(value, st) as string[]
              for (const id of ids) st.refs.push({ column: h, target, id })
              if (ids.length >= cap) st.issues.warn('D32', h, null, 'association_cap')
              return ids
            }
      planned.push({ index, header: h, key: h, kind: 'appended', columnType: ct, read, tabSensitive: false })
      return
    }
    const key = occurrence === 1 ? h : `${h} (${occurrence})`
    fileIssues.push({
      code: 'D43',
      column: h,
      reason: occurrence === 1 ? 'unknown_column' : 'duplicate_header',
      message:
        occurrence === 1
          ? `The column "${h}" is neither standard nor a defined property; staged as text.`
          : `The header "${h}" appears more than once; the copy is staged as text under "${key}".`,
    })
    planned.push({
      index,
      header: h,
      key,
      kind: 'unknown',
      columnType: textColumn,
      read: cellReader(key, textColumn, spec, ctx, null),
      tabSensitive: false,
    })
  })

  const missing = standard.filter((c) => !usedStandard.has(c.name))
  for (const c of missing) {
    if (c.name === spec.idColumn) continue
    fileIssues.push({
      code: 'D43',
      column: c.name,
      reason: 'missing_column',
      message: `The column "${headerOf(spec, c, flavour)}" is missing; it reads as null.`,
    })
  }
  const identity = spec.identity ?? (spec.idColumn === null ? [] : [spec.idColumn])
  // Association rows and engagement links are identified by several columns, joined with `|`.
  const compositeId = spec.identity
  const missingIdColumn = identity.some((name) => !usedStandard.has(name))
  if (missingIdColumn) {
    fileIssues.push({
      code: 'D43',
      column: spec.idColumn,
      reason: 'missing_id_column',
      message: `The file has no ${identity.join(', ')} column; none of its rows can be identified.`,
    })
  }

  const idPlan =
    spec.idColumn === null
      ? null
      : (planned.find((p) => p.key === spec.idColumn && p.kind === 'standard') ?? null)
  const width = header.length
  const required = planned.filter(
    (p) => p.kind === 'standard' && !p.columnType.nullable && p.key !== spec.idColumn,
  )
  const bodies = planned
    .filter((p) => p.columnType.body)
    .map((p) => ({ key: p.key, textKey: p.key === 'text' ? null : `${p.key}_text` }))
  const state: RowState = { issues: new IssueList(), refs: [], keys: [], emailValid: false, typedCell: false }
  const exportedAt = ctx.exportedAtMs === null ? null : formatInstant(ctx.exportedAtMs)

  const validate = (input: InputRow): RowDecision => {
    const fields = input.fields
    if (input.malformed === true) {
      return quarantine(
        'malformed_csv',
        'D24',
        'The row is inside an unterminated quote (read with the quote literal).',
        null,
      )
    }
    if (missingIdColumn) {
      return quarantine('missing_id_column', 'D43', `The file has no ${identity.join(', ')} column.`, null)
    }
    const issues = new IssueList()
    state.issues = issues
    state.refs = []
    state.keys = []
    state.emailValid = false
    if (fields.length !== width) {
      const extraEmpty =
        fields.length > width && fields.slice(width).every((f) => removeInvisible(trimAscii(f)) === '')
      if (!extraEmpty) {
        return quarantine(
          'column_count_mismatch',
          'D22',
          `The row has ${fields.length} fields; the header has ${width}.`,
          idOf(fields),
        )
      }
      issues.warn('D22', null, null, 'extra_empty_fields')
    }
    if (input.strayQuote === true) issues.warn('D24', null, null, 'stray_quote')

    // The row's own id first: an id that cannot be read is not staged (D37, D33).
    let sourceId: string
    if (idPlan !== null) {
      const cleaned = cleanCell(fields[idPlan.index] ?? '', idPlan, issues)
      if (cleaned === '') return quarantine('missing_id', 'D37', 'The id is empty.', null)
      const r = readId(cleaned)
      if (r.kind === 'exponent') {
        return quarantine(
          'id_unrecoverable',
          'D33',
          `The id ${cleaned} was turned into an exponent.`,
          cleaned,
        )
      }
      if (r.kind === 'invalid') {
        return quarantine(
          'id_unrecoverable',
          'D33',
          `The id ${JSON.stringify(cleaned)} is not 1–19 digits.`,
          cleaned,
        )
      }
      if (r.kind === 'repaired') issues.warn('D33', idPlan.key, cleaned)
      sourceId = r.id
    } else {
      sourceId = ''
    }

    // Empty values (§5: an empty cell is null, an empty multi value is none) are left out, so an
    // absent key reads as null. A row then holds only its filled columns: most engagement rows
    // stay within V8's fast-properties limit, and the stored JSON carries no run of nulls.
    const data: Record<string, unknown> = {}
    const typedDates = input.typedDates
    for (let i = 0; i < planned.length; i++) {
      const p = planned[i]!
      if (p === idPlan) {
        data[p.key] = sourceId
        continue
      }
      const raw = fields[p.index]
      if (raw === undefined || raw === '') continue
      const cleaned = cleanCell(raw, p, issues)
      if (cleaned === '') continue
      state.typedCell = typedDates !== undefined && typedDates.has(p.index)
      const value = p.read(cleaned, state)
      if (value === null || value === undefined || (p.columnType.multi && (value as unknown[]).length === 0))
        continue
      data[p.key] = value
    }

    if (compositeId !== null) {
      let joined = ''
      for (let i = 0; i < compositeId.length; i++) {
        const name = compositeId[i]!
        const v = data[name]
        if (v === null || v === undefined || v === '') {
          return quarantine('missing_id', 'D37', `The identity column ${name} is empty.`, null)
        }
        joined = i === 0 ? String(v) : `${joined}|${String(v)}`
      }
      sourceId = joined
    }

    for (const p of required) {
      if (data[p.key] === undefined) issues.warn('D37', p.key, null, 'missing_required')
    }
    for (const b of bodies) {
      const body = data[b.key]
      if (typeof body !== 'string') continue
      if (body.length >= BODY_LIMIT) issues.warn('D09', b.key, null, 'truncated')
      // The e-mail `text` is plain text already (§9 D09).
      if (b.textKey !== null && looksLikeHtml(body)) data[b.textKey] = htmlToText(body)
    }
    objectRules(spec, data, issues, ctx, state)
    if (spec.object === 'contacts') contactKeys(data, state)

    const archived = data['archived'] === true
    const updatedAt = typeof data['updated_at'] === 'string' ? data['updated_at'] : null
    timestampRules(data, issues, exportedAt, flavour === 'ui')
    return {
      kind: 'stage',
      sourceId,
      data,
      issues: issues.items,
      refs: state.refs,
      keys: state.keys,
      archived,
      updatedAt,
    }
  }

  function idOf(fields: ReadonlyArray<string>): string | null {
    if (idPlan === null) return null
    const r = readId(removeInvisible(trimAscii(fields[idPlan.index] ?? '')))
    return r.kind === 'ok' || r.kind === 'repaired' ? r.id : null
  }

  return {
    columns: planned.map((p) => ({
      header: p.header,
      key: p.key,
      kind: p.kind,
      type: p.columnType.type,
      index: p.index,
    })),
    fileIssues,
    missingIdColumn,
    validate,
  }
}

function quarantine(
  reason: QuarantineReason,
  defect: DefectCode,
  message: string,
  sourceId: string | null,
): QuarantineDecision {
  return { kind: 'quarantine', reason, defect, message, sourceId }
}

const isTabSensitive = (name: string, ct: ColumnType) =>
  name === 'first_name' ||
  name === 'last_name' ||
  ct.type === 'email' ||
  ct.type === 'id' ||
  ct.type === 'owner'

/** Trims (bodies excepted) and applies D38, warning when an invisible character or a tab was removed. */
function cleanCell(raw: string, p: PlannedColumn, issues: IssueList): string {
  if (p.columnType.body) return raw
  let v = trimAscii(raw)
  if (v.length === 0) return v
  if (hasInvisible(v)) {
    const kind = /\u00a0/.test(v) ? 'nbsp' : 'zero_width'
    v = removeInvisible(v)
    issues.warn('D38', p.key, raw, kind)
  }
  if (p.tabSensitive && v.includes('\t')) {
    v = v.replace(/\t+/g, ' ')
    issues.warn('D38', p.key, raw, 'tab')
  }
  return v
}

/** Records a reference from an id column whose target another column names. */
function refBy(
  data: Record<string, unknown>,
  st: RowState,
  idColumn: string,
  target: RefTarget | null,
): void {
  const id = data[idColumn]
  if (typeof id === 'string' && target !== null) st.refs.push({ column: idColumn, target, id })
}

/** Row rules that need several columns: deals' pipeline and stage (D29), TBD subject (D06). */
function objectRules(
  spec: DataFileSpec,
  data: Record<string, unknown>,
  issues: IssueList,
  ctx: ValidationContext,
  st: RowState,
): void {
  // Ids whose target depends on another column: association ends (§4.7), engagement links (§4.8),
  // enrolled objects (§4.11).
  if (spec.identity !== null && spec.object !== 'engagement_associations') {
    refBy(data, st, 'from_id', targetOfObjectType(data['from_object_type']))
    refBy(data, st, 'to_id', targetOfObjectType(data['to_object_type']))
    return
  }
  if (spec.object === 'engagement_associations') {
    // The link names its engagement's type, so the reference points at one file's records (§4.8).
    refBy(
      data,
      st,
      'engagement_id',
      ENGAGEMENT_OBJECT_OF_TYPE[String(data['engagement_type'])] ?? 'engagements',
    )
    refBy(data, st, 'object_id', targetOfObjectType(data['object_type']))
    return
  }
  if (spec.object === 'workflow_enrollments') {
    refBy(data, st, 'object_id', targetOfObjectType(data['object_type']))
    return
  }
  if (spec.object !== 'deals') return
  const flavour = ctx.flavour
  const rawPipeline = data['pipeline_id']
  const rawStage = data['dealstage']
  const index = ctx.pipelines
  let pipelineId: string | null = null
  if (typeof rawPipeline === 'string') {
    if (index.pipelineIds.has(rawPipeline)) pipelineId = rawPipeline
    else pipelineId = index.pipelineByLabel.get(looseKey(rawPipeline)) ?? null
    if (pipelineId === null) issues.warn('D29', 'pipeline_id', rawPipeline, 'unknown_pipeline')
    else data['pipeline_id'] = pipelineId
  }
  if (typeof rawStage === 'string') {
    let stageId: string | null = null
    if (flavour === 'api' || index.stageById.has(rawStage))
      stageId = index.stageById.has(rawStage) ? rawStage : null
    if (stageId === null && pipelineId !== null) {
      stageId = index.stageByLabel.get(pipelineId)?.get(looseKey(rawStage)) ?? null
    }
    if (stageId === null && flavour === 'ui') {
      // A label that only another pipeline has.
      for (const [pid, labels] of index.stageByLabel) {
        const found = labels.get(looseKey(rawStage))
        if (found !== undefined && pid !== pipelineId) {
          stageId = found
          break
        }
      }
    }
    const stage = stageId === null ? undefined : index.stageById.get(stageId)
    if (stage === undefined) {
      issues.warn('D29', 'dealstage', rawStage, 'unknown_stage')
      data['dealstage_unmapped'] = true
    } else {
      data['dealstage'] = stage.stageId
      if (pipelineId !== null && stage.pipelineId !== pipelineId) {
        issues.warn('D29', 'dealstage', rawStage, 'other_pipeline')
      } else if (stage.archived) {
        issues.warn('D29', 'dealstage', rawStage, 'archived_stage')
      }
    }
  }
  if (issues.items.some((i) => i.code === 'D06' && i.column === 'subject_address')) data['subject_tbd'] = true
}

/** ui datetimes have minute precision (§7): seconds one cell happens to carry do not count. */
const minuteOf = (iso: string, minutes: boolean) =>
  minutes && iso.length >= 16 ? `${iso.slice(0, 16)}:00Z` : iso

/** Is ISO instant `a` earlier than `b`? Same-length stored forms compare as text, others parsed. */
const earlier = (a: string, b: string) => (a.length === b.length ? a < b : Date.parse(a) < Date.parse(b))

/** D39: updated before created, created after the export, completed before created. */
function timestampRules(
  data: Record<string, unknown>,
  issues: IssueList,
  exportedAt: string | null,
  minutes: boolean,
): void {
  const created = data['created_at']
  if (typeof created !== 'string') return
  const updated = data['updated_at']
  if (typeof updated === 'string' && earlier(minuteOf(updated, minutes), minuteOf(created, minutes))) {
    issues.warn('D39', 'updated_at', updated, 'updated_before_created')
  }
  if (exportedAt !== null && earlier(exportedAt, created))
    issues.warn('D39', 'created_at', created, 'created_after_export')
  const completed = data['completed_at']
  if (typeof completed === 'string' && earlier(minuteOf(completed, minutes), minuteOf(created, minutes))) {
    issues.warn('D39', 'completed_at', completed, 'completed_before_created')
  }
}

/** Dedupe keys of a contact: a valid e-mail, each E.164 phone, name with address. */
function contactKeys(data: Record<string, unknown>, st: RowState): void {
  const email = data['email']
  if (typeof email === 'string' && st.emailValid) st.keys.push({ kind: 'email', key: email.toLowerCase() })
  for (const col of ['phone', 'mobile_phone']) {
    const phone = data[col]
    if (typeof phone === 'string') st.keys.push({ kind: 'phone', key: phone.replace(/x\d+$/, '') })
  }
  const first = data['first_name']
  const last = data['last_name']
  const address = data['address']
  if (typeof first === 'string' && typeof last === 'string' && typeof address === 'string') {
    const zip = typeof data['zip'] === 'string' ? data['zip'].slice(0, 5) : ''
    st.keys.push({
      kind: 'name_address',
      key: `${looseKey(first)}|${looseKey(last)}|${looseKey(address)}|${zip}`,
    })
  }
}

/** Is this manifest object one of the engagement files (api types or ui activities)? */
export const isEngagementObject = (object: string): boolean => ENGAGEMENT_OBJECTS.has(object)

/** The ref target of an `object_type` value, or null. */
export const targetOfObjectType = (objectType: unknown): RefTarget | null =>
  typeof objectType === 'string' ? (OBJECT_TYPE_TARGET[objectType] ?? null) : null

/** The §6 label of an enum value, for messages. */
export const labelOf = enumLabel
