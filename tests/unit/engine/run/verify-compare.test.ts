import { describe, expect, it } from 'vitest'
import type { TargetRecord } from '../../../../electron/engine/plan/mapping/build-record'
import type { ObjectMapping } from '../../../../electron/engine/plan/mapping/model'
import {
  compareRecord,
  selectFor,
  valuesEqual,
  verifiableFields,
} from '../../../../electron/engine/run/verify-compare'

const mapping: ObjectMapping = {
  id: 'opportunities',
  briefRows: ['deal'],
  label: 'Deals → Opportunities',
  source: { object: 'deals', select: { kind: 'all' } },
  target: { kind: 'table', table: 'opportunity', phase: 'opportunities' },
  status: 'confirmed',
  notes: [],
  fields: [
    {
      id: 'key',
      source: null,
      target: 'lb_sourceid',
      type: 'string',
      transform: { kind: 'source-key' },
      verify: true,
      status: 'mapped',
    },
    {
      id: 'name',
      source: 'dealname',
      target: 'name',
      type: 'string',
      transform: { kind: 'copy' },
      verify: true,
      status: 'mapped',
    },
    {
      id: 'amount',
      source: 'loan_amount',
      target: 'estimatedvalue',
      type: 'money',
      transform: { kind: 'copy' },
      verify: true,
      status: 'mapped',
    },
    {
      id: 'close',
      source: 'closedate',
      target: 'estimatedclosedate',
      type: 'date',
      transform: { kind: 'copy' },
      verify: true,
      status: 'mapped',
    },
    {
      id: 'created',
      source: 'created_at',
      target: 'overriddencreatedon',
      readBack: 'createdon',
      type: 'datetime',
      transform: { kind: 'copy' },
      verify: true,
      status: 'mapped',
    },
    {
      id: 'stage',
      source: null,
      target: 'salesstage',
      type: 'option',
      transform: { kind: 'stage', attribute: 'salesstage' },
      verify: true,
      status: 'mapped',
    },
    {
      id: 'customer',
      source: 'contact',
      target: 'customerid',
      type: 'lookup',
      transform: { kind: 'lookup', object: 'contacts' },
      verify: true,
      status: 'mapped',
    },
    {
      id: 'owner',
      source: 'owner_id',
      target: 'ownerid',
      type: 'owner',
      transform: { kind: 'owner' },
      verify: true,
      status: 'mapped',
    },
    {
      id: 'skip',
      source: 'x',
      target: 'description',
      type: 'memo',
      transform: { kind: 'copy' },
      verify: false,
      status: 'mapped',
    },
  ],
}

const expected: TargetRecord = {
  table: 'opportunity',
  entitySet: 'opportunities',
  sourceKey: 'deal-1',
  values: {
    lb_sourceid: { t: 'string', v: 'deal-1' },
    name: { t: 'string', v: '12 Oak St purchase' },
    estimatedvalue: { t: 'decimal', v: 350000.004 },
    estimatedclosedate: { t: 'date', v: '2024-05-01' },
    overriddencreatedon: { t: 'datetime', v: '2023-01-02T03:04:05Z' },
    salesstage: { t: 'option', v: 2 },
    description: { t: 'string', v: 'not compared' },
  },
  binds: {
    customerid: { navigation: 'customerid_contact', entitySet: 'contacts', key: 'contact-9' },
    ownerid: { navigation: 'ownerid', entitySet: 'systemusers', id: 'AAAA-user' },
  },
  parties: [],
  file: null,
  issues: [],
}

const actual = {
  opportunityid: 'opp-1',
  lb_sourceid: 'deal-1',
  name: '12 Oak St purchase',
  estimatedvalue: 350000,
  estimatedclosedate: '2024-05-01',
  createdon: '2023-01-02T03:04:05.000Z',
  salesstage: 2,
  _customerid_value: 'contact-id-9',
  '_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'contact',
  _ownerid_value: 'aaaa-user',
  '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
  description: 'something else',
}

const resolve = (set: string, key: string) =>
  set === 'contacts' && key === 'contact-9' ? 'contact-id-9' : null
const options = { resolve, createdByRun: true, keyColumn: 'lb_sourceid' }

describe('compareRecord', () => {
  it('verifies a record whose every mapped field reads back as built', () => {
    expect(compareRecord(mapping, expected, actual, options)).toEqual([])
  })

  it('names the record, column, expected and actual value of a field that differs', () => {
    const result = compareRecord(mapping, expected, { ...actual, name: '12 Oak Street' }, options)
    expect(result).toEqual([
      {
        table: 'opportunity',
        sourceKey: 'deal-1',
        targetId: 'opp-1',
        column: 'name',
        field: 'name',
        reason: 'value',
        expected: '12 Oak St purchase',
        actual: '12 Oak Street',
      },
    ])
  })

  it('reads overriddencreatedon back as createdon, and only on records a run created', () => {
    const moved = { ...actual, createdon: '2025-06-01T00:00:00Z' }
    expect(compareRecord(mapping, expected, moved, options).map((m) => m.column)).toEqual(['createdon'])
    expect(compareRecord(mapping, expected, moved, { ...options, createdByRun: false })).toEqual([])
  })

  it('checks a lookup by the id its key resolves to and by the table it points at', () => {
    const wrongTable = {
      ...actual,
      '_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
    }
    expect(compareRecord(mapping, expected, wrongTable, options).map((m) => m.reason)).toEqual(['lookup'])
    const unresolved = compareRecord(mapping, expected, actual, { ...options, resolve: () => null })
    expect(unresolved[0]?.expected).toBe('contact contact-9 (not in the target)')
    const empty = compareRecord(mapping, expected, { ...actual, _ownerid_value: null }, options)
    expect(empty.map((m) => [m.column, m.actual])).toEqual([['ownerid', '(empty)']])
  })

  it('expects an empty lookup where the mapping cleared it', () => {
    const cleared: TargetRecord = {
      ...expected,
      binds: { ...expected.binds, customerid: { navigation: 'customerid', entitySet: null } },
    }
    expect(compareRecord(mapping, cleared, actual, options).map((m) => m.column)).toEqual(['customerid'])
    expect(compareRecord(mapping, cleared, { ...actual, _customerid_value: null }, options)).toEqual([])
  })
})

describe('valuesEqual', () => {
  it('compares money within the column precision', () => {
    expect(valuesEqual('money', { t: 'decimal', v: 10.004 }, 10, 2)).toBe(true)
    expect(valuesEqual('money', { t: 'decimal', v: 10.01 }, 10, 2)).toBe(false)
    expect(valuesEqual('decimal', { t: 'decimal', v: 1.23456 }, 1.2346, 4)).toBe(true)
  })

  it('compares date-times to the second and dates as dates', () => {
    expect(
      valuesEqual('datetime', { t: 'datetime', v: '2024-01-01T10:00:00Z' }, '2024-01-01T10:00:00.900Z'),
    ).toBe(true)
    expect(
      valuesEqual('datetime', { t: 'datetime', v: '2024-01-01T10:00:00Z' }, '2024-01-01T10:00:01Z'),
    ).toBe(false)
    expect(valuesEqual('date', { t: 'date', v: '2024-01-01' }, '2024-01-01T00:00:00Z')).toBe(true)
  })

  it('treats empty and missing as the same, and nothing else as empty', () => {
    expect(valuesEqual('string', { t: 'null' }, null)).toBe(true)
    expect(valuesEqual('string', { t: 'null' }, '')).toBe(true)
    expect(valuesEqual('int', { t: 'int', v: 0 }, null)).toBe(false)
    expect(valuesEqual('bool', { t: 'bool', v: false }, false)).toBe(true)
    expect(valuesEqual('option', { t: 'option', v: 100000001 }, 100000001)).toBe(true)
  })
})

describe('selectFor', () => {
  it('reads only the verifiable columns, lookups as _x_value, plus the key column', () => {
    expect(selectFor([mapping], 'lb_sourceid')).toEqual([
      '_customerid_value',
      '_ownerid_value',
      'createdon',
      'estimatedclosedate',
      'estimatedvalue',
      'lb_sourceid',
      'name',
      'salesstage',
    ])
    expect(verifiableFields(mapping).some((f) => f.field.id === 'skip')).toBe(false)
  })
})
