/**
 * Queries replayed from Microsoft's query documentation: $select, $filter, $orderby, $top, $count,
 * paging with Prefer: odata.maxpagesize and @odata.nextLink, formatted values, navigation paths.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { useSandbox } from '../../support/sandbox'

const SELECT = 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns'
const FILTER = 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows'
const PAGING = 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results'
const BULK = 'https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations'

type Rows = { value: Array<Record<string, unknown>>; '@odata.nextLink'?: string; '@odata.count'?: number }

describe('sandbox queries', () => {
  const sb = useSandbox()
  let contactId = ''

  beforeAll(async () => {
    const contact = await sb().request('POST', 'contacts', {
      body: { firstname: 'Yvonne', lastname: "O'Neil" },
    })
    contactId = /\(([^)]+)\)/.exec(contact.headers['odata-entityid'] ?? '')?.[1] ?? ''
    const accounts = [
      {
        name: 'Fourth Coffee (sample)',
        revenue: 1500000,
        numberofemployees: 150,
        address1_city: 'Renton',
        industrycode: 1,
      },
      {
        name: 'Litware, Inc. (sample)',
        revenue: 2500000,
        numberofemployees: 250,
        address1_city: 'Dallas',
        industrycode: 2,
      },
      {
        name: 'Adventure Works (sample)',
        revenue: 4000000,
        numberofemployees: 100,
        address1_city: 'Santa Cruz',
      },
      {
        name: 'Fabrikam, Inc. (sample)',
        revenue: 500000,
        numberofemployees: 20,
        address1_city: 'Lynnwood',
        creditonhold: true,
      },
      {
        name: 'Blue Yonder Airlines (sample)',
        revenue: 300000,
        numberofemployees: 55,
        address1_city: 'Los Angeles',
      },
      {
        name: 'City Power & Light (sample)',
        revenue: 1000000,
        numberofemployees: 33,
        address1_city: 'Redmond',
      },
      {
        name: 'Contoso Pharmaceuticals (sample)',
        revenue: 750000,
        numberofemployees: 10,
        address1_city: 'Redmond',
        'primarycontactid@odata.bind': `/contacts(${contactId})`,
      },
    ]
    for (const body of accounts) expect((await sb().request('POST', 'accounts', { body })).status).toBe(204)
  })

  it(`returns only the selected columns plus the primary key (${SELECT})`, async () => {
    const res = await sb().request('GET', 'accounts?$select=name,revenue&$top=1')
    const [row] = res.json<Rows>().value
    expect(Object.keys(row ?? {}).sort()).toEqual(['@odata.etag', 'accountid', 'name', 'revenue'])
    expect(res.json()['@odata.context']).toBe(`${sb().api}$metadata#accounts(name,revenue)`)
  })

  it(`filters with comparison and logical operators and string functions, case-insensitively (${FILTER})`, async () => {
    const names = async (filter: string) =>
      (
        await sb().request(
          'GET',
          `accounts?$select=name&$orderby=name asc&$filter=${encodeURIComponent(filter)}`,
        )
      )
        .json<Rows>()
        .value.map((r) => r['name'])
    expect(await names("contains(name,'(SAMPLE)') and revenue gt 2000000")).toEqual([
      'Adventure Works (sample)',
      'Litware, Inc. (sample)',
    ])
    expect(await names('revenue ge 1000000 and revenue le 1500000')).toEqual([
      'City Power & Light (sample)',
      'Fourth Coffee (sample)',
    ])
    expect(await names("startswith(name,'f') or endswith(address1_city,'mond')")).toEqual([
      'City Power & Light (sample)',
      'Contoso Pharmaceuticals (sample)',
      'Fabrikam, Inc. (sample)',
      'Fourth Coffee (sample)',
    ])
    expect(await names("not contains(name,'sample')")).toEqual([])
    expect(await names('creditonhold eq true')).toEqual(['Fabrikam, Inc. (sample)'])
    expect(await names("address1_city ne 'Redmond' and numberofemployees lt 60")).toEqual([
      'Blue Yonder Airlines (sample)',
      'Fabrikam, Inc. (sample)',
    ])
    expect(await names(`_primarycontactid_value eq ${contactId}`)).toEqual([
      'Contoso Pharmaceuticals (sample)',
    ])
    expect(await names("primarycontactid/lastname eq 'O''Neil'")).toEqual([
      'Contoso Pharmaceuticals (sample)',
    ])
    expect(
      await names(
        "Microsoft.Dynamics.CRM.In(PropertyName='address1_city',PropertyValues=['Dallas','Renton'])",
      ),
    ).toEqual(['Fourth Coffee (sample)', 'Litware, Inc. (sample)'])
  })

  it(`orders, limits with $top and counts with $count=true (${FILTER})`, async () => {
    const res = await sb().request(
      'GET',
      "accounts?$select=name,revenue&$orderby=revenue desc&$top=3&$count=true&$filter=contains(name,'sample')",
    )
    const body = res.json<Rows>()
    expect(body['@odata.count']).toBe(7)
    expect(body.value.map((r) => r['revenue'])).toEqual([4000000, 2500000, 1500000])
  })

  it(`pages with Prefer: odata.maxpagesize and @odata.nextLink until the last page (${PAGING})`, async () => {
    let res = await sb().request(
      'GET',
      "accounts?$select=name&$orderby=name&$filter=contains(name,'sample')",
      { headers: { prefer: 'odata.maxpagesize=3' } },
    )
    expect(res.headers['preference-applied']).toBe('odata.maxpagesize=3')
    const seen: unknown[] = []
    let pages = 0
    for (;;) {
      const body = res.json<Rows>()
      pages++
      seen.push(...body.value.map((r) => r['name']))
      const next = body['@odata.nextLink']
      if (next === undefined) break
      expect(next).toContain('$skiptoken=')
      expect(body.value).toHaveLength(3)
      res = await sb().request('GET', next, { headers: { prefer: 'odata.maxpagesize=3' } })
    }
    expect(pages).toBe(3)
    expect(seen).toHaveLength(7)
    expect(new Set(seen).size).toBe(7)
  })

  it(`adds formatted values with Prefer: odata.include-annotations (${SELECT})`, async () => {
    const res = await sb().request(
      'GET',
      "accounts?$select=revenue,creditonhold,statecode&$filter=name eq 'Fabrikam, Inc. (sample)'",
      {
        headers: { prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' },
      },
    )
    const [row] = res.json<Rows>().value
    expect(row).toMatchObject({
      'revenue@OData.Community.Display.V1.FormattedValue': '$500,000.00',
      'creditonhold@OData.Community.Display.V1.FormattedValue': 'Yes',
      'statecode@OData.Community.Display.V1.FormattedValue': 'Active',
    })
    const none = await sb().request(
      'GET',
      "accounts?$select=revenue&$filter=name eq 'Fourth Coffee (sample)'",
    )
    expect(Object.keys(none.json<Rows>().value[0] ?? {}).some((k) => k.includes('@OData'))).toBe(false)
  })

  it(`answers which tables take CreateMultiple through sdkmessagefilters (${BULK})`, async () => {
    const query = (table: string) =>
      `sdkmessagefilters?$select=sdkmessagefilterid&$filter=sdkmessageid/name eq @message and primaryobjecttypecode eq @table&@message='CreateMultiple'&@table='${table}'`
    expect(
      (await sb().request('GET', query('contact'), { headers: { consistency: 'Strong' } })).json<Rows>()
        .value,
    ).toHaveLength(1)
    expect((await sb().request('GET', query('account'))).json<Rows>().value).toHaveLength(1)
    expect((await sb().request('GET', query('connection'))).json<Rows>().value).toHaveLength(0)
  })

  it('finds a user by e-mail (WEB-API-NOTES §16) and lists the seeded disabled users', async () => {
    const res = await sb().request(
      'GET',
      "systemusers?$select=fullname,isdisabled&$filter=internalemailaddress eq 'MARIA.GOMEZ@sandbox.example'",
    )
    expect(res.json<Rows>().value).toEqual([
      expect.objectContaining({ fullname: 'Maria Gomez', isdisabled: false }),
    ])
    const disabled = await sb().request(
      'GET',
      'systemusers?$select=internalemailaddress&$filter=isdisabled eq true',
    )
    expect(disabled.json<Rows>().value.length).toBeGreaterThanOrEqual(2)
  })

  it('refuses an unknown column in $filter and $orderby with 0x0', async () => {
    for (const query of ['accounts?$filter=Name eq 1', 'accounts?$orderby=Name']) {
      const res = await sb().request('GET', query)
      expect(res.status).toBe(400)
      expect(res.json<{ error: { code: string } }>().error.code).toBe('0x0')
    }
  })
})
