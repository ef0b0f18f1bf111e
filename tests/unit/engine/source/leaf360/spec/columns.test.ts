import { describe, expect, it } from 'vitest'
import {
  ACTIVITIES_COLUMNS,
  CONTACTS_COLUMNS,
  DATA_FILES,
  DEALS_COLUMNS,
  OWNERS_COLUMNS,
  dataFile,
  dataFilesOf,
  headerOf,
  parseTypeNotation,
  standardColumnsOf,
} from '../../../../../../electron/engine/source/leaf360/spec/columns'

describe('§4 data files and columns', () => {
  it('parses the §4 type notation', () => {
    expect(parseTypeNotation('multi state')).toEqual({ type: 'state', enum: null, ref: null, multi: true })
    expect(parseTypeNotation('key →pipelines')).toEqual({
      type: 'key',
      enum: null,
      ref: 'pipelines',
      multi: false,
    })
    expect(parseTypeNotation('→teams')).toEqual({ type: 'id', enum: null, ref: 'teams', multi: false })
    expect(parseTypeNotation('owner')).toEqual({ type: 'owner', enum: null, ref: 'owners', multi: false })
    expect(parseTypeNotation('multi →attachments')).toEqual({
      type: 'id',
      enum: null,
      ref: 'attachments',
      multi: true,
    })
    expect(() => parseTypeNotation('enum:nope')).toThrow(/type notation/)
  })

  it('has the column counts of the §4 tables', () => {
    const counts = Object.fromEntries(DATA_FILES.map((f) => [f.object, f.columns.length]))
    expect(counts).toEqual({
      owners: 13,
      teams: 11,
      contacts: 39,
      companies: 19,
      deals: 47,
      deal_stage_history: 8,
      associations: 9,
      associations_contact_company: 9,
      associations_contact_deal: 9,
      associations_deal_company: 9,
      associations_contact_contact: 9,
      calls: 19,
      emails: 20,
      meetings: 18,
      notes: 12,
      tasks: 17,
      sms: 15,
      engagement_associations: 5,
      activities: 19,
      attachments: 15,
      workflow_enrollments: 10,
    })
  })

  it('transcribes exact rows: name, ui header, type, nullability', () => {
    expect(OWNERS_COLUMNS[6]).toMatchObject({
      name: 'team_id',
      ui: 'Team',
      type: 'id',
      ref: 'teams',
      nullable: true,
      uiRendering: 'team-name',
    })
    expect(CONTACTS_COLUMNS.find((c) => c.name === 'loan_status')).toMatchObject({
      ui: 'Loan Status',
      type: 'enum',
      enum: 'loan_status',
      nullable: true,
      uiRendering: 'enum-label',
    })
    expect(CONTACTS_COLUMNS.find((c) => c.name === 'contact_type')?.nullable).toBe(false)
    expect(DEALS_COLUMNS.find((c) => c.name === 'dealstage')).toMatchObject({
      type: 'key',
      ref: 'stages',
      uiRendering: 'stage-label',
    })
    expect(DEALS_COLUMNS.find((c) => c.name === 'loan_officer_owner_id')).toMatchObject({
      type: 'owner',
      uiRendering: 'owner-name',
    })
  })

  it('marks only body, e-mail text and ui Body as bodies', () => {
    const bodies = DATA_FILES.flatMap((f) =>
      f.columns.filter((c) => c.body).map((c) => `${f.object}.${c.name}`),
    )
    expect(bodies).toEqual([
      'calls.body',
      'emails.body',
      'emails.text',
      'meetings.body',
      'notes.body',
      'tasks.body',
      'sms.body',
      'activities.body',
    ])
  })

  it('drops the archived column in ui and keeps api order', () => {
    const contacts = dataFile('contacts')
    const ui = standardColumnsOf(contacts, 'ui')
    expect(ui).toHaveLength(38)
    expect(ui.some((c) => c.name === 'archived')).toBe(false)
    expect(headerOf(contacts, ui[0]!, 'ui')).toBe('Record ID')
    expect(headerOf(contacts, ui[0]!, 'api')).toBe('id')
    const enrollments = dataFile('workflow_enrollments')
    expect(standardColumnsOf(enrollments, 'ui').map((c) => headerOf(enrollments, c, 'ui'))[0]).toBe(
      'enrollment_id',
    )
  })

  it('splits the files between the flavours as §1 and §7 say', () => {
    expect(dataFilesOf('ui').map((f) => f.object)).toEqual([
      'owners',
      'teams',
      'contacts',
      'companies',
      'deals',
      'activities',
      'attachments',
      'workflow_enrollments',
    ])
    expect(dataFilesOf('api').some((f) => f.object === 'activities')).toBe(false)
    expect(dataFilesOf('api')).toHaveLength(20)
    expect(ACTIVITIES_COLUMNS.map((c) => c.ui).slice(0, 4)).toEqual([
      'Record ID',
      'Activity Type',
      'Activity Date',
      'Activity Owner',
    ])
  })
})
