/**
 * The workflow rebuild reference (issue 5 item 7): Leaf360 automations do not migrate (brief: "a
 * structured JSON document that your Dynamics 365 admin can use as a reference to rebuild equivalent
 * automations"). Each workflow, sequence, lead routing rule and SLA policy becomes one entry with its
 * trigger, filters, actions, the fields it reads and writes with the Dataverse columns they map to,
 * and the Dynamics feature that usually rebuilds it.
 */
import type { MappingDocument } from './mapping/model'

/** A Leaf360 property and where the mapping puts it. */
export type FieldUse = Readonly<{
  /** `contact.loan_status`, as Leaf360 names it. */
  property: string
  /** `contact.lb_loanstatus` (every table it lands in), or empty when the mapping does not migrate it. */
  targets: ReadonlyArray<string>
}>

export type ReferenceFilter = Readonly<{
  property: string
  operator: string
  value: unknown
  targets: ReadonlyArray<string>
}>

export type ReferenceAction = Readonly<{
  id: string | null
  type: string
  params: unknown
  next: string | null
  branches: unknown
  summary: string
}>

/** One automation to rebuild. */
export type AutomationEntry = Readonly<{
  kind: 'workflow' | 'sequence' | 'lead-routing-rule' | 'sla-policy'
  id: string
  name: string
  type: string | null
  object: string | null
  enabled: boolean | null
  trigger: Readonly<{
    event: string | null
    filters: ReadonlyArray<ReferenceFilter>
    reEnroll: boolean | null
  }> | null
  actions: ReadonlyArray<ReferenceAction>
  goalFilters: ReadonlyArray<ReferenceFilter>
  suppressionFilters: ReadonlyArray<ReferenceFilter>
  reads: ReadonlyArray<FieldUse>
  writes: ReadonlyArray<FieldUse>
  templates: ReadonlyArray<
    Readonly<{ id: string; name: string | null; channel: string | null; mergeTags: ReadonlyArray<FieldUse> }>
  >
  rebuildWith: string
  details: Readonly<Record<string, unknown>>
}>

export type WorkflowReference = Readonly<{
  generatedAt: string
  note: string
  counts: Readonly<Record<string, number>>
  entries: ReadonlyArray<AutomationEntry>
}>

const OBJECT_TO_SOURCE: Readonly<Record<string, string>> = {
  contact: 'contacts',
  contacts: 'contacts',
  deal: 'deals',
  deals: 'deals',
  company: 'companies',
  companies: 'companies',
}

/** Where a Leaf360 property lands: every table.column the mapping writes from it. */
export function targetsOf(mapping: MappingDocument, property: string): ReadonlyArray<string> {
  const [object, field] = property.includes('.')
    ? (property.split('.', 2) as [string, string])
    : ['contact', property]
  const source = OBJECT_TO_SOURCE[object]
  if (source === undefined) return []
  const out: string[] = []
  for (const o of mapping.objects) {
    if (o.target.kind !== 'table' || o.source.object !== source) continue
    for (const f of o.fields) {
      if (f.source !== field) continue
      const name = `${o.target.table}.${f.target}`
      if (!out.includes(name)) out.push(name)
    }
  }
  if (field === 'dealstage' || field === 'pipeline_id') {
    out.push(`opportunity.stepname (business process flow stage)`)
  }
  return out
}

const REBUILD: Readonly<Record<string, string>> = {
  LEAD_ROUTING:
    'Assignment rules in Sales (Sales Enterprise) or a Power Automate flow on lead/contact create that sets the owner',
  DRIP: 'Sequences in Dynamics 365 Sales, or Customer Insights - Journeys for marketing e-mail',
  TASK_TRIGGER: 'A Power Automate flow (when a row is added or modified) that creates a task',
  SLA_TIMER: 'A Power Automate flow with a delay, or a Dynamics SLA on the activity',
  STAGE_AUTOMATION:
    'Business process flow stage logic (Power Automate stage-triggered flows) on the opportunity',
  DATE_BASED: 'A scheduled Power Automate flow that queries by date',
  sequence: 'Sequences in Dynamics 365 Sales (steps: e-mail, phone call, task, wait)',
  'lead-routing-rule':
    'Assignment rules / work assignment in Sales, or a Power Automate flow setting ownerid',
  'sla-policy': 'A Power Automate flow with timers, or an SLA (Customer Service) if licensed',
}

const MERGE_TAG = /\{\{\s*([a-z_]+\.[a-z0-9_]+)\s*\}\}/g

const asArray = (v: unknown): ReadonlyArray<Record<string, unknown>> =>
  Array.isArray(v)
    ? (v.filter((x) => x !== null && typeof x === 'object') as Array<Record<string, unknown>>)
    : []

const str = (v: unknown): string | null =>
  typeof v === 'string' ? v : v === null || v === undefined ? null : String(v)

/** Builds the reference from the staged automation definitions and the mapping. */
export function buildWorkflowReference(
  automation: Readonly<Record<string, ReadonlyArray<Readonly<Record<string, unknown>>>>>,
  mapping: MappingDocument,
  generatedAt: string,
): WorkflowReference {
  const templates = new Map(
    (automation['templates'] ?? []).map((t) => [String(t['template_id']), t] as const),
  )
  const use = (property: string): FieldUse => ({ property, targets: targetsOf(mapping, property) })
  const filters = (v: unknown): ReferenceFilter[] =>
    asArray(v).map((f) => {
      const property = String(f['property'] ?? '')
      return {
        property,
        operator: String(f['operator'] ?? ''),
        value: f['value'] ?? null,
        targets: targetsOf(mapping, property),
      }
    })
  const templateUse = (id: string) => {
    const t = templates.get(id)
    const text = [t?.['subject'], t?.['body_html'], t?.['body_text']]
      .filter((x) => typeof x === 'string')
      .join('\n')
    const tags = [...new Set([...text.matchAll(MERGE_TAG)].map((m) => m[1]!))]
    return { id, name: str(t?.['name']), channel: str(t?.['channel']), mergeTags: tags.map(use) }
  }
  const dedupe = (uses: ReadonlyArray<FieldUse>): FieldUse[] => {
    const seen = new Map<string, FieldUse>()
    for (const u of uses) if (u.property !== '' && !seen.has(u.property)) seen.set(u.property, u)
    return [...seen.values()]
  }

  const entries: AutomationEntry[] = []
  for (const w of automation['workflows'] ?? []) {
    const trigger = (w['enrollment_trigger'] ?? {}) as Record<string, unknown>
    const trig = filters(trigger['filters'])
    const goal = filters(w['goal_filters'])
    const suppress = filters(w['suppression_filters'])
    const object = str(w['object_type'])
    const actions: ReferenceAction[] = asArray(w['actions']).map((a) => {
      const params = (a['params'] ?? {}) as Record<string, unknown>
      const type = String(a['type'] ?? '')
      const summary =
        type === 'set_property' || type === 'update_property'
          ? `Set ${String(params['property'] ?? '?')} to ${JSON.stringify(params['value'] ?? null)}`
          : type === 'send_email' || type === 'send_sms'
            ? `Send ${type === 'send_sms' ? 'SMS' : 'e-mail'} template ${String(params['template_id'] ?? '?')}`
            : type === 'create_task'
              ? `Create task "${String(params['subject'] ?? '')}"${params['owner_id'] ? ` for owner ${String(params['owner_id'])}` : ''}`
              : type === 'rotate_owner'
                ? 'Rotate the owner among the eligible loan officers'
                : type === 'delay'
                  ? `Wait ${JSON.stringify(params)}`
                  : type
      return {
        id: str(a['action_id']),
        type,
        params,
        next: str(a['next_action_id']),
        branches: a['branches'] ?? [],
        summary,
      }
    })
    const writes: FieldUse[] = []
    for (const a of actions) {
      const p = a.params as Record<string, unknown>
      if ((a.type === 'set_property' || a.type === 'update_property') && typeof p['property'] === 'string') {
        const prop = p['property'].includes('.') ? p['property'] : `${object ?? 'contact'}.${p['property']}`
        writes.push(use(prop))
      }
      if (a.type === 'rotate_owner') writes.push(use(`${object ?? 'contact'}.owner_id`))
    }
    const usedTemplates = actions
      .map((a) => (a.params as Record<string, unknown>)['template_id'])
      .filter((t): t is string => typeof t === 'string')
      .map(templateUse)
    entries.push({
      kind: 'workflow',
      id: String(w['workflow_id']),
      name: String(w['name'] ?? ''),
      type: str(w['type']),
      object,
      enabled: typeof w['is_enabled'] === 'boolean' ? w['is_enabled'] : null,
      trigger: {
        event: str(trigger['event']),
        filters: trig,
        reEnroll: typeof trigger['re_enroll'] === 'boolean' ? trigger['re_enroll'] : null,
      },
      actions,
      goalFilters: goal,
      suppressionFilters: suppress,
      reads: dedupe(
        [...trig, ...goal, ...suppress]
          .map((f) => use(f.property))
          .concat(usedTemplates.flatMap((t) => t.mergeTags)),
      ),
      writes: dedupe(writes),
      templates: usedTemplates,
      rebuildWith: REBUILD[String(w['type'])] ?? 'A Power Automate flow',
      details: {
        revision: w['revision'] ?? null,
        created_at: w['created_at'] ?? null,
        updated_at: w['updated_at'] ?? null,
      },
    })
  }
  for (const s of automation['sequences'] ?? []) {
    const steps = asArray(s['steps'])
    const used = steps
      .map((st) => str(st['template_id']))
      .filter((t): t is string => t !== null)
      .map(templateUse)
    entries.push({
      kind: 'sequence',
      id: String(s['sequence_id']),
      name: String(s['name'] ?? ''),
      type: 'SEQUENCE',
      object: 'contact',
      enabled: typeof s['is_enabled'] === 'boolean' ? s['is_enabled'] : null,
      trigger: { event: 'manual-enrollment', filters: [], reEnroll: null },
      actions: steps.map((st) => ({
        id: str(st['order']),
        type: String(st['channel'] ?? ''),
        params: st,
        next: null,
        branches: [],
        summary: `Day ${String(st['delay_days'] ?? 0)}: ${String(st['channel'] ?? '')} with template ${String(st['template_id'] ?? '?')}`,
      })),
      goalFilters: [],
      suppressionFilters: [],
      reads: dedupe([
        ...(s['requires_sms_consent'] === true ? [use('contact.sms_consent')] : []),
        ...used.flatMap((t) => t.mergeTags),
      ]),
      writes: [],
      templates: used,
      rebuildWith: REBUILD['sequence']!,
      details: {
        audience: s['audience'] ?? null,
        unenroll_on: s['unenroll_on'] ?? [],
        requires_sms_consent: s['requires_sms_consent'] ?? null,
      },
    })
  }
  for (const r of automation['lead_routing_rules'] ?? []) {
    const conditions = filters(r['conditions'])
    entries.push({
      kind: 'lead-routing-rule',
      id: String(r['rule_id']),
      name: String(r['name'] ?? ''),
      type: str(r['method']),
      object: 'contact',
      enabled: typeof r['is_enabled'] === 'boolean' ? r['is_enabled'] : null,
      trigger: { event: 'lead-created', filters: conditions, reEnroll: null },
      actions: [
        {
          id: null,
          type: 'assign_owner',
          params: {
            method: r['method'],
            eligible_owner_ids: r['eligible_owner_ids'],
            weights: r['weights'],
            fallback_owner_id: r['fallback_owner_id'],
          },
          next: null,
          branches: [],
          summary: `Assign by ${String(r['method'] ?? '?')} among ${asArray(r['eligible_owner_ids']).length || (Array.isArray(r['eligible_owner_ids']) ? r['eligible_owner_ids'].length : 0)} owners`,
        },
      ],
      goalFilters: [],
      suppressionFilters: [],
      reads: dedupe(conditions.map((c) => use(c.property))),
      writes: [use('contact.owner_id')],
      templates: [],
      rebuildWith: REBUILD['lead-routing-rule']!,
      details: { priority: r['priority'] ?? null, claim_timeout_minutes: r['claim_timeout_minutes'] ?? null },
    })
  }
  for (const p of automation['sla_policies'] ?? []) {
    entries.push({
      kind: 'sla-policy',
      id: String(p['sla_policy_id']),
      name: String(p['name'] ?? ''),
      type: str(p['applies_to']),
      object: p['applies_to'] === 'stage_dwell' ? 'deal' : 'contact',
      enabled: null,
      trigger: {
        event: str(p['applies_to']),
        filters: p['stage_id']
          ? [
              {
                property: 'deal.dealstage',
                operator: 'eq',
                value: p['stage_id'],
                targets: targetsOf(mapping, 'deal.dealstage'),
              },
            ]
          : [],
        reEnroll: null,
      },
      actions: asArray(p['breach_actions']).map((a) => ({
        id: null,
        type: String(a['type'] ?? ''),
        params: a,
        next: null,
        branches: [],
        summary: `On breach after ${String(p['target_minutes'] ?? '?')} min: ${String(a['type'] ?? '')}`,
      })),
      goalFilters: [],
      suppressionFilters: [],
      reads: p['stage_id'] ? [use('deal.dealstage')] : [],
      writes: [],
      templates: [],
      rebuildWith: REBUILD['sla-policy']!,
      details: {
        target_minutes: p['target_minutes'] ?? null,
        business_hours_only: p['business_hours_only'] ?? null,
        escalate_to_owner_id: p['escalate_to_owner_id'] ?? null,
      },
    })
  }
  const counts: Record<string, number> = {}
  for (const e of entries) counts[e.kind] = (counts[e.kind] ?? 0) + 1
  return {
    generatedAt,
    note: 'Leaf360 automations are not migrated. Each entry lists what to rebuild in Dynamics 365 Sales or Power Automate, with the Dataverse columns its fields now live in.',
    counts,
    entries,
  }
}
