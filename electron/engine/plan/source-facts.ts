/**
 * What planning needs to know about the staged export, read once from the workspace: the export's
 * pipelines, its custom properties with their inferred types (the source profile's inventory), the
 * values each option-mapped field holds, the owners and how many records each owns, the deals per
 * stage, the attachments' sizes, and the automation definitions.
 *
 * Reads go through the staging repository (issue 3) and its stored profile; the aggregates are
 * SQL over staged_record so a million-row export is counted without loading it.
 */
import type { SourceProfile } from '../../shared/dto/source'
import { AppError } from '../errors'
import type { PipelineSpec } from '../source/leaf360/spec/pipelines'
import { STANDARD_PIPELINES } from '../source/leaf360/spec/pipelines'
import type { StagingRepository } from '../workspace/staging-repository'
import type { CustomPropertyInput } from './mapping/template'

/** A value and how often it occurs. */
export type ValueCount = Readonly<{ value: string; count: number }>

/** One Leaf360 owner as owners.csv defines it. */
export type SourceOwner = Readonly<{
  ownerId: string
  email: string | null
  firstName: string | null
  lastName: string | null
  role: string | null
  isActive: boolean | null
}>

/** Bumped when what the facts hold changes, so cached facts of older builds are read again. */
export const FACTS_VERSION = 2

/** The staged export, summarised for planning. */
export type SourceFacts = Readonly<{
  factsVersion: number
  importId: number
  flavour: 'api' | 'ui'
  exportedAt: string | null
  pipelines: ReadonlyArray<PipelineSpec>
  /** True when the export had no usable pipelines.json and the §6.2 defaults stand in. */
  pipelinesDefaulted: boolean
  customProperties: ReadonlyArray<CustomPropertyInput>
  /** Columns the export has but does not define (staged as text, not mapped). */
  undeclaredColumns: ReadonlyArray<Readonly<{ object: string; name: string }>>
  /** Live (non-archived) records per staged object. */
  counts: Readonly<Record<string, number>>
  /** Values by `object.field` for the fields the mapping reads through value maps. */
  values: Readonly<Record<string, ReadonlyArray<ValueCount>>>
  /** Deals per `pipelineId/stageId`. */
  dealsByStage: Readonly<Record<string, number>>
  owners: ReadonlyArray<SourceOwner>
  /** Live records each owner id owns, per staged object. */
  ownedRecords: Readonly<Record<string, Readonly<Record<string, number>>>>
  /** Live records with no owner, per staged object. */
  unownedRecords: Readonly<Record<string, number>>
  attachments: Readonly<{
    count: number
    totalBytes: number
    /** The largest files, biggest first (for the upload-limit warning). */
    largest: ReadonlyArray<Readonly<{ fileId: string; name: string; bytes: number }>>
  }>
  /** Automation definitions by file (`workflows`, `sequences`, …), as staged. */
  automation: Readonly<Record<string, ReadonlyArray<Readonly<Record<string, unknown>>>>>
}>

/** Which column names the owner of each migrated object (the record's ownerid source). */
export const OWNER_COLUMNS: Readonly<Record<string, string>> = {
  contacts: 'owner_id',
  companies: 'owner_id',
  deals: 'owner_id',
  calls: 'owner_id',
  emails: 'owner_id',
  meetings: 'owner_id',
  notes: 'owner_id',
  tasks: 'owner_id',
  sms: 'owner_id',
  activities: 'owner_id',
  attachments: 'uploaded_by_owner_id',
}

const AUTOMATION_OBJECTS = ['workflows', 'sequences', 'templates', 'lead_routing_rules', 'sla_policies']

/** A field whose values the mapping sends through a value map. */
export type OptionField = Readonly<{ object: string; field: string; valueMap: string }>

/** The inferred Dataverse type of a custom property (profile wording) as a template column type. */
export function customPropertyType(inferred: string): CustomPropertyInput['targetType'] {
  switch (inferred) {
    case 'whole number':
      return 'int'
    case 'decimal':
      return 'decimal'
    case 'date only':
      return 'date'
    case 'date and time':
      return 'datetime'
    case 'yes/no':
      return 'bool'
    case 'multiline text':
      return 'memo'
    default: {
      const m = /^text\((\d+)\)$/.exec(inferred)
      return m && Number(m[1]) > 400 ? 'memo' : 'string'
    }
  }
}

const CUSTOM_OBJECTS = new Set(['contacts', 'companies', 'deals', 'engagements'])
const ENGAGEMENT_FILES = new Set(['calls', 'emails', 'meetings', 'notes', 'tasks', 'sms', 'activities'])

function pipelinesOf(docs: ReadonlyArray<Record<string, unknown>>): PipelineSpec[] {
  const out: PipelineSpec[] = []
  for (const p of docs) {
    const stages = Array.isArray(p['stages']) ? (p['stages'] as Array<Record<string, unknown>>) : []
    if (typeof p['pipeline_id'] !== 'string') continue
    out.push({
      pipelineId: p['pipeline_id'],
      label: String(p['label'] ?? p['pipeline_id']),
      displayOrder: Number(p['display_order'] ?? 0),
      isDefault: p['is_default'] === true,
      active: p['active'] !== false,
      archived: p['archived'] === true,
      stages: stages
        .filter((s) => typeof s['stage_id'] === 'string')
        .map((s) => {
          const stageId = String(s['stage_id'])
          return {
            stageId,
            label: String(s['label'] ?? stageId),
            displayOrder: Number(s['display_order'] ?? 0),
            probability: Number(s['probability'] ?? 0),
            isClosed: s['is_closed'] === true,
            outcome: (['open', 'won', 'lost'].includes(String(s['outcome'])) ? s['outcome'] : 'open') as
              'open' | 'won' | 'lost',
            milestoneGroup: String(
              s['milestone_group'] ?? 'lead',
            ) as PipelineSpec['stages'][number]['milestoneGroup'],
            archived: s['archived'] === true,
            slug: stageId.startsWith('refi_') ? stageId.slice(5) : stageId,
          }
        })
        .sort((a, b) => a.displayOrder - b.displayOrder),
    })
  }
  return out.sort((a, b) => a.displayOrder - b.displayOrder)
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null)

/** The import planning reads: the newest finished one (a delta's baseline state lives in it too). */
export function planningImport(repo: StagingRepository): number {
  const latest = repo.latestFinishedImport()
  if (latest === undefined) {
    throw new AppError({
      code: 'nothing-staged',
      kind: 'fatal',
      message:
        'The workspace holds no staged export yet. Stage the Leaf360 export first (Source step or `leafbridge stage`).',
    })
  }
  return latest.importId
}

/** Reads the facts of one import; `optionFields` are the fields whose values to count. */
export function readSourceFacts(
  repo: StagingRepository,
  importId: number,
  optionFields: ReadonlyArray<OptionField>,
): SourceFacts {
  const imp = repo.getImport(importId)
  if (imp === undefined) {
    throw new AppError({
      code: 'import-not-found',
      kind: 'fatal',
      message: `The workspace has no import ${importId}.`,
    })
  }
  const profile = repo.getProfile(importId) as SourceProfile | undefined
  const docs = (object: string): Array<Record<string, unknown>> =>
    repo
      .query<{ data: string }>(
        'SELECT data FROM staged_record WHERE import_id = ? AND object = ? ORDER BY record_id',
        importId,
        object,
      )
      .map((r) => JSON.parse(r.data) as Record<string, unknown>)

  const pipelines = pipelinesOf(docs('pipelines'))
  // Live records per object: the profile has them (staged − archived); a full scan otherwise.
  const counts: Record<string, number> = profile?.objects
    ? Object.fromEntries(Object.entries(profile.objects).map(([o, c]) => [o, c.staged - (c.archived ?? 0)]))
    : Object.fromEntries(
        repo
          .query<{ object: string; n: number }>(
            'SELECT object, count(*) AS n FROM staged_record WHERE import_id = ? AND archived = 0 GROUP BY object',
            importId,
          )
          .map((r) => [r.object, r.n]),
      )

  // The profile's inventory names the column header; the definitions carry the label people know.
  const labels = new Map<string, string>()
  for (const object of CUSTOM_OBJECTS) {
    for (const p of docs(`property_definitions_${object}`)) {
      if (typeof p['name'] === 'string' && typeof p['label'] === 'string' && p['label'].trim() !== '')
        labels.set(`${object}.${p['name']}`, p['label'].trim())
    }
  }
  const customProperties: CustomPropertyInput[] = []
  const undeclaredColumns: Array<{ object: string; name: string }> = []
  for (const f of profile?.customFields ?? []) {
    if (f.source === 'undeclared-column') {
      undeclaredColumns.push({ object: f.object, name: f.name })
      continue
    }
    // Engagement properties are profiled per engagement file (calls, emails, …); they are one set.
    const object = ENGAGEMENT_FILES.has(f.object) ? 'engagements' : f.object
    if (!CUSTOM_OBJECTS.has(object)) continue
    if (customProperties.some((p) => p.object === object && p.name === f.name)) continue
    customProperties.push({
      object: object as CustomPropertyInput['object'],
      name: f.name,
      label: labels.get(`${object}.${f.name}`) ?? f.header,
      targetType: customPropertyType(f.inferredTargetType),
      archived: f.archived,
    })
  }

  // One pass per object reads every counted field of a record at once (decoding `data` is the cost).
  const values: Record<string, ValueCount[]> = {}
  const fieldsByObject = new Map<string, string[]>()
  for (const f of optionFields) {
    if (!/^[a-z][a-z0-9_]*$/.test(f.field) || !/^[a-z][a-z0-9_]*$/.test(f.object)) continue
    const list = fieldsByObject.get(f.object) ?? []
    if (!list.includes(f.field)) list.push(f.field)
    fieldsByObject.set(f.object, list)
  }
  for (const [object, fields] of fieldsByObject) {
    const tallies = fields.map(() => new Map<string, number>())
    if (counts[object]) {
      const columns = fields.map((f, i) => `json_extract(data, '$.${f}') AS f${i}`).join(', ')
      const groups = fields.map((_, i) => `f${i}`).join(', ')
      for (const r of repo.query<Record<string, unknown>>(
        `SELECT ${columns}, count(*) AS n FROM staged_record
         WHERE import_id = ? AND object = ? AND archived = 0 GROUP BY ${groups}`,
        importId,
        object,
      )) {
        fields.forEach((_, i) => {
          const v = r[`f${i}`]
          if (v === null || v === undefined || v === '') return
          const key = String(v)
          tallies[i]!.set(key, (tallies[i]!.get(key) ?? 0) + Number(r['n']))
        })
      }
    }
    fields.forEach((f, i) => {
      values[`${object}.${f}`] = [...tallies[i]!]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
    })
  }

  const dealsByStage: Record<string, number> = {}
  for (const r of repo.query<{ p: string | null; s: string | null; n: number }>(
    `SELECT json_extract(data, '$.pipeline_id') AS p, json_extract(data, '$.dealstage') AS s, count(*) AS n
     FROM staged_record WHERE import_id = ? AND object = 'deals' AND archived = 0 GROUP BY p, s`,
    importId,
  )) {
    dealsByStage[`${r.p ?? ''}/${r.s ?? ''}`] = r.n
  }

  const owners: SourceOwner[] = docs('owners').map((o) => ({
    ownerId: String(o['owner_id']),
    email: text(o['email']),
    firstName: text(o['first_name']),
    lastName: text(o['last_name']),
    role: text(o['role']),
    isActive: typeof o['is_active'] === 'boolean' ? o['is_active'] : null,
  }))

  // Owners by the records' own owner column. staged_ref cannot count them: a reference to a record
  // staged before it (every defined owner: owners.csv is read first) needs no row there, only the
  // dangling ones do. One grouped scan per object's owner column, in the planning step only.
  const ownedRecords: Record<string, Record<string, number>> = {}
  const unownedRecords: Record<string, number> = {}
  const ownedPerObject = new Map<string, number>()
  const byColumn = new Map<string, string[]>()
  for (const [object, column] of Object.entries(OWNER_COLUMNS)) {
    if (!/^[a-z_]+$/.test(column)) continue
    byColumn.set(column, [...(byColumn.get(column) ?? []), object])
  }
  for (const [column, objects] of byColumn) {
    for (const r of repo.query<{ o: string | number | null; object: string; n: number }>(
      `SELECT json_extract(data, '$.${column}') AS o, object, count(*) AS n FROM staged_record
       WHERE import_id = ? AND archived = 0 AND object IN (${objects.map(() => '?').join(', ')})
       GROUP BY 1, 2`,
      importId,
      ...objects,
    )) {
      const owner = r.o === null ? null : text(String(r.o))
      if (owner === null) continue
      ownedRecords[owner] ??= {}
      ownedRecords[owner][r.object] = (ownedRecords[owner][r.object] ?? 0) + r.n
      ownedPerObject.set(r.object, (ownedPerObject.get(r.object) ?? 0) + r.n)
    }
  }
  for (const object of Object.keys(OWNER_COLUMNS)) {
    const none = (counts[object] ?? 0) - (ownedPerObject.get(object) ?? 0)
    if (none > 0) unownedRecords[object] = none
  }

  const attachmentTotals = repo.query<{ n: number; bytes: number | null }>(
    `SELECT count(*) AS n, sum(json_extract(data, '$.size_bytes')) AS bytes FROM staged_record
     WHERE import_id = ? AND object = 'attachments' AND archived = 0`,
    importId,
  )[0]
  const largest = repo
    .query<{ id: string; name: string | null; bytes: number | null }>(
      `SELECT source_id AS id, json_extract(data, '$.original_filename') AS name,
         json_extract(data, '$.size_bytes') AS bytes FROM staged_record
       WHERE import_id = ? AND object = 'attachments' AND archived = 0
       ORDER BY json_extract(data, '$.size_bytes') DESC LIMIT 200`,
      importId,
    )
    .map((r) => ({ fileId: r.id, name: r.name ?? '', bytes: Number(r.bytes ?? 0) }))

  const automation: Record<string, Array<Record<string, unknown>>> = {}
  for (const o of AUTOMATION_OBJECTS) automation[o] = docs(o)

  return {
    factsVersion: FACTS_VERSION,
    importId,
    flavour: imp.flavour,
    exportedAt: imp.exportedAt,
    pipelines: pipelines.length > 0 ? pipelines : STANDARD_PIPELINES,
    pipelinesDefaulted: pipelines.length === 0,
    customProperties,
    undeclaredColumns,
    counts,
    values,
    dealsByStage,
    owners,
    ownedRecords,
    unownedRecords,
    attachments: {
      count: attachmentTotals?.n ?? 0,
      totalBytes: Number(attachmentTotals?.bytes ?? 0),
      largest,
    },
    automation,
  }
}
