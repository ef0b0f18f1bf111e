import { describe, expect, it } from 'vitest'
import {
  ASSOCIATION_TYPES,
  ASSOCIATION_TYPES_BY_ID,
  associationTypeOf,
} from '../../../../../../electron/engine/source/leaf360/spec/association-types'

describe('§6.7 association types', () => {
  it('has every forward and inverse type once', () => {
    const ids = ASSOCIATION_TYPES.map((t) => t.associationTypeId)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toHaveLength(53)
  })

  it('pairs each type with its inverse, swapping the objects', () => {
    for (const t of ASSOCIATION_TYPES) {
      if (t.inverseTypeId === null) continue
      const inverse = ASSOCIATION_TYPES_BY_ID.get(t.inverseTypeId)
      expect(inverse?.inverseTypeId, String(t.associationTypeId)).toBe(t.associationTypeId)
      expect([inverse?.fromObjectType, inverse?.toObjectType]).toEqual([t.toObjectType, t.fromObjectType])
    }
  })

  it('labels the inverse of referred_by as referred and marks categories and primaries per §6.7', () => {
    expect(ASSOCIATION_TYPES_BY_ID.get(403)).toMatchObject({
      value: 'referred',
      label: 'Referred',
      inverseTypeId: 402,
    })
    expect(ASSOCIATION_TYPES_BY_ID.get(102)).toMatchObject({
      category: 'LEAF360_DEFINED',
      allowsPrimary: true,
    })
    expect(ASSOCIATION_TYPES_BY_ID.get(208)).toMatchObject({
      label: "Buyer's Agent",
      category: 'USER_DEFINED',
    })
    expect(ASSOCIATION_TYPES_BY_ID.get(400)?.inverseTypeId).toBe(400)
    expect(ASSOCIATION_TYPES_BY_ID.get(504)).toMatchObject({
      fromObjectType: 'engagement',
      toObjectType: 'deal',
      inverseTypeId: null,
    })
    expect(associationTypeOf('deal', 'company', 'household_property').associationTypeId).toBe(308)
  })
})
