/**
 * Stages the JSON files under schema/ and automation/ (EXPORT-FORMAT.md §4.6, §4.7, §4.10, §4.11):
 * each element of the file's array is one row, staged as an opaque document keyed by its id; an
 * element without an id is quarantined `missing_id`; a file that does not parse is rejected as
 * one quarantined row `invalid_json`.
 *
 * The schema files also feed validation: the portal's pipelines, association types and property
 * definitions replace the §6 defaults once read.
 */
import {
  ASSOCIATION_TYPES,
  AUTOMATION_FILES,
  MERGE_TAG_PATTERN,
  OWNERS_COLUMNS,
  STANDARD_PIPELINES,
  associationDefinitionJsonSchema,
  pipelineJsonSchema,
  propertyDefinitionJsonSchema,
  type AssociationTypeSpec,
  type CustomPropertyObject,
  type JsonFileSpec,
  type ObjectType,
  type PipelineSpec,
  type PropertyDefinitionJson,
} from '../spec'
import type { PlannedFile } from '../reader/export-layout'
import { scanBytes } from '../reader/encoding'
import { IssueList } from '../validate/issues'
import { hasInvisible, removeInvisible, trimAscii } from '../validate/text'
import { indexPipelines } from '../validate/validation-context'
import type { RowOrigin } from './record-writer'
import type { StageContext } from './stage-context'

/** JSON files larger than this are rejected rather than read whole (they hold definitions only). */
export const MAX_JSON_BYTES = 64 * 1024 * 1024

const ID_KEYS: Readonly<Record<string, string>> = {
  pipelines: 'pipeline_id',
  association_definitions: 'association_type_id',
  property_definitions_contacts: 'name',
  property_definitions_companies: 'name',
  property_definitions_deals: 'name',
  property_definitions_engagements: 'name',
  ...Object.fromEntries(AUTOMATION_FILES.map((f) => [f.object, f.idKey])),
}

async function readText(ctx: StageContext, path: string): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of await ctx.source.open(path)) {
    size += (chunk as Buffer).length
    if (size > MAX_JSON_BYTES) return null
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/^\ufeff/, '')
}

/** Stages one JSON file and, for schema files, updates the validation context. */
export async function stageJsonFile(
  ctx: StageContext,
  planned: Extract<PlannedFile, { kind: 'json' }>,
): Promise<void> {
  const spec = planned.spec
  const part = planned.parts[0]!
  const facts = await scanBytes(await ctx.source.open(part.path))
  if (part.declared !== null) {
    if (part.declared.bytes !== facts.bytes) {
      ctx.fileFinding(
        'D31',
        part.path,
        'bytes_mismatch',
        `${part.path} has ${facts.bytes} bytes; the manifest says ${part.declared.bytes}.`,
      )
    }
    if (part.declared.sha256 !== facts.sha256) {
      ctx.fileFinding(
        'D31',
        part.path,
        'sha256_mismatch',
        `${part.path} does not match the manifest's sha256.`,
      )
    }
  }
  ctx.writer.registerFile(part.path, null, 'json')
  const tally = ctx.tally.file(part.path)
  const text = await readText(ctx, part.path)
  let elements: unknown[] | null = null
  let problem = text === null ? `is larger than ${MAX_JSON_BYTES} bytes` : ''
  if (text !== null) {
    try {
      const parsed: unknown = JSON.parse(text)
      const array = (parsed as Record<string, unknown> | null)?.[spec.arrayKey]
      if (Array.isArray(array)) elements = array
      else problem = `has no "${spec.arrayKey}" array`
    } catch (error) {
      problem = `is not valid JSON (${(error as Error).message})`
    }
  }
  ctx.repo.begin()
  if (elements === null) {
    tally.read++
    ctx.writer.quarantine(
      spec.object,
      {
        kind: 'quarantine',
        reason: 'invalid_json',
        defect: 'D31',
        message: `${part.path} ${problem}.`,
        sourceId: null,
      },
      { file: part.path, row: 1, line: 1, raw: (text ?? '').slice(0, 4096) },
    )
    ctx.fileFinding(
      null,
      part.path,
      'schema_defaults',
      `${part.path} ${problem}; ${schemaFallbackNote(spec)}`,
    )
  } else {
    const idKey = ID_KEYS[spec.object] ?? 'id'
    elements.forEach((element, index) => {
      tally.read++
      ctx.rowsDone++
      const raw = JSON.stringify(element) ?? 'null'
      const origin: RowOrigin = { file: part.path, row: index + 1, line: 0, raw }
      const issues = new IssueList()
      const rawId =
        element !== null && typeof element === 'object'
          ? (element as Record<string, unknown>)[idKey]
          : undefined
      let id = typeof rawId === 'string' || typeof rawId === 'number' ? trimAscii(String(rawId)) : ''
      if (hasInvisible(id)) {
        issues.warn('D38', idKey, id)
        id = removeInvisible(id)
      }
      if (id === '') {
        ctx.writer.quarantine(
          spec.object,
          {
            kind: 'quarantine',
            reason: 'missing_id',
            defect: 'D37',
            message: `Element ${index + 1} has no ${idKey}.`,
            sourceId: null,
          },
          origin,
        )
        return
      }
      const data = element as Record<string, unknown>
      if (spec.object === 'templates') mergeTagIssues(ctx, data, issues)
      const updatedAt = typeof data['updated_at'] === 'string' ? data['updated_at'] : null
      ctx.writer.write(
        spec.object,
        {
          kind: 'stage',
          sourceId: id,
          data,
          issues: issues.items,
          refs: [],
          keys: [],
          archived: data['archived'] === true,
          updatedAt,
        },
        origin,
        'latest-updated-at',
      )
    })
    applySchema(ctx, spec, elements, part.path)
  }
  ctx.repo.commit()
  if (part.declared !== null && elements !== null && part.declared.rows !== elements.length) {
    ctx.fileFinding(
      'D31',
      part.path,
      'rows_mismatch',
      `${part.path} has ${elements.length} elements; the manifest says ${part.declared.rows}.`,
    )
  }
  ctx.repo.recordFile(ctx.importId, {
    path: part.path,
    object: spec.object,
    format: 'json',
    part: null,
    encoding: null,
    declaredEncoding: null,
    bytes: facts.bytes,
    sha256: facts.sha256,
    header: null,
    columns: null,
    rowsRead: tally.read,
    staged: tally.staged,
    quarantined: tally.quarantined,
    skipped: tally.skipped,
  })
}

function schemaFallbackNote(spec: JsonFileSpec): string {
  if (spec.object === 'pipelines') return 'the standard pipelines of §6.2 are used instead.'
  if (spec.object === 'association_definitions') return 'the association types of §6.7 are used instead.'
  if (spec.object.startsWith('property_definitions_')) return 'its custom columns are staged as text.'
  return 'its definitions are not staged.'
}

/** Replaces the validation defaults with the portal's own definitions. */
function applySchema(
  ctx: StageContext,
  spec: JsonFileSpec,
  elements: ReadonlyArray<unknown>,
  path: string,
): void {
  if (spec.object === 'pipelines') {
    const pipelines: PipelineSpec[] = []
    for (const e of elements) {
      const p = pipelineJsonSchema.safeParse(e)
      if (!p.success) continue
      pipelines.push({
        pipelineId: p.data.pipeline_id,
        label: p.data.label,
        displayOrder: p.data.display_order,
        isDefault: p.data.is_default,
        active: p.data.active,
        archived: p.data.archived,
        stages: p.data.stages
          .slice()
          .sort((a, b) => a.display_order - b.display_order)
          .map((s) => ({
            stageId: s.stage_id,
            label: s.label,
            displayOrder: s.display_order,
            probability: s.probability,
            isClosed: s.is_closed,
            outcome: s.outcome,
            milestoneGroup: s.milestone_group as PipelineSpec['stages'][number]['milestoneGroup'],
            archived: s.archived,
            slug: s.stage_id.startsWith('refi_') ? s.stage_id.slice(5) : s.stage_id,
          })),
      })
    }
    pipelines.sort((a, b) => a.displayOrder - b.displayOrder)
    if (pipelines.length === 0) {
      ctx.fileFinding(
        null,
        path,
        'schema_defaults',
        `${path} holds no valid pipeline; ${schemaFallbackNote(spec)}`,
      )
      return
    }
    ctx.validation = { ...ctx.validation, pipelines: indexPipelines(pipelines) }
    return
  }
  if (spec.object === 'association_definitions') {
    const types: AssociationTypeSpec[] = []
    for (const e of elements) {
      const t = associationDefinitionJsonSchema.safeParse(e)
      if (!t.success) continue
      types.push({
        associationTypeId: t.data.association_type_id,
        fromObjectType: t.data.from_object_type as ObjectType,
        toObjectType: t.data.to_object_type as ObjectType,
        label: t.data.label,
        value: t.data.value,
        category: t.data.category,
        inverseTypeId: t.data.inverse_type_id,
        allowsPrimary: t.data.allows_primary,
      })
    }
    if (types.length > 0) ctx.validation = { ...ctx.validation, associationTypes: types }
    return
  }
  if (spec.object.startsWith('property_definitions_')) {
    const object = spec.object.slice('property_definitions_'.length) as CustomPropertyObject
    const props: PropertyDefinitionJson[] = []
    for (const e of elements) {
      const p = propertyDefinitionJsonSchema.safeParse(e)
      if (p.success) props.push(p.data)
    }
    const properties = new Map(ctx.validation.properties)
    properties.set(object, props)
    ctx.validation = { ...ctx.validation, properties }
  }
}

const MERGE_OBJECTS: Readonly<Record<string, CustomPropertyObject>> = {
  contact: 'contacts',
  company: 'companies',
  deal: 'deals',
}

/** D40: a merge tag naming a property the portal does not define (or has archived). */
function mergeTagIssues(ctx: StageContext, template: Record<string, unknown>, issues: IssueList): void {
  for (const key of ['subject', 'body_html', 'body_text']) {
    const text = template[key]
    if (typeof text !== 'string') continue
    for (const m of text.matchAll(MERGE_TAG_PATTERN)) {
      const [tag, object = '', property = ''] = m
      const known =
        object === 'owner'
          ? OWNERS_COLUMNS.some((c) => c.name === property)
          : MERGE_OBJECTS[object] === undefined
            ? true
            : (ctx.validation.properties.get(MERGE_OBJECTS[object]!) ?? []).some(
                (p) => p.name === property && p.archived !== true,
              )
      if (!known) issues.warn('D40', key, tag, 'unknown_merge_tag')
    }
  }
}

/** The §6 defaults the validation context starts from. */
export const SCHEMA_DEFAULTS = { pipelines: STANDARD_PIPELINES, associationTypes: ASSOCIATION_TYPES } as const
