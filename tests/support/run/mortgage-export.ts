/**
 * A small but complete api-flavour Leaf360 export for the loader's tests: companies with a parent,
 * contacts that become contacts or leads, referral partners linked three ways, open, won and lost
 * deals with stage history, one engagement of every type linked to deals, contacts and companies,
 * and attachments (small, above 4 MB, and over a 6 MB upload limit). `scale` repeats the pattern.
 */
import { createHash } from 'node:crypto'
import { dataCsv, writeExport, type FixtureRow } from '../leaf360-fixture'

export type MortgageExportOptions = Readonly<{
  /** How many times the pattern repeats (default 1: 8 contacts, 3 companies, 4 deals…). */
  scale?: number
  /** Include the two large attachments (default true). */
  largeFiles?: boolean
}>

/** E-mails of the export's owners (seed them as sandbox users so owners resolve). */
export const OWNER_EMAILS = ['ann@lender.example', 'bob@lender.example'] as const

const at = (day: number, hour = 12) =>
  new Date(Date.UTC(2024, 0, 1 + day, hour)).toISOString().replace('.000Z', 'Z')

/** Writes the export under `dir`; returns its root. */
export function writeMortgageExport(dir: string, options: MortgageExportOptions = {}): string {
  const scale = options.scale ?? 1
  const contacts: FixtureRow[] = []
  const companies: FixtureRow[] = []
  const deals: FixtureRow[] = []
  const associations: FixtureRow[] = []
  const history: FixtureRow[] = []
  const calls: FixtureRow[] = []
  const emails: FixtureRow[] = []
  const meetings: FixtureRow[] = []
  const notes: FixtureRow[] = []
  const tasks: FixtureRow[] = []
  const sms: FixtureRow[] = []
  const links: FixtureRow[] = []
  const attachments: FixtureRow[] = []
  const files: Record<string, Buffer> = {}
  const assoc = (
    fromType: string,
    fromId: string,
    toType: string,
    toId: string,
    type: number,
    inverse: number,
    label: string,
    primary = false,
  ) => {
    const row = (f: string, fi: string, t: string, ti: string, ty: number) => ({
      from_object_type: f,
      from_id: fi,
      to_object_type: t,
      to_id: ti,
      association_type_id: String(ty),
      association_category: label === '' ? 'LEAF360_DEFINED' : 'USER_DEFINED',
      label,
      is_primary: primary ? 'true' : 'false',
      created_at: at(1),
    })
    associations.push(row(fromType, fromId, toType, toId, type))
    associations.push(row(toType, toId, fromType, fromId, inverse))
  }
  const common = (id: string, day: number, owner = '101') => ({
    id,
    timestamp: at(day),
    owner_id: owner,
    source: 'crm_ui',
    created_at: at(day),
    updated_at: at(day, 13),
    archived: 'false',
  })
  let engagement = 0
  const nextEngagement = () => String(3_000_000 + ++engagement)

  for (let s = 0; s < scale; s++) {
    const c = (n: number) => String(5_000_000 + s * 100 + n)
    const co = (n: number) => String(7_000_000 + s * 10 + n)
    const d = (n: number) => String(9_000_000 + s * 10 + n)
    companies.push(
      {
        id: co(1),
        name: `Acme Realty ${s}`,
        company_type: 'real_estate_brokerage',
        owner_id: '101',
        created_at: at(0),
        updated_at: at(2),
        archived: 'false',
      },
      {
        id: co(2),
        name: `Acme Realty North ${s}`,
        parent_company_id: co(1),
        phone: '+16125550100',
        owner_id: '102',
        created_at: at(0),
        updated_at: at(2),
        archived: 'false',
      },
      {
        id: co(3),
        name: `Doe household ${s}`,
        company_type: 'household',
        property_address: '1 Main St',
        property_city: 'Minneapolis',
        property_state: 'MN',
        property_zip: '55401',
        estimated_property_value: '425000.00',
        created_at: at(0),
        updated_at: at(2),
        archived: 'false',
      },
    )
    const contact = (n: number, extra: FixtureRow) =>
      contacts.push({
        id: c(n),
        first_name: `First${n}`,
        last_name: `Last${s}`,
        email: `c${s}-${n}@example.org`,
        contact_type: 'borrower',
        owner_id: n % 2 === 0 ? '102' : '101',
        loan_officer_owner_id: '101',
        created_at: at(3),
        updated_at: at(4),
        archived: 'false',
        ...extra,
      })
    contact(1, {
      primary_company_id: co(3),
      loan_status: 'in_process',
      phone: '+16125550101',
      tags: 'vip;first-time',
    })
    contact(2, { primary_company_id: co(3), loan_status: 'in_process', date_of_birth: '1980-05-06' })
    contact(3, { loan_status: 'new_lead', lead_source: 'zillow' })
    contact(4, { loan_status: 'contacted', referred_by_contact_id: c(5) })
    contact(5, {
      contact_type: 'referral_partner',
      loan_status: 'referral_partner',
      partner_type: 'realtor',
      primary_company_id: co(1),
    })
    contact(6, { loan_status: 'closed_funded', primary_company_id: co(2) })
    contact(7, { loan_status: 'lost' })
    contact(8, { loan_status: 'past_client', archived: 'true' })
    assoc('contact', c(5), 'company', co(2), 104, 105, 'Agent at Brokerage')
    assoc('contact', c(3), 'contact', c(5), 402, 403, 'Referred By')

    const deal = (n: number, stage: string, extra: FixtureRow, contactN: number) => {
      deals.push({
        id: d(n),
        dealname: `Loan ${s}-${n}`,
        pipeline_id: stage.startsWith('refi_') ? 'refi' : 'default',
        dealstage: stage,
        amount: '350000.00',
        loan_amount: '350000.00',
        closedate: '2024-06-30',
        owner_id: '101',
        loan_type: 'conventional',
        date_entered_current_stage: at(20),
        created_at: at(10),
        updated_at: at(20),
        archived: 'false',
        ...extra,
      })
      assoc('contact', c(contactN), 'deal', d(n), 202, 203, 'Borrower', true)
      history.push({
        id: `${d(n)}1`,
        deal_id: d(n),
        pipeline_id: stage.startsWith('refi_') ? 'refi' : 'default',
        from_stage_id: '',
        to_stage_id: stage.startsWith('refi_') ? 'refi_new_lead' : 'new_lead',
        changed_at: at(10),
        change_source: 'ui',
      })
      history.push({
        id: `${d(n)}2`,
        deal_id: d(n),
        pipeline_id: stage.startsWith('refi_') ? 'refi' : 'default',
        from_stage_id: stage.startsWith('refi_') ? 'refi_new_lead' : 'new_lead',
        to_stage_id: stage,
        changed_at: at(20),
        change_source: 'ui',
      })
    }
    deal(1, 'processing', { referral_partner_contact_id: c(5) }, 1)
    deal(2, 'funded', { funded_date: '2024-05-15' }, 6)
    deal(3, 'lost', { lost_date: '2024-04-01', lost_reason: 'rate' }, 7)
    deal(4, 'refi_underwriting', {}, 2)
    assoc('contact', c(2), 'deal', d(1), 204, 205, 'Co-Borrower')
    assoc('deal', d(1), 'company', co(3), 308, 309, 'Household/Property', true)
    assoc('contact', c(5), 'deal', d(1), 212, 213, 'Referral Partner')

    const link = (id: string, type: string, object: string, objectId: string, typeId: number) =>
      links.push({
        engagement_id: id,
        engagement_type: type,
        object_type: object,
        object_id: objectId,
        association_type_id: String(typeId),
      })
    const e1 = nextEngagement()
    calls.push({
      ...common(e1, 11),
      body: '<p>Rate lock <b>call</b></p>',
      direction: 'OUTBOUND',
      status: 'COMPLETED',
      duration_ms: '300000',
      from_number: '+16125550000',
      to_number: '+16125550101',
      title: 'Rate-lock follow-up',
    })
    link(e1, 'CALL', 'deal', d(1), 504)
    link(e1, 'CALL', 'contact', c(1), 500)
    const e2 = nextEngagement()
    emails.push({
      ...common(e2, 12),
      body: '<p>Docs attached</p>',
      direction: 'EMAIL',
      subject: 'Your documents',
      from_email: OWNER_EMAILS[0],
      to_emails: `c${s}-1@example.org;stranger@elsewhere.example`,
      cc_emails: `c${s}-2@example.org`,
      send_status: 'SENT',
    })
    link(e2, 'EMAIL', 'deal', d(1), 504)
    const e3 = nextEngagement()
    meetings.push({
      ...common(e3, 13),
      body: 'Closing',
      title: 'Closing table',
      start_time: at(25, 15),
      end_time: at(25, 16),
      location: 'Title office',
      outcome: 'COMPLETED',
      attendee_contact_ids: c(6),
    })
    link(e3, 'MEETING', 'deal', d(2), 504)
    const e4 = nextEngagement()
    notes.push({ ...common(e4, 14), body: '<p>Prefers text messages</p>', pinned: 'true' })
    link(e4, 'NOTE', 'contact', c(3), 500)
    const e5 = nextEngagement()
    tasks.push({
      ...common(e5, 15),
      body: 'Order appraisal',
      subject: 'Order appraisal',
      status: 'COMPLETED',
      priority: 'HIGH',
      task_type: 'TODO',
      completed_at: at(16),
    })
    link(e5, 'TASK', 'deal', d(4), 504)
    const e6 = nextEngagement()
    tasks.push({
      ...common(e6, 15),
      body: 'Call back',
      subject: 'Call back',
      status: 'NOT_STARTED',
      priority: 'LOW',
      task_type: 'CALL',
    })
    link(e6, 'TASK', 'company', co(1), 502)
    const e7 = nextEngagement()
    sms.push({
      ...common(e7, 17),
      body: 'On my way',
      direction: 'OUTBOUND',
      from_number: '+16125550000',
      to_number: '+16125550101',
      delivery_status: 'delivered',
    })
    link(e7, 'SMS', 'contact', c(1), 500)

    const file = (
      id: string,
      name: string,
      bytes: Buffer,
      extra: FixtureRow,
      attachTo: [string, string] | null,
      engagementId: string | null,
    ) => {
      files[`files/${id}/${name}`] = bytes
      attachments.push({
        file_id: id,
        original_filename: name,
        stored_path: `files/${id}/${name}`,
        mime_type: 'application/pdf',
        size_bytes: String(bytes.length),
        sha256: createHash('sha256').update(bytes).digest('hex'),
        doc_type: 'paystub',
        uploaded_at: at(18),
        uploaded_by_owner_id: '101',
        binary_present: 'true',
        updated_at: at(18),
        archived: 'false',
        ...extra,
      })
      if (attachTo !== null)
        assoc(
          'attachment',
          id,
          attachTo[0],
          attachTo[1],
          attachTo[0] === 'deal' ? 602 : 600,
          attachTo[0] === 'deal' ? 603 : 601,
          '',
        )
      if (engagementId !== null) {
        const row = emails.find((e) => e['id'] === engagementId)
        if (row) (row as Record<string, string>)['attachment_ids'] = id
      }
    }
    const pdf = (size: number, seed: number) => {
      const b = Buffer.alloc(size)
      b.write('%PDF-1.4\n')
      for (let i = 9; i < size; i++) b[i] = (i * 31 + seed) & 0xff
      return b
    }
    file(String(8_800_000 + s * 10 + 1), 'paystub.pdf', pdf(2000, s), {}, ['deal', d(1)], null)
    file(String(8_800_000 + s * 10 + 2), 'w2.pdf', pdf(1500, s + 1), { doc_type: 'w2' }, null, e2)
    if (options.largeFiles !== false && s === 0) {
      file(
        String(8_800_000 + s * 10 + 3),
        'appraisal.pdf',
        pdf(4_400_000, 7),
        { doc_type: 'other' },
        ['contact', c(1)],
        null,
      )
      file(
        String(8_800_000 + s * 10 + 4),
        'scan.pdf',
        pdf(5_000_000, 9),
        { doc_type: 'bank_statement' },
        ['deal', d(2)],
        null,
      )
    }
  }

  return writeExport(dir, {
    flavour: 'api',
    files: {
      'data/companies.csv': dataCsv('companies', 'api', companies),
      'data/contacts.csv': dataCsv('contacts', 'api', contacts),
      'data/deals.csv': dataCsv('deals', 'api', deals),
      'data/deal_stage_history.csv': dataCsv('deal_stage_history', 'api', history),
      'data/associations.csv': dataCsv('associations', 'api', associations),
      'data/engagements/calls.csv': dataCsv('calls', 'api', calls),
      'data/engagements/emails.csv': dataCsv('emails', 'api', emails),
      'data/engagements/meetings.csv': dataCsv('meetings', 'api', meetings),
      'data/engagements/notes.csv': dataCsv('notes', 'api', notes),
      'data/engagements/tasks.csv': dataCsv('tasks', 'api', tasks),
      'data/engagements/sms.csv': dataCsv('sms', 'api', sms),
      'data/engagements/engagement_associations.csv': dataCsv('engagement_associations', 'api', links),
      'data/attachments.csv': dataCsv('attachments', 'api', attachments),
      ...files,
    },
  })
}
