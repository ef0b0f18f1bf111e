import { describe, expect, it } from 'vitest'
import {
  type BuildContext,
  type SourceRecord,
  buildRecord,
  htmlToPlainText,
  sourceKeyOf,
  toWebApiBody,
} from '../../../../../electron/engine/plan/mapping/build-record'
import { defaultMortgageTemplate } from '../../../../../electron/engine/plan/mapping/template'

const mapping = defaultMortgageTemplate()
const objectMapping = (id: string) => mapping.objects.find((o) => o.id === id)!
const USER = '00000000-0000-0000-0000-0000000000a1'

const ctx: BuildContext = {
  mapping,
  ownerName: (id) => (id === '9001' ? 'Maria Gonzalez' : null),
  ownerUser: (id) => (id === '9001' ? USER : null),
  targetOf: (ref) =>
    ref.object === 'companies' && ref.id === '300'
      ? 'account'
      : ref.object === 'contacts' && ref.id === '100'
        ? 'contact'
        : ref.object === 'contacts' && ref.id === '101'
          ? 'lead'
          : null,
  stageEntered: (dealId, slug) =>
    dealId === '500' && slug === 'processing' ? '2024-03-01T15:00:00.000Z' : null,
  connectionRoleId: (name) => (name === 'Referred By' ? 'role-1' : name === 'Referred' ? 'role-2' : null),
  resolveAddress: (address) => (address === 'maria@acme.example' ? { table: 'systemuser', id: USER } : null),
}

const contact: SourceRecord = {
  object: 'contacts',
  id: '100',
  fields: {
    id: '100',
    first_name: 'Dana',
    last_name: 'Ortiz',
    email: 'dana@example.com',
    phone: '+17635550123',
    loan_status: 'pre_approved',
    owner_id: '9001',
    loan_officer_owner_id: '9001',
    primary_company_id: null,
    tags: ['first-time', 'va'],
    first_time_homebuyer: true,
    created_at: '2023-01-05T10:00:00.000Z',
    updated_at: '2024-02-01T11:30:00.000Z',
  },
}

describe('buildRecord', () => {
  it('builds a contact: key, typed values, option values, owner, and the placeholder account for no company', () => {
    const r = buildRecord(objectMapping('contacts'), contact, ctx)
    expect(r.sourceKey).toBe('contact-100')
    expect(r.values['lb_sourceid']).toEqual({ t: 'string', v: 'contact-100' })
    expect(r.values['firstname']).toEqual({ t: 'string', v: 'Dana' })
    expect(r.values['lb_loanstatus']).toEqual({ t: 'option', v: 100_000_005 })
    expect(r.values['lb_tags']).toEqual({ t: 'string', v: 'first-time; va' })
    expect(r.values['lb_loanofficer']).toEqual({ t: 'string', v: 'Maria Gonzalez' })
    expect(r.values['overriddencreatedon']).toEqual({ t: 'datetime', v: '2023-01-05T10:00:00Z' })
    expect(r.binds['ownerid']).toEqual({ navigation: 'ownerid', entitySet: 'systemusers', id: USER })
    expect(r.binds['parentcustomerid']).toEqual({
      navigation: 'parentcustomerid_account',
      entitySet: 'accounts',
      key: 'placeholder-account',
    })
    expect(r.issues).toEqual([])
    const body = toWebApiBody(r, 'lb')
    expect(body).toMatchObject({
      lb_sourceid: 'contact-100',
      lb_loanstatus: 100_000_005,
      'ownerid@odata.bind': `/systemusers(${USER})`,
      'parentcustomerid_account@odata.bind': "/accounts(lb_sourceid='placeholder-account')",
    })
    expect(body).toHaveProperty('lastname', 'Ortiz')
    // Empty values are left out of a create.
    expect(body).not.toHaveProperty('lb_partnertype')
    expect(toWebApiBody(r, 'lb', 'update')).not.toHaveProperty('overriddencreatedon')
  })

  it('reports what it cannot write instead of dropping it silently', () => {
    const r = buildRecord(
      objectMapping('contacts'),
      {
        ...contact,
        fields: {
          ...contact.fields,
          loan_status: 'Portfolio',
          owner_id: '7777',
          primary_company_id: '999',
          first_name: 'x'.repeat(60),
        },
      },
      ctx,
    )
    const codes = r.issues.map((i) => i.code).sort()
    expect(codes).toEqual(['lookup-unresolved', 'owner-unresolved', 'truncated', 'unmapped-value'])
    expect(r.values['lb_loanstatus']).toEqual({ t: 'null' })
    expect(r.binds['parentcustomerid']?.entitySet).toBe('accounts')
    expect((r.values['firstname'] as { v: string }).v).toHaveLength(50)
  })

  it('builds an opportunity from its stage: probability, sales stage, step name, stage-entered times', () => {
    const deal: SourceRecord = {
      object: 'deals',
      id: '500',
      fields: {
        id: '500',
        dealname: 'Ortiz purchase',
        pipeline_id: 'default',
        dealstage: 'processing',
        loan_amount: '357904.00',
        closedate: '2024-04-30',
        owner_id: '9001',
        $primary_contact_id: '100',
        created_at: '2024-01-01T00:00:00Z',
        updated_at: '2024-03-02T00:00:00Z',
      },
    }
    const r = buildRecord(objectMapping('opportunities'), deal, ctx)
    expect(r.values['estimatedvalue']).toEqual({ t: 'decimal', v: 357904 })
    expect(r.values['estimatedclosedate']).toEqual({ t: 'date', v: '2024-04-30' })
    expect(r.values['closeprobability']).toEqual({ t: 'int', v: 60 })
    expect(r.values['salesstage']).toEqual({ t: 'option', v: 2 })
    expect(r.values['stepname']).toEqual({ t: 'string', v: 'Processing' })
    expect(r.values['lb_enteredprocessingon']).toEqual({ t: 'datetime', v: '2024-03-01T15:00:00Z' })
    expect(r.binds['customerid']).toEqual({
      navigation: 'customerid_contact',
      entitySet: 'contacts',
      key: 'contact-100',
    })
  })

  it('builds an e-mail with parties resolved to users, contacts and leads, keeping unknown addresses', () => {
    const email: SourceRecord = {
      object: 'emails',
      id: '700',
      fields: {
        id: '700',
        subject: null,
        body: '<p>Rate locked</p>',
        direction: 'EMAIL',
        timestamp: '2024-02-02T09:00:00Z',
        owner_id: '9001',
        created_at: '2024-02-02T09:00:00Z',
        updated_at: '2024-02-02T09:00:00Z',
        $regarding: { object: 'contacts', id: '101' },
        $parties: [
          { role: 'sender', kind: 'address', address: 'maria@acme.example' },
          { role: 'to', kind: 'contact', id: '101' },
          { role: 'cc', kind: 'address', address: 'someone@else.example' },
        ],
      },
    }
    const r = buildRecord(objectMapping('emails'), email, ctx)
    expect(r.values['subject']).toEqual({ t: 'string', v: 'E-mail' })
    expect(r.values['directioncode']).toEqual({ t: 'bool', v: true })
    expect(r.binds['regardingobjectid']).toEqual({
      navigation: 'regardingobjectid_lead_email',
      entitySet: 'leads',
      key: 'contact-101',
    })
    const body = toWebApiBody(r, 'lb')
    expect(body['email_activity_parties']).toEqual([
      {
        participationtypemask: 1,
        'partyid_systemuser@odata.bind': `/systemusers(${USER})`,
        addressused: 'maria@acme.example',
      },
      { participationtypemask: 2, 'partyid_lead@odata.bind': "/leads(lb_sourceid='contact-101')" },
      { participationtypemask: 3, addressused: 'someone@else.example' },
    ])
  })

  it('builds a referral connection with its role pair', () => {
    const conn: SourceRecord = {
      object: 'associations',
      id: 'ref-100-101',
      fields: {
        $record1: { object: 'contacts', id: '101' },
        $record2: { object: 'contacts', id: '100' },
        $role1: 'Referred',
        $role2: 'Referred By',
        created_at: '2024-01-01T00:00:00Z',
      },
    }
    const r = buildRecord(objectMapping('connections'), conn, ctx)
    expect(r.sourceKey).toBe('conn-ref-100-101')
    expect(toWebApiBody(r, 'lb')).toMatchObject({
      'record1id_lead@odata.bind': "/leads(lb_sourceid='contact-101')",
      'record2id_contact@odata.bind': "/contacts(lb_sourceid='contact-100')",
      'record1roleid@odata.bind': '/connectionroles(role-2)',
      'record2roleid@odata.bind': '/connectionroles(role-1)',
    })
  })

  it('renders HTML bodies as plain text and keeps keys URL-safe', () => {
    expect(htmlToPlainText('<style>p{}</style><p>Hi&nbsp;Dana,</p><p>Rates &amp; fees<br>attached</p>')).toBe(
      'Hi Dana,\nRates & fees\nattached',
    )
    expect(sourceKeyOf('contacts', '51200011207')).toBe('contact-51200011207')
    expect(sourceKeyOf('associations', "a/b:c'd")).toBe('conn-a_b_c_d')
  })
})
