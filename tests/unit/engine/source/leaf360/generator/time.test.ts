import { describe, expect, it } from 'vitest'
import { uiDatetime, Zone } from '../../../../../../electron/engine/source/leaf360/generator/time'

describe('ui time', () => {
  const chicago = new Zone('America/Chicago')

  it('writes zero-padded 12-hour local time at minute precision (§7)', () => {
    expect(uiDatetime(chicago, Date.parse('2024-03-08T03:05:59Z'))).toBe('03/07/2024 09:05 PM')
    expect(uiDatetime(chicago, Date.parse('2024-07-01T05:00:00Z'))).toBe('07/01/2024 12:00 AM')
    expect(uiDatetime(chicago, Date.parse('2024-07-01T17:30:00Z'))).toBe('07/01/2024 12:30 PM')
  })

  it('knows the repeated hour at DST end and finds the transitions', () => {
    // 2024-11-03 01:30 happens twice in Chicago: 06:30Z (CDT) and 07:30Z (CST).
    expect(chicago.isAmbiguous(Date.parse('2024-11-03T06:30:00Z'))).toBe(true)
    expect(chicago.isAmbiguous(Date.parse('2024-11-03T07:30:00Z'))).toBe(true)
    expect(chicago.isAmbiguous(Date.parse('2024-11-03T09:30:00Z'))).toBe(false)
    const t = chicago.transitions(Date.parse('2024-01-01T00:00:00Z'), Date.parse('2025-01-01T00:00:00Z'))
    expect(t.map((x) => new Date(x.at).toISOString())).toEqual([
      '2024-03-10T08:00:00.000Z',
      '2024-11-03T07:00:00.000Z',
    ])
  })
})
