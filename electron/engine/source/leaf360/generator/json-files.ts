/**
 * The JSON files of an export (§4.6 pipelines, §4.7 association definitions, §4.10 property
 * definitions, §4.11 automation): small, built whole, the same in both flavours. The dirty export
 * adds automation elements without an id (D37, with D38) and may break one file (`invalid_json`).
 */
import { ASSOCIATION_TYPES } from '../spec/association-types'
import { DATA_FILES, ENGAGEMENT_FILES, type ColumnSpec } from '../spec/columns'
import { ENUMS } from '../spec/enums'
import { STANDARD_PIPELINES } from '../spec/pipelines'
import { INVISIBLE_CHARACTERS } from '../spec/value-types'
import type { Injector } from './inject'
import { isoDatetime } from './time'
import type { PendingLine } from './truth-writer'
import type { World } from './world'

/** One JSON file, with its rows (elements of its array) and truth lines by row. */
export type JsonFile = Readonly<{
  path: string
  object: string
  text: string
  rows: number
  lines: ReadonlyArray<{ row: number | null; line: PendingLine }>
  /** Listed in the manifest but not written (D31 listed-file-missing). */
  listedButMissing: boolean
}>

const DAY = 86_400_000

function propertyOf(c: ColumnSpec, displayOrder: number, created: string): Record<string, unknown> {
  const label = c.ui ?? c.name.replace(/_/g, ' ').replace(/^\w/, (x) => x.toUpperCase())
  let type = 'string'
  let fieldType = 'text'
  let options: Array<Record<string, unknown>> | undefined
  switch (c.type) {
    case 'int':
    case 'decimal':
    case 'money':
    case 'pct':
    case 'prob':
      type = 'number'
      fieldType = 'number'
      break
    case 'bool':
      type = 'bool'
      fieldType = 'booleancheckbox'
      break
    case 'date':
      type = 'date'
      fieldType = 'date'
      break
    case 'datetime':
      type = 'datetime'
      fieldType = 'date'
      break
    case 'enum':
      type = 'enumeration'
      fieldType = c.multi ? 'checkbox' : 'select'
      options = (c.enum === null ? [] : ENUMS[c.enum]).map((o, i) => ({
        value: o.value,
        label: o.label,
        display_order: i,
        hidden: false,
      }))
      break
    case 'phone':
      fieldType = 'phonenumber'
      break
    default:
      fieldType = c.body ? 'textarea' : 'text'
  }
  return {
    name: c.name,
    label,
    type,
    field_type: fieldType,
    ...(options !== undefined ? { options } : {}),
    group_name: 'standard',
    description: null,
    is_custom: false,
    has_unique_value: c.type === 'id',
    calculation_formula: null,
    display_order: displayOrder,
    created_at: created,
    archived: false,
  }
}

/** Builds every JSON file of an export. */
export function buildJsonFiles(world: World, injector: Injector | null): JsonFile[] {
  const created = isoDatetime(world.portal.historyStartMs - 900 * DAY)
  const updated = isoDatetime(world.portal.historyStartMs + 200 * DAY)
  const files: JsonFile[] = []
  const dirty = injector !== null && injector.enabled
  const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n'
  const add = (
    path: string,
    object: string,
    key: string,
    items: ReadonlyArray<unknown>,
    extra: Record<string, unknown> = {},
    lines: JsonFile['lines'] = [],
    missing = false,
  ) =>
    files.push({
      path,
      object,
      text: json({ ...extra, [key]: items }),
      rows: items.length,
      lines,
      listedButMissing: missing,
    })

  add(
    'schema/pipelines.json',
    'pipelines',
    'pipelines',
    STANDARD_PIPELINES.map((p) => ({
      pipeline_id: p.pipelineId,
      label: p.label,
      object_type: 'deals',
      display_order: p.displayOrder,
      is_default: p.isDefault,
      active: p.active,
      archived: p.archived,
      created_at: created,
      updated_at: p.archived ? isoDatetime(Date.UTC(2022, 0, 3, 15)) : updated,
      stages: p.stages.map((s) => ({
        stage_id: s.stageId,
        label: s.label,
        display_order: s.displayOrder,
        probability: s.probability,
        is_closed: s.isClosed,
        outcome: s.outcome,
        milestone_group: s.milestoneGroup,
        sla_hours: s.slug === 'new_lead' ? 1 : s.slug === 'pre_approval' ? 720 : null,
        archived: s.archived,
      })),
    })),
  )
  add(
    'schema/association_definitions.json',
    'association_definitions',
    'association_types',
    ASSOCIATION_TYPES.map((t) => ({
      association_type_id: t.associationTypeId,
      from_object_type: t.fromObjectType,
      to_object_type: t.toObjectType,
      label: t.label,
      value: t.value,
      category: t.category,
      inverse_type_id: t.inverseTypeId,
      allows_primary: t.allowsPrimary,
    })),
  )
  for (const object of ['contacts', 'companies', 'deals', 'engagements'] as const) {
    let standard: ColumnSpec[]
    if (object === 'engagements') {
      const seen = new Map<string, ColumnSpec>()
      for (const f of ENGAGEMENT_FILES)
        for (const c of DATA_FILES.find((d) => d.object === f.object)?.columns ?? [])
          if (!seen.has(c.name)) seen.set(c.name, c)
      standard = [...seen.values()]
    } else standard = [...(DATA_FILES.find((d) => d.object === object)?.columns ?? [])]
    const props = standard.map((c, i) => propertyOf(c, i, created))
    for (const p of world.customProperties.filter((x) => x.object === object)) {
      props.push({
        name: p.name,
        label: p.label,
        type: p.type,
        field_type: p.fieldType,
        ...(p.type === 'enumeration'
          ? {
              options: p.options.map((o, i) => ({
                value: o.value,
                label: o.label,
                display_order: i,
                hidden: false,
              })),
            }
          : {}),
        group_name: 'custom',
        description: p.archived ? 'Retired property, kept for history.' : null,
        is_custom: true,
        has_unique_value: false,
        calculation_formula: null,
        display_order: standard.length + p.displayOrder,
        created_at: isoDatetime(world.portal.historyStartMs + p.displayOrder * 30 * DAY),
        archived: p.archived,
      })
    }
    add(`schema/property_definitions_${object}.json`, `property_definitions_${object}`, 'properties', props, {
      object_type: object,
    })
  }
  const a = world.automation
  const workflows: unknown[] = [...a.workflows]
  const workflowLines: Array<{ row: number | null; line: PendingLine }> = []
  if (dirty) {
    // Elements without an id (§4.11): quarantined `missing_id`, reported as D37 (empty after D38).
    workflows.push({
      workflow_id: '',
      name: 'Copy of New lead routing',
      type: 'LEAD_ROUTING',
      is_enabled: false,
    })
    workflowLines.push({
      row: workflows.length,
      line: {
        defectId: 'D37',
        variant: 'missing-id',
        column: 'workflow_id',
        cleanValue: null,
        dirtyValue: '',
      },
    })
    workflows.push({
      workflow_id: `${INVISIBLE_CHARACTERS.nbsp}${INVISIBLE_CHARACTERS.zeroWidthSpace}`,
      name: 'Draft workflow',
      type: 'DRIP',
      is_enabled: false,
    })
    workflowLines.push({
      row: workflows.length,
      line: {
        defectId: 'D37',
        variant: 'missing-id',
        column: 'workflow_id',
        cleanValue: null,
        dirtyValue: `${INVISIBLE_CHARACTERS.nbsp}${INVISIBLE_CHARACTERS.zeroWidthSpace}`,
      },
    })
  }
  add('automation/workflows.json', 'workflows', 'workflows', workflows, {}, workflowLines)
  const sequencesText = json({ sequences: a.sequences })
  if (dirty && world.options.invalidJson) {
    files.push({
      path: 'automation/sequences.json',
      object: 'sequences',
      text: sequencesText.slice(0, Math.floor(sequencesText.length / 2)),
      rows: a.sequences.length,
      lines: [
        { row: null, line: { defectId: 'D31', variant: 'invalid-json', column: null, cleanValue: null } },
      ],
      listedButMissing: false,
    })
  } else add('automation/sequences.json', 'sequences', 'sequences', a.sequences)
  const templateLines = a.templates.flatMap((t, i) =>
    typeof t['body_html'] === 'string' && t['body_html'].includes('{{deal.loan_type_old}}')
      ? [
          {
            row: i + 1,
            line: {
              defectId: 'D40' as const,
              variant: 'unknown-merge-tag',
              column: 'body_html',
              cleanValue: null,
              dirtyValue: '{{deal.loan_type_old}}',
              recordId: String(t['template_id']),
            },
          },
        ]
      : [],
  )
  add('automation/templates.json', 'templates', 'templates', a.templates, {}, templateLines)
  add('automation/lead_routing_rules.json', 'lead_routing_rules', 'lead_routing_rules', a.leadRoutingRules)
  add('automation/sla_policies.json', 'sla_policies', 'sla_policies', a.slaPolicies, {}, [], dirty)
  return files
}
