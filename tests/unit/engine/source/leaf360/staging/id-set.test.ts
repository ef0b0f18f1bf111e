import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IdSet } from '../../../../../../electron/engine/source/leaf360/staging/id-set'

describe('IdSet', () => {
  it('holds exactly the ids added, numeric or not, across growth', () => {
    const id = fc.oneof(
      fc.bigInt({ min: 0n, max: 9_999_999_999_999_999_999n }).map(String),
      fc.stringMatching(/^0[0-9]{0,5}$/),
      fc.stringMatching(/^[0-9]{20,22}$/),
      fc.string({ maxLength: 8 }),
    )
    fc.assert(
      fc.property(fc.array(id, { maxLength: 3_000 }), fc.array(id, { maxLength: 200 }), (added, probes) => {
        const set = new IdSet(16)
        const truth = new Set<string>()
        for (const a of added) {
          set.add(a)
          truth.add(a)
        }
        expect(set.size).toBe(truth.size)
        for (const p of [...added, ...probes]) expect(set.has(p)).toBe(truth.has(p))
      }),
      { numRuns: 60 },
    )
  })

  it('tells apart ids that differ only in the high digits or by a leading zero', () => {
    const set = new IdSet()
    set.add('9999999999999999999')
    set.add('4294967296')
    set.add('7')
    expect(set.has('9999999999999999999')).toBe(true)
    expect(set.has('9999999999999999998')).toBe(false)
    expect(set.has('4294967296')).toBe(true)
    expect(set.has('0')).toBe(false)
    expect(set.has('07')).toBe(false)
    expect(set.has('7')).toBe(true)
    expect(set.size).toBe(3)
  })
})
