/**
 * What a current Dataverse environment knows about its columns and tables that an 8.x `$metadata`
 * document does not carry: choice (option-set) values, string lengths, display names, object type
 * codes, and which tables are business-process-flow instance tables.
 *
 * Sources: WEB-API-NOTES.md §9 (opportunity states), §11 (phone call states, participation types),
 * §14 (lead states), §10 (BPF instance states), §5–6 (subject length 200); the rest follows the
 * Dataverse table reference pages cited there ([opp], [lead], [phone], [wf]). Lengths not listed
 * fall back to generous defaults (see README, "Knowingly left out").
 */

/** One choice value: its number, English label and, for Status columns, the state it belongs to. */
export type OptionDef = Readonly<{ value: number; label: string; state?: number }>

/** State and status choices of one table. */
export type StateModel = Readonly<{ states: ReadonlyArray<OptionDef>; statuses: ReadonlyArray<OptionDef> }>

const opt = (value: number, label: string, state?: number): OptionDef =>
  state === undefined ? { value, label } : { value, label, state }

const ACTIVE_INACTIVE: StateModel = {
  states: [opt(0, 'Active'), opt(1, 'Inactive')],
  statuses: [opt(1, 'Active', 0), opt(2, 'Inactive', 1)],
}

const ACTIVITY_STATES = [opt(0, 'Open'), opt(1, 'Completed'), opt(2, 'Canceled')]

/** State models by table; tables with a statecode column not listed here use Active/Inactive. */
export const STATE_MODELS: Readonly<Record<string, StateModel>> = {
  // [lead] and WEB-API-NOTES §14
  lead: {
    states: [opt(0, 'Open'), opt(1, 'Qualified'), opt(2, 'Disqualified')],
    statuses: [
      opt(1, 'New', 0),
      opt(2, 'Contacted', 0),
      opt(3, 'Qualified', 1),
      opt(4, 'Lost', 2),
      opt(5, 'Cannot Contact', 2),
      opt(6, 'No Longer Interested', 2),
      opt(7, 'Canceled', 2),
    ],
  },
  // [opp] and WEB-API-NOTES §9
  opportunity: {
    states: [opt(0, 'Open'), opt(1, 'Won'), opt(2, 'Lost')],
    statuses: [
      opt(1, 'In Progress', 0),
      opt(2, 'On Hold', 0),
      opt(3, 'Won', 1),
      opt(4, 'Canceled', 2),
      opt(5, 'Out-Sold', 2),
    ],
  },
  // [phone] and WEB-API-NOTES §11
  phonecall: {
    states: ACTIVITY_STATES,
    statuses: [opt(1, 'Open', 0), opt(2, 'Made', 1), opt(4, 'Received', 1), opt(3, 'Canceled', 2)],
  },
  task: {
    states: ACTIVITY_STATES,
    statuses: [
      opt(2, 'Not Started', 0),
      opt(3, 'In Progress', 0),
      opt(4, 'Waiting on someone else', 0),
      opt(7, 'Deferred', 0),
      opt(5, 'Completed', 1),
      opt(6, 'Canceled', 2),
    ],
  },
  email: {
    states: ACTIVITY_STATES,
    statuses: [
      opt(1, 'Draft', 0),
      opt(8, 'Failed', 0),
      opt(2, 'Completed', 1),
      opt(3, 'Sent', 1),
      opt(4, 'Received', 1),
      opt(6, 'Pending Send', 1),
      opt(7, 'Sending', 1),
      opt(5, 'Canceled', 2),
    ],
  },
  appointment: {
    states: [opt(0, 'Open'), opt(1, 'Completed'), opt(2, 'Canceled'), opt(3, 'Scheduled')],
    statuses: [
      opt(1, 'Free', 0),
      opt(2, 'Tentative', 0),
      opt(3, 'Completed', 1),
      opt(4, 'Canceled', 2),
      opt(5, 'Busy', 3),
      opt(6, 'Out of Office', 3),
    ],
  },
  opportunityclose: {
    states: ACTIVITY_STATES,
    statuses: [opt(1, 'Open', 0), opt(2, 'Completed', 1), opt(3, 'Canceled', 2)],
  },
  // [bpf]: active (0,1), finished (0,2), aborted (1,3); WEB-API-NOTES §10
  opportunitysalesprocess: {
    states: [opt(0, 'Active'), opt(1, 'Inactive')],
    statuses: [opt(1, 'Active', 0), opt(2, 'Finished', 0), opt(3, 'Aborted', 1)],
  },
  // [wf]
  workflow: {
    states: [opt(0, 'Draft'), opt(1, 'Activated'), opt(2, 'Suspended')],
    statuses: [opt(1, 'Draft', 0), opt(2, 'Activated', 1), opt(3, 'Company DLP Violation', 2)],
  },
}

/** The state model every BPF instance table gets (custom ones included). */
export const BPF_STATE_MODEL: StateModel = STATE_MODELS['opportunitysalesprocess'] ?? ACTIVE_INACTIVE

/** The state model for a table, defaulting to Active/Inactive. */
export const stateModelFor = (table: string): StateModel => STATE_MODELS[table] ?? ACTIVE_INACTIVE

/** Choice values of well-known picklists, keyed `table.column` or `*.column` for every table. */
export const PICKLIST_OPTIONS: Readonly<Record<string, ReadonlyArray<OptionDef>>> = {
  'contact.preferredcontactmethodcode': [
    opt(1, 'Any'),
    opt(2, 'Email'),
    opt(3, 'Phone'),
    opt(4, 'Fax'),
    opt(5, 'Mail'),
  ],
  'account.preferredcontactmethodcode': [
    opt(1, 'Any'),
    opt(2, 'Email'),
    opt(3, 'Phone'),
    opt(4, 'Fax'),
    opt(5, 'Mail'),
  ],
  'contact.gendercode': [opt(1, 'Male'), opt(2, 'Female')],
  'contact.familystatuscode': [opt(1, 'Single'), opt(2, 'Married'), opt(3, 'Divorced'), opt(4, 'Widowed')],
  'lead.leadsourcecode': [
    opt(1, 'Advertisement'),
    opt(2, 'Employee Referral'),
    opt(3, 'External Referral'),
    opt(4, 'Partner'),
    opt(5, 'Public Relations'),
    opt(6, 'Seminar'),
    opt(7, 'Trade Show'),
    opt(8, 'Web'),
    opt(9, 'Word of Mouth'),
    opt(10, 'Other'),
  ],
  'lead.leadqualitycode': [opt(1, 'Hot'), opt(2, 'Warm'), opt(3, 'Cold')],
  'opportunity.opportunityratingcode': [opt(1, 'Hot'), opt(2, 'Warm'), opt(3, 'Cold')],
  '*.prioritycode': [opt(0, 'Low'), opt(1, 'Normal'), opt(2, 'High')],
  // WEB-API-NOTES §11
  'activityparty.participationtypemask': [
    opt(1, 'Sender'),
    opt(2, 'To Recipient'),
    opt(3, 'CC Recipient'),
    opt(4, 'BCC Recipient'),
    opt(5, 'Required attendee'),
    opt(6, 'Optional attendee'),
    opt(7, 'Organizer'),
    opt(8, 'Regarding'),
    opt(9, 'Owner'),
    opt(10, 'Resource'),
    opt(11, 'Customer'),
    opt(12, 'Chat Participant'),
  ],
  // [wf]: category 4 = Business Process Flow
  'workflow.category': [
    opt(0, 'Workflow'),
    opt(1, 'Dialog'),
    opt(2, 'Business Rule'),
    opt(3, 'Action'),
    opt(4, 'Business Process Flow'),
    opt(5, 'Modern Flow'),
  ],
}

/** Columns typed Edm.Int32 whose name ends in `code` but which are plain integers, not choices. */
export const INTEGER_CODE_COLUMNS: ReadonlySet<string> = new Set([
  'utcconversiontimezonecode',
  'timezonecode',
  'languagecode',
  'localeid',
  'record1objecttypecode',
  'record2objecttypecode',
  'activitytypecode',
  'objecttypecode',
  'componenttype',
  'participationtypemask',
])

/** Edm.String columns that are Memo (multi-line) columns. */
export const MEMO_COLUMNS: ReadonlySet<string> = new Set([
  'description',
  'notetext',
  'documentbody',
  'activityadditionalparams',
  'clientdata',
  'xaml',
  'inputparameters',
])

/**
 * MaxLength of well-known string columns ([batch] shows subject = 200; the rest follow the table
 * reference pages). Unlisted String columns default to 4,000, Memo columns to 1,048,576
 * (`documentbody` is bounded by organization.maxuploadfilesize instead).
 */
export const MAX_LENGTHS: Readonly<Record<string, number>> = {
  subject: 200,
  name: 160,
  fullname: 160,
  firstname: 50,
  lastname: 50,
  middlename: 50,
  jobtitle: 100,
  emailaddress1: 100,
  emailaddress2: 100,
  emailaddress3: 100,
  internalemailaddress: 100,
  telephone1: 50,
  telephone2: 50,
  telephone3: 50,
  mobilephone: 50,
  fax: 50,
  accountnumber: 20,
  websiteurl: 200,
  address1_line1: 250,
  address1_line2: 250,
  address1_line3: 250,
  address1_city: 80,
  address1_stateorprovince: 50,
  address1_postalcode: 20,
  address1_country: 80,
  address2_line1: 250,
  address2_city: 80,
  address2_postalcode: 20,
  phonenumber: 200,
  traversedpath: 1250,
  filename: 255,
  mimetype: 256,
  stagename: 100,
  uniquename: 256,
  friendlyname: 256,
  customizationprefix: 8,
  currencyname: 100,
  isocurrencycode: 5,
}

/** MaxLength of well-known Memo columns. */
export const MEMO_LENGTHS: Readonly<Record<string, number>> = {
  description: 2000,
  notetext: 100000,
  documentbody: 1073741823,
}

/**
 * Per-table exceptions to MEMO_LENGTHS: an e-mail's description holds its whole HTML body.
 * Unverified: 1,048,576 is MemoAttributeMetadata.MaxSupportedLength
 * (https://learn.microsoft.com/previous-versions/dynamicscrm-2016/developers-guide/gg306519(v=crm.8));
 * no Microsoft page found here states email.description's own MaxLength.
 */
export const TABLE_MEMO_LENGTHS: Readonly<Record<string, number>> = {
  'email.description': 1048576,
}

/** Default MaxLength for String and Memo columns without a listed length. */
export const DEFAULT_STRING_LENGTH = 4000
export const DEFAULT_MEMO_LENGTH = 1048576

/** Object type codes of well-known tables (the rest get stable codes from 20000 upward). */
export const OBJECT_TYPE_CODES: Readonly<Record<string, number>> = {
  account: 1,
  contact: 2,
  opportunity: 3,
  lead: 4,
  annotation: 5,
  systemuser: 8,
  team: 9,
  businessunit: 10,
  activityparty: 135,
  organization: 1019,
  connectionrole: 3231,
  connection: 3234,
  activitypointer: 4200,
  appointment: 4201,
  email: 4202,
  opportunityclose: 4208,
  phonecall: 4210,
  task: 4212,
  sdkmessage: 4606,
  sdkmessagefilter: 4607,
  workflow: 4703,
  processstage: 4724,
  opportunitysalesprocess: 953,
  solution: 7100,
  publisher: 7101,
  solutioncomponent: 7103,
  transactioncurrency: 9105,
}

/** English display names of the tables Leafbridge touches. */
export const TABLE_DISPLAY_NAMES: Readonly<Record<string, readonly [string, string]>> = {
  account: ['Account', 'Accounts'],
  contact: ['Contact', 'Contacts'],
  lead: ['Lead', 'Leads'],
  opportunity: ['Opportunity', 'Opportunities'],
  phonecall: ['Phone Call', 'Phone Calls'],
  task: ['Task', 'Tasks'],
  email: ['Email', 'Email Messages'],
  appointment: ['Appointment', 'Appointments'],
  annotation: ['Note', 'Notes'],
  connection: ['Connection', 'Connections'],
  connectionrole: ['Connection Role', 'Connection Roles'],
  systemuser: ['User', 'Users'],
  team: ['Team', 'Teams'],
  opportunityclose: ['Opportunity Close', 'Opportunity Close Activities'],
  opportunitysalesprocess: ['Opportunity Sales Process', 'Opportunity Sales Processes'],
  workflow: ['Process', 'Processes'],
  processstage: ['Process Stage', 'Process Stages'],
  transactioncurrency: ['Currency', 'Currencies'],
  publisher: ['Publisher', 'Publishers'],
  solution: ['Solution', 'Solutions'],
  activityparty: ['Activity Party', 'Activity Parties'],
}

/** Tables that are BPF instance tables in the CSDL (EntityMetadata.IsBPFEntity). */
export const BPF_TABLES: ReadonlySet<string> = new Set([
  'opportunitysalesprocess',
  'leadtoopportunitysalesprocess',
  'phonetocaseprocess',
  'translationprocess',
  'expiredprocess',
  'newprocess',
])

/** Lookup columns the platform sets itself; a bind to them is ignored, as the SDK ignores them. */
export const SYSTEM_LOOKUPS: ReadonlySet<string> = new Set([
  'createdby',
  'modifiedby',
  'createdonbehalfby',
  'modifiedonbehalfby',
  'owninguser',
  'owningteam',
  'owningbusinessunit',
  'organizationid',
  'createdbyexternalparty',
  'modifiedbyexternalparty',
])

/** Turns `address1_city` into `Address1 City` for display names the CSDL does not carry. */
export function titleCase(logicalName: string): string {
  return logicalName
    .split('_')
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ')
}
