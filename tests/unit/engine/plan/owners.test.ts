import { describe, expect, it } from 'vitest'
import { matchOwners, ownerResolutionOf } from '../../../../electron/engine/plan/owners'
import type { OwnerDecisions } from '../../../../electron/shared/dto/plan'
import type { SourceFacts } from '../../../../electron/engine/plan/source-facts'
import { GUID, user } from './plan-inputs'

const USERS = [
  user(GUID(1), 'jordan.lee@contoso.example', 'Jordan Lee'),
  user(GUID(2), 'chris.ng@contoso.example', 'Chris Ng', { isDisabled: true }),
  user(GUID(3), 'avery.admin@contoso.example', 'Avery Admin'),
  user(GUID(4), 'loader@contoso.example', 'Loader App', { isApplicationUser: true }),
]

const FACTS: Pick<SourceFacts, 'owners' | 'ownedRecords' | 'unownedRecords'> = {
  owners: [
    {
      ownerId: '101',
      email: '  Jordan.LEE@Contoso.example ',
      firstName: 'Jordan',
      lastName: 'Lee',
      role: 'loan_officer',
      isActive: true,
    },
    {
      ownerId: '102',
      email: 'chris.ng@contoso.example',
      firstName: 'Chris',
      lastName: 'Ng',
      role: 'loan_officer',
      isActive: false,
    },
    {
      ownerId: '103',
      email: 'pat@elsewhere.example',
      firstName: 'Pat',
      lastName: 'Quinn',
      role: 'processor',
      isActive: true,
    },
    {
      ownerId: '104',
      email: 'loader@contoso.example',
      firstName: 'Not',
      lastName: 'App',
      role: 'admin',
      isActive: true,
    },
  ],
  ownedRecords: {
    '101': { contacts: 5, deals: 2 },
    '102': { contacts: 3 },
    '103': { deals: 1 },
    '199': { calls: 4 },
  },
  unownedRecords: { contacts: 2 },
}

const run = (decisions: OwnerDecisions = { fallbackSystemUserId: null, overrides: [] }) =>
  matchOwners({ facts: FACTS, users: USERS, decisions, now: 'now', auditedAt: 'then' })

describe('matchOwners', () => {
  it('matches by trimmed, case-insensitive e-mail and tells matched, disabled and unmatched apart', () => {
    const r = run()
    const by = Object.fromEntries(r.owners.map((o) => [o.ownerId, o]))
    expect(by['101']).toMatchObject({
      status: 'matched',
      records: 7,
      assignedTo: { systemUserId: GUID(1), via: 'match' },
    })
    expect(by['102']).toMatchObject({ status: 'disabled', records: 3, assignedTo: null })
    expect(by['103']).toMatchObject({ status: 'unmatched', records: 1, assignedTo: null })
    // Application users never own migrated records.
    expect(by['104']).toMatchObject({ status: 'unmatched', records: 0 })
    // An owner id records use but owners.csv does not define.
    expect(by['199']).toMatchObject({ status: 'unmatched', defined: false, records: 4 })
    expect([r.matched, r.disabled, r.unmatched]).toEqual([1, 1, 3])
  })

  it('is not ready while any record lacks a valid, enabled owner, counting records without an owner', () => {
    const r = run()
    expect(r).toMatchObject({
      ready: false,
      blockedOwners: 3,
      blockedRecords: 3 + 1 + 4 + 2,
      unownedRecords: 2,
    })
    expect(() => ownerResolutionOf(r)).toThrow(expect.objectContaining({ code: 'owners-not-ready' }))
  })

  it('sends the rest to the fallback owner and honours overrides before the e-mail match', () => {
    const r = run({ fallbackSystemUserId: GUID(3), overrides: [{ ownerId: '101', systemUserId: GUID(3) }] })
    expect(r.ready).toBe(true)
    const by = Object.fromEntries(r.owners.map((o) => [o.ownerId, o]))
    expect(by['101']!.assignedTo).toMatchObject({ systemUserId: GUID(3), via: 'override' })
    expect(by['102']!.assignedTo).toMatchObject({ systemUserId: GUID(3), via: 'fallback' })
    expect(by['102']!.note).toMatch(/disabled/)
    const resolution = ownerResolutionOf(r)
    expect(resolution.userFor('102')).toBe(GUID(3))
    expect(resolution.userFor(null)).toBe(GUID(3))
    expect(resolution.userFor(' ')).toBe(GUID(3))
    expect(() => resolution.userFor('555')).toThrow(expect.objectContaining({ code: 'owner-unresolved' }))
  })

  it('does not count a disabled fallback or an override to a disabled user as a valid owner', () => {
    const r = run({ fallbackSystemUserId: GUID(2), overrides: [{ ownerId: '103', systemUserId: GUID(2) }] })
    expect(r.fallback).toBeNull()
    const pat = r.owners.find((o) => o.ownerId === '103')!
    expect(pat.assignedTo).toBeNull()
    expect(pat.note).toMatch(/disabled/)
    expect(r.ready).toBe(false)
  })
})
