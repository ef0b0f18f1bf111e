/**
 * The metadata API the planner calls, replayed from Microsoft's documentation: EntityDefinitions
 * queries, new columns of every supported type, alternate keys (Pending → Active, enforced,
 * addressable, Failed on clashing rows), publishers, solutions and MSCRM.SolutionUniqueName.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { useSandbox } from '../../support/sandbox'

const COLUMNS =
  'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-column-definitions-using-web-api'
const QUERY_METADATA =
  'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api'
const KEYS = 'https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity'
const ALT_KEY_REF =
  'https://learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record'
const COMPOSE =
  'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors'

const label = (text: string) => ({
  '@odata.type': 'Microsoft.Dynamics.CRM.Label',
  LocalizedLabels: [
    { '@odata.type': 'Microsoft.Dynamics.CRM.LocalizedLabel', Label: text, LanguageCode: 1033 },
  ],
})

describe('sandbox metadata API', () => {
  const sb = useSandbox()
  const solutionHeader = { 'mscrm.solutionuniquename': 'examplesolution' }

  beforeAll(async () => {
    const publisher = await sb().request('POST', 'publishers', {
      body: {
        uniquename: 'examplepublisher',
        friendlyname: 'Example Publisher',
        customizationprefix: 'sample',
        customizationoptionvalueprefix: 72700,
      },
      headers: { prefer: 'return=representation' },
    })
    expect(publisher.status).toBe(201)
    const solution = await sb().request('POST', 'solutions', {
      body: {
        uniquename: 'examplesolution',
        friendlyname: 'Example Solution',
        version: '1.0.0.0',
        'publisherid@odata.bind': `/publishers(${publisher.json<{ publisherid: string }>().publisherid})`,
      },
    })
    expect(solution.status).toBe(204)
  })

  it(`lists BPF tables and reads one table's definition with $select and $expand (${QUERY_METADATA})`, async () => {
    const bpf = await sb().request(
      'GET',
      'EntityDefinitions?$select=LogicalName,EntitySetName&$filter=IsBPFEntity eq true',
    )
    expect(bpf.status).toBe(200)
    expect(bpf.json<{ value: Array<{ LogicalName: string }> }>().value.map((v) => v.LogicalName)).toContain(
      'opportunitysalesprocess',
    )
    const account = await sb().request(
      'GET',
      "EntityDefinitions(LogicalName='account')?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,ObjectTypeCode&$expand=Attributes($select=LogicalName;$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'),Keys",
    )
    expect(account.status).toBe(200)
    const body = account.json<{
      LogicalName: string
      EntitySetName: string
      PrimaryIdAttribute: string
      PrimaryNameAttribute: string
      ObjectTypeCode: number
      Attributes: Array<{ LogicalName: string }>
      Keys: unknown[]
    }>()
    expect(body).toMatchObject({
      LogicalName: 'account',
      EntitySetName: 'accounts',
      PrimaryIdAttribute: 'accountid',
      PrimaryNameAttribute: 'name',
      ObjectTypeCode: 1,
      Keys: [],
    })
    expect(body.Attributes.map((a) => a.LogicalName)).toContain('industrycode')
    const state = await sb().request(
      'GET',
      "EntityDefinitions(LogicalName='opportunity')/Attributes(LogicalName='statuscode')/Microsoft.Dynamics.CRM.StatusAttributeMetadata?$select=LogicalName&$expand=OptionSet",
    )
    expect(
      state.json<{ OptionSet: { Options: Array<{ Value: number; State: number }> } }>().OptionSet.Options,
    ).toContainEqual(expect.objectContaining({ Value: 3, State: 1 }))
    const lookups = await sb().request(
      'GET',
      "EntityDefinitions(LogicalName='contact')/ManyToOneRelationships?$select=ReferencingAttribute,ReferencingEntityNavigationPropertyName",
    )
    expect(lookups.json<{ value: Array<Record<string, string>> }>().value).toContainEqual(
      expect.objectContaining({
        ReferencingAttribute: 'parentcustomerid',
        ReferencingEntityNavigationPropertyName: 'parentcustomerid_account',
        ReferencedEntity: 'account',
      }),
    )
    const missing = await sb().request('GET', "EntityDefinitions(LogicalName='nosuchtable')")
    expect(missing.status).toBe(404)
  })

  it(`creates a String column in a solution and answers 204 with its OData-EntityId (${COLUMNS})`, async () => {
    const res = await sb().request('POST', "EntityDefinitions(LogicalName='account')/Attributes", {
      headers: solutionHeader,
      body: {
        AttributeType: 'String',
        AttributeTypeName: { Value: 'StringType' },
        Description: label('Type the name of the bank the account belongs to.'),
        DisplayName: label('Bank Name'),
        RequiredLevel: {
          Value: 'None',
          CanBeChanged: true,
          ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings',
        },
        SchemaName: 'sample_BankName',
        '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
        FormatName: { Value: 'Text' },
        MaxLength: 100,
      },
    })
    expect(res.status).toBe(204)
    const entity = await sb().request('GET', "EntityDefinitions(LogicalName='account')?$select=MetadataId")
    expect(res.headers['odata-entityid']).toMatch(
      new RegExp(
        `EntityDefinitions\\(${entity.json<{ MetadataId: string }>().MetadataId}\\)/Attributes\\([0-9a-f-]{36}\\)$`,
      ),
    )
    const attribute = await sb().request(
      'GET',
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='sample_bankname')?$select=SchemaName,MaxLength,IsCustomAttribute",
    )
    expect(attribute.json()).toMatchObject({
      SchemaName: 'sample_BankName',
      MaxLength: 100,
      IsCustomAttribute: true,
    })
    const components = await sb().request(
      'GET',
      "solutioncomponents?$select=componenttype,objectid&$filter=solutionid/uniquename eq 'examplesolution'",
    )
    expect(components.json<{ value: Array<{ componenttype: number }> }>().value).toContainEqual(
      expect.objectContaining({ componenttype: 2 }),
    )
    const tooLong = await sb().request('POST', 'accounts', {
      body: { name: 'Bank', sample_bankname: 'b'.repeat(101) },
    })
    expect(tooLong.json<{ error: { code: string } }>().error.code).toBe('0x80044331')
    const metadata = await sb().request('GET', '$metadata')
    expect(metadata.text).toContain('<Property Name="sample_bankname" Type="Edm.String" />')
  })

  it(`creates Money, DateTime (DateOnly), Boolean, Picklist, Integer, Decimal and Memo columns that later writes validate (${COLUMNS})`, async () => {
    const columns = [
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.MoneyAttributeMetadata',
        SchemaName: 'sample_Balance',
        DisplayName: label('Balance'),
        PrecisionSource: 2,
        MinValue: 0,
        MaxValue: 1000000000,
      },
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.DateTimeAttributeMetadata',
        SchemaName: 'sample_Checkeddate',
        DisplayName: label('Date'),
        Format: 'DateOnly',
      },
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.BooleanAttributeMetadata',
        SchemaName: 'sample_Boolean',
        DisplayName: label('Sample Boolean'),
        OptionSet: {
          TrueOption: { Value: 1, Label: label('True') },
          FalseOption: { Value: 0, Label: label('False') },
          OptionSetType: 'Boolean',
        },
      },
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata',
        SchemaName: 'sample_Colors',
        DisplayName: label('Colors'),
        OptionSet: {
          '@odata.type': 'Microsoft.Dynamics.CRM.OptionSetMetadata',
          IsGlobal: false,
          OptionSetType: 'Picklist',
          Options: [
            { Value: 727000000, Label: label('Red') },
            { Value: 727000001, Label: label('Yellow') },
          ],
        },
      },
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.IntegerAttributeMetadata',
        SchemaName: 'sample_Integer',
        DisplayName: label('Integer'),
        MinValue: 0,
        MaxValue: 100,
      },
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.DecimalAttributeMetadata',
        SchemaName: 'sample_Decimal',
        DisplayName: label('Decimal'),
        Precision: 2,
      },
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.MemoAttributeMetadata',
        SchemaName: 'sample_Memo',
        DisplayName: label('Memo'),
        MaxLength: 500,
      },
    ]
    for (const column of columns) {
      const res = await sb().request('POST', "EntityDefinitions(LogicalName='account')/Attributes", {
        headers: solutionHeader,
        body: column,
      })
      expect(res.status, column.SchemaName).toBe(204)
    }
    const created = await sb().request(
      'POST',
      'accounts?$select=sample_balance,sample_balance_base,sample_checkeddate,sample_boolean,sample_colors,sample_integer,sample_decimal',
      {
        body: {
          name: 'Typed',
          sample_balance: 1234.5,
          sample_checkeddate: '2024-02-29',
          sample_boolean: true,
          sample_colors: 727000001,
          sample_integer: 42,
          sample_decimal: 3.14159,
          sample_memo: 'm',
        },
        headers: { prefer: 'return=representation,odata.include-annotations="*"' },
      },
    )
    expect(created.status).toBe(201)
    expect(created.json()).toMatchObject({
      sample_balance: 1234.5,
      sample_balance_base: 1234.5,
      sample_checkeddate: '2024-02-29',
      sample_boolean: true,
      sample_colors: 727000001,
      'sample_colors@OData.Community.Display.V1.FormattedValue': 'Yellow',
      sample_integer: 42,
      sample_decimal: 3.14,
      'sample_checkeddate@OData.Community.Display.V1.FormattedValue': '2/29/2024',
    })
    const badColor = await sb().request('POST', 'accounts', { body: { name: 'Bad', sample_colors: 1 } })
    expect(badColor.status).toBe(400)
    expect(badColor.json<{ error: { message: string } }>().error.message).toContain(
      'Accepted Values: 727000000,727000001',
    )
    const badInteger = await sb().request('POST', 'accounts', { body: { name: 'Bad', sample_integer: 101 } })
    expect(badInteger.status).toBe(400)
    const badType = await sb().request('POST', 'accounts', { body: { name: 'Bad', sample_boolean: 'yes' } })
    expect(badType.status).toBe(400)
    const options = await sb().request(
      'GET',
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='sample_colors')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet",
    )
    expect(
      options
        .json<{ OptionSet: { Options: Array<{ Value: number }> } }>()
        .OptionSet.Options.map((o) => o.Value),
    ).toEqual([727000000, 727000001])
  })

  it('refuses a schema name without a publisher prefix and a duplicate column (WEB-API-NOTES §15)', async () => {
    const noPrefix = await sb().request('POST', "EntityDefinitions(LogicalName='account')/Attributes", {
      headers: solutionHeader,
      body: {
        '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
        SchemaName: 'other_Thing',
        MaxLength: 10,
      },
    })
    expect(noPrefix.status).toBe(400)
    const again = await sb().request('POST', "EntityDefinitions(LogicalName='account')/Attributes", {
      headers: solutionHeader,
      body: {
        '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
        SchemaName: 'sample_BankName',
        MaxLength: 10,
      },
    })
    expect(again.status).toBe(400)
  })

  it(`creates an alternate key that goes Pending, then Active, and is then enforced and addressable (${KEYS}, ${ALT_KEY_REF})`, async () => {
    await sb().request('POST', "EntityDefinitions(LogicalName='contact')/Attributes", {
      headers: solutionHeader,
      body: {
        '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
        SchemaName: 'sample_SourceId',
        MaxLength: 100,
        DisplayName: label('Source Id'),
      },
    })
    const contact = await sb().request('GET', "EntityDefinitions(LogicalName='contact')?$select=MetadataId")
    const metadataId = contact.json<{ MetadataId: string }>().MetadataId
    const res = await sb().request('POST', `EntityDefinitions(${metadataId})/Keys`, {
      headers: solutionHeader,
      body: {
        SchemaName: 'sample_SourceIdKey',
        DisplayName: label('Source Id key'),
        KeyAttributes: ['sample_sourceid'],
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers['odata-entityid']).toMatch(
      new RegExp(`EntityDefinitions\\(${metadataId}\\)/Keys\\([0-9a-f-]{36}\\)$`),
    )
    const status = async () =>
      (
        await sb().request(
          'GET',
          "EntityDefinitions(LogicalName='contact')/Keys(LogicalName='sample_sourceidkey')?$select=EntityKeyIndexStatus",
          { headers: { consistency: 'Strong' } },
        )
      ).json<{
        EntityKeyIndexStatus: string
      }>().EntityKeyIndexStatus
    expect(await status()).toBe('Pending')
    const early = await sb().request('GET', "contacts(sample_sourceid='L-1')")
    expect(early.status).toBe(400)
    await expect.poll(status, { timeout: 5000, interval: 25 }).toBe('Active')
    expect(
      (await sb().request('POST', 'contacts', { body: { lastname: 'One', sample_sourceid: 'L-1' } })).status,
    ).toBe(204)
    const clash = await sb().request('POST', 'contacts', {
      body: { lastname: 'Two', sample_sourceid: 'l-1' },
    })
    expect(clash.status).toBe(412)
    expect(clash.json()).toEqual({
      error: {
        code: '0x80060892',
        message:
          'A record that has the attribute values Source Id already exists. The entity key Source Id key requires that this set of attributes contains unique values. Select unique values and try again.',
      },
    })
    const byKey = await sb().request('GET', "contacts(sample_sourceid='L-1')?$select=lastname")
    expect(byKey.json()).toMatchObject({ lastname: 'One' })
    const upsert = await sb().request('PATCH', "contacts(sample_sourceid='L-2')", {
      body: { lastname: 'Upserted' },
    })
    expect(upsert.status).toBe(204)
    expect(
      (await sb().request('GET', "contacts(sample_sourceid='L-2')?$select=lastname,sample_sourceid")).json(),
    ).toMatchObject({ lastname: 'Upserted', sample_sourceid: 'L-2' })
    const notKey = await sb().request('GET', "contacts(lastname='One')")
    expect(notKey.status).toBe(400)
    expect(notKey.json<{ error: { message: string } }>().error.message).toContain(
      'The key in the request URI is not valid for resource',
    )
  })

  it(`fails a key over clashing rows and reactivates it once they are fixed (${KEYS})`, async () => {
    await sb().request('POST', "EntityDefinitions(LogicalName='lead')/Attributes", {
      headers: solutionHeader,
      body: {
        '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
        SchemaName: 'sample_Code',
        MaxLength: 20,
      },
    })
    const first =
      (await sb().request('POST', 'leads', { body: { lastname: 'A', sample_code: 'DUP' } })).headers[
        'odata-entityid'
      ] ?? ''
    await sb().request('POST', 'leads', { body: { lastname: 'B', sample_code: 'DUP' } })
    await sb().request('POST', "EntityDefinitions(LogicalName='lead')/Keys", {
      body: { SchemaName: 'sample_CodeKey', KeyAttributes: ['sample_code'] },
    })
    const status = async () =>
      (
        await sb().request('GET', "EntityDefinitions(LogicalName='lead')/Keys(LogicalName='sample_codekey')")
      ).json<{ EntityKeyIndexStatus: string }>().EntityKeyIndexStatus
    await expect.poll(status, { timeout: 5000, interval: 25 }).toBe('Failed')
    await sb().request('PATCH', first.slice(first.indexOf('leads(')), { body: { sample_code: 'UNIQUE' } })
    const reactivate = await sb().request('POST', 'ReactivateEntityKey', {
      body: { EntityLogicalName: 'lead', EntityKeyLogicalName: 'sample_codekey' },
    })
    expect(reactivate.status).toBe(204)
    await expect.poll(status, { timeout: 5000, interval: 25 }).toBe('Active')
  })

  it(`records created components in the solution named by MSCRM.SolutionUniqueName (${COMPOSE})`, async () => {
    const role = await sb().request('POST', 'connectionroles', {
      headers: solutionHeader,
      body: { name: 'Co-borrower', category: 5 },
    })
    expect(role.status).toBe(204)
    const components = await sb().request(
      'GET',
      "solutioncomponents?$select=componenttype&$filter=solutionid/uniquename eq 'examplesolution'",
    )
    const types = components
      .json<{ value: Array<{ componenttype: number }> }>()
      .value.map((c) => c.componenttype)
    expect(types).toEqual(expect.arrayContaining([2, 14, 63]))
    const unknown = await sb().request('POST', 'connectionroles', {
      headers: { 'mscrm.solutionuniquename': 'nosuchsolution' },
      body: { name: 'x' },
    })
    expect(unknown.status).toBe(404)
  })
})
