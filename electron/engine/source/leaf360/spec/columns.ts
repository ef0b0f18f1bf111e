/**
 * The data files of EXPORT-FORMAT.md §4 and §7 as tables: for each file its path, manifest object,
 * flavours, id column, and columns in file order with api name, ui header, §5 type, nullability and
 * whether the column is a body (never trimmed).
 *
 * The columns are transcribed in the spec's own notation (`enum:role`, `multi state`, `→teams`,
 * `key →pipelines`, `owner`) and parsed once here, so a reviewer can hold this file against §4 line by
 * line. Custom property columns (§4.10) and the ui appended columns (§7, see `ui-columns.ts`) are not
 * listed here: they depend on the portal.
 */
import { AppError } from '../../../errors'
import type { EnumName } from './enums'
import { ENUMS } from './enums'
import type { Flavour, ValueType } from './value-types'

/** The object a foreign key points at (§4 `→x`; `owner` is `→owners`). */
export type RefTarget =
  'owners' | 'teams' | 'contacts' | 'companies' | 'deals' | 'pipelines' | 'stages' | 'attachments'

/** How a column's value is written in the ui flavour (§7 "Values"). */
export type UiRendering =
  /** Formatted by its type: dates `MM/DD/YYYY`, money `$1,250,000.00`, bool `Yes`/`No`, ids as is. */
  | 'typed'
  /** The §6 label of the enum value. */
  | 'enum-label'
  /** `first_name last_name`, with ` (Deactivated User)` for inactive owners (§7). */
  | 'owner-name'
  /** The team's name (owners `Team`, §4.1). */
  | 'team-name'
  /** The pipeline label (§7). */
  | 'pipeline-label'
  /** The stage label, resolved by pipeline label + stage label (§7). */
  | 'stage-label'

/** One column of a data file. */
export type ColumnSpec = Readonly<{
  /** api column name (also the name `_truth/defects.jsonl` uses in both flavours, §10). */
  name: string
  /** ui header (§4 "UI"); null when the column is absent in ui (`—`). */
  ui: string | null
  type: ValueType
  /** The §6 enumeration of an `enum:x` column. */
  enum: EnumName | null
  /** The target of a foreign key (`→x`, `owner`). */
  ref: RefTarget | null
  /** `multi t`: `;`-joined values. */
  multi: boolean
  /** Null `Y`: may be empty in a conformant export. `N` columns are never empty (D37 otherwise). */
  nullable: boolean
  /** Bodies are not trimmed by readers (§5). */
  body: boolean
  uiRendering: UiRendering
  /** A closed set of values for columns that are not §6 enumerations (`association_category`, …). */
  allowed: ReadonlyArray<string> | null
  /** The §4 type notation this column was transcribed from. */
  notation: string
}>

/** The manifest object names of the data files (§3: file name without folder, extension, `_partN`). */
export type DataObject =
  | 'owners'
  | 'teams'
  | 'contacts'
  | 'companies'
  | 'deals'
  | 'deal_stage_history'
  | 'associations'
  | 'associations_contact_company'
  | 'associations_contact_deal'
  | 'associations_deal_company'
  | 'associations_contact_contact'
  | 'calls'
  | 'emails'
  | 'meetings'
  | 'notes'
  | 'tasks'
  | 'sms'
  | 'engagement_associations'
  | 'activities'
  | 'attachments'
  | 'workflow_enrollments'

/** Which property definitions file adds custom columns to a data file (§4.10). */
export type CustomPropertyObject = 'contacts' | 'companies' | 'deals' | 'engagements'

/** An engagement type as `engagement_associations.csv` writes it (§4.8). */
export type EngagementType = 'CALL' | 'EMAIL' | 'MEETING' | 'NOTE' | 'TASK' | 'SMS'

/** One data file (CSV, or in ui possibly XLSX) of §2/§4/§7. */
export type DataFileSpec = Readonly<{
  object: DataObject
  /** Path of the unpartitioned CSV (`_partN` and `.xlsx` variants derive from it, §2). */
  path: string
  /** The spec section that defines it. */
  section: string
  flavours: ReadonlyArray<Flavour>
  /** Required files stop the import when missing (§2). */
  required: boolean
  /** The id column; null when rows are identified by a tuple (`identity`). */
  idColumn: string | null
  /** Columns that identify a row when there is no id column (§4.7 tuple; §4.8 whole row). */
  identity: ReadonlyArray<string> | null
  columns: ReadonlyArray<ColumnSpec>
  /** Custom property columns follow the standard ones (§4.10). */
  customProperties: CustomPropertyObject | null
  /** Whether the ui flavour may write this file as XLSX instead of CSV (§2, §7). */
  uiMayBeXlsx: boolean
  /** Whether the ui flavour may write it in Windows-1252 (§7: contacts, companies, deals, activities). */
  uiMayBeWindows1252: boolean
  /** Written exactly as in api in both flavours (§4.11 workflow_enrollments). */
  apiFormInBothFlavours: boolean
  /** For engagement type files: the type (§4.8). */
  engagementType: EngagementType | null
  /** For typed association copies: the (from, to) object types they hold (§4.7). */
  associationDirection: Readonly<{ from: string; to: string; bothDirections: boolean }> | null
}>

const REF_TARGETS: ReadonlySet<string> = new Set([
  'owners',
  'teams',
  'contacts',
  'companies',
  'deals',
  'pipelines',
  'stages',
  'attachments',
])

/** Parses one §4 type notation into the typed parts of a column. */
export function parseTypeNotation(
  notation: string,
): Readonly<{ type: ValueType; enum: EnumName | null; ref: RefTarget | null; multi: boolean }> {
  let rest = notation.trim()
  const multi = rest.startsWith('multi ')
  if (multi) rest = rest.slice('multi '.length).trim()
  const bad = () =>
    new AppError({
      code: 'bad-type-notation',
      kind: 'bug',
      message: `Cannot read the §4 type notation "${notation}".`,
    })
  if (rest === 'owner') return { type: 'owner', enum: null, ref: 'owners', multi }
  if (rest.startsWith('enum:')) {
    const name = rest.slice('enum:'.length)
    if (!(name in ENUMS)) throw bad()
    return { type: 'enum', enum: name as EnumName, ref: null, multi }
  }
  const arrow = rest.indexOf('→')
  if (arrow >= 0) {
    const base = rest.slice(0, arrow).trim() || 'id'
    const target = rest.slice(arrow + 1).trim()
    if (!REF_TARGETS.has(target) || (base !== 'id' && base !== 'key')) throw bad()
    return { type: base, enum: null, ref: target as RefTarget, multi }
  }
  const simple: ReadonlyArray<ValueType> = [
    'id',
    'key',
    'string',
    'email',
    'phone',
    'state',
    'zip',
    'int',
    'decimal',
    'money',
    'pct',
    'prob',
    'bool',
    'date',
    'datetime',
  ]
  const found = simple.find((t) => t === rest)
  if (found === undefined) throw bad()
  return { type: found, enum: null, ref: null, multi }
}

type ColumnOptions = Readonly<{ body?: true; allowed?: ReadonlyArray<string>; uiRendering?: UiRendering }>

/** One column from the §4 table row: api name, UI header (`null` for `—`), type notation, Null `N`/`Y`. */
function column(
  name: string,
  ui: string | null,
  notation: string,
  nullable: 'N' | 'Y',
  options: ColumnOptions = {},
): ColumnSpec {
  const parsed = parseTypeNotation(notation)
  const uiRendering: UiRendering =
    options.uiRendering ??
    (parsed.type === 'enum'
      ? 'enum-label'
      : parsed.type === 'owner'
        ? 'owner-name'
        : parsed.ref === 'pipelines'
          ? 'pipeline-label'
          : parsed.ref === 'stages'
            ? 'stage-label'
            : 'typed')
  return {
    name,
    ui,
    ...parsed,
    nullable: nullable === 'Y',
    body: options.body === true,
    uiRendering,
    allowed: options.allowed ?? null,
    notation,
  }
}

/** §4.1 data/owners.csv. */
export const OWNERS_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('owner_id', 'Owner ID', 'id', 'N'),
  column('email', 'Email', 'email', 'N'),
  column('first_name', 'First Name', 'string', 'N'),
  column('last_name', 'Last Name', 'string', 'N'),
  column('role', 'Role', 'enum:role', 'N'),
  column('nmls_id', 'NMLS ID', 'string', 'Y'),
  // §4.1 "ui: team name".
  column('team_id', 'Team', '→teams', 'Y', { uiRendering: 'team-name' }),
  column('license_states', 'License States', 'multi state', 'Y'),
  column('phone', 'Phone Number', 'phone', 'Y'),
  column('is_active', 'Active', 'bool', 'N'),
  column('deactivated_at', 'Deactivated Date', 'datetime', 'Y'),
  column('created_at', 'Create Date', 'datetime', 'N'),
  column('updated_at', 'Last Modified Date', 'datetime', 'N'),
]

/** §4.2 data/teams.csv. */
export const TEAMS_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('team_id', 'Team ID', 'id', 'N'),
  column('name', 'Team Name', 'string', 'N'),
  column('branch_nmls', 'Branch NMLS ID', 'string', 'Y'),
  column('parent_team_id', 'Parent Team ID', '→teams', 'Y'),
  column('manager_owner_id', 'Manager', 'owner', 'Y'),
  column('address', 'Street Address', 'string', 'Y'),
  column('city', 'City', 'string', 'Y'),
  column('state', 'State/Region', 'state', 'Y'),
  column('zip', 'Postal Code', 'zip', 'Y'),
  column('created_at', 'Create Date', 'datetime', 'N'),
  column('updated_at', 'Last Modified Date', 'datetime', 'N'),
]

/** §4.3 data/contacts.csv (standard columns). */
export const CONTACTS_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('id', 'Record ID', 'id', 'N'),
  column('first_name', 'First Name', 'string', 'Y'),
  column('last_name', 'Last Name', 'string', 'Y'),
  column('email', 'Email', 'email', 'Y'),
  column('additional_emails', 'Additional Emails', 'multi email', 'Y'),
  column('phone', 'Phone Number', 'phone', 'Y'),
  column('mobile_phone', 'Mobile Phone Number', 'phone', 'Y'),
  column('address', 'Street Address', 'string', 'Y'),
  column('city', 'City', 'string', 'Y'),
  column('state', 'State/Region', 'state', 'Y'),
  column('zip', 'Postal Code', 'zip', 'Y'),
  column('date_of_birth', 'Date of Birth', 'date', 'Y'),
  column('contact_type', 'Contact Type', 'enum:contact_type', 'N'),
  column('lifecycle_stage', 'Lifecycle Stage', 'enum:lifecycle_stage', 'Y'),
  column('lead_status', 'Lead Status', 'enum:lead_status', 'Y'),
  column('loan_status', 'Loan Status', 'enum:loan_status', 'Y'),
  column('owner_id', 'Contact owner', 'owner', 'Y'),
  column('loan_officer_owner_id', 'Loan Officer', 'owner', 'Y'),
  column('assistant_owner_id', 'Loan Officer Assistant', 'owner', 'Y'),
  column('lead_source', 'Lead Source', 'enum:lead_source', 'Y'),
  column('lead_source_detail', 'Lead Source Detail', 'string', 'Y'),
  column('referral_source', 'Referral Source', 'string', 'Y'),
  column('referred_by_contact_id', 'Referred By (Record ID)', '→contacts', 'Y'),
  column('primary_company_id', 'Primary Company ID', '→companies', 'Y'),
  column('loan_type_interest', 'Loan Type Interest', 'enum:loan_type', 'Y'),
  column('first_time_homebuyer', 'First-Time Homebuyer', 'bool', 'Y'),
  column('email_opt_out', 'Unsubscribed From All Email', 'bool', 'Y'),
  column('sms_consent', 'SMS Consent', 'enum:sms_consent', 'Y'),
  column('sms_consent_at', 'SMS Consent Date', 'datetime', 'Y'),
  column('do_not_call', 'Do Not Call', 'bool', 'Y'),
  column('tags', 'Tags', 'multi string', 'Y'),
  column('partner_type', 'Partner Type', 'enum:partner_type', 'Y'),
  column('last_activity_at', 'Last Activity Date', 'datetime', 'Y'),
  column('source_system', 'Original Source', 'enum:source_system', 'Y'),
  column('external_ids', 'External IDs', 'multi string', 'Y'),
  column('merged_into_id', 'Merged Into Record ID', '→contacts', 'Y'),
  column('created_at', 'Create Date', 'datetime', 'N'),
  column('updated_at', 'Last Modified Date', 'datetime', 'N'),
  column('archived', null, 'bool', 'N'),
]

/** §4.4 data/companies.csv (standard columns). */
export const COMPANIES_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('id', 'Record ID', 'id', 'N'),
  column('name', 'Company Name', 'string', 'N'),
  column('domain', 'Company Domain Name', 'string', 'Y'),
  column('company_type', 'Company Type', 'enum:company_type', 'Y'),
  column('parent_company_id', 'Parent Company ID', '→companies', 'Y'),
  column('phone', 'Phone Number', 'phone', 'Y'),
  column('address', 'Street Address', 'string', 'Y'),
  column('city', 'City', 'string', 'Y'),
  column('state', 'State/Region', 'state', 'Y'),
  column('zip', 'Postal Code', 'zip', 'Y'),
  column('property_address', 'Property Address', 'string', 'Y'),
  column('property_city', 'Property City', 'string', 'Y'),
  column('property_state', 'Property State', 'state', 'Y'),
  column('property_zip', 'Property Postal Code', 'zip', 'Y'),
  column('estimated_property_value', 'Estimated Property Value', 'money', 'Y'),
  column('owner_id', 'Company owner', 'owner', 'Y'),
  column('created_at', 'Create Date', 'datetime', 'N'),
  column('updated_at', 'Last Modified Date', 'datetime', 'N'),
  column('archived', null, 'bool', 'N'),
]

/** §4.5 data/deals.csv (standard columns). */
export const DEALS_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('id', 'Record ID', 'id', 'N'),
  column('dealname', 'Deal Name', 'string', 'N'),
  column('pipeline_id', 'Pipeline', 'key →pipelines', 'N'),
  column('dealstage', 'Deal Stage', 'key →stages', 'N'),
  column('amount', 'Amount', 'money', 'Y'),
  column('closedate', 'Close Date', 'date', 'Y'),
  column('owner_id', 'Deal owner', 'owner', 'Y'),
  column('loan_officer_owner_id', 'Loan Officer', 'owner', 'Y'),
  column('processor_owner_id', 'Processor', 'owner', 'Y'),
  column('loan_number', 'Loan Number', 'string', 'Y'),
  column('los_loan_guid', 'LOS Loan GUID', 'string', 'Y'),
  column('lender_name', 'Lender', 'string', 'Y'),
  column('channel', 'Channel', 'enum:channel', 'Y'),
  column('loan_purpose', 'Loan Purpose', 'enum:loan_purpose', 'Y'),
  column('loan_type', 'Loan Type', 'enum:loan_type', 'Y'),
  column('occupancy', 'Occupancy', 'enum:occupancy', 'Y'),
  column('property_type', 'Property Type', 'enum:property_type', 'Y'),
  column('amortization_type', 'Amortization Type', 'enum:amortization_type', 'Y'),
  column('term_months', 'Loan Term (Months)', 'int', 'Y'),
  column('loan_amount', 'Loan Amount', 'money', 'Y'),
  column('purchase_price', 'Purchase Price', 'money', 'Y'),
  column('appraised_value', 'Appraised Value', 'money', 'Y'),
  column('ltv', 'LTV', 'pct', 'Y'),
  column('interest_rate', 'Interest Rate', 'pct', 'Y'),
  column('lock_status', 'Lock Status', 'enum:lock_status', 'Y'),
  column('fico_score', 'FICO Score', 'int', 'Y'),
  column('preapproval_date', 'Pre-Approval Date', 'date', 'Y'),
  column('preapproval_expiration_date', 'Pre-Approval Expiration Date', 'date', 'Y'),
  column('preapproval_amount', 'Pre-Approval Amount', 'money', 'Y'),
  column('application_date', 'Application Date', 'date', 'Y'),
  column('closing_date', 'Closing Date', 'date', 'Y'),
  column('funded_date', 'Funded Date', 'date', 'Y'),
  column('lost_date', 'Lost Date', 'date', 'Y'),
  column('lost_reason', 'Lost Reason', 'enum:lost_reason', 'Y'),
  column('hmda_action_taken', 'HMDA Action Taken', 'enum:hmda_action_taken', 'Y'),
  column('subject_address', 'Subject Property Address', 'string', 'Y'),
  column('subject_city', 'Subject Property City', 'string', 'Y'),
  column('subject_state', 'Subject Property State', 'state', 'Y'),
  column('subject_zip', 'Subject Property Postal Code', 'zip', 'Y'),
  column('subject_tbd', 'Subject Property TBD', 'bool', 'Y'),
  column('lead_source', 'Lead Source', 'enum:lead_source', 'Y'),
  column('referral_source', 'Referral Source', 'string', 'Y'),
  column('referral_partner_contact_id', 'Referral Partner (Record ID)', '→contacts', 'Y'),
  column('date_entered_current_stage', 'Date Entered Current Stage', 'datetime', 'Y'),
  column('created_at', 'Create Date', 'datetime', 'N'),
  column('updated_at', 'Last Modified Date', 'datetime', 'N'),
  column('archived', null, 'bool', 'N'),
]

/** §4.6 data/deal_stage_history.csv (api only). */
export const DEAL_STAGE_HISTORY_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('id', null, 'id', 'N'),
  column('deal_id', null, '→deals', 'N'),
  column('pipeline_id', null, 'key', 'N'),
  column('from_stage_id', null, 'key', 'Y'),
  column('to_stage_id', null, 'key', 'N'),
  column('changed_at', null, 'datetime', 'N'),
  column('changed_by_owner_id', null, 'owner', 'Y'),
  column('change_source', null, 'enum:change_source', 'N'),
]

/** §4.7 association columns: data/associations.csv and the typed copies under data/associations/. */
export const ASSOCIATIONS_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('from_object_type', null, 'enum:object_type', 'N'),
  column('from_id', null, 'id', 'N'),
  column('to_object_type', null, 'enum:object_type', 'N'),
  column('to_id', null, 'id', 'N'),
  column('association_type_id', null, 'int', 'N'),
  column('association_category', null, 'key', 'N', { allowed: ['LEAF360_DEFINED', 'USER_DEFINED'] }),
  column('label', null, 'string', 'Y'),
  column('is_primary', null, 'bool', 'N'),
  column('created_at', null, 'datetime', 'Y'),
]

/** The §4.7 identity of an association row: (from type, from id, to type, to id, type id). */
export const ASSOCIATION_IDENTITY: ReadonlyArray<string> = [
  'from_object_type',
  'from_id',
  'to_object_type',
  'to_id',
  'association_type_id',
]

/** §4.8 columns every engagement type file starts with. */
export const ENGAGEMENT_COMMON_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('id', null, 'id', 'N'),
  column('timestamp', null, 'datetime', 'N'),
  column('owner_id', null, 'owner', 'Y'),
  column('source', null, 'enum:engagement_source', 'N'),
  column('body', null, 'string', 'Y', { body: true }),
  column('attachment_ids', null, 'multi →attachments', 'Y'),
  column('workflow_id', null, 'id', 'Y'),
  column('sequence_id', null, 'id', 'Y'),
  column('created_at', null, 'datetime', 'N'),
  column('updated_at', null, 'datetime', 'N'),
  column('archived', null, 'bool', 'N'),
]

/** §4.8 type columns of each engagement file, in order (all nullable; untyped = string). */
export const ENGAGEMENT_TYPE_COLUMNS: Readonly<
  Record<'calls' | 'emails' | 'meetings' | 'notes' | 'tasks' | 'sms', ReadonlyArray<ColumnSpec>>
> = {
  calls: [
    column('direction', null, 'enum:call_direction', 'Y'),
    column('disposition', null, 'enum:call_disposition', 'Y'),
    column('status', null, 'enum:call_status', 'Y'),
    column('duration_ms', null, 'int', 'Y'),
    column('from_number', null, 'phone', 'Y'),
    column('to_number', null, 'phone', 'Y'),
    column('recording_url', null, 'string', 'Y'),
    column('title', null, 'string', 'Y'),
  ],
  emails: [
    column('direction', null, 'enum:email_direction', 'Y'),
    column('subject', null, 'string', 'Y'),
    column('from_email', null, 'email', 'Y'),
    column('to_emails', null, 'multi email', 'Y'),
    column('cc_emails', null, 'multi email', 'Y'),
    // §5: the e-mail `text` is a body, never trimmed.
    column('text', null, 'string', 'Y', { body: true }),
    column('thread_id', null, 'string', 'Y'),
    column('send_status', null, 'enum:email_send_status', 'Y'),
    column('opened_at', null, 'datetime', 'Y'),
  ],
  meetings: [
    column('title', null, 'string', 'Y'),
    column('start_time', null, 'datetime', 'Y'),
    column('end_time', null, 'datetime', 'Y'),
    column('location', null, 'string', 'Y'),
    column('meeting_type', null, 'enum:meeting_type', 'Y'),
    column('outcome', null, 'enum:meeting_outcome', 'Y'),
    column('attendee_contact_ids', null, 'multi →contacts', 'Y'),
  ],
  notes: [column('pinned', null, 'bool', 'Y')],
  tasks: [
    column('subject', null, 'string', 'Y'),
    column('status', null, 'enum:task_status', 'Y'),
    column('priority', null, 'enum:task_priority', 'Y'),
    column('task_type', null, 'enum:task_type', 'Y'),
    column('completed_at', null, 'datetime', 'Y'),
    column('sla_policy_id', null, 'id', 'Y'),
  ],
  sms: [
    column('direction', null, 'enum:call_direction', 'Y'),
    column('from_number', null, 'phone', 'Y'),
    column('to_number', null, 'phone', 'Y'),
    column('delivery_status', null, 'enum:sms_delivery_status', 'Y'),
  ],
}

/** The engagement type files, with the type each holds (§4.8). */
export const ENGAGEMENT_FILES: ReadonlyArray<
  Readonly<{ object: 'calls' | 'emails' | 'meetings' | 'notes' | 'tasks' | 'sms'; type: EngagementType }>
> = [
  { object: 'calls', type: 'CALL' },
  { object: 'emails', type: 'EMAIL' },
  { object: 'meetings', type: 'MEETING' },
  { object: 'notes', type: 'NOTE' },
  { object: 'tasks', type: 'TASK' },
  { object: 'sms', type: 'SMS' },
]

/** §4.8 data/engagements/engagement_associations.csv: the whole row identifies a link. */
export const ENGAGEMENT_ASSOCIATIONS_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('engagement_id', null, 'id', 'N'),
  column('engagement_type', null, 'string', 'N', {
    allowed: ['CALL', 'EMAIL', 'MEETING', 'NOTE', 'TASK', 'SMS'],
  }),
  column('object_type', null, 'string', 'N', { allowed: ['contact', 'company', 'deal'] }),
  column('object_id', null, 'id', 'N'),
  column('association_type_id', null, 'int', 'N', { allowed: ['500', '502', '504'] }),
]

/** §4.9 data/attachments.csv. */
export const ATTACHMENTS_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('file_id', 'File ID', 'id', 'N'),
  column('original_filename', 'File Name', 'string', 'N'),
  column('stored_path', 'Stored Path', 'string', 'Y'),
  column('mime_type', 'MIME Type', 'string', 'Y'),
  column('size_bytes', 'Size (Bytes)', 'int', 'N'),
  column('sha256', 'SHA-256', 'string', 'Y'),
  column('doc_type', 'Document Type', 'enum:doc_type', 'Y'),
  column('uploaded_at', 'Upload Date', 'datetime', 'N'),
  column('uploaded_by_owner_id', 'Uploaded By', 'owner', 'Y'),
  column('uploaded_by_contact_id', 'Uploaded By Contact (Record ID)', '→contacts', 'Y'),
  column('upload_source', 'Upload Source', 'enum:upload_source', 'Y'),
  column('is_password_protected', 'Password Protected', 'bool', 'Y'),
  column('binary_present', 'File Included', 'bool', 'N'),
  column('updated_at', 'Last Modified Date', 'datetime', 'N'),
  column('archived', null, 'bool', 'N'),
]

/** §4.11 automation/workflow_enrollments.csv: api form in both flavours. */
export const WORKFLOW_ENROLLMENTS_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('enrollment_id', null, 'id', 'N'),
  column('workflow_id', null, 'id', 'Y'),
  column('sequence_id', null, 'id', 'Y'),
  column('object_type', null, 'enum:object_type', 'N'),
  column('object_id', null, 'id', 'N'),
  column('enrolled_at', null, 'datetime', 'N'),
  column('current_step', null, 'string', 'Y'),
  column('status', null, 'enum:enrollment_status', 'N'),
  column('unenrolled_at', null, 'datetime', 'Y'),
  column('updated_at', null, 'datetime', 'N'),
]

/** The ui `Activity Type` values of activities.csv, by engagement type (§7). */
export const ACTIVITY_TYPE_LABELS: Readonly<Record<EngagementType, string>> = {
  CALL: 'Call',
  EMAIL: 'Email',
  MEETING: 'Meeting',
  NOTE: 'Note',
  TASK: 'Task',
  SMS: 'SMS',
}

/**
 * §7 data/activities.csv (ui only), standard columns in order; custom engagement properties follow.
 *
 * activities.csv has no api counterpart, so `name` is the engagement api column the value comes
 * from where there is one (`id`, `timestamp`, `owner_id`, `body`, `completed_at`, …) and a
 * snake_case name of the ui header otherwise (`activity_type`, `outcome`, `duration`, …). These names
 * are what `_truth/defects.jsonl` uses for activities.csv.
 */
export const ACTIVITIES_COLUMNS: ReadonlyArray<ColumnSpec> = [
  column('id', 'Record ID', 'id', 'N'),
  column('activity_type', 'Activity Type', 'string', 'N', { allowed: Object.values(ACTIVITY_TYPE_LABELS) }),
  column('timestamp', 'Activity Date', 'datetime', 'N'),
  column('owner_id', 'Activity Owner', 'owner', 'Y'),
  // Subject or title (§7).
  column('subject', 'Subject', 'string', 'Y'),
  column('body', 'Body', 'string', 'Y', { body: true }),
  // Label of the call or e-mail direction.
  column('direction', 'Direction', 'string', 'Y'),
  // Label of the disposition, meeting outcome, task status, SMS delivery status or e-mail send status.
  column('outcome', 'Outcome', 'string', 'Y'),
  // `hh:mm:ss` from the call's duration_ms.
  column('duration', 'Duration', 'string', 'Y'),
  column('from', 'From', 'string', 'Y'),
  column('to', 'To', 'multi string', 'Y'),
  // Tasks: the due time (the task's `timestamp`).
  column('due_date', 'Due Date', 'datetime', 'Y'),
  column('completed_at', 'Completed Date', 'datetime', 'Y'),
  column('created_at', 'Create Date', 'datetime', 'N'),
  column('updated_at', 'Last Modified Date', 'datetime', 'N'),
  column('attachment_ids', 'Attachment IDs', 'multi →attachments', 'Y'),
  column('associated_contact_ids', 'Associated Contact IDs', 'multi →contacts', 'Y'),
  column('associated_company_ids', 'Associated Company IDs', 'multi →companies', 'Y'),
  column('associated_deal_ids', 'Associated Deal IDs', 'multi →deals', 'Y'),
]

type FileOptions = Partial<
  Pick<
    DataFileSpec,
    | 'required'
    | 'idColumn'
    | 'identity'
    | 'customProperties'
    | 'uiMayBeXlsx'
    | 'uiMayBeWindows1252'
    | 'apiFormInBothFlavours'
    | 'engagementType'
    | 'associationDirection'
  >
>

const file = (
  object: DataObject,
  path: string,
  section: string,
  flavours: ReadonlyArray<Flavour>,
  columns: ReadonlyArray<ColumnSpec>,
  options: FileOptions,
): DataFileSpec => ({
  object,
  path,
  section,
  flavours,
  columns,
  required: options.required ?? false,
  idColumn: options.idColumn ?? null,
  identity: options.identity ?? null,
  customProperties: options.customProperties ?? null,
  uiMayBeXlsx: options.uiMayBeXlsx ?? false,
  uiMayBeWindows1252: options.uiMayBeWindows1252 ?? false,
  apiFormInBothFlavours: options.apiFormInBothFlavours ?? false,
  engagementType: options.engagementType ?? null,
  associationDirection: options.associationDirection ?? null,
})

const BOTH: ReadonlyArray<Flavour> = ['api', 'ui']
const API: ReadonlyArray<Flavour> = ['api']
const UI: ReadonlyArray<Flavour> = ['ui']

/** Every data file (CSV/XLSX) of §2, in the order the generator writes them. */
export const DATA_FILES: ReadonlyArray<DataFileSpec> = [
  file('owners', 'data/owners.csv', '4.1', BOTH, OWNERS_COLUMNS, { required: true, idColumn: 'owner_id' }),
  file('teams', 'data/teams.csv', '4.2', BOTH, TEAMS_COLUMNS, { idColumn: 'team_id' }),
  file('contacts', 'data/contacts.csv', '4.3', BOTH, CONTACTS_COLUMNS, {
    required: true,
    idColumn: 'id',
    customProperties: 'contacts',
    uiMayBeXlsx: true,
    uiMayBeWindows1252: true,
  }),
  file('companies', 'data/companies.csv', '4.4', BOTH, COMPANIES_COLUMNS, {
    required: true,
    idColumn: 'id',
    customProperties: 'companies',
    uiMayBeXlsx: true,
    uiMayBeWindows1252: true,
  }),
  file('deals', 'data/deals.csv', '4.5', BOTH, DEALS_COLUMNS, {
    required: true,
    idColumn: 'id',
    customProperties: 'deals',
    uiMayBeXlsx: true,
    uiMayBeWindows1252: true,
  }),
  file('deal_stage_history', 'data/deal_stage_history.csv', '4.6', API, DEAL_STAGE_HISTORY_COLUMNS, {
    idColumn: 'id',
  }),
  file('associations', 'data/associations.csv', '4.7', API, ASSOCIATIONS_COLUMNS, {
    identity: ASSOCIATION_IDENTITY,
  }),
  file(
    'associations_contact_company',
    'data/associations/contact_company.csv',
    '4.7',
    API,
    ASSOCIATIONS_COLUMNS,
    {
      identity: ASSOCIATION_IDENTITY,
      associationDirection: { from: 'contact', to: 'company', bothDirections: false },
    },
  ),
  file('associations_contact_deal', 'data/associations/contact_deal.csv', '4.7', API, ASSOCIATIONS_COLUMNS, {
    identity: ASSOCIATION_IDENTITY,
    associationDirection: { from: 'contact', to: 'deal', bothDirections: false },
  }),
  file('associations_deal_company', 'data/associations/deal_company.csv', '4.7', API, ASSOCIATIONS_COLUMNS, {
    identity: ASSOCIATION_IDENTITY,
    associationDirection: { from: 'deal', to: 'company', bothDirections: false },
  }),
  file(
    'associations_contact_contact',
    'data/associations/contact_contact.csv',
    '4.7',
    API,
    ASSOCIATIONS_COLUMNS,
    {
      identity: ASSOCIATION_IDENTITY,
      associationDirection: { from: 'contact', to: 'contact', bothDirections: true },
    },
  ),
  ...ENGAGEMENT_FILES.map(({ object, type }) =>
    file(
      object,
      `data/engagements/${object}.csv`,
      '4.8',
      API,
      [...ENGAGEMENT_COMMON_COLUMNS, ...ENGAGEMENT_TYPE_COLUMNS[object]],
      {
        idColumn: 'id',
        customProperties: 'engagements',
        engagementType: type,
      },
    ),
  ),
  file(
    'engagement_associations',
    'data/engagements/engagement_associations.csv',
    '4.8',
    API,
    ENGAGEMENT_ASSOCIATIONS_COLUMNS,
    {
      identity: ENGAGEMENT_ASSOCIATIONS_COLUMNS.map((c) => c.name),
    },
  ),
  file('activities', 'data/activities.csv', '7', UI, ACTIVITIES_COLUMNS, {
    idColumn: 'id',
    customProperties: 'engagements',
    uiMayBeXlsx: true,
    uiMayBeWindows1252: true,
  }),
  file('attachments', 'data/attachments.csv', '4.9', BOTH, ATTACHMENTS_COLUMNS, { idColumn: 'file_id' }),
  file(
    'workflow_enrollments',
    'automation/workflow_enrollments.csv',
    '4.11',
    BOTH,
    WORKFLOW_ENROLLMENTS_COLUMNS,
    {
      idColumn: 'enrollment_id',
      apiFormInBothFlavours: true,
    },
  ),
]

/** Data files by manifest object name. */
export const DATA_FILES_BY_OBJECT: ReadonlyMap<DataObject, DataFileSpec> = new Map(
  DATA_FILES.map((f) => [f.object, f]),
)

/** The data file spec of `object`; throws a bug error for a name that is not a §2 data file. */
export function dataFile(object: DataObject): DataFileSpec {
  const spec = DATA_FILES_BY_OBJECT.get(object)
  if (spec === undefined) {
    throw new AppError({
      code: 'unknown-data-file',
      kind: 'bug',
      message: `"${object}" is not a §2 data file.`,
    })
  }
  return spec
}

/** The data files of one flavour (§1, §7). */
export function dataFilesOf(flavour: Flavour): ReadonlyArray<DataFileSpec> {
  return DATA_FILES.filter((f) => f.flavours.includes(flavour))
}

/**
 * The standard columns of a file as one flavour writes them: in api all columns; in ui those with a
 * ui header, in api order (§7). Files written in api form in both flavours keep their api columns.
 */
export function standardColumnsOf(spec: DataFileSpec, flavour: Flavour): ReadonlyArray<ColumnSpec> {
  if (flavour === 'api' || spec.apiFormInBothFlavours) return spec.columns
  return spec.columns.filter((c) => c.ui !== null)
}

/** The header a flavour writes for a standard column (api name, or ui header). */
export function headerOf(spec: DataFileSpec, columnSpec: ColumnSpec, flavour: Flavour): string {
  if (flavour === 'api' || spec.apiFormInBothFlavours || columnSpec.ui === null) return columnSpec.name
  return columnSpec.ui
}
