/**
 * What the planning steps show: the target audit, the schema setup plan and its application, the
 * mapping summary, and the owner resolution. Plain data, no secrets (STYLE.md §10).
 */

/** The Dynamics 365 Sales licence, as the operator states it (the Web API does not tell). */
export const LICENCE_TIERS = ['professional', 'enterprise', 'unknown'] as const
export type LicenceTier = (typeof LICENCE_TIERS)[number]

/** Professional allows at most this many custom tables (brief: "Professional tier 15-table custom table limit"). */
export const PROFESSIONAL_CUSTOM_TABLE_LIMIT = 15

/** A table Leafbridge writes, as the target has it. */
export type AuditTable = Readonly<{
  table: string
  exists: boolean
  entitySetName: string | null
  isConnectionsEnabled: boolean | null
  /** Bulk messages the table offers (sdkmessagefilters). UpsertMultiple needs Create- and UpdateMultiple. */
  bulk: Readonly<{ createMultiple: boolean; updateMultiple: boolean; upsertMultiple: boolean }>
}>

export type AuditColumn = Readonly<{
  table: string
  logicalName: string
  schemaName: string
  attributeType: string
  maxLength: number | null
  format: string | null
  displayName: string | null
}>

export type AuditKey = Readonly<{
  table: string
  logicalName: string
  schemaName: string
  keyAttributes: ReadonlyArray<string>
  status: 'Pending' | 'InProgress' | 'Active' | 'Failed'
}>

export type AuditConnectionRole = Readonly<{
  connectionRoleId: string
  name: string
  category: number | null
  active: boolean
  /** Names of the roles it is reciprocal to. */
  reciprocal: ReadonlyArray<string>
}>

export type AuditProcess = Readonly<{
  workflowId: string
  name: string
  uniqueName: string | null
  active: boolean
  stages: ReadonlyArray<Readonly<{ processStageId: string; name: string; category: number | null }>>
}>

export type AuditUser = Readonly<{
  systemUserId: string
  fullName: string
  email: string | null
  domainName: string | null
  isDisabled: boolean
  isApplicationUser: boolean
}>

/** What the target environment has, read through the Web API with the operator's sign-in. */
export type TargetAudit = Readonly<{
  auditedAt: string
  environment: Readonly<{
    url: string
    organizationId: string
    organizationName: string
    /** RetrieveVersion, or null when the environment did not answer it. */
    version: string | null
    /** WhoAmI: the identity Leafbridge signed in as. */
    userId: string
    businessUnitId: string
  }>
  licence: Readonly<{ tier: LicenceTier; source: 'operator' | 'not-stated' }>
  tables: ReadonlyArray<AuditTable>
  /** Custom columns of the tables Leafbridge writes. */
  columns: ReadonlyArray<AuditColumn>
  keys: ReadonlyArray<AuditKey>
  connectionRoles: ReadonlyArray<AuditConnectionRole>
  /** Business process flows on opportunity, with their stages. */
  processes: ReadonlyArray<AuditProcess>
  users: ReadonlyArray<AuditUser>
  /** Custom tables already in the environment (BPF instance tables count too). */
  customTables: ReadonlyArray<Readonly<{ logicalName: string; isBpfEntity: boolean }>>
  publishers: ReadonlyArray<Readonly<{ uniqueName: string; prefix: string; optionValuePrefix: number }>>
  solutions: ReadonlyArray<string>
  /** organization.maxuploadfilesize, bytes of Base64. */
  maxUploadFileSize: number
  notes: ReadonlyArray<string>
}>

/** What the plan does with one item: create it, find it already there, or stop on a clash. */
export type PlanItemState = 'create' | 'exists' | 'conflict'

export type PlanSeverity = 'info' | 'warning' | 'blocker'

export type PlanWarning = Readonly<{ code: string; severity: PlanSeverity; message: string }>

export type PlannedColumn = Readonly<{
  table: string
  schemaName: string
  logicalName: string
  displayName: string
  description: string
  type: 'string' | 'memo' | 'int' | 'decimal' | 'money' | 'datetime' | 'date' | 'bool' | 'option'
  maxLength: number | null
  precision: number | null
  /** Picklists: the options, from the value map (unmapped values are not options). */
  options: ReadonlyArray<Readonly<{ value: number; label: string }>> | null
  optionSet: string | null
  purpose: 'source-id' | 'original-time' | 'original-user' | 'stage-entered' | 'mapped' | 'custom-property'
  /** Where the values come from (`contacts.loan_status`), empty for derived values. */
  sources: ReadonlyArray<string>
  state: PlanItemState
  note: string | null
}>

export type PlannedKey = Readonly<{
  table: string
  schemaName: string
  logicalName: string
  keyAttributes: ReadonlyArray<string>
  state: PlanItemState
  /** The index status when the key exists. */
  status: AuditKey['status'] | null
}>

export type PlannedConnectionRole = Readonly<{
  name: string
  /** The role it is reciprocal to. */
  matches: string
  purpose: string
  state: PlanItemState
}>

export type PlannedStage = Readonly<{
  stageId: string
  name: string
  /** stagecategory: 0 Qualify, 1 Develop, 2 Propose, 3 Close. */
  category: number
  probability: number
  outcome: 'open' | 'won' | 'lost'
  archived: boolean
  /** Deals of the export in this stage. */
  deals: number
}>

export type PlannedProcess = Readonly<{
  pipelineId: string
  pipelineLabel: string
  name: string
  uniqueName: string
  primaryEntity: 'opportunity'
  stages: ReadonlyArray<PlannedStage>
  state: PlanItemState
  /** Archived pipelines whose deals land in this process through the crosswalk. */
  absorbs: ReadonlyArray<string>
  /** File name of the importable XML definition in the exported plan. */
  definitionFile: string
}>

/** The schema setup plan: everything the target needs before a record moves. */
export type SchemaPlan = Readonly<{
  computedAt: string
  mappingVersion: number | null
  auditedAt: string
  publisher: Readonly<{
    uniqueName: string
    friendlyName: string
    prefix: string
    optionValuePrefix: number
    state: PlanItemState
  }>
  solution: Readonly<{ uniqueName: string; friendlyName: string; state: PlanItemState }>
  columns: ReadonlyArray<PlannedColumn>
  alternateKeys: ReadonlyArray<PlannedKey>
  connectionRoles: ReadonlyArray<PlannedConnectionRole>
  processes: ReadonlyArray<PlannedProcess>
  warnings: ReadonlyArray<PlanWarning>
  licence: TargetAudit['licence']
  customTables: Readonly<{ existing: number; planned: number; limit: number | null }>
  counts: Readonly<{ create: number; exists: number; conflict: number }>
}>

/** One thing apply created or found. */
export type AppliedItem = Readonly<{
  kind:
    'publisher' | 'solution' | 'column' | 'key' | 'connection-role' | 'role-association' | 'process' | 'stage'
  table: string | null
  name: string
  action: 'created' | 'existing'
}>

export type ApplyResult = Readonly<{
  appliedAt: string
  created: number
  existing: number
  items: ReadonlyArray<AppliedItem>
  /** Every planned key is Active. */
  keysActive: boolean
}>

export type UndoResult = Readonly<{
  undoneAt: string
  removed: number
  alreadyGone: number
  failed: number
  items: ReadonlyArray<
    Readonly<{
      kind: AppliedItem['kind']
      table: string | null
      name: string
      action: 'removed' | 'already-gone' | 'failed'
      message: string | null
    }>
  >
}>

export type OwnerStatus = 'matched' | 'disabled' | 'unmatched'

export type OwnerAssignment = Readonly<{
  systemUserId: string
  name: string
  email: string | null
  via: 'match' | 'override' | 'fallback'
}>

/** One Leaf360 owner and where their records go. */
export type OwnerRow = Readonly<{
  ownerId: string
  email: string | null
  name: string
  role: string | null
  activeInLeaf360: boolean | null
  /** Defined in owners.csv? Referenced-only ids are unmatched by definition. */
  defined: boolean
  status: OwnerStatus
  match: Readonly<{ systemUserId: string; name: string; email: string | null; isDisabled: boolean }> | null
  /** Records owned, over every migrated object, and per object. */
  records: number
  recordsByObject: Readonly<Record<string, number>>
  override: Readonly<{ systemUserId: string; name: string }> | null
  assignedTo: OwnerAssignment | null
  note: string | null
}>

/** The owner preflight: who owns what, and whether every record has a valid, enabled owner. */
export type OwnersReport = Readonly<{
  generatedAt: string
  auditedAt: string
  matched: number
  disabled: number
  unmatched: number
  owners: ReadonlyArray<OwnerRow>
  /** Records with no owner in Leaf360; they go to the fallback owner. */
  unownedRecords: number
  fallback: Readonly<{ systemUserId: string; name: string; email: string | null }> | null
  /** Records that would have no valid, enabled owner now (0 = ready). */
  blockedRecords: number
  blockedOwners: number
  ready: boolean
}>

/** The operator's owner decisions as stored in the workspace. */
export type OwnerDecisions = Readonly<{
  fallbackSystemUserId: string | null
  overrides: ReadonlyArray<Readonly<{ ownerId: string; systemUserId: string }>>
}>

export type MappingRowStatus = 'mapped' | 'needs-review' | 'unmapped'

/** One object row of the mapping as the Mapping step lists it. */
export type MappingObjectRow = Readonly<{
  id: string
  label: string
  briefRows: ReadonlyArray<string>
  source: string
  target: string
  status: 'proposed' | 'confirmed'
  fields: number
  fieldsToReview: number
  notes: ReadonlyArray<string>
}>

export type ValueMapSummary = Readonly<{
  name: string
  from: string
  to: string
  entries: ReadonlyArray<
    Readonly<{
      source: string
      option: number | null
      label: string
      status: MappingRowStatus
      count: number
    }>
  >
  unmapped: number
}>

/** loan_status → where the contact lands (contact or lead), its usual stage and its lead status. */
export type LoanStatusRoute = Readonly<{
  value: string
  label: string
  count: number
  table: 'contact' | 'lead' | 'contact-or-lead'
  usualStages: ReadonlyArray<string>
  /** Lead statecode/statuscode when it becomes a lead. */
  leadStatus: Readonly<{ statecode: number; statuscode: number; label: string }> | null
  status: MappingRowStatus
  note: string
}>

/** The stored mapping as the Mapping step shows it. */
export type MappingSummary = Readonly<{
  version: number
  status: 'proposed' | 'confirmed'
  createdAt: string
  confirmedAt: string | null
  name: string
  prefix: string
  objects: ReadonlyArray<MappingObjectRow>
  valueMaps: ReadonlyArray<ValueMapSummary>
  stages: ReadonlyArray<
    Readonly<{
      pipelineLabel: string
      stageId: string
      label: string
      bpfStage: string
      probability: number
      salesstage: number
      outcome: string
      status: MappingRowStatus
    }>
  >
  loanStatusRouting: ReadonlyArray<LoanStatusRoute>
  /** Values seen in the export that no map takes (flagged, never dropped). */
  unmappedValues: number
}>

/** A file a report export wrote. */
export type ExportedFile = Readonly<{ format: string; path: string; bytes: number }>

/** The planning state of the open workspace, for the steps to show at a glance. */
export type PlanStatus = Readonly<{
  targetProfile: Readonly<{ url: string; clientId: string; authMode: string; file: string }> | null
  licenceTier: LicenceTier
  auditedAt: string | null
  mapping: Readonly<{ version: number; status: 'proposed' | 'confirmed' }> | null
  lastApply: Readonly<{ at: string; created: number; existing: number }> | null
  ownersReady: boolean | null
}>
