/**
 * The Dataverse tables Leafbridge writes, with the standard columns and navigation properties it
 * uses, as named in the Web API `$metadata` (checked against ../shared/dataverse/crm_schema.xml by
 * tests/unit/engine/plan/mapping/target-tables.test.ts; WEB-API-NOTES.md §5.1).
 */

/** The Dataverse column kinds a mapping writes. `lookup` and `owner` are written with @odata.bind. */
export const COLUMN_TYPES = [
  'string',
  'memo',
  'int',
  'decimal',
  'money',
  'datetime',
  'date',
  'bool',
  'option',
  'lookup',
  'owner',
] as const
export type ColumnType = (typeof COLUMN_TYPES)[number]

export type TargetTableName =
  | 'account'
  | 'contact'
  | 'lead'
  | 'opportunity'
  | 'phonecall'
  | 'email'
  | 'appointment'
  | 'task'
  | 'annotation'
  | 'connection'

export type StandardColumn = Readonly<{ type: ColumnType; maxLength?: number }>

export type TargetTable = Readonly<{
  table: TargetTableName
  entitySet: string
  primaryKey: string
  /** The primary name column (shown in views; required on create for most tables). */
  primaryName: string
  /** Standard columns Leafbridge writes, by logical name. */
  columns: Readonly<Record<string, StandardColumn>>
  /**
   * Lookups by column: the single-valued navigation property per target table
   * (polymorphic lookups have one per target: `parentcustomerid_account`, …).
   */
  lookups: Readonly<
    Record<string, Readonly<Partial<Record<TargetTableName | 'systemuser' | 'connectionrole', string>>>>
  >
  /** The collection navigation property for activity parties, on activity tables. */
  partiesNavigation?: string
  /** Activities carry activityid as their key (inherited from activitypointer). */
  isActivity: boolean
}>

const s = (maxLength: number): StandardColumn => ({ type: 'string', maxLength })
const memo = (maxLength: number): StandardColumn => ({ type: 'memo', maxLength })
const t = (type: ColumnType): StandardColumn => ({ type })

const address1 = {
  address1_line1: s(250),
  address1_city: s(80),
  address1_stateorprovince: s(50),
  address1_postalcode: s(20),
}

const owner = { ownerid: { systemuser: 'ownerid' } } as const

const regarding = (activity: string) => ({
  regardingobjectid: {
    account: `regardingobjectid_account_${activity}`,
    contact: `regardingobjectid_contact_${activity}`,
    lead: `regardingobjectid_lead_${activity}`,
    opportunity: `regardingobjectid_opportunity_${activity}`,
  },
})

export const TARGET_TABLES: Readonly<Record<TargetTableName, TargetTable>> = {
  account: {
    table: 'account',
    entitySet: 'accounts',
    primaryKey: 'accountid',
    primaryName: 'name',
    isActivity: false,
    columns: {
      name: s(160),
      websiteurl: s(200),
      telephone1: s(50),
      ...address1,
      description: memo(2000),
      overriddencreatedon: t('datetime'),
    },
    lookups: {
      ...owner,
      parentaccountid: { account: 'parentaccountid' },
      primarycontactid: { contact: 'primarycontactid' },
    },
  },
  contact: {
    table: 'contact',
    entitySet: 'contacts',
    primaryKey: 'contactid',
    primaryName: 'fullname',
    isActivity: false,
    columns: {
      firstname: s(50),
      lastname: s(50),
      emailaddress1: s(100),
      emailaddress2: s(100),
      emailaddress3: s(100),
      telephone1: s(50),
      mobilephone: s(50),
      ...address1,
      birthdate: t('date'),
      donotemail: t('bool'),
      donotphone: t('bool'),
      description: memo(2000),
      overriddencreatedon: t('datetime'),
    },
    lookups: {
      ...owner,
      parentcustomerid: { account: 'parentcustomerid_account', contact: 'parentcustomerid_contact' },
    },
  },
  lead: {
    table: 'lead',
    entitySet: 'leads',
    primaryKey: 'leadid',
    primaryName: 'fullname',
    isActivity: false,
    columns: {
      subject: s(300),
      firstname: s(50),
      lastname: s(50),
      companyname: s(100),
      emailaddress1: s(100),
      telephone1: s(50),
      mobilephone: s(50),
      ...address1,
      donotemail: t('bool'),
      donotphone: t('bool'),
      description: memo(2000),
      overriddencreatedon: t('datetime'),
    },
    lookups: { ...owner, parentaccountid: { account: 'parentaccountid' } },
  },
  opportunity: {
    table: 'opportunity',
    entitySet: 'opportunities',
    primaryKey: 'opportunityid',
    primaryName: 'name',
    isActivity: false,
    columns: {
      name: s(300),
      estimatedvalue: t('money'),
      estimatedclosedate: t('date'),
      closeprobability: t('int'),
      salesstage: t('option'),
      stepname: s(200),
      description: memo(2000),
      overriddencreatedon: t('datetime'),
    },
    lookups: {
      ...owner,
      customerid: { account: 'customerid_account', contact: 'customerid_contact' },
      parentcontactid: { contact: 'parentcontactid' },
      parentaccountid: { account: 'parentaccountid' },
    },
  },
  phonecall: {
    table: 'phonecall',
    entitySet: 'phonecalls',
    primaryKey: 'activityid',
    primaryName: 'subject',
    isActivity: true,
    partiesNavigation: 'phonecall_activity_parties',
    columns: {
      subject: s(200),
      description: memo(2000),
      phonenumber: s(200),
      directioncode: t('bool'),
      actualdurationminutes: t('int'),
      actualend: t('datetime'),
      scheduledend: t('datetime'),
      overriddencreatedon: t('datetime'),
    },
    lookups: { ...owner, ...regarding('phonecall') },
  },
  email: {
    table: 'email',
    entitySet: 'emails',
    primaryKey: 'activityid',
    primaryName: 'subject',
    isActivity: true,
    partiesNavigation: 'email_activity_parties',
    columns: {
      subject: s(200),
      // The whole HTML body; 1,048,576 is Dataverse's largest memo (MemoAttributeMetadata.MaxSupportedLength).
      description: memo(1_048_576),
      directioncode: t('bool'),
      actualend: t('datetime'),
      overriddencreatedon: t('datetime'),
    },
    lookups: { ...owner, ...regarding('email') },
  },
  appointment: {
    table: 'appointment',
    entitySet: 'appointments',
    primaryKey: 'activityid',
    primaryName: 'subject',
    isActivity: true,
    partiesNavigation: 'appointment_activity_parties',
    columns: {
      subject: s(200),
      description: memo(2000),
      location: s(200),
      scheduledstart: t('datetime'),
      scheduledend: t('datetime'),
      overriddencreatedon: t('datetime'),
    },
    lookups: { ...owner, ...regarding('appointment') },
  },
  task: {
    table: 'task',
    entitySet: 'tasks',
    primaryKey: 'activityid',
    primaryName: 'subject',
    isActivity: true,
    partiesNavigation: 'task_activity_parties',
    columns: {
      subject: s(200),
      description: memo(2000),
      scheduledend: t('datetime'),
      actualend: t('datetime'),
      prioritycode: t('option'),
      category: s(250),
      overriddencreatedon: t('datetime'),
    },
    lookups: { ...owner, ...regarding('task') },
  },
  annotation: {
    table: 'annotation',
    entitySet: 'annotations',
    primaryKey: 'annotationid',
    primaryName: 'subject',
    isActivity: false,
    columns: {
      subject: s(500),
      notetext: memo(100_000),
      filename: s(255),
      mimetype: s(256),
      isdocument: t('bool'),
      overriddencreatedon: t('datetime'),
    },
    lookups: {
      ...owner,
      objectid: {
        account: 'objectid_account',
        contact: 'objectid_contact',
        lead: 'objectid_lead',
        opportunity: 'objectid_opportunity',
        phonecall: 'objectid_phonecall',
        email: 'objectid_email',
        appointment: 'objectid_appointment',
        task: 'objectid_task',
      },
    },
  },
  connection: {
    table: 'connection',
    entitySet: 'connections',
    primaryKey: 'connectionid',
    primaryName: 'name',
    isActivity: false,
    columns: { description: memo(2000), overriddencreatedon: t('datetime') },
    lookups: {
      ...owner,
      record1id: {
        account: 'record1id_account',
        contact: 'record1id_contact',
        lead: 'record1id_lead',
        opportunity: 'record1id_opportunity',
      },
      record2id: {
        account: 'record2id_account',
        contact: 'record2id_contact',
        lead: 'record2id_lead',
        opportunity: 'record2id_opportunity',
      },
      record1roleid: { connectionrole: 'record1roleid' },
      record2roleid: { connectionrole: 'record2roleid' },
    },
  },
}

/** Navigation properties of activity parties (activityparty, §11 of WEB-API-NOTES). */
export const PARTY_NAVIGATION: Readonly<Record<'contact' | 'lead' | 'account' | 'systemuser', string>> = {
  contact: 'partyid_contact',
  lead: 'partyid_lead',
  account: 'partyid_account',
  systemuser: 'partyid_systemuser',
}

/** participationtypemask values (https://learn.microsoft.com/power-apps/developer/data-platform/activityparty-entity). */
export const PARTICIPATION = {
  sender: 1,
  to: 2,
  cc: 3,
  bcc: 4,
  requiredAttendee: 5,
  optionalAttendee: 6,
  organizer: 7,
} as const
export type ParticipationRole = keyof typeof PARTICIPATION

/** The tables that carry Leafbridge's source-id alternate key and are loaded by upsert. */
export const KEYED_TABLES: ReadonlyArray<TargetTableName> = [
  'account',
  'contact',
  'lead',
  'opportunity',
  'phonecall',
  'email',
  'appointment',
  'task',
  'annotation',
  'connection',
]
