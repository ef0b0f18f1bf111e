/**
 * Builds the Dataverse record a source record becomes, from the mapping alone (pure).
 *
 * The loader serialises the result to a Web API body (`toWebApiBody`); verify builds the same
 * record and compares every verifiable field with what it reads back. One function, two uses, so
 * what is checked is exactly what was meant to be written.
 */
import {
  type MappingDocument,
  type ObjectMapping,
  type FieldMapping,
  type StageMapEntry,
  logicalNameOf,
} from './model'
import {
  type ColumnType,
  PARTICIPATION,
  PARTY_NAVIGATION,
  type ParticipationRole,
  TARGET_TABLES,
  type TargetTableName,
} from './target-tables'
import { optionFor } from './value-maps'

/** One source record in flavour-independent form: api column names, normalised values. */
export type SourceRecord = Readonly<{
  object: string
  id: string
  /** Normalised values by api column name, plus derived `$…` fields the source view adds. */
  fields: Readonly<Record<string, unknown>>
}>

/** A reference to another source record (regarding, connection ends, attachment parents). */
export type SourceRef = Readonly<{
  object: 'contacts' | 'companies' | 'deals' | 'calls' | 'emails' | 'meetings' | 'tasks' | 'sms' | 'notes'
  id: string
}>

/** One party of an activity as the source records it. */
export type SourceParty = Readonly<
  | { role: ParticipationRole; kind: 'contact'; id: string }
  | { role: ParticipationRole; kind: 'owner'; id: string }
  | { role: ParticipationRole; kind: 'address'; address: string }
>

/** What the builder needs to know beyond the record: where other records landed, owners, stages. */
export type BuildContext = Readonly<{
  mapping: MappingDocument
  /** The owner's "First Last", or null for an unknown owner id. */
  ownerName: (ownerId: string) => string | null
  /** The systemuser id the owner resolves to (overrides and the fallback applied), or null. */
  ownerUser: (ownerId: string) => string | null
  /** The table a source record landed in, or null when it is not migrated (orphan, quarantined, archived). */
  targetOf: (ref: SourceRef) => TargetTableName | null
  /** When the deal last entered a stage (by slug), ISO-8601 UTC. */
  stageEntered: (dealId: string, slug: string) => string | null
  /** A connection role's id by name (created by the schema plan). */
  connectionRoleId: (name: string) => string | null
  /** Resolves a raw e-mail address to a migrated contact or lead, or a systemuser. */
  resolveAddress: (
    address: string,
  ) => Readonly<{ table: 'contact' | 'lead'; ref: SourceRef } | { table: 'systemuser'; id: string }> | null
}>

/** A typed value as Dataverse stores it. Money and decimals as numbers of at most the column's precision. */
export type TargetValue =
  | Readonly<{ t: 'string'; v: string }>
  | Readonly<{ t: 'int'; v: number }>
  | Readonly<{ t: 'decimal'; v: number }>
  | Readonly<{ t: 'bool'; v: boolean }>
  | Readonly<{ t: 'datetime'; v: string }>
  | Readonly<{ t: 'date'; v: string }>
  | Readonly<{ t: 'option'; v: number }>
  | Readonly<{ t: 'null' }>

/** A lookup: the navigation property and what it binds to (an alternate key or an id). */
export type Bind = Readonly<
  | { navigation: string; entitySet: string; key: string }
  | { navigation: string; entitySet: string; id: string }
  | { navigation: string; entitySet: null }
>

export type BuiltParty = Readonly<{
  participationtypemask: number
  bind: Bind | null
  addressused: string | null
}>

export type BuildIssue = Readonly<{ field: string; code: string; message: string }>

export type TargetRecord = Readonly<{
  table: TargetTableName
  entitySet: string
  /** The alternate-key value (`lb_sourceid`). */
  sourceKey: string
  /** Column values by logical name (lookups excluded). */
  values: Readonly<Record<string, TargetValue>>
  /** Lookups by column (`parentcustomerid`), resolved to their navigation property. */
  binds: Readonly<Record<string, Bind>>
  parties: ReadonlyArray<BuiltParty>
  /** The attachment whose file goes into documentbody, when the mapping has a file-body field. */
  file: Readonly<{ attachmentId: string }> | null
  issues: ReadonlyArray<BuildIssue>
}>

/** Columns valid on create only (Dataverse rejects or ignores them on update). */
export const CREATE_ONLY_COLUMNS: ReadonlySet<string> = new Set(['overriddencreatedon'])

const KEY_PREFIX: Readonly<Record<string, string>> = {
  contacts: 'contact',
  companies: 'company',
  deals: 'deal',
  calls: 'call',
  emails: 'email',
  meetings: 'meeting',
  notes: 'note',
  tasks: 'task',
  sms: 'sms',
  attachments: 'file',
  associations: 'conn',
}

/** The alternate-key value of a source record: `<kind>-<id>`, safe in a key URL (no / : % & …). */
export function sourceKeyOf(object: string, id: string): string {
  const prefix = KEY_PREFIX[object] ?? object
  return `${prefix}-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`
}

export const PLACEHOLDER_ACCOUNT_KEY = 'placeholder-account'

const isEmpty = (v: unknown): boolean =>
  v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)

/** The column's length limit: the custom column's, else the standard column's. */
function maxLengthOf(table: TargetTableName, field: FieldMapping): number | undefined {
  return field.custom?.maxLength ?? TARGET_TABLES[table].columns[field.target]?.maxLength
}

/** HTML to plain text the way the staging profile renders bodies (D09): tags out, entities decoded, breaks kept. */
export function htmlToPlainText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/gi, '')
    .replace(/<script[\s\S]*?<\/script>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/** Coerces a normalised source value to a column type; null with an issue when it cannot. */
function coerce(
  value: unknown,
  type: ColumnType,
  maxLength: number | undefined,
  field: string,
  issues: BuildIssue[],
): TargetValue {
  if (isEmpty(value)) return { t: 'null' }
  switch (type) {
    case 'string':
    case 'memo': {
      const text = Array.isArray(value) ? value.join('; ') : String(value)
      const trimmed = type === 'string' ? text.trim() : text
      if (maxLength !== undefined && trimmed.length > maxLength) {
        issues.push({
          field,
          code: 'truncated',
          message: `Cut from ${trimmed.length} to ${maxLength} characters, the column's length.`,
        })
        return { t: 'string', v: trimmed.slice(0, maxLength) }
      }
      return trimmed === '' ? { t: 'null' } : { t: 'string', v: trimmed }
    }
    case 'int': {
      const n = typeof value === 'number' ? value : Number(value)
      if (!Number.isFinite(n)) break
      return { t: 'int', v: Math.round(n) }
    }
    case 'decimal':
    case 'money': {
      const n = typeof value === 'number' ? value : Number(String(value))
      if (!Number.isFinite(n)) break
      return { t: 'decimal', v: n }
    }
    case 'bool':
      if (typeof value === 'boolean') return { t: 'bool', v: value }
      if (value === 'true' || value === 'false') return { t: 'bool', v: value === 'true' }
      break
    case 'datetime': {
      const ms = Date.parse(String(value))
      if (Number.isNaN(ms)) break
      return { t: 'datetime', v: new Date(ms).toISOString().replace('.000Z', 'Z') }
    }
    case 'date': {
      const text = String(value)
      if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return { t: 'date', v: text }
      const ms = Date.parse(text)
      if (Number.isNaN(ms)) break
      return { t: 'date', v: new Date(ms).toISOString().slice(0, 10) }
    }
    case 'option': {
      const n = typeof value === 'number' ? value : Number(value)
      if (!Number.isInteger(n)) break
      return { t: 'option', v: n }
    }
    case 'lookup':
    case 'owner':
      break
  }
  issues.push({
    field,
    code: 'not-convertible',
    message: `${JSON.stringify(value)} is not a valid ${type}; written as empty.`,
  })
  return { t: 'null' }
}

/** The stage map entry of a deal, following an archived stage's crosswalk for the BPF stage. */
export function stageEntryOf(mapping: MappingDocument, record: SourceRecord): StageMapEntry | null {
  const pipeline = String(record.fields['pipeline_id'] ?? '')
  const stage = String(record.fields['dealstage'] ?? '')
  return (
    mapping.stages.find((s) => s.stageId === stage && (s.pipelineId === pipeline || pipeline === '')) ??
    mapping.stages.find((s) => s.stageId === stage) ??
    null
  )
}

const SET_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(TARGET_TABLES).map((t) => [t.table, t.entitySet]),
)

function bindFor(
  table: TargetTableName,
  column: string,
  target: TargetTableName | 'systemuser' | 'connectionrole',
  to: { key: string } | { id: string },
): Bind | null {
  const navigation = TARGET_TABLES[table].lookups[column]?.[target]
  if (!navigation) return null
  const entitySet =
    target === 'systemuser'
      ? 'systemusers'
      : target === 'connectionrole'
        ? 'connectionroles'
        : SET_OF[target]!
  return 'key' in to ? { navigation, entitySet, key: to.key } : { navigation, entitySet, id: to.id }
}

/** Builds the target record of `source` under `objectMapping`. */
export function buildRecord(
  objectMapping: ObjectMapping,
  source: SourceRecord,
  ctx: BuildContext,
): TargetRecord {
  if (objectMapping.target.kind !== 'table') throw new Error(`${objectMapping.id} does not load records`)
  const table = objectMapping.target.table as TargetTableName
  const values: Record<string, TargetValue> = {}
  const binds: Record<string, Bind> = {}
  const issues: BuildIssue[] = []
  let parties: BuiltParty[] = []
  let file: TargetRecord['file'] = null
  const sourceKey = sourceKeyOf(source.object, source.id)
  const get = (name: string | null): unknown => (name === null ? null : source.fields[name])

  for (const field of objectMapping.fields) {
    if (field.status === 'unmapped') continue
    const raw = get(field.source)
    const t = field.transform
    const put = (v: unknown) => {
      values[field.target] = coerce(v, field.type, maxLengthOf(table, field), field.id, issues)
    }
    switch (t.kind) {
      case 'copy':
        put(isEmpty(raw) && t.default !== undefined ? t.default : raw)
        break
      case 'source-key':
        values[field.target] = { t: 'string', v: sourceKey }
        break
      case 'constant':
        put(t.value)
        break
      case 'join':
        put(Array.isArray(raw) ? raw.filter((x) => !isEmpty(x)).join(t.separator) : raw)
        break
      case 'concat': {
        const joined = t.fields
          .map((f) => get(f))
          .filter((x) => !isEmpty(x))
          .map(String)
          .join(t.separator)
        put(joined !== '' ? joined : t.orElse ? get(t.orElse) : null)
        break
      }
      case 'html-to-text':
        put(isEmpty(raw) ? null : htmlToPlainText(String(raw)))
        break
      case 'owner-name':
        put(isEmpty(raw) ? null : ctx.ownerName(String(raw)))
        break
      case 'ms-to-minutes':
        put(isEmpty(raw) ? null : Math.round(Number(raw) / 60_000))
        break
      case 'equals':
        values[field.target] = isEmpty(raw) ? { t: 'null' } : { t: 'bool', v: t.equals.includes(String(raw)) }
        break
      case 'option': {
        if (isEmpty(raw)) {
          values[field.target] = { t: 'null' }
          break
        }
        const map = ctx.mapping.valueMaps.find((m) => m.name === t.valueMap)
        const entry = map ? optionFor(map, String(raw)) : undefined
        if (!entry || entry.option === null) {
          issues.push({
            field: field.id,
            code: 'unmapped-value',
            message: `"${String(raw)}" has no option in the ${t.valueMap} value map; written as empty.`,
          })
          values[field.target] = { t: 'null' }
        } else values[field.target] = { t: 'option', v: entry.option }
        break
      }
      case 'stage': {
        const entry = stageEntryOf(ctx.mapping, source)
        if (entry === null) {
          issues.push({
            field: field.id,
            code: 'unknown-stage',
            message: `Stage ${String(source.fields['dealstage'])} is not in the stage map.`,
          })
          values[field.target] = { t: 'null' }
          break
        }
        const attr = {
          probability: entry.probability,
          salesstage: entry.salesstage,
          stepname: entry.bpfStage,
          'stage-label': entry.label,
          'pipeline-label': entry.pipelineLabel,
        }[t.attribute]
        put(attr)
        break
      }
      case 'stage-entered':
        put(ctx.stageEntered(source.id, t.stageId))
        break
      case 'owner': {
        if (isEmpty(raw)) {
          issues.push({
            field: field.id,
            code: 'no-owner',
            message: 'The record has no owner in Leaf360; the fallback owner applies.',
          })
        }
        const user = ctx.ownerUser(isEmpty(raw) ? '' : String(raw))
        if (user === null) {
          issues.push({
            field: field.id,
            code: 'owner-unresolved',
            message: `Owner ${String(raw ?? '(none)')} resolves to no enabled user.`,
          })
          break
        }
        const bind = bindFor(table, field.target, 'systemuser', { id: user })
        if (bind) binds[field.target] = bind
        break
      }
      case 'lookup': {
        const ref: SourceRef | null = isEmpty(raw)
          ? null
          : t.object === 'dynamic'
            ? (raw as SourceRef)
            : { object: t.object, id: String(raw) }
        const landed = ref === null ? null : ctx.targetOf(ref)
        if (ref !== null && landed === null) {
          issues.push({
            field: field.id,
            code: 'lookup-unresolved',
            message: `${ref.object} ${ref.id} is not migrated; the link is left empty.`,
          })
        }
        if (landed !== null && ref !== null) {
          const bind = bindFor(table, field.target, landed, { key: sourceKeyOf(ref.object, ref.id) })
          if (bind) binds[field.target] = bind
          else
            issues.push({
              field: field.id,
              code: 'lookup-unsupported',
              message: `${table}.${field.target} cannot point at a ${landed}.`,
            })
        } else if (t.fallback === 'placeholder-account') {
          const bind = bindFor(table, field.target, 'account', { key: PLACEHOLDER_ACCOUNT_KEY })
          if (bind) binds[field.target] = bind
        } else {
          binds[field.target] = { navigation: field.target, entitySet: null }
        }
        break
      }
      case 'connection-role': {
        const name = t.role.startsWith('$') ? String(get(t.role) ?? '') : t.role
        const id = name === '' ? null : ctx.connectionRoleId(name)
        if (id === null) {
          issues.push({
            field: field.id,
            code: 'role-missing',
            message: `Connection role "${name}" does not exist in the target; apply the schema plan.`,
          })
          break
        }
        const bind = bindFor(table, field.target, 'connectionrole', { id })
        if (bind) binds[field.target] = bind
        break
      }
      case 'parties': {
        const list = (Array.isArray(raw) ? raw : []) as ReadonlyArray<SourceParty>
        parties = list.map((p) => buildParty(p, ctx))
        break
      }
      case 'file-body':
        file = { attachmentId: source.id }
        break
    }
  }
  return { table, entitySet: TARGET_TABLES[table].entitySet, sourceKey, values, binds, parties, file, issues }
}

function buildParty(p: SourceParty, ctx: BuildContext): BuiltParty {
  const mask = PARTICIPATION[p.role]
  if (p.kind === 'owner') {
    const user = ctx.ownerUser(p.id)
    return user === null
      ? { participationtypemask: mask, bind: null, addressused: null }
      : {
          participationtypemask: mask,
          bind: { navigation: PARTY_NAVIGATION.systemuser, entitySet: 'systemusers', id: user },
          addressused: null,
        }
  }
  if (p.kind === 'contact') {
    const ref: SourceRef = { object: 'contacts', id: p.id }
    const landed = ctx.targetOf(ref)
    if (landed === 'contact' || landed === 'lead') {
      return {
        participationtypemask: mask,
        bind: {
          navigation: PARTY_NAVIGATION[landed],
          entitySet: SET_OF[landed]!,
          key: sourceKeyOf('contacts', p.id),
        },
        addressused: null,
      }
    }
    return { participationtypemask: mask, bind: null, addressused: null }
  }
  const resolved = ctx.resolveAddress(p.address)
  if (resolved === null) return { participationtypemask: mask, bind: null, addressused: p.address }
  if (resolved.table === 'systemuser') {
    return {
      participationtypemask: mask,
      bind: { navigation: PARTY_NAVIGATION.systemuser, entitySet: 'systemusers', id: resolved.id },
      addressused: p.address,
    }
  }
  return {
    participationtypemask: mask,
    bind: {
      navigation: PARTY_NAVIGATION[resolved.table],
      entitySet: SET_OF[resolved.table]!,
      key: sourceKeyOf(resolved.ref.object, resolved.ref.id),
    },
    addressused: p.address,
  }
}

/** The alternate-key segment of a URL: `(lb_sourceid='contact-1')`. */
export const keySegment = (prefix: string, key: string): string =>
  `(${logicalNameOf(`${prefix}_SourceId`)}='${key.replace(/'/g, "''")}')`

function bindUrl(prefix: string, bind: Bind): string | null {
  if (bind.entitySet === null) return null
  return 'key' in bind
    ? `/${bind.entitySet}${keySegment(prefix, bind.key)}`
    : `/${bind.entitySet}(${bind.id})`
}

/** JSON of one value for the Web API. */
function jsonValue(v: TargetValue): unknown {
  return v.t === 'null' ? null : v.v
}

/**
 * The Web API body of a target record: columns as JSON, lookups as `nav@odata.bind`, parties as
 * `<activity>_activity_parties`. For an update (`mode: 'update'`) create-only columns are left out
 * and empty lookups are cleared with null binds.
 */
export function toWebApiBody(
  record: TargetRecord,
  prefix: string,
  mode: 'create' | 'update' = 'create',
): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const [column, v] of Object.entries(record.values)) {
    if (mode === 'update' && CREATE_ONLY_COLUMNS.has(column)) continue
    if (mode === 'create' && v.t === 'null') continue
    body[column] = jsonValue(v)
  }
  for (const bind of Object.values(record.binds)) {
    const url = bindUrl(prefix, bind)
    if (url !== null) body[`${bind.navigation}@odata.bind`] = url
  }
  const navigation = TARGET_TABLES[record.table].partiesNavigation
  if (navigation && record.parties.length > 0) {
    body[navigation] = record.parties.map((p) => ({
      participationtypemask: p.participationtypemask,
      ...(p.bind && bindUrl(prefix, p.bind)
        ? { [`${p.bind.navigation}@odata.bind`]: bindUrl(prefix, p.bind) }
        : {}),
      ...(p.addressused ? { addressused: p.addressused } : {}),
    }))
  }
  return body
}
