/**
 * The mapping: a declarative, versioned JSON document saying how every Leaf360 object, field and
 * value lands in Dataverse. Proposed from the default mortgage template and the staged profile,
 * confirmed by a person, stored in the workspace. The loader builds every payload from it, and
 * verify computes every expected value from it, so the two cannot disagree.
 */
import { z } from 'zod'
import { COLUMN_TYPES } from './target-tables'

export const MAPPING_FORMAT_VERSION = 1

/** Source objects the mapping reads (flavour-independent: ui activities appear as their api types). */
export const SOURCE_OBJECTS = [
  'contacts',
  'companies',
  'deals',
  'pipelines',
  'calls',
  'emails',
  'meetings',
  'notes',
  'tasks',
  'sms',
  'attachments',
  'associations',
  'workflows',
  'owners',
] as const
export type SourceObject = (typeof SOURCE_OBJECTS)[number]

/** The brief's object table (../shared/brief): every row must be covered by the mapping. */
export const BRIEF_ROWS = [
  'contact',
  'referral-partner-contact',
  'company',
  'deal',
  'pipeline',
  'pipeline-stage',
  'custom-field',
  'engagement',
  'attachment',
  'referral-association',
  'workflow',
  'report',
] as const
export type BriefRow = (typeof BRIEF_ROWS)[number]

/** The load phases, in dependency order (issue 6). */
export const PHASES = [
  'accounts',
  'contacts',
  'leads',
  'opportunities',
  'activities',
  'attachments',
  'connections',
  'status',
] as const
export type PhaseId = (typeof PHASES)[number]

/** The value of a transform's `kind`, with what each does (see build-record.ts). */
export const transformSchema = z.discriminatedUnion('kind', [
  /** The source value, coerced to the column type (strings trimmed and cut to the column length); `default` when empty. */
  z.object({ kind: z.literal('copy'), default: z.union([z.string(), z.number(), z.boolean()]).optional() }),
  /** The Leafbridge source key (`contact-51200011207`): the alternate key value. */
  z.object({ kind: z.literal('source-key') }),
  /** A fixed value. */
  z.object({ kind: z.literal('constant'), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }),
  /** An enumeration value through a named value map to a Dataverse option value. */
  z.object({ kind: z.literal('option'), valueMap: z.string() }),
  /** A multi-value joined into one string. */
  z.object({ kind: z.literal('join'), separator: z.string() }),
  /** Several source fields joined (empty ones skipped); `orElse` when all are empty. */
  z.object({
    kind: z.literal('concat'),
    fields: z.array(z.string()).min(1),
    separator: z.string(),
    orElse: z.string().optional(),
  }),
  /** HTML body to plain text (tags stripped, entities decoded). */
  z.object({ kind: z.literal('html-to-text') }),
  /** A Leaf360 owner id → the owner's "First Last" (LoanOfficer). */
  z.object({ kind: z.literal('owner-name') }),
  /** A Leaf360 owner id → the systemuser resolved by e-mail (or the operator's override / fallback). */
  z.object({ kind: z.literal('owner') }),
  /**
   * A source id → the migrated record of `object`, bound by its alternate key. `dynamic` takes a
   * `{object, id}` reference (regarding, connection ends). `fallback` binds the placeholder account
   * when the source is empty (contacts without a company).
   */
  z.object({
    kind: z.literal('lookup'),
    object: z.enum(['contacts', 'companies', 'deals', 'dynamic']),
    fallback: z.enum(['placeholder-account']).optional(),
  }),
  /** A connection role by its name in the mapping settings, resolved to the role's id at load time. */
  z.object({ kind: z.literal('connection-role'), role: z.string().min(1) }),
  /** Activity parties from the source's parties (e-mail addresses, contacts, owners) by role. */
  z.object({ kind: z.literal('parties') }),
  /** The attachment's file, Base64, from the export (never buffered whole; chunked above 4 MB). */
  z.object({ kind: z.literal('file-body') }),
  /** The deal's stage through the `stages` value map: probability (0–100), sales stage, step name, labels. */
  z.object({
    kind: z.literal('stage'),
    attribute: z.enum(['probability', 'salesstage', 'stepname', 'stage-label', 'pipeline-label']),
  }),
  /** The time the deal entered one stage (deal_stage_history or the ui `Date entered` column). */
  z.object({ kind: z.literal('stage-entered'), stageId: z.string() }),
  /** Seconds → whole minutes (call durations are exported in ms). */
  z.object({ kind: z.literal('ms-to-minutes') }),
  /** A boolean from comparing the source value with `equals` (directioncode from direction). */
  z.object({ kind: z.literal('equals'), equals: z.array(z.string()).min(1) }),
])
export type Transform = z.infer<typeof transformSchema>

/** A custom column Leafbridge creates (the schema setup plan lists and applies these). */
export const customColumnSchema = z.object({
  /** SchemaName with the publisher prefix (`lb_LoanStatus`); the logical name is its lower case. */
  schemaName: z.string().regex(/^[a-z]{2,8}_[A-Za-z0-9_]+$/, 'a schema name is prefix_Name'),
  displayName: z.string().min(1),
  description: z.string().default(''),
  type: z.enum(['string', 'memo', 'int', 'decimal', 'money', 'datetime', 'date', 'bool', 'option']),
  maxLength: z.number().int().positive().optional(),
  precision: z.number().int().min(0).max(10).optional(),
  /** For option columns: the value map whose target options define the choices. */
  optionSet: z.string().optional(),
})
export type CustomColumn = z.infer<typeof customColumnSchema>

export const fieldMappingSchema = z.object({
  /** Stable id within the object mapping, for the UI and overrides. */
  id: z.string().min(1),
  /** Source field (api column name), or null for derived values. */
  source: z.string().nullable(),
  /** Target column logical name (a lookup's column, e.g. `parentcustomerid`). */
  target: z.string().min(1),
  type: z.enum(COLUMN_TYPES),
  transform: transformSchema,
  /** Present when the column must be created by the schema plan. */
  custom: customColumnSchema.optional(),
  /** Verify compares this field with the read-back value (false for what cannot be read back as written). */
  verify: z.boolean().default(true),
  /** The column verify reads instead of `target` (overriddencreatedon is read back as createdon). */
  readBack: z.string().optional(),
  status: z.enum(['mapped', 'needs-review', 'unmapped']).default('mapped'),
  note: z.string().optional(),
})
export type FieldMapping = z.infer<typeof fieldMappingSchema>

/** Which source records an object mapping takes. */
export const selectorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  /** Contacts routed by the lead split rule (settings.leadSplit). */
  z.object({ kind: z.literal('lead-split'), side: z.enum(['contact', 'lead']) }),
  /** Association rows of the given type ids (referrals, extra company links). */
  z.object({ kind: z.literal('association-types'), typeIds: z.array(z.number().int()).min(1) }),
])

export const objectMappingSchema = z.object({
  id: z.string().min(1),
  briefRows: z.array(z.enum(BRIEF_ROWS)).min(1),
  label: z.string().min(1),
  source: z.object({ object: z.enum(SOURCE_OBJECTS), select: selectorSchema.default({ kind: 'all' }) }),
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('table'), table: z.string().min(1), phase: z.enum(PHASES) }),
    /** Created by the schema plan (pipelines → business process flows, custom fields → columns). */
    z.object({ kind: z.literal('schema'), what: z.string().min(1) }),
    /** Exported as a file for a person (workflows → rebuild reference, reports → data dictionary). */
    z.object({ kind: z.literal('document'), what: z.string().min(1) }),
  ]),
  fields: z.array(fieldMappingSchema).default([]),
  status: z.enum(['proposed', 'confirmed']).default('proposed'),
  notes: z.array(z.string()).default([]),
})
export type ObjectMapping = z.infer<typeof objectMappingSchema>

/** One source value → one target value (an option value, a table, a stage). */
export const valueMapEntrySchema = z.object({
  source: z.string(),
  /** Dataverse option value (option maps) or null when unmapped. */
  option: z.number().int().nullable(),
  label: z.string(),
  status: z.enum(['mapped', 'needs-review', 'unmapped']),
  note: z.string().optional(),
})
export type ValueMapEntry = z.infer<typeof valueMapEntrySchema>

export const valueMapSchema = z.object({
  name: z.string(),
  /** The Leaf360 enumeration (or `stages`) it maps from. */
  from: z.string(),
  /** The Dataverse column it maps to, for the operator (`lb_loantype`, `opportunity.salesstage`). */
  to: z.string(),
  entries: z.array(valueMapEntrySchema),
})
export type ValueMap = z.infer<typeof valueMapSchema>

/** A Leaf360 stage and where it lands: BPF stage, probability, sales stage, and the closing action. */
export const stageMapEntrySchema = z.object({
  pipelineId: z.string(),
  stageId: z.string(),
  label: z.string(),
  pipelineLabel: z.string(),
  /** The business process flow stage it becomes (pipeline's BPF, stage name). */
  bpfStage: z.string(),
  probability: z.number().int().min(0).max(100),
  /** opportunity.salesstage: 0 Qualify, 1 Develop, 2 Propose, 3 Close. */
  salesstage: z.number().int().min(0).max(3),
  outcome: z.enum(['open', 'won', 'lost']),
  archived: z.boolean(),
  /** Where an archived stage's deals go (Legacy 2021 crosswalk). */
  crosswalkTo: z.string().nullable(),
  status: z.enum(['mapped', 'needs-review', 'unmapped']),
})
export type StageMapEntry = z.infer<typeof stageMapEntrySchema>

/** loan_status → where the contact lands and what it records. */
export const loanStatusRuleSchema = z.object({
  /** Contacts with one of these statuses and no deals become leads; all others stay contacts. */
  leadStatuses: z.array(z.string()),
  /** Statuses that never become leads (referral partners, do-not-contact). */
  neverLead: z.array(z.string()),
})

export const mappingDocumentSchema = z.object({
  formatVersion: z.literal(MAPPING_FORMAT_VERSION),
  name: z.string(),
  /** The publisher customization prefix of every custom column (`lb`). */
  prefix: z.string().regex(/^[a-z][a-z0-9]{1,7}$/),
  /** The first option value of the publisher (`optionvalueprefix` × 10,000). */
  optionValueBase: z.number().int().positive(),
  objects: z.array(objectMappingSchema),
  valueMaps: z.array(valueMapSchema),
  stages: z.array(stageMapEntrySchema),
  settings: z.object({
    leadSplit: loanStatusRuleSchema,
    placeholderAccountName: z.string().min(1),
    /** Connection role pair for referrals (brief: "ReferredBy"). */
    referralRoles: z.object({ referredBy: z.string(), referred: z.string() }),
    /** Connection role pair for contacts linked to further companies. */
    companyLinkRoles: z.object({ member: z.string(), organization: z.string() }),
    /** Include archived Leaf360 records (D18)? Off by default. */
    includeArchived: z.boolean(),
    /** Dataverse's largest annotation file, bytes of Base64 (read from the target by the audit). */
    maxUploadFileSize: z.number().int().positive(),
  }),
})
export type MappingDocument = z.infer<typeof mappingDocumentSchema>

/** The logical name of a custom column (schema name in lower case). */
export const logicalNameOf = (schemaName: string): string => schemaName.toLowerCase()
