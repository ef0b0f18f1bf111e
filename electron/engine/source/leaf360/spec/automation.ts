/**
 * The automation definitions of EXPORT-FORMAT.md §4.11: each JSON file's top-level key, its element
 * keys and id key. The reader stages elements as opaque JSON keyed by id; an element without an id
 * (absent, null, or empty after trimming and D38) is quarantined `missing_id`.
 */

/** One automation JSON file (§4.11). */
export type AutomationFileSpec = Readonly<{
  /** The manifest object and the top-level key (`{"workflows":[…]}`). */
  object: 'workflows' | 'sequences' | 'templates' | 'lead_routing_rules' | 'sla_policies'
  path: string
  idKey: string
  /** Element keys in spec order (nested shapes in `nestedKeys`). */
  elementKeys: ReadonlyArray<string>
  nestedKeys: Readonly<Record<string, ReadonlyArray<string>>>
  /** Closed value sets of some keys. */
  enums: Readonly<Record<string, ReadonlyArray<string>>>
}>

/** The automation JSON files of §4.11, in order. */
export const AUTOMATION_FILES: ReadonlyArray<AutomationFileSpec> = [
  {
    object: 'workflows',
    path: 'automation/workflows.json',
    idKey: 'workflow_id',
    elementKeys: [
      'workflow_id',
      'name',
      'type',
      'object_type',
      'is_enabled',
      'enrollment_trigger',
      'actions',
      'goal_filters',
      'suppression_filters',
      'created_at',
      'updated_at',
      'revision',
    ],
    nestedKeys: {
      enrollment_trigger: ['event', 'filters', 're_enroll'],
      actions: ['action_id', 'type', 'params', 'next_action_id', 'branches'],
    },
    enums: { type: ['LEAD_ROUTING', 'DRIP', 'TASK_TRIGGER', 'SLA_TIMER', 'STAGE_AUTOMATION', 'DATE_BASED'] },
  },
  {
    object: 'sequences',
    path: 'automation/sequences.json',
    idKey: 'sequence_id',
    elementKeys: [
      'sequence_id',
      'name',
      'audience',
      'steps',
      'unenroll_on',
      'requires_sms_consent',
      'is_enabled',
      'updated_at',
    ],
    nestedKeys: { steps: ['order', 'channel', 'delay_days', 'template_id'] },
    enums: {},
  },
  {
    object: 'templates',
    path: 'automation/templates.json',
    idKey: 'template_id',
    elementKeys: [
      'template_id',
      'channel',
      'name',
      'subject',
      'body_html',
      'body_text',
      'updated_at',
      'archived',
    ],
    nestedKeys: {},
    enums: { channel: ['email', 'sms'] },
  },
  {
    object: 'lead_routing_rules',
    path: 'automation/lead_routing_rules.json',
    idKey: 'rule_id',
    elementKeys: [
      'rule_id',
      'name',
      'priority',
      'conditions',
      'method',
      'eligible_owner_ids',
      'weights',
      'claim_timeout_minutes',
      'fallback_owner_id',
      'is_enabled',
      'updated_at',
    ],
    nestedKeys: {},
    enums: {
      method: ['round_robin', 'weighted', 'territory', 'license_state_match', 'claim_pool', 'specific_owner'],
    },
  },
  {
    object: 'sla_policies',
    path: 'automation/sla_policies.json',
    idKey: 'sla_policy_id',
    elementKeys: [
      'sla_policy_id',
      'name',
      'applies_to',
      'stage_id',
      'target_minutes',
      'business_hours_only',
      'breach_actions',
      'escalate_to_owner_id',
      'updated_at',
    ],
    nestedKeys: {},
    enums: { applies_to: ['new_lead_first_response', 'stage_dwell', 'task_completion'] },
  },
]

/** Filter operators of automation filters `{property: "object.property", operator, value}` (§4.11). */
export const FILTER_OPERATORS = [
  'eq',
  'neq',
  'in',
  'not_in',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'is_known',
  'is_unknown',
  'within_last_days',
] as const

/** Merge tags `{{object.property}}` in templates (§4.11; D40 when the property is unknown). */
export const MERGE_TAG_PATTERN = /\{\{\s*([a-z_]+)\.([a-z][a-z0-9_]*)\s*\}\}/g
