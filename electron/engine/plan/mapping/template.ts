/**
 * The default mortgage mapping: the brief's twelve object rows (../shared/brief) as a proposed
 * mapping document, tailored to one export (its pipelines and custom properties). A person reviews
 * and confirms it before any record moves.
 */
import type { PipelineSpec } from '../../source/leaf360/spec/pipelines'
import { STANDARD_PIPELINES, stageSlug } from '../../source/leaf360/spec/pipelines'
import {
  type CustomColumn,
  type FieldMapping,
  type MappingDocument,
  MAPPING_FORMAT_VERSION,
  type ObjectMapping,
  type Transform,
  logicalNameOf,
} from './model'
import type { ColumnType, TargetTableName } from './target-tables'
import { OPTION_VALUE_MAPS, TASK_PRIORITY_MAP, optionValueMap, stageMap } from './value-maps'

/** A custom property of the export (schema/property_definitions_*.json, is_custom = true). */
export type CustomPropertyInput = Readonly<{
  object: 'contacts' | 'companies' | 'deals' | 'engagements'
  name: string
  label: string
  /** The inferred Dataverse type (the profile's inventory). */
  targetType: 'string' | 'memo' | 'int' | 'decimal' | 'money' | 'datetime' | 'date' | 'bool'
  archived: boolean
}>

export type TemplateInputs = Readonly<{
  /** Publisher customization prefix (`lb`). */
  prefix?: string
  /** Publisher option value base (`optionvalueprefix` × 10,000; Dataverse's default publisher: 100,000,000). */
  optionValueBase?: number
  /** The export's pipelines (schema/pipelines.json); the format's standard ones when absent. */
  pipelines?: ReadonlyArray<PipelineSpec>
  customProperties?: ReadonlyArray<CustomPropertyInput>
  /** organization.maxuploadfilesize from the target audit (default 5 MB). */
  maxUploadFileSize?: number
}>

const DEFAULT_PREFIX = 'lb'
export const DEFAULT_OPTION_VALUE_BASE = 100_000_000
export const DEFAULT_MAX_UPLOAD = 5_242_880

const pascal = (s: string): string =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')

/** Builds field mappings with the publisher prefix bound. */
function fieldKit(prefix: string) {
  const copy: Transform = { kind: 'copy' }
  const std = (
    source: string | null,
    target: string,
    type: ColumnType,
    transform: Transform = copy,
    extra: Partial<FieldMapping> = {},
  ): FieldMapping => ({
    id: `${target}${source ? `<-${source}` : ''}`,
    source,
    target,
    type,
    transform,
    verify: true,
    status: 'mapped',
    ...extra,
  })
  const custom = (
    source: string | null,
    name: string,
    displayName: string,
    column: Omit<CustomColumn, 'schemaName' | 'displayName' | 'description'> & { description?: string },
    transform: Transform = copy,
    extra: Partial<FieldMapping> = {},
  ): FieldMapping => {
    const schemaName = `${prefix}_${name}`
    return std(source, logicalNameOf(schemaName), column.type, transform, {
      custom: { schemaName, displayName, description: column.description ?? '', ...column },
      ...extra,
    })
  }
  /** The columns every migrated table gets: source key, original times, owner. */
  const common = (
    options: { owner?: string | null; created?: string; modified?: string } = {},
  ): FieldMapping[] => {
    const created = options.created ?? 'created_at'
    const modified = options.modified ?? 'updated_at'
    return [
      custom(
        null,
        'SourceId',
        'Leaf360 Source Id',
        {
          type: 'string',
          maxLength: 100,
          description: 'Leaf360 object and id; alternate key of migrated records.',
        },
        { kind: 'source-key' },
      ),
      std(created, 'overriddencreatedon', 'datetime', copy, {
        readBack: 'createdon',
        note: 'Dataverse sets createdon from overriddencreatedon on create.',
      }),
      custom(created, 'SourceCreatedOn', 'Leaf360 Created On', { type: 'datetime' }),
      custom(modified, 'SourceModifiedOn', 'Leaf360 Modified On', {
        type: 'datetime',
        description: 'Dataverse cannot set modifiedon; the original is kept here.',
      }),
      ...(options.owner === null
        ? []
        : [std(options.owner ?? 'owner_id', 'ownerid', 'owner', { kind: 'owner' })]),
    ]
  }
  const option = (
    source: string,
    name: string,
    displayName: string,
    valueMap: string,
    extra: Partial<FieldMapping> = {},
  ) =>
    custom(
      source,
      name,
      displayName,
      { type: 'option', optionSet: valueMap },
      { kind: 'option', valueMap },
      extra,
    )
  const text = (source: string, name: string, displayName: string, maxLength = 200) =>
    custom(source, name, displayName, { type: 'string', maxLength })
  const memo = (source: string, name: string, displayName: string, transform: Transform = copy) =>
    custom(source, name, displayName, { type: 'memo', maxLength: 4000 }, transform)
  const money = (source: string, name: string, displayName: string) =>
    custom(source, name, displayName, { type: 'money', precision: 2 })
  const date = (source: string, name: string, displayName: string) =>
    custom(source, name, displayName, { type: 'date' })
  const datetime = (source: string, name: string, displayName: string) =>
    custom(source, name, displayName, { type: 'datetime' })
  return { std, custom, common, option, text, memo, money, date, datetime, copy }
}

const customPropertyColumns = (
  kit: ReturnType<typeof fieldKit>,
  props: ReadonlyArray<CustomPropertyInput>,
  object: CustomPropertyInput['object'],
): FieldMapping[] =>
  props
    .filter((p) => p.object === object)
    .map((p, i, all) =>
      kit.custom(
        p.name,
        `Cf${pascal(p.name)}`,
        // Two properties may share a label (D43); Dynamics would show two identical column names.
        all.some((q, j) => j !== i && q.label.toLowerCase() === p.label.toLowerCase())
          ? `${p.label} (${p.name})`
          : p.label,
        {
          type: p.targetType,
          ...(p.targetType === 'string'
            ? { maxLength: 400 }
            : p.targetType === 'memo'
              ? { maxLength: 4000 }
              : {}),
          ...(p.targetType === 'decimal' ? { precision: 4 } : {}),
          description: `Leaf360 custom property ${p.name}.`,
        },
        { kind: 'copy' },
        p.archived
          ? { status: 'needs-review', note: 'The property is archived in Leaf360; keep or drop it.' }
          : {},
      ),
    )

/** The stage-entered timestamp columns: one per stage slug of the export's pipelines. */
function stageEnteredFields(
  kit: ReturnType<typeof fieldKit>,
  pipelines: ReadonlyArray<PipelineSpec>,
): FieldMapping[] {
  const seen = new Set<string>()
  const out: FieldMapping[] = []
  for (const p of pipelines) {
    for (const s of p.stages) {
      const slug = stageSlug(s.stageId)
      if (seen.has(slug)) continue
      seen.add(slug)
      out.push(
        kit.custom(
          null,
          `Entered${pascal(slug)}On`,
          `Entered "${s.label}"`,
          { type: 'datetime', description: `When the deal last entered the Leaf360 stage ${s.label}.` },
          { kind: 'stage-entered', stageId: slug },
        ),
      )
    }
  }
  return out
}

const table = (
  t: TargetTableName,
  phase: ObjectMapping['target'] extends infer T
    ? T extends { kind: 'table'; phase: infer P }
      ? P
      : never
    : never,
) => ({ kind: 'table', table: t, phase }) as const

/** The proposed default mapping for one export. */
export function defaultMortgageTemplate(inputs: TemplateInputs = {}): MappingDocument {
  const prefix = inputs.prefix ?? DEFAULT_PREFIX
  const base = inputs.optionValueBase ?? DEFAULT_OPTION_VALUE_BASE
  const pipelines = inputs.pipelines ?? STANDARD_PIPELINES
  const props = inputs.customProperties ?? []
  const kit = fieldKit(prefix)
  const { std, common, option, text, memo, money, date, datetime, copy } = kit

  const address = [
    std('address', 'address1_line1', 'string'),
    std('city', 'address1_city', 'string'),
    std('state', 'address1_stateorprovince', 'string'),
    std('zip', 'address1_postalcode', 'string'),
  ]

  const contactFields: FieldMapping[] = [
    ...common(),
    std('first_name', 'firstname', 'string'),
    std('last_name', 'lastname', 'string'),
    std('email', 'emailaddress1', 'string', copy, {
      note: 'Invalid e-mails (D26) are kept as exported and listed in the profile.',
    }),
    std('phone', 'telephone1', 'string'),
    std('mobile_phone', 'mobilephone', 'string'),
    ...address,
    std('date_of_birth', 'birthdate', 'date'),
    std('email_opt_out', 'donotemail', 'bool'),
    std('do_not_call', 'donotphone', 'bool'),
    std(
      'primary_company_id',
      'parentcustomerid',
      'lookup',
      { kind: 'lookup', object: 'companies', fallback: 'placeholder-account' },
      { note: 'Contacts without a company land on the placeholder account.' },
    ),
    option('loan_status', 'LoanStatus', 'Loan Status', 'loan_status'),
    option('loan_type_interest', 'LoanTypeInterest', 'Loan Type Interest', 'loan_type'),
    option('contact_type', 'ContactType', 'Contact Type', 'contact_type'),
    option('lead_source', 'LeadSource', 'Lead Source', 'lead_source'),
    text('lead_source_detail', 'LeadSourceDetail', 'Lead Source Detail'),
    text('referral_source', 'ReferralSource', 'Referral Source'),
    option('partner_type', 'PartnerType', 'Partner Type', 'partner_type'),
    kit.custom('first_time_homebuyer', 'FirstTimeHomebuyer', 'First-Time Homebuyer', { type: 'bool' }),
    option('sms_consent', 'SmsConsent', 'SMS Consent', 'sms_consent'),
    datetime('sms_consent_at', 'SmsConsentOn', 'SMS Consent Date'),
    memo('tags', 'Tags', 'Tags', { kind: 'join', separator: '; ' }),
    memo('external_ids', 'ExternalIds', 'External IDs', { kind: 'join', separator: '; ' }),
    memo('additional_emails', 'AdditionalEmails', 'Additional E-mails', { kind: 'join', separator: '; ' }),
    kit.custom(
      'loan_officer_owner_id',
      'LoanOfficer',
      'Loan Officer',
      { type: 'string', maxLength: 200 },
      { kind: 'owner-name' },
    ),
    kit.custom(
      'assistant_owner_id',
      'LoanOfficerAssistant',
      'Loan Officer Assistant',
      { type: 'string', maxLength: 200 },
      { kind: 'owner-name' },
    ),
    text('lifecycle_stage', 'LifecycleStage', 'Lifecycle Stage', 100),
    text('lead_status', 'LeadStatus', 'Leaf360 Lead Status', 100),
    text('source_system', 'SourceSystem', 'Original Source', 100),
    datetime('last_activity_at', 'LastActivityOn', 'Last Activity Date'),
    ...customPropertyColumns(kit, props, 'contacts'),
  ]

  const leadFields: FieldMapping[] = [
    ...common(),
    std(
      null,
      'subject',
      'string',
      { kind: 'concat', fields: ['first_name', 'last_name'], separator: ' ', orElse: 'email' },
      { note: 'Topic: the lead’s name (or e-mail).' },
    ),
    std('first_name', 'firstname', 'string'),
    std('last_name', 'lastname', 'string'),
    std('email', 'emailaddress1', 'string'),
    std('phone', 'telephone1', 'string'),
    std('mobile_phone', 'mobilephone', 'string'),
    ...address,
    std('email_opt_out', 'donotemail', 'bool'),
    std('do_not_call', 'donotphone', 'bool'),
    option('loan_status', 'LoanStatus', 'Loan Status', 'loan_status'),
    option('loan_type_interest', 'LoanTypeInterest', 'Loan Type Interest', 'loan_type'),
    option('lead_source', 'LeadSource', 'Lead Source', 'lead_source'),
    text('lead_source_detail', 'LeadSourceDetail', 'Lead Source Detail'),
    text('referral_source', 'ReferralSource', 'Referral Source'),
    kit.custom(
      'loan_officer_owner_id',
      'LoanOfficer',
      'Loan Officer',
      { type: 'string', maxLength: 200 },
      { kind: 'owner-name' },
    ),
    ...customPropertyColumns(kit, props, 'contacts'),
  ]

  const accountFields: FieldMapping[] = [
    ...common(),
    std('name', 'name', 'string'),
    std('domain', 'websiteurl', 'string'),
    std('phone', 'telephone1', 'string'),
    ...address,
    std(
      'parent_company_id',
      'parentaccountid',
      'lookup',
      { kind: 'lookup', object: 'companies' },
      { note: 'Set in a second pass, once every account exists; cycles (D20) were broken when staging.' },
    ),
    option('company_type', 'CompanyType', 'Company Type', 'company_type'),
    text('property_address', 'PropertyStreet', 'Property Street', 250),
    text('property_city', 'PropertyCity', 'Property City', 80),
    text('property_state', 'PropertyState', 'Property State', 50),
    text('property_zip', 'PropertyPostalCode', 'Property Postal Code', 20),
    money('estimated_property_value', 'EstimatedPropertyValue', 'Estimated Property Value'),
    ...customPropertyColumns(kit, props, 'companies'),
  ]

  const opportunityFields: FieldMapping[] = [
    ...common(),
    std('dealname', 'name', 'string'),
    std('loan_amount', 'estimatedvalue', 'money'),
    std('closedate', 'estimatedclosedate', 'date'),
    std(null, 'closeprobability', 'int', { kind: 'stage', attribute: 'probability' }),
    std(null, 'salesstage', 'option', { kind: 'stage', attribute: 'salesstage' }),
    std(null, 'stepname', 'string', { kind: 'stage', attribute: 'stepname' }),
    std(
      '$primary_contact_id',
      'customerid',
      'lookup',
      { kind: 'lookup', object: 'contacts' },
      { note: "The deal's primary borrower (else its first contact)." },
    ),
    std('$primary_company_id', 'parentaccountid', 'lookup', { kind: 'lookup', object: 'companies' }),
    kit.custom(
      'loan_officer_owner_id',
      'LoanOfficer',
      'Loan Officer',
      { type: 'string', maxLength: 200 },
      { kind: 'owner-name' },
    ),
    kit.custom(
      'processor_owner_id',
      'Processor',
      'Processor',
      { type: 'string', maxLength: 200 },
      { kind: 'owner-name' },
    ),
    money('loan_amount', 'LoanAmount', 'Loan Amount'),
    money('amount', 'Amount', 'Leaf360 Amount'),
    text('loan_number', 'LoanNumber', 'Loan Number', 50),
    text('los_loan_guid', 'LosLoanGuid', 'LOS Loan GUID', 100),
    text('lender_name', 'LenderName', 'Lender', 200),
    option('channel', 'Channel', 'Channel', 'channel'),
    option('loan_purpose', 'LoanPurpose', 'Loan Purpose', 'loan_purpose'),
    option('loan_type', 'LoanType', 'Loan Type', 'loan_type'),
    option('occupancy', 'Occupancy', 'Occupancy', 'occupancy'),
    option('property_type', 'PropertyType', 'Property Type', 'property_type'),
    option('amortization_type', 'AmortizationType', 'Amortization Type', 'amortization_type'),
    kit.custom('term_months', 'TermMonths', 'Loan Term (Months)', { type: 'int' }),
    money('purchase_price', 'PurchasePrice', 'Purchase Price'),
    money('appraised_value', 'AppraisedValue', 'Appraised Value'),
    kit.custom('ltv', 'Ltv', 'LTV (%)', { type: 'decimal', precision: 3 }),
    kit.custom('interest_rate', 'InterestRate', 'Interest Rate (%)', { type: 'decimal', precision: 3 }),
    option('lock_status', 'LockStatus', 'Lock Status', 'lock_status'),
    kit.custom('fico_score', 'FicoScore', 'FICO Score', { type: 'int' }),
    date('preapproval_date', 'PreapprovalDate', 'Pre-Approval Date'),
    date('preapproval_expiration_date', 'PreapprovalExpirationDate', 'Pre-Approval Expiration Date'),
    money('preapproval_amount', 'PreapprovalAmount', 'Pre-Approval Amount'),
    date('application_date', 'ApplicationDate', 'Application Date'),
    date('closing_date', 'ClosingDate', 'Closing Date'),
    date('funded_date', 'FundedDate', 'Funded Date'),
    date('lost_date', 'LostDate', 'Lost Date'),
    option('lost_reason', 'LostReason', 'Lost Reason', 'lost_reason'),
    option('hmda_action_taken', 'HmdaActionTaken', 'HMDA Action Taken', 'hmda_action_taken'),
    text('subject_address', 'SubjectStreet', 'Subject Property Street', 250),
    text('subject_city', 'SubjectCity', 'Subject Property City', 80),
    text('subject_state', 'SubjectState', 'Subject Property State', 50),
    text('subject_zip', 'SubjectPostalCode', 'Subject Property Postal Code', 20),
    kit.custom('subject_tbd', 'SubjectTbd', 'Subject Property TBD', { type: 'bool' }),
    option('lead_source', 'LeadSource', 'Lead Source', 'lead_source'),
    text('referral_source', 'ReferralSource', 'Referral Source'),
    kit.custom(
      null,
      'Pipeline',
      'Leaf360 Pipeline',
      { type: 'string', maxLength: 100 },
      { kind: 'stage', attribute: 'pipeline-label' },
    ),
    kit.custom(
      null,
      'Stage',
      'Leaf360 Stage',
      { type: 'string', maxLength: 100 },
      { kind: 'stage', attribute: 'stage-label' },
    ),
    datetime('date_entered_current_stage', 'EnteredCurrentStageOn', 'Date Entered Current Stage'),
    ...stageEnteredFields(kit, pipelines),
    ...customPropertyColumns(kit, props, 'deals'),
  ]

  const activityCommon = (subjectSource: string | null, subjectDefault: string): FieldMapping[] => [
    ...common(),
    subjectSource === null
      ? std(null, 'subject', 'string', { kind: 'constant', value: subjectDefault })
      : std(
          subjectSource,
          'subject',
          'string',
          { kind: 'copy', default: subjectDefault },
          { note: `Empty subjects become "${subjectDefault}".` },
        ),
    std(
      '$regarding',
      'regardingobjectid',
      'lookup',
      { kind: 'lookup', object: 'dynamic' },
      { note: 'The linked deal, else the contact or lead, else the company.' },
    ),
    std(
      '$parties',
      'parties',
      'lookup',
      { kind: 'parties' },
      {
        verify: false,
        note: 'Parties resolved from e-mail addresses to contacts, leads or users; unresolved addresses are kept.',
      },
    ),
    ...customPropertyColumns(kit, props, 'engagements'),
  ]

  const annotationFields = (objectSource: string): FieldMapping[] => [
    ...common({ created: objectSource === '$regarding' ? 'created_at' : 'uploaded_at' }),
    std(objectSource, 'objectid', 'lookup', { kind: 'lookup', object: 'dynamic' }),
  ]

  const objects: ObjectMapping[] = [
    {
      id: 'accounts',
      briefRows: ['company'],
      label: 'Companies → Accounts',
      source: { object: 'companies', select: { kind: 'all' } },
      target: table('account', 'accounts'),
      fields: accountFields,
      status: 'proposed',
      notes: [
        'Households and properties (company_type household) become accounts with the property address columns.',
        'A placeholder account holds contacts that have no company.',
      ],
    },
    {
      id: 'contacts',
      briefRows: ['contact', 'referral-partner-contact'],
      label: 'Contacts → Contacts',
      source: { object: 'contacts', select: { kind: 'lead-split', side: 'contact' } },
      target: table('contact', 'contacts'),
      fields: contactFields,
      status: 'proposed',
      notes: [
        'loan_officer resolves to the owner by e-mail; its name is kept in Loan Officer.',
        'Referral partners migrate as contacts and get "Referred By" connections.',
      ],
    },
    {
      id: 'leads',
      briefRows: ['contact'],
      label: 'Contacts (early loan statuses, no deals) → Leads',
      source: { object: 'contacts', select: { kind: 'lead-split', side: 'lead' } },
      target: table('lead', 'leads'),
      fields: leadFields,
      status: 'proposed',
      notes: [
        'Which loan statuses become leads is a setting (leadSplit); contacts with deals always stay contacts.',
      ],
    },
    {
      id: 'opportunities',
      briefRows: ['deal', 'pipeline-stage'],
      label: 'Deals → Opportunities',
      source: { object: 'deals', select: { kind: 'all' } },
      target: table('opportunity', 'opportunities'),
      fields: opportunityFields,
      status: 'proposed',
      notes: [
        'Each deal gets an instance of its pipeline’s business process flow at its stage, with the traversed path.',
        'Won and lost deals are closed in the final phase with WinOpportunity / LoseOpportunity and their original close date.',
      ],
    },
    {
      id: 'pipelines',
      briefRows: ['pipeline', 'pipeline-stage'],
      label: 'Pipelines → Business Process Flows and stages',
      source: { object: 'pipelines', select: { kind: 'all' } },
      target: { kind: 'schema', what: 'business-process-flows' },
      fields: [],
      status: 'proposed',
      notes: [
        'One business process flow per pipeline, stages in order; see the stage map for probabilities and sales stages.',
      ],
    },
    {
      id: 'custom-fields',
      briefRows: ['custom-field'],
      label: 'Custom properties → custom columns',
      source: { object: 'contacts', select: { kind: 'all' } },
      target: { kind: 'schema', what: 'custom-columns' },
      fields: [],
      status: 'proposed',
      notes: [
        `${props.length} custom properties found; each becomes a column on its table (Cf… columns above).`,
      ],
    },
    {
      id: 'phonecalls',
      briefRows: ['engagement'],
      label: 'Calls → Phone calls',
      source: { object: 'calls', select: { kind: 'all' } },
      target: table('phonecall', 'activities'),
      fields: [
        ...activityCommon('title', 'Call'),
        std('body', 'description', 'memo', { kind: 'html-to-text' }),
        std('$phone_number', 'phonenumber', 'string'),
        std('direction', 'directioncode', 'bool', { kind: 'equals', equals: ['OUTBOUND'] }),
        std('duration_ms', 'actualdurationminutes', 'int', { kind: 'ms-to-minutes' }),
        std('timestamp', 'actualend', 'datetime'),
      ],
      status: 'proposed',
      notes: [],
    },
    {
      id: 'emails',
      briefRows: ['engagement'],
      label: 'E-mails → E-mails',
      source: { object: 'emails', select: { kind: 'all' } },
      target: table('email', 'activities'),
      fields: [
        ...activityCommon('subject', 'E-mail'),
        std('body', 'description', 'memo', copy, { note: 'The HTML body, as Dynamics shows e-mails.' }),
        std('direction', 'directioncode', 'bool', { kind: 'equals', equals: ['EMAIL', 'FORWARDED_EMAIL'] }),
        std('timestamp', 'actualend', 'datetime'),
      ],
      status: 'proposed',
      notes: [],
    },
    {
      id: 'appointments',
      briefRows: ['engagement'],
      label: 'Meetings → Appointments',
      source: { object: 'meetings', select: { kind: 'all' } },
      target: table('appointment', 'activities'),
      fields: [
        ...activityCommon('title', 'Meeting'),
        std('body', 'description', 'memo', { kind: 'html-to-text' }),
        std('location', 'location', 'string'),
        std('$start', 'scheduledstart', 'datetime'),
        std('$end', 'scheduledend', 'datetime'),
      ],
      status: 'proposed',
      notes: [],
    },
    {
      id: 'tasks',
      briefRows: ['engagement'],
      label: 'Tasks → Tasks',
      source: { object: 'tasks', select: { kind: 'all' } },
      target: table('task', 'activities'),
      fields: [
        ...activityCommon('subject', 'Task'),
        std('body', 'description', 'memo', { kind: 'html-to-text' }),
        std('timestamp', 'scheduledend', 'datetime'),
        std('completed_at', 'actualend', 'datetime'),
        std('priority', 'prioritycode', 'option', { kind: 'option', valueMap: 'task_priority' }),
        std('task_type', 'category', 'string'),
      ],
      status: 'proposed',
      notes: ['Completed tasks are marked completed in the final phase.'],
    },
    {
      id: 'sms',
      briefRows: ['engagement'],
      label: 'SMS → Tasks (category SMS)',
      source: { object: 'sms', select: { kind: 'all' } },
      target: table('task', 'activities'),
      fields: [
        ...activityCommon(null, 'SMS'),
        std('body', 'description', 'memo', { kind: 'html-to-text' }),
        std('timestamp', 'actualend', 'datetime'),
        std(null, 'category', 'string', { kind: 'constant', value: 'SMS' }),
      ],
      status: 'proposed',
      notes: [
        'Dynamics 365 Sales has no SMS activity; text messages are kept as completed tasks with category SMS. Decide before the run.',
      ],
    },
    {
      id: 'notes',
      briefRows: ['engagement'],
      label: 'Notes → Notes (annotations)',
      source: { object: 'notes', select: { kind: 'all' } },
      target: table('annotation', 'activities'),
      fields: [
        ...annotationFields('$regarding'),
        std(null, 'subject', 'string', { kind: 'constant', value: 'Leaf360 note' }),
        std('body', 'notetext', 'memo', { kind: 'html-to-text' }),
      ],
      status: 'proposed',
      notes: ['A note goes on the deal it is linked to, else the contact or lead, else the company.'],
    },
    {
      id: 'attachments',
      briefRows: ['attachment'],
      label: 'Attachments → Notes with files',
      source: { object: 'attachments', select: { kind: 'all' } },
      target: table('annotation', 'attachments'),
      fields: [
        ...annotationFields('$attached_to'),
        std('$doc_type_label', 'subject', 'string'),
        std('original_filename', 'filename', 'string'),
        std('mime_type', 'mimetype', 'string'),
        std(null, 'isdocument', 'bool', { kind: 'constant', value: true }),
        std(
          null,
          'documentbody',
          'string',
          { kind: 'file-body' },
          { verify: false, note: 'Verified by size and SHA-256 instead.' },
        ),
        option('doc_type', 'DocType', 'Document Type', 'doc_type'),
      ],
      status: 'proposed',
      notes: [
        'Files over the environment’s upload limit are not loaded; they are listed in the oversized-file manifest for manual handling.',
      ],
    },
    {
      id: 'connections',
      briefRows: ['referral-association', 'referral-partner-contact'],
      label: 'Referral links and extra company links → Connections',
      source: {
        object: 'associations',
        select: { kind: 'association-types', typeIds: [402, 212, 100, 102, 104, 106] },
      },
      target: table('connection', 'connections'),
      fields: [
        ...common({ owner: null, created: 'created_at', modified: 'created_at' }).filter(
          (f) => f.target !== 'overriddencreatedon',
        ),
        std('$record1', 'record1id', 'lookup', { kind: 'lookup', object: 'dynamic' }),
        std('$record2', 'record2id', 'lookup', { kind: 'lookup', object: 'dynamic' }),
        std('$role1', 'record1roleid', 'lookup', { kind: 'connection-role', role: '$role1' }),
        std('$role2', 'record2roleid', 'lookup', { kind: 'connection-role', role: '$role2' }),
      ],
      status: 'proposed',
      notes: [
        'Referrals recorded three ways (referral partner associations, referred_by_contact_id, referral_partner_contact_id) become one connection each, Referred → Referred By.',
        'Free-text referral sources without a partner link (D28) are kept in Referral Source and never turned into links.',
        'Contacts linked to more than one company keep their primary as the parent account and get a connection to each other company.',
      ],
    },
    {
      id: 'workflows',
      briefRows: ['workflow'],
      label: 'Workflows and automations → rebuild reference (JSON, HTML)',
      source: { object: 'workflows', select: { kind: 'all' } },
      target: { kind: 'document', what: 'workflow-rebuild-reference' },
      fields: [],
      status: 'proposed',
      notes: [
        'Leaf360 automations do not migrate; the rebuild reference lists each trigger, filter, action and the columns they read and write.',
      ],
    },
    {
      id: 'reports',
      briefRows: ['report'],
      label: 'Reports and dashboards → data dictionary',
      source: { object: 'contacts', select: { kind: 'all' } },
      target: { kind: 'document', what: 'data-dictionary' },
      fields: [],
      status: 'proposed',
      notes: [
        'Reports do not migrate; the data dictionary maps every migrated field to its Dataverse table and column for rebuilding reports.',
      ],
    },
  ]

  return {
    formatVersion: MAPPING_FORMAT_VERSION,
    name: 'Leafbridge default mortgage mapping',
    prefix,
    optionValueBase: base,
    objects,
    valueMaps: [
      ...OPTION_VALUE_MAPS.map((m) => optionValueMap(m.name, m.enumName, m.to, base)),
      TASK_PRIORITY_MAP,
    ],
    stages: stageMap(pipelines),
    settings: {
      leadSplit: {
        leadStatuses: ['new_lead', 'attempted_contact', 'contacted'],
        neverLead: ['referral_partner', 'do_not_contact'],
      },
      placeholderAccountName: 'Leaf360 contacts without a company',
      referralRoles: { referredBy: 'Referred By', referred: 'Referred' },
      companyLinkRoles: { member: 'Associated Contact', organization: 'Associated Company' },
      includeArchived: false,
      maxUploadFileSize: inputs.maxUploadFileSize ?? DEFAULT_MAX_UPLOAD,
    },
  }
}

/** Every custom column the mapping needs, one per table and logical name. */
export function customColumnsOf(
  doc: MappingDocument,
): ReadonlyArray<Readonly<{ table: string; column: CustomColumn }>> {
  const seen = new Set<string>()
  const out: Array<{ table: string; column: CustomColumn }> = []
  for (const o of doc.objects) {
    if (o.target.kind !== 'table') continue
    for (const f of o.fields) {
      if (!f.custom || f.status === 'unmapped') continue
      const key = `${o.target.table}.${logicalNameOf(f.custom.schemaName)}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ table: o.target.table, column: f.custom })
    }
  }
  return out
}
