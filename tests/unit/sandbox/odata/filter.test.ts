/**
 * `$filter` compiled against rows: operators, case-insensitive strings, escaped quotes, lookups,
 * navigation paths, lambdas, aliases and the Dataverse query functions ([filter]).
 */
import { describe, expect, it } from 'vitest'
import { compileFilter } from '../../../../electron/sandbox/odata/filter'
import { parseArgs, splitSegments } from '../../../../electron/sandbox/odata/path'
import { tokenize } from '../../../../electron/sandbox/odata/lexer'
import { createSchema } from '../../../../electron/sandbox/schema/load-schema'
import type { Row } from '../../../../electron/sandbox/store/store'

const schema = createSchema()
const account = schema.table('account')
if (account === undefined) throw new Error('no account table')
const contacts = new Map<string, Row>([['c1', { contactid: 'c1', lastname: "O'Neil", firstname: 'Yvonne' }]])
const rows: Row[] = [
  {
    accountid: 'a1',
    name: 'Fourth Coffee',
    revenue: 100,
    creditonhold: false,
    createdon: '2024-01-02T00:00:00Z',
    primarycontactid: { table: 'contact', id: 'c1' },
  },
  {
    accountid: 'a2',
    name: 'Litware',
    revenue: 250,
    creditonhold: true,
    createdon: '2024-03-01T10:00:00Z',
    primarycontactid: null,
  },
  {
    accountid: 'a3',
    name: 'fabrikam',
    revenue: null,
    creditonhold: false,
    createdon: '2023-12-31T23:00:00Z',
  },
]
const run = (filter: string, aliases: Record<string, string> = {}) =>
  rows
    .filter(
      compileFilter(filter, {
        table: account,
        tableOf: (n) => schema.table(n),
        get: (t, id) => (t === 'contact' ? contacts.get(id) : undefined),
        referencing: () => [],
        related: () => [],
        aliases: new Map(Object.entries(aliases)),
        userId: 'u1',
      }),
    )
    .map((r) => r['accountid'])

describe('sandbox $filter', () => {
  it('compares numbers, booleans, dates and nulls', () => {
    expect(run('revenue gt 100')).toEqual(['a2'])
    expect(run('revenue ge 100 and creditonhold eq false')).toEqual(['a1'])
    expect(run('revenue eq null')).toEqual(['a3'])
    expect(run('createdon lt 2024-01-01')).toEqual(['a3'])
    expect(run('createdon ge 2024-01-02T00:00:00Z and createdon le 2024-02-01T00:00:00Z')).toEqual(['a1'])
  })

  it('matches strings case-insensitively, with functions and escaped quotes', () => {
    expect(run("name eq 'FABRIKAM'")).toEqual(['a3'])
    expect(run("contains(name,'coffee') or startswith(name,'LIT')")).toEqual(['a1', 'a2'])
    expect(run("not endswith(name,'kam')")).toEqual(['a1', 'a2'])
    expect(run("primarycontactid/lastname eq 'o''neil'")).toEqual(['a1'])
  })

  it('filters lookups by _x_value and uses parameter aliases', () => {
    expect(run('_primarycontactid_value eq c1'.replace('c1', "'c1'"))).toEqual(['a1'])
    expect(run('revenue gt @min', { '@min': '150' })).toEqual(['a2'])
  })

  it('supports In, Between and Null query functions', () => {
    expect(
      run("Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['litware','Fabrikam'])"),
    ).toEqual(['a2', 'a3'])
    expect(run("Microsoft.Dynamics.CRM.Between(PropertyName='revenue',PropertyValues=['50','200'])")).toEqual(
      ['a1'],
    )
    expect(run("Microsoft.Dynamics.CRM.Null(PropertyName='revenue')")).toEqual(['a3'])
  })

  it('refuses unknown properties with the Dataverse message', () => {
    expect(() => run('Name eq 1')).toThrow(
      "Could not find a property named 'Name' on type 'Microsoft.Dynamics.CRM.account'.",
    )
  })
})

describe('sandbox OData lexer and paths', () => {
  it('reads GUIDs, dates, enum literals and doubled quotes', () => {
    expect(tokenize("x eq 'a''b'")[2]).toEqual({ kind: 'string', value: "a'b" })
    expect(tokenize('00000000-0000-0000-0000-0000000000AB')[0]).toEqual({
      kind: 'guid',
      value: '00000000-0000-0000-0000-0000000000ab',
    })
    expect(tokenize('2024-01-02T03:04:05Z')[0]).toEqual({ kind: 'datetime', value: '2024-01-02T03:04:05Z' })
    expect(tokenize("Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'")[0]).toEqual({
      kind: 'string',
      value: 'Picklist',
    })
  })

  it('splits paths without breaking keys and reads key lists', () => {
    expect(
      splitSegments("contacts(firstname='Joe',emailaddress1='a/b@example.com')/Contact_Tasks/$ref"),
    ).toEqual([
      { name: 'contacts', args: "firstname='Joe',emailaddress1='a/b@example.com'" },
      { name: 'Contact_Tasks', args: null },
      { name: '$ref', args: null },
    ])
    const args = parseArgs("firstname='Joe',_parentcustomerid_value=00000000-0000-0000-0000-000000000001")
    expect([...args.keys()]).toEqual(['firstname', '_parentcustomerid_value'])
    expect(parseArgs('00000000-0000-0000-0000-000000000002').get('')).toEqual({
      kind: 'guid',
      value: '00000000-0000-0000-0000-000000000002',
    })
  })
})
