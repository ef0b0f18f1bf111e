/**
 * Record operations replayed from Microsoft's Web API documentation against the sandbox over HTTPS.
 * Each test names the page its request and expected response come from.
 */
import { describe, expect, it } from 'vitest'
import { useSandbox } from '../../support/sandbox'

const CREATE = 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api'
const UPDATE =
  'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api'
const CONDITIONAL =
  'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api'
const CLIENT_ERRORS =
  'https://learn.microsoft.com/troubleshoot/power-platform/dataverse/dataverse-web-api-and-sdk/web-api-client-errors'
const ASSOCIATE =
  'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api'
const IMPERSONATE =
  'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/impersonate-another-user-web-api'
const FUNCTIONS =
  'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-functions'

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/
const idOf = (entityId: string | undefined): string => {
  const match = GUID.exec(entityId ?? '')
  if (match === null) throw new Error(`no id in ${String(entityId)}`)
  return match[0]
}

describe('sandbox records (Web API v9.2)', () => {
  const sb = useSandbox()

  it(`creates a record and answers 204 with OData-EntityId (${CREATE})`, async () => {
    const res = await sb().request('POST', 'accounts', {
      body: {
        name: 'Sample Account',
        creditonhold: false,
        address1_latitude: 47.639583,
        description: 'This is the description of the sample account',
        revenue: 5000000,
        accountcategorycode: 1,
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers['odata-entityid']).toMatch(
      new RegExp(`^${sb().api.replace(/[.$]/g, '\\$&')}accounts\\(${GUID.source}\\)$`),
    )
    const id = idOf(res.headers['odata-entityid'])
    const got = await sb().request('GET', `accounts(${id})?$select=name,revenue,creditonhold`)
    expect(got.status).toBe(200)
    expect(got.json()).toMatchObject({
      name: 'Sample Account',
      revenue: 5000000,
      creditonhold: false,
      accountid: id,
    })
    expect(got.json()['@odata.context']).toBe(
      `${sb().api}$metadata#accounts(name,revenue,creditonhold)/$entity`,
    )
  })

  it(`returns 201 with the record for Prefer: return=representation (${CREATE})`, async () => {
    const res = await sb().request(
      'POST',
      'accounts?$select=name,creditonhold,address1_latitude,description,revenue,accountcategorycode,createdon',
      {
        body: {
          name: 'Sample Account',
          creditonhold: false,
          address1_latitude: 47.639583,
          revenue: 5000000,
          accountcategorycode: 1,
        },
        headers: { prefer: 'return=representation' },
      },
    )
    expect(res.status).toBe(201)
    const body = res.json()
    expect(body['@odata.etag']).toMatch(/^W\/"\d+"$/)
    expect(body).toMatchObject({
      name: 'Sample Account',
      creditonhold: false,
      address1_latitude: 47.639583,
      revenue: 5000000,
      accountcategorycode: 1,
    })
    expect(body['createdon']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    expect(res.headers['preference-applied']).toBe('return=representation')
  })

  it(`deep-inserts related records and binds existing ones on create (${CREATE})`, async () => {
    const task = await sb().request('POST', 'tasks', { body: { subject: 'Task 1' } })
    const taskId = idOf(task.headers['odata-entityid'])
    const res = await sb().request('POST', 'accounts', {
      body: {
        name: 'Sample Account',
        primarycontactid: { firstname: 'John', lastname: 'Smith' },
        opportunity_customer_accounts: [
          {
            name: 'Opportunity associated to Sample Account',
            Opportunity_Phonecalls: [{ subject: 'Phone Call associated to Opportunity' }],
          },
        ],
        'Account_Tasks@odata.bind': [`/tasks(${taskId})`],
      },
    })
    expect(res.status).toBe(204)
    const accountId = idOf(res.headers['odata-entityid'])
    const got = await sb().request(
      'GET',
      `accounts(${accountId})?$select=name&$expand=primarycontactid($select=fullname),opportunity_customer_accounts($select=name;$expand=Opportunity_Phonecalls($select=subject)),Account_Tasks($select=subject)`,
    )
    const body = got.json<{
      primarycontactid: { fullname: string }
      opportunity_customer_accounts: Array<{
        name: string
        Opportunity_Phonecalls: Array<{ subject: string }>
      }>
      Account_Tasks: Array<{ subject: string }>
    }>()
    expect(body.primarycontactid.fullname).toBe('John Smith')
    expect(body.opportunity_customer_accounts[0]?.Opportunity_Phonecalls[0]?.subject).toBe(
      'Phone Call associated to Opportunity',
    )
    expect(body.Account_Tasks.map((t) => t.subject)).toEqual(['Task 1'])
  })

  it(`updates with PATCH, a single property with PUT, and deletes (${UPDATE})`, async () => {
    const created = await sb().request('POST', 'accounts', {
      body: { name: 'Original', description: 'to be removed' },
    })
    const id = idOf(created.headers['odata-entityid'])
    const patch = await sb().request('PATCH', `accounts(${id})`, {
      body: { name: 'Updated Sample Account', creditonhold: true, revenue: 6000000 },
      headers: { 'if-match': '*' },
    })
    expect(patch.status).toBe(204)
    const put = await sb().request('PUT', `accounts(${id})/name`, {
      body: { value: 'Updated Sample Account Name' },
    })
    expect(put.status).toBe(204)
    const clear = await sb().request('DELETE', `accounts(${id})/description`)
    expect(clear.status).toBe(204)
    const single = await sb().request('GET', `accounts(${id})/name`)
    expect(single.json()).toMatchObject({ value: 'Updated Sample Account Name' })
    const got = await sb().request('GET', `accounts(${id})?$select=name,creditonhold,revenue,description`)
    expect(got.json()).toMatchObject({
      name: 'Updated Sample Account Name',
      creditonhold: true,
      revenue: 6000000,
      description: null,
    })
    expect((await sb().request('DELETE', `accounts(${id})`)).status).toBe(204)
    const gone = await sb().request('GET', `accounts(${id})`)
    expect(gone.status).toBe(404)
    expect(gone.json()).toEqual({
      error: { code: '0x80040217', message: `account With Id = ${id} Does Not Exist` },
    })
  })

  it(`answers 304 to a GET whose If-None-Match ETag is current and 412 to a stale If-Match (${CONDITIONAL})`, async () => {
    const created = await sb().request('POST', 'accounts', { body: { name: 'Etag' } })
    const id = idOf(created.headers['odata-entityid'])
    const first = await sb().request('GET', `accounts(${id})?$select=name`)
    const etag = first.headers['etag'] ?? ''
    expect(etag).toMatch(/^W\/"\d+"$/)
    expect(
      (await sb().request('GET', `accounts(${id})?$select=name`, { headers: { 'if-none-match': etag } }))
        .status,
    ).toBe(304)
    await sb().request('PATCH', `accounts(${id})`, { body: { name: 'Changed' } })
    const stale = await sb().request('PATCH', `accounts(${id})`, {
      body: { name: 'Lost update' },
      headers: { 'if-match': etag },
    })
    expect(stale.status).toBe(412)
    expect(stale.json()).toEqual({
      error: {
        code: '0x80060882',
        message: "The version of the existing record doesn't match the RowVersion property provided.",
      },
    })
  })

  it(`PATCH with If-None-Match: * is create-only and with If-Match: * update-only (${CONDITIONAL})`, async () => {
    const id = '7c7b3b35-1c5e-4b45-a4a8-0f3a16e5c0d1'
    const createOnly = await sb().request('PATCH', `accounts(${id})`, {
      body: { name: 'Created by upsert' },
      headers: { 'if-none-match': '*' },
    })
    expect(createOnly.status).toBe(204)
    const again = await sb().request('PATCH', `accounts(${id})`, {
      body: { name: 'Again' },
      headers: { 'if-none-match': '*' },
    })
    expect(again.status).toBe(412)
    expect(again.json()).toEqual({
      error: { code: '', message: 'A record with matching key values already exists.' },
    })
    const missing = await sb().request('PATCH', 'accounts(9f0a2d7e-2b3c-4d5e-8f90-a1b2c3d4e5f6)', {
      body: { name: 'x' },
      headers: { 'if-match': '*' },
    })
    expect(missing.status).toBe(404)
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('0x80040217')
  })

  it(`refuses an unknown entity set with 404 0x8006088a (${CLIENT_ERRORS})`, async () => {
    const res = await sb().request('GET', 'Account')
    expect(res.status).toBe(404)
    expect(res.json()).toEqual({
      error: { code: '0x8006088a', message: "Resource not found for the segment 'Account'." },
    })
  })

  it(`refuses an unknown $select column with 400 0x0 (${CLIENT_ERRORS})`, async () => {
    const res = await sb().request('GET', 'accounts?$select=Name')
    expect(res.status).toBe(400)
    expect(res.json()).toEqual({
      error: {
        code: '0x0',
        message: "Could not find a property named 'Name' on type 'Microsoft.Dynamics.CRM.account'.",
      },
    })
  })

  it(`answers POST WhoAmI with 404 "No HTTP resource was found" (${CLIENT_ERRORS})`, async () => {
    const res = await sb().request('POST', 'WhoAmI')
    expect(res.status).toBe(404)
    expect(res.json()).toEqual({
      error: {
        code: '',
        message: `No HTTP resource was found that matches the request URI '${sb().api}WhoAmI'.`,
      },
    })
  })

  it(`refuses an unknown body property with "Invalid property 'Name' was found" (${CLIENT_ERRORS})`, async () => {
    const res = await sb().request('POST', 'accounts', { body: { Name: 'Account name' } })
    expect(res.status).toBe(400)
    const error = res.json<{ error: { code: string; message: string } }>().error
    expect(error.code).toBe('0x0')
    expect(error.message).toContain(
      "Invalid property 'Name' was found in entity 'Microsoft.Dynamics.CRM.account'.",
    )
  })

  it(`refuses a bind on a lookup's logical name with 0x80048d19 (${CLIENT_ERRORS})`, async () => {
    const res = await sb().request('POST', 'contacts', {
      body: {
        firstname: 'test',
        lastname: 'contact',
        'parentcustomerid@odata.bind': 'accounts(a779956b-d748-ed11-bb44-6045bd01152a)',
      },
    })
    expect(res.status).toBe(400)
    const error = res.json<{ error: { code: string; message: string } }>().error
    expect(error.code).toBe('0x80048d19')
    expect(error.message).toContain("Error identified in Payload provided by the user for Entity :'contacts'")
    expect(error.message).toContain(
      "An undeclared property 'parentcustomerid' which only has property annotations in the payload but no property value was found in the payload.",
    )
  })

  it(`binds the polymorphic parentcustomerid_account and reports a missing target as 404 0x80040217 (${CLIENT_ERRORS})`, async () => {
    const missing = await sb().request('POST', 'contacts', {
      body: {
        lastname: 'Orphan',
        'parentcustomerid_account@odata.bind': '/accounts(a779956b-d748-ed11-bb44-6045bd01152a)',
      },
    })
    expect(missing.status).toBe(404)
    expect(missing.json()).toEqual({
      error: {
        code: '0x80040217',
        message: 'account With Id = a779956b-d748-ed11-bb44-6045bd01152a Does Not Exist',
      },
    })
    const account = idOf(
      (await sb().request('POST', 'accounts', { body: { name: 'Parent' } })).headers['odata-entityid'],
    )
    const contact = await sb().request('POST', 'contacts?$select=_parentcustomerid_value', {
      body: { lastname: 'Child', 'parentcustomerid_account@odata.bind': `/accounts(${account})` },
      headers: { prefer: 'return=representation,odata.include-annotations="*"' },
    })
    expect(contact.status).toBe(201)
    expect(contact.json()).toMatchObject({
      _parentcustomerid_value: account,
      '_parentcustomerid_value@OData.Community.Display.V1.FormattedValue': 'Parent',
      '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
      '_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty':
        'parentcustomerid_account',
    })
  })

  it(`refuses a string longer than the column allows with 0x80044331 (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api)`, async () => {
    const res = await sb().request('POST', 'tasks', { body: { subject: 'x'.repeat(201) } })
    expect(res.status).toBe(400)
    expect(res.json()).toEqual({
      error: {
        code: '0x80044331',
        message:
          "A validation error occurred.  The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed length of '200'.",
      },
    })
  })

  it(`associates and disassociates with $ref (${ASSOCIATE})`, async () => {
    const account = idOf(
      (await sb().request('POST', 'accounts', { body: { name: 'Assoc' } })).headers['odata-entityid'],
    )
    const opportunity = idOf(
      (await sb().request('POST', 'opportunities', { body: { name: 'Opp' } })).headers['odata-entityid'],
    )
    const add = await sb().request('POST', `accounts(${account})/opportunity_customer_accounts/$ref`, {
      body: { '@odata.id': `${sb().api}opportunities(${opportunity})` },
    })
    expect(add.status).toBe(204)
    const list = await sb().request('GET', `accounts(${account})/opportunity_customer_accounts?$select=name`)
    expect(list.json<{ value: Array<{ name: string }> }>().value.map((o) => o.name)).toEqual(['Opp'])
    const remove = await sb().request(
      'DELETE',
      `accounts(${account})/opportunity_customer_accounts(${opportunity})/$ref`,
    )
    expect(remove.status).toBe(204)
    const put = await sb().request('PUT', `opportunities(${opportunity})/customerid_account/$ref`, {
      body: { '@odata.id': `${sb().api}accounts(${account})` },
    })
    expect(put.status).toBe(204)
    const got = await sb().request('GET', `opportunities(${opportunity})?$select=_customerid_value`)
    expect(got.json()['_customerid_value']).toBe(account)
    expect(
      (await sb().request('DELETE', `opportunities(${opportunity})/customerid_account/$ref`)).status,
    ).toBe(204)
    expect(
      (await sb().request('GET', `opportunities(${opportunity})?$select=_customerid_value`)).json()[
        '_customerid_value'
      ],
    ).toBeNull()
  })

  it(`sets createdby to the impersonated user and createdonbehalfby to the caller (${IMPERSONATE})`, async () => {
    const users = await sb().request(
      'GET',
      "systemusers?$select=systemuserid,azureactivedirectoryobjectid&$filter=internalemailaddress eq 'jordan.lee@sandbox.example'",
    )
    const jordan = users.json<{
      value: Array<{ systemuserid: string; azureactivedirectoryobjectid: string }>
    }>().value[0]
    expect(jordan).toBeDefined()
    const who = await sb().request('GET', 'WhoAmI')
    const caller = who.json<{ UserId: string }>().UserId
    const res = await sb().request(
      'POST',
      'accounts?$select=_createdby_value,_createdonbehalfby_value,_ownerid_value',
      {
        body: { name: 'Impersonated' },
        headers: {
          callerobjectid: jordan?.azureactivedirectoryobjectid ?? '',
          prefer: 'return=representation',
        },
      },
    )
    expect(res.status).toBe(201)
    expect(res.json()).toMatchObject({
      _createdby_value: jordan?.systemuserid,
      _createdonbehalfby_value: caller,
      _ownerid_value: jordan?.systemuserid,
    })
    const legacy = await sb().request('GET', 'WhoAmI', {
      headers: { mscrmcallerid: jordan?.systemuserid ?? '' },
    })
    expect(legacy.json<{ UserId: string }>().UserId).toBe(jordan?.systemuserid)
  })

  it('refuses a disabled owner with 0x80040225 and ignores client values for system-set columns', async () => {
    const users = await sb().request('GET', 'systemusers?$select=systemuserid&$filter=isdisabled eq true')
    const disabled = users.json<{ value: Array<{ systemuserid: string }> }>().value[0]?.systemuserid
    expect(disabled).toBeDefined()
    const res = await sb().request('POST', 'accounts', {
      body: { name: 'Owned', 'ownerid@odata.bind': `/systemusers(${disabled ?? ''})` },
    })
    expect(res.status).toBe(400)
    expect(res.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: '0x80040225',
    })
    expect(res.json<{ error: { message: string } }>().error.message).toContain(
      `The specified user(Id = ${disabled ?? ''}) is disabled.`,
    )
    const created = await sb().request('POST', 'accounts?$select=createdon,modifiedon,versionnumber', {
      body: {
        name: 'System columns',
        createdon: '2001-01-01T00:00:00Z',
        modifiedon: '2001-01-01T00:00:00Z',
        versionnumber: 1,
      },
      headers: { prefer: 'return=representation' },
    })
    expect(created.status).toBe(201)
    expect(created.json()['createdon']).not.toBe('2001-01-01T00:00:00Z')
    expect(created.json()['versionnumber']).not.toBe(1)
  })

  it('makes overriddencreatedon the createdon and keeps the load time in overriddencreatedon (WEB-API-NOTES §8, https://learn.microsoft.com/power-apps/developer/data-platform/run-data-import)', async () => {
    const before = Date.now()
    const res = await sb().request('POST', 'contacts?$select=createdon,overriddencreatedon', {
      body: { lastname: 'Migrated', overriddencreatedon: '2019-03-04T05:06:07Z' },
      headers: { prefer: 'return=representation' },
    })
    const body = res.json<{ createdon: string; overriddencreatedon: string }>()
    expect(body.createdon).toBe('2019-03-04T05:06:07Z')
    expect(Date.parse(body.overriddencreatedon)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000)
  })

  it('refuses statecode on create and closing an opportunity by update (WEB-API-NOTES §9, https://learn.microsoft.com/dynamics365/customerengagement/on-premises/developer/entities/opportunity)', async () => {
    const closed = await sb().request('POST', 'opportunities', {
      body: { name: 'Born won', statecode: 1, statuscode: 3 },
    })
    expect(closed.status).toBe(400)
    expect(closed.json<{ error: { code: string } }>().error.code).toBe('0x80048408')
    const open = idOf(
      (await sb().request('POST', 'opportunities', { body: { name: 'Open' } })).headers['odata-entityid'],
    )
    const byUpdate = await sb().request('PATCH', `opportunities(${open})`, {
      body: { statecode: 1, statuscode: 3 },
    })
    expect(byUpdate.status).toBe(400)
    expect(byUpdate.json<{ error: { message: string } }>().error.message).toContain(
      'use the WinOpportunityRequest message instead',
    )
    const badPair = await sb().request('PATCH', `opportunities(${open})`, { body: { statuscode: 3 } })
    expect(badPair.status).toBe(400)
  })

  it(`answers WhoAmI and RetrieveVersion (${FUNCTIONS})`, async () => {
    const who = await sb().request('GET', 'WhoAmI')
    expect(who.status).toBe(200)
    expect(who.json()).toMatchObject({
      '@odata.context': `${sb().api}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
    })
    expect(Object.keys(who.json()).sort()).toEqual([
      '@odata.context',
      'BusinessUnitId',
      'OrganizationId',
      'UserId',
    ])
    const version = await sb().request('GET', 'RetrieveVersion')
    expect(version.json<{ Version: string }>().Version).toMatch(/^9\.2\./)
    const counts = await sb().request('GET', 'RetrieveTotalRecordCount(EntityNames=["account","contact"])')
    expect(counts.status).toBe(200)
    expect(
      counts.json<{ EntityRecordCountCollection: { Keys: string[] } }>().EntityRecordCountCollection.Keys,
    ).toEqual(['account', 'contact'])
  })

  it('sends x-ms-dop-hint and OData-Version on every Web API response (https://learn.microsoft.com/power-apps/developer/data-platform/send-parallel-requests)', async () => {
    for (const res of [
      await sb().request('GET', 'WhoAmI'),
      await sb().request('GET', 'Account'),
      await sb().request('GET', 'WhoAmI', { token: '' }),
    ]) {
      expect(Number(res.headers['x-ms-dop-hint'])).toBeGreaterThan(0)
    }
    const ok = await sb().request('GET', 'WhoAmI')
    expect(ok.headers['odata-version']).toBe('4.0')
  })
})
