/**
 * The schema the sandbox derives from the real CSDL: the committed derived file regenerates
 * byte-for-byte, and the navigation properties of WEB-API-NOTES §5.1 resolve to the right lookup
 * columns and targets (inheritance and missing referential constraints included).
 */
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_CSDL_FILE,
  deriveSchema,
  serialiseDerivedSchema,
} from '../../../../electron/sandbox/schema/generate-schema'
import { DERIVED_SCHEMA_FILE, createSchema } from '../../../../electron/sandbox/schema/load-schema'

describe('sandbox schema', () => {
  const schema = createSchema()

  it.skipIf(!existsSync(DEFAULT_CSDL_FILE))(
    'regenerates the committed derived schema byte-for-byte from crm_schema.xml',
    async () => {
      const regenerated = await serialiseDerivedSchema(deriveSchema(readFileSync(DEFAULT_CSDL_FILE, 'utf8')))
      expect(regenerated).toBe(readFileSync(DERIVED_SCHEMA_FILE, 'utf8'))
    },
    // Parsing the 4 MB CSDL takes a few seconds on a busy 2-core machine.
    60_000,
  )

  it('has the CSDL counts: 280 entity types and 252 entity sets', () => {
    expect(Object.keys(schema.raw.entityTypes)).toHaveLength(280)
    expect(Object.keys(schema.raw.entitySets)).toHaveLength(252)
  })

  it.each([
    ['contact', 'parentcustomerid_account', 'parentcustomerid', ['account']],
    ['contact', 'parentcustomerid_contact', 'parentcustomerid', ['contact']],
    ['phonecall', 'regardingobjectid_contact_phonecall', 'regardingobjectid', ['contact']],
    ['annotation', 'objectid_opportunity', 'objectid', ['opportunity']],
    ['activityparty', 'partyid_systemuser', 'partyid', ['systemuser']],
    ['connection', 'record2id_account', 'record2id', ['account']],
    ['opportunitysalesprocess', 'activestageid', 'activestageid', ['processstage']],
    ['account', 'ownerid', 'ownerid', ['systemuser', 'team']],
    ['task', 'regardingobjectid_account_task', 'regardingobjectid', ['account']],
  ])('%s.%s binds column %s of %j', (table, nav, column, targets) => {
    const def = schema.table(table)?.navigations.get(nav)
    expect(def).toMatchObject({ kind: 'single', column, targets })
  })

  it('types lookups as Customer and Owner where the CSDL implies it, and money by its _base column', () => {
    const contact = schema.table('contact')
    expect(contact?.columns.get('parentcustomerid')?.attributeType).toBe('Customer')
    expect(contact?.columns.get('ownerid')?.attributeType).toBe('Owner')
    expect(schema.table('account')?.columns.get('revenue')?.attributeType).toBe('Money')
    expect(schema.table('account')?.columns.get('exchangerate')?.attributeType).toBe('Decimal')
    expect(schema.table('opportunity')?.columns.get('statuscode')?.attributeType).toBe('Status')
  })

  it('keys systemuser by ownerid (from principal) while its primary id is systemuserid', () => {
    const user = schema.table('systemuser')
    expect(user).toMatchObject({ keyProperty: 'ownerid', primaryId: 'systemuserid', setName: 'systemusers' })
  })

  it('resolves collection navigations through their partner: one-to-many and many-to-many', () => {
    expect(schema.table('phonecall')?.navigations.get('phonecall_activity_parties')).toMatchObject({
      kind: 'one-to-many',
      target: 'activityparty',
      referencingColumn: 'activityid',
    })
    expect(
      schema.table('connectionrole')?.navigations.get('connectionroleassociation_association'),
    ).toMatchObject({ kind: 'many-to-many', target: 'connectionrole' })
  })

  it('makes system-set columns invalid for create and update, and overriddencreatedon create-only', () => {
    const account = schema.table('account')
    expect(account?.columns.get('createdon')).toMatchObject({ validForCreate: false, validForUpdate: false })
    expect(account?.columns.get('createdby')).toMatchObject({ validForCreate: false, validForUpdate: false })
    expect(account?.columns.get('overriddencreatedon')).toMatchObject({
      validForCreate: true,
      validForUpdate: false,
    })
    expect(account?.columns.get('name')).toMatchObject({
      validForCreate: true,
      validForUpdate: true,
      maxLength: 160,
    })
  })

  it('gives every sandbox its own schema, so metadata changes never leak', () => {
    const mine = createSchema()
    const other = createSchema()
    const name = mine.table('account')?.columns.get('name')
    if (name === undefined) throw new Error('account.name missing')
    mine.addColumn('account', {
      ...name,
      logicalName: 'lb_sourceid',
      property: 'lb_sourceid',
      isCustom: true,
    })
    mine.addKey('account', {
      logicalName: 'lb_key',
      schemaName: 'lb_Key',
      displayName: 'Key',
      attributes: ['lb_sourceid'],
      metadataId: 'x',
      status: 'Active',
    })
    expect(mine.table('account')?.columns.has('lb_sourceid')).toBe(true)
    expect(mine.tableBySet('accounts')?.keys.has('lb_key')).toBe(true)
    expect(other.table('account')?.columns.has('lb_sourceid')).toBe(false)
    expect(other.table('account')?.keys.size).toBe(0)
    expect(schema.table('account')?.columns.has('lb_sourceid')).toBe(false)
  })
})
