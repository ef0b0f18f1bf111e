/**
 * `$batch` and the bulk messages, replayed from Microsoft's documentation: change sets with
 * Content-ID references, continue-on-error, the 1,000-request limit, CRLF line ends;
 * CreateMultiple / UpdateMultiple / UpsertMultiple all-or-nothing on standard tables.
 */
import { describe, expect, it } from 'vitest'
import { useSandbox, type SandboxResponse } from '../../support/sandbox'

const BATCH =
  'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api'
const BULK = 'https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations'
const UPSERT_MULTIPLE =
  'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/upsertmultiple'
const CLIENT_ERRORS =
  'https://learn.microsoft.com/troubleshoot/power-platform/dataverse/dataverse-web-api-and-sdk/web-api-client-errors'

const CRLF = '\r\n'
const lines = (...parts: string[]) => parts.join(CRLF)

/** One application/http part. */
const part = (method: string, url: string, body?: unknown, contentId?: string) =>
  lines(
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    ...(contentId === undefined ? [] : [`Content-ID: ${contentId}`]),
    '',
    `${method} ${url} HTTP/1.1`,
    ...(body === undefined ? [] : ['Content-Type: application/json; type=entry']),
    '',
    body === undefined ? '' : JSON.stringify(body),
  )

const batchBody = (boundary: string, items: string[]) =>
  `${items.map((i) => `--${boundary}${CRLF}${i}${CRLF}`).join('')}--${boundary}--${CRLF}`
const changeset = (boundary: string, parts: string[]) =>
  lines(`Content-Type: multipart/mixed; boundary="${boundary}"`, '', batchBody(boundary, parts))

/** Splits a multipart response into the HTTP status lines it holds, in order. */
const statuses = (res: SandboxResponse) =>
  [...res.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))

describe('sandbox $batch and bulk messages', () => {
  const sb = useSandbox()
  const post = (body: string, prefer?: string) =>
    sb().request('POST', '$batch', {
      rawBody: body,
      headers: {
        'content-type': 'multipart/mixed; boundary="batch_lb7"',
        ...(prefer === undefined ? {} : { prefer }),
      },
    })

  it(`runs a change set with Content-ID references and continues after a failure with odata.continue-on-error (${BATCH})`, async () => {
    const body = batchBody('batch_lb7', [
      changeset('changeset_lb7a', [
        part('POST', '/api/data/v9.2/contacts', { firstname: 'Dana', lastname: 'Ortiz' }, '1'),
        part(
          'POST',
          '/api/data/v9.2/phonecalls',
          { subject: 'Rate-lock follow-up', 'regardingobjectid_contact_phonecall@odata.bind': '$1' },
          '2',
        ),
      ]),
      part('POST', '/api/data/v9.2/tasks', { subject: 'x'.repeat(201) }),
      part('GET', `${sb().api}WhoAmI`),
    ])
    const res = await post(body, 'odata.continue-on-error')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^multipart\/mixed; boundary=batchresponse_[0-9a-f-]{36}$/)
    expect(statuses(res)).toEqual([204, 204, 400, 200])
    expect(res.text).toMatch(
      /--changesetresponse_[0-9a-f-]{36}\r\nContent-Type: application\/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n/,
    )
    expect(res.text).toContain(`OData-EntityId: ${sb().api}contacts(`)
    expect(res.text).toContain(
      `{"error":{"code":"0x80044331","message":"A validation error occurred.  The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed length of '200'."}}`,
    )
    const calls = await sb().request(
      'GET',
      "phonecalls?$select=subject,_regardingobjectid_value&$filter=subject eq 'Rate-lock follow-up'",
    )
    const contactId = /contacts\(([0-9a-f-]{36})\)/.exec(res.text)?.[1]
    expect(calls.json<{ value: Array<Record<string, unknown>> }>().value).toEqual([
      expect.objectContaining({ _regardingobjectid_value: contactId }),
    ])
  })

  it(`stops at the first failure and answers with its status without continue-on-error (${BATCH})`, async () => {
    const body = batchBody('batch_lb7', [
      part('POST', 'accounts', { name: 'Before the failure' }),
      part('POST', 'accounts', { Name: 'bad' }),
      part('POST', 'accounts', { name: 'Never runs' }),
    ])
    const res = await post(body)
    expect(res.status).toBe(400)
    expect(statuses(res)).toEqual([204, 400])
    const never = await sb().request('GET', "accounts?$select=name&$filter=name eq 'Never runs'")
    expect(never.json<{ value: unknown[] }>().value).toHaveLength(0)
  })

  it(`rolls back a whole change set when one request in it fails (${BATCH})`, async () => {
    const before = sb().sandbox.stateHash().data
    const body = batchBody('batch_lb7', [
      changeset('changeset_x', [
        part('POST', 'accounts', { name: 'Rolled back 1' }, '1'),
        part('PATCH', '$1', { name: 'Rolled back 1 renamed' }, '2'),
        part('POST', 'tasks', { subject: 'y'.repeat(300) }, '3'),
      ]),
    ])
    const res = await post(body)
    expect(res.status).toBe(400)
    expect(statuses(res)).toEqual([400])
    expect(sb().sandbox.stateHash().data).toBe(before)
  })

  it(`refuses a forward Content-ID reference (${BATCH})`, async () => {
    const body = batchBody('batch_lb7', [
      changeset('changeset_y', [
        part('POST', 'tasks', { subject: 'forward', 'regardingobjectid_account_task@odata.bind': '$2' }, '1'),
        part('POST', 'accounts', { name: 'later' }, '2'),
      ]),
    ])
    const res = await post(body)
    expect(res.status).toBe(400)
    expect(res.text).toContain("Content-ID Reference: '$2' does not exist in the batch context.")
  })

  it(`refuses GET inside a change set and more than 1,000 requests (${BATCH})`, async () => {
    const withGet = await post(
      batchBody('batch_lb7', [changeset('changeset_z', [part('GET', 'accounts', undefined, '1')])]),
    )
    expect(withGet.status).toBe(400)
    const many = Array.from({ length: 1001 }, () => part('GET', 'WhoAmI'))
    const tooMany = await post(batchBody('batch_lb7', many))
    expect(tooMany.status).toBe(400)
    const ok = await post(batchBody('batch_lb7', many.slice(0, 1000)))
    expect(ok.status).toBe(200)
    expect(statuses(ok)).toHaveLength(1000)
  })

  it(`answers "Stream was not readable" when lines do not end in CRLF (${CLIENT_ERRORS})`, async () => {
    const body = batchBody('batch_lb7', [part('GET', 'WhoAmI')]).replaceAll(CRLF, '\n')
    const res = await post(body)
    expect(res.status).toBe(400)
    expect(res.json<{ error: { code: string; message: string } }>().error.code).toBe('0x80048d19')
    expect(res.text).toContain('Stream was not readable.')
  })

  it(`creates with CreateMultiple and returns the Ids (${BULK})`, async () => {
    const targets = Array.from({ length: 50 }, (_, i) => ({
      '@odata.type': 'Microsoft.Dynamics.CRM.contact',
      firstname: 'Bulk',
      lastname: `Contact ${i}`,
    }))
    const res = await sb().request('POST', 'contacts/Microsoft.Dynamics.CRM.CreateMultiple', {
      body: { Targets: targets },
    })
    expect(res.status).toBe(200)
    const body = res.json<{ '@odata.context': string; Ids: string[] }>()
    expect(body['@odata.context']).toBe(`${sb().api}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`)
    expect(body.Ids).toHaveLength(50)
    const update = await sb().request('POST', 'contacts/Microsoft.Dynamics.CRM.UpdateMultiple', {
      body: {
        Targets: body.Ids.map((id) => ({
          '@odata.type': 'Microsoft.Dynamics.CRM.contact',
          contactid: id,
          jobtitle: 'Borrower',
        })),
      },
    })
    expect(update.status).toBe(204)
    const count = await sb().request(
      'GET',
      "contacts?$select=contactid&$count=true&$filter=jobtitle eq 'Borrower'",
    )
    expect(count.json<{ '@odata.count': number }>()['@odata.count']).toBe(50)
  })

  it(`rolls back the whole CreateMultiple when one target is invalid (${BULK})`, async () => {
    const before = sb().sandbox.stateHash().data
    const targets = [
      { '@odata.type': 'Microsoft.Dynamics.CRM.task', subject: 'fine' },
      { '@odata.type': 'Microsoft.Dynamics.CRM.task', subject: 'z'.repeat(201) },
    ]
    const res = await sb().request('POST', 'tasks/Microsoft.Dynamics.CRM.CreateMultiple', {
      body: { Targets: targets },
    })
    expect(res.status).toBe(400)
    expect(res.json<{ error: { code: string } }>().error.code).toBe('0x80044331')
    expect(sb().sandbox.stateHash().data).toBe(before)
  })

  it(`requires @odata.type on every target and refuses tables without the message (${BULK})`, async () => {
    const untyped = await sb().request('POST', 'contacts/Microsoft.Dynamics.CRM.CreateMultiple', {
      body: { Targets: [{ lastname: 'x' }] },
    })
    expect(untyped.status).toBe(400)
    const connection = await sb().request('POST', 'connections/Microsoft.Dynamics.CRM.CreateMultiple', {
      body: { Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.connection' }] },
    })
    expect(connection.status).toBe(400)
    expect(connection.json<{ error: { message: string } }>().error.message).toBe(
      "The 'CreateMultiple' method does not support entities of type 'connection'. MessageProcessorCache returned MessageProcessor.Empty. ",
    )
    const deletion = await sb().request('POST', 'contacts/Microsoft.Dynamics.CRM.DeleteMultiple', {
      body: { Targets: [] },
    })
    expect(deletion.status).toBe(400)
  })

  it(`upserts by alternate key in @odata.id and by primary key with UpsertMultiple (${UPSERT_MULTIPLE})`, async () => {
    const publisher = await sb().request('POST', 'publishers', {
      body: {
        uniquename: 'leafbridge',
        friendlyname: 'Leafbridge',
        customizationprefix: 'lb',
        customizationoptionvalueprefix: 71000,
      },
    })
    expect(publisher.status).toBe(204)
    const column = await sb().request('POST', "EntityDefinitions(LogicalName='contact')/Attributes", {
      body: {
        '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
        SchemaName: 'lb_SourceId',
        MaxLength: 100,
        DisplayName: { LocalizedLabels: [{ Label: 'Source Id', LanguageCode: 1033 }] },
        RequiredLevel: { Value: 'None' },
      },
    })
    expect(column.status).toBe(204)
    const key = await sb().request('POST', "EntityDefinitions(LogicalName='contact')/Keys", {
      body: {
        SchemaName: 'lb_contact_sourceid',
        DisplayName: { LocalizedLabels: [{ Label: 'Source Id key', LanguageCode: 1033 }] },
        KeyAttributes: ['lb_sourceid'],
      },
    })
    expect(key.status).toBe(204)
    await expect
      .poll(
        async () =>
          (
            await sb().request(
              'GET',
              "EntityDefinitions(LogicalName='contact')/Keys(LogicalName='lb_contact_sourceid')?$select=EntityKeyIndexStatus",
              { headers: { consistency: 'Strong' } },
            )
          ).json()['EntityKeyIndexStatus'],
        { timeout: 5000, interval: 50 },
      )
      .toBe('Active')
    const existing =
      (await sb().request('POST', 'contacts', { body: { lastname: 'Reyes' } })).headers['odata-entityid'] ??
      ''
    const existingId = /\(([^)]+)\)/.exec(existing)?.[1] ?? ''
    const res = await sb().request('POST', 'contacts/Microsoft.Dynamics.CRM.UpsertMultiple', {
      body: {
        Targets: [
          {
            '@odata.type': 'Microsoft.Dynamics.CRM.contact',
            '@odata.id': "contacts(lb_sourceid='C-1001')",
            lastname: 'Ortiz',
          },
          {
            '@odata.type': 'Microsoft.Dynamics.CRM.contact',
            contactid: existingId,
            lastname: 'Reyes-Updated',
          },
        ],
      },
    })
    expect(res.status).toBe(204)
    expect(res.text).toBe('')
    const byKey = await sb().request('GET', "contacts(lb_sourceid='C-1001')?$select=lastname,lb_sourceid")
    expect(byKey.json()).toMatchObject({ lastname: 'Ortiz', lb_sourceid: 'C-1001' })
    const again = await sb().request('POST', 'contacts/Microsoft.Dynamics.CRM.UpsertMultiple', {
      body: {
        Targets: [
          {
            '@odata.type': 'Microsoft.Dynamics.CRM.contact',
            '@odata.id': "contacts(lb_sourceid='C-1001')",
            lastname: 'Ortiz-Diaz',
          },
        ],
      },
    })
    expect(again.status).toBe(204)
    const matches = await sb().request('GET', "contacts?$select=lastname&$filter=lb_sourceid eq 'C-1001'")
    expect(matches.json<{ value: Array<{ lastname: string }> }>().value.map((v) => v.lastname)).toEqual([
      'Ortiz-Diaz',
    ])
    expect((await sb().request('GET', `contacts(${existingId})?$select=lastname`)).json()['lastname']).toBe(
      'Reyes-Updated',
    )
  })
})
