/**
 * One test per §9 defect code (EXPORT-FORMAT.md): each builds the smallest export showing the
 * defect, stages it into a real workspace, and asserts the reader action the spec prescribes.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { stageInto, stageFixture, type Staged } from '../../../../support/stage-fixture'
import { baseFiles, customProperty, dataCsv, writeExport } from '../../../../support/leaf360-fixture'
import { useTempDirs } from '../../../../support/temp-dir'
import { Workspace } from '../../../../../electron/engine/workspace/workspace'

const contact = (id: string, extra: Record<string, string> = {}) => ({
  id,
  first_name: 'Jane',
  last_name: 'Doe',
  contact_type: 'borrower',
  created_at: '2023-01-05T10:00:00Z',
  updated_at: '2024-01-05T10:00:00Z',
  archived: 'false',
  ...extra,
})
const uiContact = (id: string, extra: Record<string, string> = {}) => ({
  id,
  first_name: 'Jane',
  last_name: 'Doe',
  contact_type: 'Borrower',
  created_at: '01/05/2023 04:00 AM',
  updated_at: '01/05/2024 04:00 AM',
  ...extra,
})
const deal = (id: string, extra: Record<string, string> = {}) => ({
  id,
  dealname: `Deal ${id}`,
  pipeline_id: 'default',
  dealstage: 'processing',
  created_at: '2024-02-01T12:00:00Z',
  updated_at: '2024-03-01T12:00:00Z',
  archived: 'false',
  ...extra,
})
const company = (id: string, extra: Record<string, string> = {}) => ({
  id,
  name: `Company ${id}`,
  created_at: '2022-01-01T00:00:00Z',
  updated_at: '2023-01-01T00:00:00Z',
  archived: 'false',
  ...extra,
})
const assoc = (
  from: string,
  fromId: string,
  to: string,
  toId: string,
  type: string,
  extra: Record<string, string> = {},
) => ({
  from_object_type: from,
  from_id: fromId,
  to_object_type: to,
  to_id: toId,
  association_type_id: type,
  association_category: 'LEAF360_DEFINED',
  is_primary: 'false',
  ...extra,
})
const apiContacts = (...rows: Array<Record<string, string>>) => dataCsv('contacts', 'api', rows)

describe('§9 defects: each detected and handled as the spec says', () => {
  const tempDir = useTempDirs()
  let open: Staged | null = null
  afterEach(() => {
    open?.close()
    open = null
  })
  const stage = async (...args: Parameters<typeof stageFixture>) => (open = await stageFixture(...args))

  it('D01 flags live contacts sharing an e-mail with similar names as one duplicate group, never merged', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { email: 'jane@example.org' }),
          contact('2', { email: ' JANE@example.org', first_name: 'Jane', last_name: 'Doe' }),
        ),
      },
    })
    expect(s.codes('contacts', '1')).toContain('D01')
    expect(s.codes('contacts', '2')).toContain('D01')
    expect(s.values('contacts', '1')!['_duplicate_group']).toBe(
      s.values('contacts', '2')!['_duplicate_group'],
    )
    expect(s.report.totals.staged).toBe(s.report.totals.read)
  })

  it('D02 flags a household sharing an e-mail with different first names, and keeps both', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { email: 'doe.family@example.org', first_name: 'John' }),
          contact('2', { email: 'doe.family@example.org', first_name: 'Mary' }),
        ),
      },
    })
    expect(s.codes('contacts', '1')).toEqual(['D02'])
    expect(s.codes('contacts', '2')).toEqual(['D02'])
  })

  it('D03 normalises phones to E.164 and reads an unparseable one or a null token as null, with a warning', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { phone: '(763)555-0123', mobile_phone: '+1 (555) 123-4567 x204' }),
          contact('2', { phone: '555-0123', mobile_phone: 'N/A' }),
        ),
      },
    })
    expect(s.values('contacts', '1')).toMatchObject({
      phone: '+17635550123',
      mobile_phone: '+15551234567x204',
    })
    expect(s.values('contacts', '2')).toMatchObject({ phone: null, mobile_phone: null })
    expect(s.codes('contacts', '2')).toEqual(['D03', 'D03'])
  })

  it('D04 normalises mixed date formats to UTC, reading ui times in the manifest zone', async () => {
    const s = await stage(tempDir(), {
      flavour: 'ui',
      files: {
        'data/contacts.csv': dataCsv('contacts', 'ui', [
          uiContact('1', {
            created_at: '3/7/2024 3:05 PM',
            updated_at: '03/08/2024 09:00 AM',
            date_of_birth: '1980-04-02',
          }),
        ]),
      },
    })
    expect(s.values('contacts', '1')).toMatchObject({
      created_at: '2024-03-07T21:05:00Z',
      date_of_birth: '1980-04-02',
    })
    expect(s.codes('contacts', '1')).toEqual(['D04', 'D04'])
  })

  it('D05 reads placeholder dates as null with a warning', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { date_of_birth: '1900-01-01', last_activity_at: '0000-00-00 00:00:00' }),
        ),
      },
    })
    expect(s.values('contacts', '1')).toMatchObject({ date_of_birth: null, last_activity_at: null })
    expect(s.codes('contacts', '1')).toEqual(['D05', 'D05'])
  })

  it('D06 clears a TBD subject street, sets subject_tbd and keeps the real city and state', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/deals.csv': dataCsv('deals', 'api', [
          deal('9001', { subject_address: 'TBD TBD', subject_city: 'Edina', subject_state: 'MN' }),
        ]),
      },
    })
    expect(s.values('deals', '9001')).toMatchObject({
      subject_address: null,
      subject_tbd: true,
      subject_city: 'Edina',
      subject_state: 'MN',
    })
    expect(s.codes('deals', '9001')).toContain('D06')
  })

  it('D07 decodes Windows-1252 and reports every file that is not UTF-8 without BOM', async () => {
    const ui = baseFiles('ui')
    const cp1252 = Buffer.from(
      dataCsv('contacts', 'ui', [uiContact('1', { first_name: 'José', last_name: 'Muñoz' })]),
      'latin1',
    )
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(ui['data/companies.csv']!, 'utf8'),
    ])
    const s = await stage(tempDir(), {
      flavour: 'ui',
      files: { 'data/contacts.csv': cp1252, 'data/companies.csv': bom },
      encodings: { 'data/contacts.csv': 'utf-8', 'data/companies.csv': 'utf-8-bom' },
    })
    expect(s.values('contacts', '1')).toMatchObject({ first_name: 'José', last_name: 'Muñoz' })
    expect(s.values('companies', '7001')).toMatchObject({ name: 'Acme Realty' })
    const d07 = s.fileFindings('D07')
    expect(d07.map((f) => [f.file, f.reason])).toEqual([
      ['data/contacts.csv', 'windows-1252'],
      ['data/companies.csv', 'utf-8-bom_declared'],
    ])
  })

  it('D08 pads ZIP codes that lost a leading zero', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(contact('1', { zip: '8846' }), contact('2', { zip: '88461234' })),
      },
    })
    expect(s.values('contacts', '1')!['zip']).toBe('08846')
    expect(s.values('contacts', '2')!['zip']).toBe('08846-1234')
    expect(s.codes('contacts', '1')).toEqual(['D08'])
  })

  it('D09 keeps HTML bodies with a plain-text rendering, silently, and warns on a truncated body', async () => {
    const note = (id: string, body: string) => ({
      id,
      timestamp: '2024-01-01T10:00:00Z',
      source: 'crm_ui',
      body,
      created_at: '2024-01-01T10:00:00Z',
      updated_at: '2024-01-01T10:00:00Z',
      archived: 'false',
    })
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/engagements/notes.csv': dataCsv('notes', 'api', [
          note('1', '<p>Called&nbsp;Jane.</p><p>Rate &amp; lock<br>tomorrow</p>'),
          note('2', 'x'.repeat(65_536)),
        ]),
      },
    })
    expect(s.values('notes', '1')).toMatchObject({
      body: '<p>Called&nbsp;Jane.</p><p>Rate &amp; lock<br>tomorrow</p>',
      body_text: 'Called Jane.\nRate & lock\ntomorrow',
    })
    expect(s.codes('notes', '1')).toEqual([])
    expect(s.warnings('notes', '2')).toEqual([
      { code: 'D09', column: 'body', raw: null, reason: 'truncated' },
    ])
  })

  it('D10 maps legacy spellings and wrong case, and stages an unknown value raw as unmapped', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { loan_status: 'Pre Approved' }),
          contact('2', { loan_status: 'PRE_QUALIFIED' }),
          contact('3', { loan_status: 'Mystery Status', tags: 'a;b' }),
        ),
      },
    })
    expect(s.values('contacts', '1')!['loan_status']).toBe('pre_approved')
    expect(s.values('contacts', '2')!['loan_status']).toBe('pre_qualified')
    expect(s.values('contacts', '3')!['loan_status']).toBe('Mystery Status')
    expect(s.warnings('contacts', '3')).toEqual([
      { code: 'D10', column: 'loan_status', raw: 'Mystery Status', reason: 'unmapped' },
    ])
    expect(s.report.findings['D10']).toBe(3)
  })

  it('D11 warns on an orphan field, quarantines orphan association and history rows, and spares quarantined targets', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { owner_id: '999' }),
          contact('2', { primary_company_id: '7002' }),
        ),
        'data/companies.csv': dataCsv('companies', 'api', [
          company('7001'),
          company('7002', { name: 'x,y' }),
        ]).replace(/\n7002,/, '\n7002,extra,'),
        'data/associations.csv': dataCsv('associations', 'api', [
          assoc('contact', '1', 'deal', '9001', '200'),
          assoc('deal', '9001', 'contact', '1', '201'),
          assoc('contact', '1', 'deal', '8888', '200'),
        ]),
        'data/deal_stage_history.csv': dataCsv('deal_stage_history', 'api', [
          {
            id: '1',
            deal_id: '8888',
            pipeline_id: 'default',
            to_stage_id: 'new_lead',
            changed_at: '2024-01-01T00:00:00Z',
            change_source: 'ui',
          },
        ]),
      },
    })
    expect(s.warnings('contacts', '1')).toContainEqual({
      code: 'D11',
      column: 'owner_id',
      raw: '999',
      reason: 'orphan_field',
    })
    expect(s.values('contacts', '1')!['owner_id']).toBe('999')
    expect(s.warnings('contacts', '2')).toContainEqual({
      code: 'D11',
      column: 'primary_company_id',
      raw: '7002',
      reason: 'target_quarantined',
    })
    expect(s.quarantined('orphan_association').map((q) => q.sourceId)).toEqual(['contact|1|deal|8888|200'])
    expect(s.quarantined('orphan_history').map((q) => q.sourceId)).toEqual(['1'])
    expect(s.report.objects['data/associations.csv']).toEqual({
      read: 3,
      staged: 2,
      quarantined: 1,
      skipped: 0,
    })
  })

  it('D12 stages attachments whose binary is missing or empty, with the binary state', async () => {
    const att = (id: string, extra: Record<string, string>) => ({
      file_id: id,
      original_filename: `doc${id}.pdf`,
      stored_path: `files/${id}/doc${id}.pdf`,
      size_bytes: '10',
      uploaded_at: '2024-01-01T00:00:00Z',
      binary_present: 'true',
      updated_at: '2024-01-01T00:00:00Z',
      archived: 'false',
      ...extra,
    })
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/attachments.csv': dataCsv('attachments', 'api', [
          att('1', { binary_present: 'false', stored_path: '' }),
          att('2', {}),
          att('3', { size_bytes: '0' }),
        ]),
        'files/3/doc3.pdf': Buffer.alloc(0),
      },
    })
    expect(s.values('attachments', '1')!['_binary']).toMatchObject({ state: 'missing' })
    expect(s.warnings('attachments', '1')[0]).toMatchObject({ code: 'D12', reason: 'binary_not_included' })
    expect(s.warnings('attachments', '2')[0]).toMatchObject({ code: 'D12', reason: 'binary_absent' })
    expect(s.values('attachments', '3')!['_binary']).toMatchObject({ state: 'empty', size: 0 })
    expect(s.codes('attachments', '3')).toEqual(['D12'])
  })

  it('D13 normalises an unsafe file name and quarantines a stored_path that escapes its folder, never reading it', async () => {
    const att = (id: string, name: string, stored: string) => ({
      file_id: id,
      original_filename: name,
      stored_path: stored,
      size_bytes: '3',
      uploaded_at: '2024-01-01T00:00:00Z',
      binary_present: 'true',
      updated_at: '2024-01-01T00:00:00Z',
      archived: 'false',
    })
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/attachments.csv': dataCsv('attachments', 'api', [
          att('1', '..\\..\\CON.pdf', 'files/1/_CON.pdf'),
          att('2', 'paystub.pdf', 'files/2/../../manifest.json'),
        ]),
        'files/1/_CON.pdf': 'pdf',
      },
    })
    expect(s.values('attachments', '1')!['original_filename']).toBe('_CON.pdf')
    expect(s.codes('attachments', '1')).toContain('D13')
    expect(s.quarantined('unsafe_path')).toMatchObject([{ sourceId: '2', defect: 'D13' }])
  })

  it('D14 flags an oversized attachment for manual handling and lists it in the profile', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/attachments.csv': dataCsv('attachments', 'api', [
          {
            file_id: '1',
            original_filename: 'appraisal.pdf',
            size_bytes: '200000000',
            uploaded_at: '2024-01-01T00:00:00Z',
            binary_present: 'false',
            updated_at: '2024-01-01T00:00:00Z',
            archived: 'false',
          },
        ]),
      },
    })
    expect(s.warnings('attachments', '1')).toContainEqual({
      code: 'D14',
      column: 'size_bytes',
      raw: '200000000',
      reason: 'oversized',
    })
    const profile = s.repo.getProfile(s.report.importId) as { attachments: { oversized: unknown[] } }
    expect(profile.attachments.oversized).toEqual([{ fileId: '1', bytes: 200000000, binaryPresent: false }])
  })

  it('D15 marks a 50-character cut e-mail as truncated (not D26) and keeps it out of dedupe', async () => {
    const cut = 'alexandra.papadopoulos@pacificnorthwesthomeloans.c'
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: { 'data/contacts.csv': apiContacts(contact('1', { email: cut }), contact('2', { email: cut })) },
    })
    expect(s.values('contacts', '1')!['email']).toBe(cut)
    expect(s.codes('contacts', '1')).toEqual(['D15'])
    expect(s.codes('contacts', '2')).toEqual(['D15'])
  })

  it('D16 rewrites ALL-CAPS names by the capitalisation rule', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(contact('1', { first_name: 'JOHN', last_name: "O'BRIEN-MCDONALD" })),
      },
    })
    expect(s.values('contacts', '1')).toMatchObject({ first_name: 'John', last_name: "O'Brien-McDonald" })
    expect(s.codes('contacts', '1')).toEqual(['D16', 'D16'])
  })

  it('D17 follows merge chains to the survivor and leaves a chain to nothing unmerged', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { merged_into_id: '2', archived: 'true' }),
          contact('2', { merged_into_id: '3', archived: 'true' }),
          contact('3'),
          contact('4', { merged_into_id: '777' }),
        ),
      },
    })
    expect(s.values('contacts', '1')).toMatchObject({
      merged_into_id: '2',
      _merge_target: '3',
      _merge_status: 'merged',
    })
    expect(s.warnings('contacts', '1')).toContainEqual({
      code: 'D17',
      column: 'merged_into_id',
      raw: '2',
      reason: 'merge_chain',
    })
    expect(s.values('contacts', '2')).toMatchObject({ _merge_target: '3' })
    expect(s.values('contacts', '4')).toMatchObject({
      merged_into_id: '777',
      _merge_target: null,
      _merge_status: 'unmerged',
    })
  })

  it('D18 stages archived records flagged, without a warning', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: { 'data/contacts.csv': apiContacts(contact('1', { archived: 'true' })) },
    })
    expect(s.repo.findStaged(s.report.importId, 'contacts', '1')!.archived).toBe(true)
    expect(s.codes('contacts', '1')).toEqual([])
  })

  it('D19 warns once per deactivated owner who still owns records', async () => {
    const owners = dataCsv('owners', 'api', [
      {
        owner_id: '101',
        email: 'ann@lender.example',
        first_name: 'Ann',
        last_name: 'Lee',
        role: 'loan_officer',
        is_active: 'false',
        deactivated_at: '2023-01-01T00:00:00Z',
        created_at: '2020-01-02T15:00:00Z',
        updated_at: '2023-01-02T15:00:00Z',
      },
    ])
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/owners.csv': owners,
        'data/contacts.csv': apiContacts(
          contact('1', { owner_id: '101' }),
          contact('2', { owner_id: '101' }),
        ),
      },
    })
    expect(s.warnings('owners', '101')).toEqual([
      { code: 'D19', column: 'is_active', raw: '2 references', reason: 'deactivated_owner' },
    ])
    expect(s.report.findings['D19']).toBe(1)
  })

  it('D20 breaks a company parent cycle at its member with the lowest numeric id', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/companies.csv': dataCsv('companies', 'api', [
          company('30', { parent_company_id: '200' }),
          company('200', { parent_company_id: '30' }),
          company('5', { parent_company_id: '5' }),
        ]),
      },
    })
    expect(s.values('companies', '30')!['parent_company_id']).toBeNull()
    expect(s.values('companies', '200')!['parent_company_id']).toBe('30')
    expect(s.values('companies', '5')!['parent_company_id']).toBeNull()
    expect(s.warnings('companies', '5')[0]).toMatchObject({ code: 'D20', reason: 'self_parent' })
  })

  it('D21 quarantines an identical duplicate and keeps the later updated_at of conflicting ones', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { first_name: 'Old', updated_at: '2024-01-01T00:00:00Z' }),
          contact('1', { first_name: 'New', updated_at: '2024-02-01T00:00:00Z' }),
          contact('2'),
          { ...contact('2'), last_name: ' Doe ' },
        ),
      },
    })
    expect(s.values('contacts', '1')!['first_name']).toBe('New')
    expect(s.quarantined('duplicate_id_conflict')).toMatchObject([{ sourceId: '1', row: 1 }])
    expect(s.quarantined('duplicate_row')).toMatchObject([{ sourceId: '2', row: 4 }])
    expect(s.report.objects['data/contacts.csv']).toEqual({ read: 4, staged: 2, quarantined: 2, skipped: 0 })
  })

  it('D22 drops extra empty fields with a warning and quarantines other wrong column counts', async () => {
    const text = apiContacts(contact('1'), contact('2'), contact('3')).split('\n')
    text[1] += ',\u00a0, '
    text[2] += ',oops'
    text[3] = text[3]!.split(',').slice(0, 5).join(',')
    const s = await stage(tempDir(), { flavour: 'api', files: { 'data/contacts.csv': text.join('\n') } })
    expect(s.warnings('contacts', '1')).toEqual([
      { code: 'D22', column: null, raw: null, reason: 'extra_empty_fields' },
    ])
    expect(s.quarantined('column_count_mismatch').map((q) => q.row)).toEqual([2, 3])
  })

  it('D23 reads quoted newlines as one row, silently', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(contact('1', { address: '12 Elm St\r\nApt 4' }), contact('2')),
      },
    })
    expect(s.values('contacts', '1')!['address']).toBe('12 Elm St\r\nApt 4')
    expect(s.codes('contacts', '1')).toEqual([])
    expect(s.repo.findStaged(s.report.importId, 'contacts', '2')!.line).toBe(4)
  })

  it('D24 keeps a stray quote literally with a warning, and quarantines the row of an unterminated quote', async () => {
    const lines = apiContacts(contact('1', { first_name: 'JoAnn' }), contact('2'), contact('3')).split('\n')
    lines[1] = lines[1]!.replace('JoAnn', 'Jo"Ann')
    lines[2] = lines[2]!.replace('Jane', '"Jane')
    const s = await stage(tempDir(), { flavour: 'api', files: { 'data/contacts.csv': lines.join('\n') } })
    expect(s.values('contacts', '1')!['first_name']).toBe('Jo"Ann')
    expect(s.warnings('contacts', '1')).toEqual([
      { code: 'D24', column: null, raw: null, reason: 'stray_quote' },
    ])
    expect(s.quarantined('malformed_csv').map((q) => q.row)).toEqual([2])
    expect(s.values('contacts', '3')).toBeDefined()
  })

  it('D25 repairs mojibake when re-decoding gives clean text', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: { 'data/contacts.csv': apiContacts(contact('1', { first_name: 'JosÃ©', last_name: 'MuÃ±oz' })) },
    })
    expect(s.values('contacts', '1')).toMatchObject({ first_name: 'José', last_name: 'Muñoz' })
    expect(s.codes('contacts', '1')).toEqual(['D25', 'D25'])
  })

  it('D26 keeps an invalid e-mail raw and flags it, and reads a null token as null with the warning', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { email: 'john.smith@', additional_emails: 'a@b.example;none@none.com' }),
          contact('2', { email: 'n/a' }),
        ),
      },
    })
    expect(s.values('contacts', '1')).toMatchObject({
      email: 'john.smith@',
      additional_emails: ['a@b.example', 'none@none.com'],
    })
    expect(s.codes('contacts', '1')).toEqual(['D26', 'D26'])
    expect(s.values('contacts', '2')!['email']).toBeNull()
    expect(s.warnings('contacts', '2')).toEqual([
      { code: 'D26', column: 'email', raw: 'n/a', reason: 'null_token' },
    ])
  })

  it('D27 notes a loan_status that contradicts the stage of the latest deal', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { loan_status: 'lost' }),
          contact('2', { loan_status: 'in_process' }),
        ),
        'data/deals.csv': dataCsv('deals', 'api', [deal('9001'), deal('9002')]),
        'data/associations.csv': dataCsv('associations', 'api', [
          assoc('contact', '1', 'deal', '9001', '202'),
          assoc('deal', '9001', 'contact', '1', '203'),
          assoc('contact', '2', 'deal', '9002', '202'),
          assoc('deal', '9002', 'contact', '2', '203'),
        ]),
      },
    })
    expect(s.warnings('contacts', '1')).toEqual([
      { code: 'D27', column: 'loan_status', raw: 'lost vs processing', reason: 'loan_status_contradiction' },
    ])
    expect(s.codes('contacts', '2')).toEqual([])
  })

  it('D28 notes referral text without any partner link, never inferring one', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { referral_source: 'Jane Smith - Compass' }),
          contact('2', { referral_source: 'Partner', referred_by_contact_id: '3' }),
          contact('3'),
          contact('4', { referral_source: 'Ann Lee - Compass', referred_by_contact_id: '3' }),
        ),
        'data/associations.csv': dataCsv('associations', 'api', [
          assoc('contact', '2', 'contact', '3', '402'),
          assoc('contact', '3', 'contact', '2', '403'),
        ]),
      },
    })
    expect(s.warnings('contacts', '1')).toEqual([
      { code: 'D28', column: 'referral_source', raw: 'Jane Smith - Compass', reason: 'no_link' },
    ])
    expect(s.values('contacts', '1')!['referred_by_contact_id']).toBeNull()
    expect(s.codes('contacts', '2')).toEqual([])
    // A partner id without the partner association is no link either (§6.6).
    expect(s.warnings('contacts', '4')).toEqual([
      { code: 'D28', column: 'referral_source', raw: 'Ann Lee - Compass', reason: 'no_partner_association' },
    ])
  })

  it('D29 warns on archived and unknown stages and stages an unknown one raw as unmapped', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/deals.csv': dataCsv('deals', 'api', [
          deal('1', { dealstage: 'appraisal' }),
          deal('2', { dealstage: 'warp_speed' }),
          deal('3', { pipeline_id: 'refi', dealstage: 'under_contract' }),
        ]),
      },
    })
    expect(s.warnings('deals', '1')).toEqual([
      { code: 'D29', column: 'dealstage', raw: 'appraisal', reason: 'archived_stage' },
    ])
    expect(s.values('deals', '2')).toMatchObject({ dealstage: 'warp_speed', dealstage_unmapped: true })
    expect(s.warnings('deals', '3')[0]).toMatchObject({ code: 'D29', reason: 'other_pipeline' })
  })

  it('D30 normalises api numbers written with $ and separators, and reads 357.9K or an odd boolean as null', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/deals.csv': dataCsv('deals', 'api', [
          deal('1', { amount: '$357,904.00', loan_amount: '357.9K', subject_tbd: 'maybe' }),
        ]),
      },
    })
    expect(s.values('deals', '1')).toMatchObject({
      amount: '357904.00',
      loan_amount: null,
      subject_tbd: null,
    })
    expect(s.codes('deals', '1')).toEqual(['D30', 'D30', 'D30'])
  })

  it('D31 reports manifest mismatches, listed files that are missing and unlisted files, per file', async () => {
    const dir = tempDir()
    const root = writeExport(join(dir, 'export'), {
      flavour: 'api',
      files: { 'data/teams.csv': dataCsv('teams', 'api', []), 'notes/readme.txt': 'hello' },
      unlisted: ['data/teams.csv'],
      manifest: { association_row_cap: 'lots' },
    })
    const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'))
    manifest.files.find((f: { path: string }) => f.path === 'data/contacts.csv').rows = 5
    manifest.files.push({ ...manifest.files[0], path: 'data/sms_missing.csv' })
    writeFileSync(join(root, 'manifest.json'), JSON.stringify(manifest))
    const workspace = Workspace.create(join(dir, 'w'), { appVersion: 'test' })
    const s = (open = await stageInto(workspace, root))
    const reasons = s.fileFindings('D31').map((f) => `${f.file}:${f.reason}`)
    expect(reasons).toEqual(
      expect.arrayContaining([
        'manifest.json:key_invalid',
        'data/contacts.csv:rows_mismatch',
        'data/sms_missing.csv:listed_file_missing',
        'notes/readme.txt:unlisted_file',
        'data/teams.csv:unlisted_file',
      ]),
    )
  })

  it('D32 warns when a ui association cell holds association_row_cap ids', async () => {
    const s = await stage(tempDir(), {
      flavour: 'ui',
      manifest: { association_row_cap: 2 },
      files: {
        'data/contacts.csv': dataCsv(
          'contacts',
          'ui',
          [uiContact('1', { 'Associated Deal IDs': '9001;9002' })],
          {
            extraHeaders: ['Associated Deal IDs'],
          },
        ),
      },
    })
    expect(s.values('contacts', '1')!['Associated Deal IDs']).toEqual(['9001', '9002'])
    expect(s.codes('contacts', '1')).toContain('D32')
  })

  it('D33 repairs spreadsheet-mangled ids and quarantines a row whose own id became an exponent', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('123456789012.0', { primary_company_id: "'7001" }),
          contact('1.23457E+11'),
          contact('3', { primary_company_id: '7.001E+3' }),
        ),
      },
    })
    expect(s.values('contacts', '123456789012')!['primary_company_id']).toBe('7001')
    expect(s.codes('contacts', '123456789012')).toEqual(['D33', 'D33'])
    expect(s.quarantined('id_unrecoverable')).toMatchObject([{ row: 2, defect: 'D33' }])
    expect(s.values('contacts', '3')!['primary_company_id']).toBeNull()
  })

  it('D34 resolves ui owner names after normalising spaces, and leaves unknown or ambiguous names unresolved', async () => {
    const s = await stage(tempDir(), {
      flavour: 'ui',
      files: {
        'data/contacts.csv': dataCsv('contacts', 'ui', [
          uiContact('1', { owner_id: ' Ann   Lee ' }),
          uiContact('2', { owner_id: 'Nobody Here' }),
          uiContact('3', { owner_id: 'Bob Ray (Deactivated User)' }),
        ]),
      },
    })
    expect(s.values('contacts', '1')!['owner_id']).toBe('101')
    expect(s.warnings('contacts', '1')).toContainEqual({
      code: 'D34',
      column: 'owner_id',
      raw: 'Ann   Lee',
      reason: 'spaces',
    })
    expect(s.values('contacts', '2')!['owner_id']).toBeNull()
    expect(s.warnings('contacts', '2')).toEqual([
      { code: 'D34', column: 'owner_id', raw: 'Nobody Here', reason: 'unknown' },
    ])
    expect(s.values('contacts', '3')!['owner_id']).toBe('102')
  })

  it('D35 warns on stage-history gaps, disorder, times outside the deal and a last stage that disagrees', async () => {
    const h = (id: string, from: string, to: string, at: string) => ({
      id,
      deal_id: '9001',
      pipeline_id: 'default',
      from_stage_id: from,
      to_stage_id: to,
      changed_at: at,
      change_source: 'ui',
    })
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/deals.csv': dataCsv('deals', 'api', [
          deal('9001', { date_entered_current_stage: '2024-02-20T00:00:00Z' }),
        ]),
        'data/deal_stage_history.csv': dataCsv('deal_stage_history', 'api', [
          h('2', 'new_lead', 'contacted', '2024-02-10T00:00:00Z'),
          h('1', '', 'new_lead', '2024-01-01T00:00:00Z'),
          h('3', 'pre_approval', 'underwriting', '2024-02-20T00:00:00Z'),
        ]),
      },
    })
    const reasons = ['1', '2', '3'].flatMap((id) =>
      s.warnings('deal_stage_history', id).map((w) => `${id}:${w.reason}`),
    )
    expect(reasons).toEqual(['1:outside_life', '2:out_of_order', '3:gap', '3:last_stage_mismatch'])
  })

  it('D36 warns when an attachment binary disagrees with its metadata; the actual content wins', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/attachments.csv': dataCsv('attachments', 'api', [
          {
            file_id: '1',
            original_filename: 'photo.jpg',
            stored_path: 'files/1/photo.jpg',
            mime_type: 'image/jpeg',
            size_bytes: '99',
            sha256: 'a'.repeat(64),
            uploaded_at: '2024-01-01T00:00:00Z',
            binary_present: 'true',
            updated_at: '2024-01-01T00:00:00Z',
            archived: 'false',
          },
        ]),
        'files/1/photo.jpg': Buffer.concat([
          Buffer.from([0, 0, 0, 24]),
          Buffer.from('ftypheic'),
          Buffer.alloc(12),
        ]),
      },
    })
    expect(s.warnings('attachments', '1').map((w) => w.reason)).toEqual([
      'size_mismatch',
      'sha256_mismatch',
      'type_mismatch',
    ])
    expect(s.values('attachments', '1')!['_binary']).toMatchObject({ size: 24, type: 'image/heic' })
    expect(s.values('attachments', '1')!['size_bytes']).toBe(99)
  })

  it('D37 quarantines a row without an id and warns on an empty required value', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: { 'data/contacts.csv': apiContacts(contact('\u200b'), contact('2', { contact_type: '' })) },
    })
    expect(s.quarantined('missing_id')).toMatchObject([{ row: 1, defect: 'D37' }])
    expect(s.warnings('contacts', '2')).toEqual([
      { code: 'D37', column: 'contact_type', raw: null, reason: 'missing_required' },
    ])
  })

  it('D38 removes invisible characters and tabs from names, e-mails and ids, warning', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('5\u200b1', { first_name: 'Ann\u00a0Marie', email: 'ann\t@x.example' }),
        ),
      },
    })
    expect(s.values('contacts', '51')).toMatchObject({ first_name: 'Ann Marie' })
    expect(s.codes('contacts', '51').filter((c) => c === 'D38')).toHaveLength(3)
  })

  it('D39 warns on inconsistent timestamps', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/contacts.csv': apiContacts(
          contact('1', { created_at: '2024-05-01T00:00:00Z', updated_at: '2024-04-01T00:00:00Z' }),
          contact('2', { created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-02T00:00:00Z' }),
        ),
      },
    })
    expect(s.warnings('contacts', '1')[0]).toMatchObject({ code: 'D39', reason: 'updated_before_created' })
    expect(s.warnings('contacts', '2')[0]).toMatchObject({ code: 'D39', reason: 'created_after_export' })
  })

  it('D40 warns on a template merge tag naming a property the portal does not define', async () => {
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'schema/property_definitions_deals.json': JSON.stringify({
          object_type: 'deals',
          properties: [
            customProperty('loan_type_old', 'Loan Type (old)', 'string', 'text', 1, { archived: true }),
            {
              name: 'loan_type',
              label: 'Loan Type',
              type: 'enumeration',
              field_type: 'select',
              is_custom: false,
              display_order: 0,
            },
          ],
        }),
        'automation/templates.json': JSON.stringify({
          templates: [
            {
              template_id: 't1',
              channel: 'email',
              name: 'Welcome',
              body_html: 'Your {{deal.loan_type}} and {{deal.loan_type_old}}',
            },
          ],
        }),
      },
    })
    expect(s.warnings('templates', 't1')).toEqual([
      { code: 'D40', column: 'body_html', raw: '{{deal.loan_type_old}}', reason: 'unknown_merge_tag' },
    ])
  })

  it('D41 treats content changed without a later updated_at as changed, with a warning', async () => {
    const dir = tempDir()
    const first = writeExport(join(dir, 'one'), { flavour: 'api' })
    const second = writeExport(join(dir, 'two'), {
      flavour: 'api',
      files: {
        'data/contacts.csv': dataCsv('contacts', 'api', [
          contact('5001', {
            first_name: 'Janet',
            last_name: 'Doe',
            email: 'jane.doe@example.org',
            owner_id: '101',
            updated_at: '2024-01-05T10:00:00Z',
          }),
        ]),
      },
    })
    const workspace = Workspace.create(join(dir, 'w'), { appVersion: 'test' })
    const baseline = await stageInto(workspace, first)
    expect(baseline.repo.deltaOf(baseline.report.importId, 'contacts', '5001')).toBe('new')
    const s = (open = await stageInto(workspace, second))
    expect(s.repo.deltaOf(s.report.importId, 'contacts', '5001')).toBe('changed')
    expect(s.warnings('contacts', '5001')).toContainEqual({
      code: 'D41',
      column: 'updated_at',
      raw: '2024-01-05T10:00:00Z → 2024-01-05T10:00:00Z',
      reason: 'changed_same_updated_at',
    })
    expect(s.repo.deltaOf(s.report.importId, 'deals', '9001')).toBe('unchanged')
  })

  it('D42 synthesises missing inverses, quarantines duplicate rows and settles typed copies by §4.7', async () => {
    const rows = [
      assoc('contact', '5001', 'deal', '9001', '202'),
      assoc('contact', '5001', 'deal', '9001', '202'),
      assoc('contact', '5001', 'deal', '9001', '202', { is_primary: 'true' }),
      assoc('contact', '5001', 'company', '7001', '100'),
      assoc('company', '7001', 'contact', '5001', '101'),
    ]
    const s = await stage(tempDir(), {
      flavour: 'api',
      files: {
        'data/associations.csv': dataCsv('associations', 'api', rows),
        'data/associations/contact_company.csv': dataCsv('associations_contact_company', 'api', [
          assoc('contact', '5001', 'company', '7001', '100'),
          assoc('contact', '5001', 'company', '7001', '102'),
          assoc('contact', '5001', 'company', '7001', '100', { label: 'other' }),
        ]),
      },
    })
    expect(s.values('associations', 'deal|9001|contact|5001|203')).toMatchObject({
      _synthesised_from: 'contact|5001|deal|9001|202',
    })
    // The warning is on the row that lacked its inverse; the synthesised row is reported apart.
    expect(s.warnings('associations', 'contact|5001|deal|9001|202')).toContainEqual({
      code: 'D42',
      column: null,
      raw: 'deal|9001|contact|5001|203',
      reason: 'missing_inverse',
    })
    expect(s.warnings('associations', 'deal|9001|contact|5001|203')).toEqual([])
    expect(s.quarantined('duplicate_row')).toMatchObject([{ row: 2, defect: 'D42' }])
    expect(s.quarantined('duplicate_id_conflict').map((q) => [q.file, q.row])).toEqual([
      ['data/associations.csv', 3],
      ['data/associations/contact_company.csv', 3],
    ])
    expect(s.report.objects['data/associations/contact_company.csv']).toEqual({
      read: 3,
      staged: 1,
      quarantined: 1,
      skipped: 1,
    })
    expect(s.warnings('associations', 'contact|5001|company|7001|102')[0]).toMatchObject({
      code: 'D42',
      reason: 'copy_without_match',
    })
    expect(s.report.synthesised).toBe(2)
  })

  it('D43 stages an unknown column as text, assigns equal ui labels by display order, and quarantines rows of a file without its id column', async () => {
    const props = JSON.stringify({
      object_type: 'contacts',
      properties: [
        customProperty('nickname_b', 'Nickname', 'string', 'text', 2),
        customProperty('nickname_a', 'Nickname', 'string', 'text', 1),
      ],
    })
    const s = await stage(tempDir(), {
      flavour: 'ui',
      files: {
        'schema/property_definitions_contacts.json': props,
        'data/contacts.csv': dataCsv('contacts', 'ui', [uiContact('1', { Nickname: 'JJ', Mystery: 'm' })], {
          extraHeaders: ['Nickname', 'Nickname', 'Mystery'],
        }).replace(/JJ,JJ/, 'JJ,Jay'),
        'data/companies.csv': 'Company Name,Create Date\r\nAcme,01/01/2020 10:00 AM\r\n',
      },
    })
    expect(s.values('contacts', '1')).toMatchObject({ nickname_a: 'JJ', nickname_b: 'Jay', Mystery: 'm' })
    expect(s.fileFindings('D43').map((f) => `${f.file}:${f.reason}`)).toEqual(
      expect.arrayContaining([
        'data/contacts.csv:duplicate_header',
        'data/contacts.csv:unknown_column',
        'data/companies.csv:missing_id_column',
      ]),
    )
    expect(s.quarantined('missing_id_column')).toMatchObject([{ file: 'data/companies.csv', row: 1 }])
  })
})
