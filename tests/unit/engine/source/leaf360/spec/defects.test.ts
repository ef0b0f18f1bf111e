import { describe, expect, it } from 'vitest'
import {
  DEFECTS,
  DEFECT_IDS,
  QUARANTINE_REASON_CODES,
  defectVariant,
} from '../../../../../../electron/engine/source/leaf360/spec/defects'
import { defectLineSchema } from '../../../../../../electron/engine/source/leaf360/spec/truth'

describe('§9 defect catalogue', () => {
  it('lists D01 to D43 in order, each with at least one variant', () => {
    expect(DEFECT_IDS).toEqual(Array.from({ length: 43 }, (_, i) => `D${String(i + 1).padStart(2, '0')}`))
    for (const defect of DEFECTS) expect(defect.variants.length, defect.id).toBeGreaterThan(0)
  })

  it('gives every quarantine variant a reason code and uses every code', () => {
    const used = new Set<string>()
    for (const defect of DEFECTS) {
      for (const v of defect.variants) {
        if (v.expect === 'quarantine') {
          expect(QUARANTINE_REASON_CODES, `${defect.id} ${v.variant}`).toContain(v.reason)
          used.add(v.reason ?? '')
        }
      }
    }
    expect([...used].sort()).toEqual([...QUARANTINE_REASON_CODES].sort())
  })

  it('prescribes the spec actions for a few variants', () => {
    expect(defectVariant('D21', 'identical-row')).toMatchObject({
      expect: 'quarantine',
      reason: 'duplicate_row',
    })
    expect(defectVariant('D33', 'exponent-row-id')).toMatchObject({
      expect: 'quarantine',
      reason: 'id_unrecoverable',
    })
    expect(defectVariant('D13', 'unsafe-stored-path')?.reason).toBe('unsafe_path')
    expect(defectVariant('D18', 'archived')?.expect).toBeNull()
    expect(defectVariant('D07', 'utf-8-bom')?.fileLevel).toBe(true)
  })

  it('accepts the §10 example lines', () => {
    expect(
      defectLineSchema.safeParse({
        defect_id: 'D08',
        file: 'data/contacts.csv',
        row: 1812,
        column: 'zip',
        clean_value: '08846',
        dirty_value: '8846',
        expect: 'normalise',
      }).success,
    ).toBe(true)
    expect(
      defectLineSchema.safeParse({
        defect_id: 'D01',
        file: 'data/contacts.csv',
        row: 2044,
        column: null,
        clean_value: null,
        record_id: '51200093381',
        canonical_id: '51200011207',
        expect: 'warn',
        group: 'dup-311',
      }).success,
    ).toBe(true)
  })
})
