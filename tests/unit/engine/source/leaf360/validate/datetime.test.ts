import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  expandTwoDigitYear,
  newDayMonthOrder,
  normaliseDate,
  normaliseDatetime,
  type DateContext,
} from '../../../../../../electron/engine/source/leaf360/validate/datetime'
import { IssueList } from '../../../../../../electron/engine/source/leaf360/validate/issues'

const exportedAt = Date.parse('2025-06-30T12:00:00Z')
const api: DateContext = { flavour: 'api', timezone: 'America/Chicago', referenceMs: exportedAt }
const ui: DateContext = { flavour: 'ui', timezone: 'America/Chicago', referenceMs: exportedAt }

function dt(raw: string, ctx: DateContext) {
  const issues = new IssueList()
  const value = normaliseDatetime(raw, ctx, 'created_at', issues, newDayMonthOrder())
  return { value, codes: issues.items.map((i) => (i.reason ? `${i.code}:${i.reason}` : i.code)) }
}
function date(raw: string, ctx: DateContext) {
  const issues = new IssueList()
  const value = normaliseDate(raw, ctx, 'closedate', issues, newDayMonthOrder())
  return { value, codes: issues.items.map((i) => (i.reason ? `${i.code}:${i.reason}` : i.code)) }
}

describe('normaliseDatetime', () => {
  it('keeps the api canonical form without a warning', () => {
    expect(dt('2024-03-07T21:05:00Z', api)).toEqual({ value: '2024-03-07T21:05:00Z', codes: [] })
    expect(dt('2024-03-07T21:05:00.250Z', api)).toEqual({ value: '2024-03-07T21:05:00.250Z', codes: [] })
  })

  it('reads the api variants of D04 as UTC instants', () => {
    expect(dt('2024-03-07T15:05:00-06:00', api)).toEqual({ value: '2024-03-07T21:05:00Z', codes: ['D04'] })
    expect(dt('2024-03-07 21:05:00', api)).toEqual({ value: '2024-03-07T21:05:00Z', codes: ['D04'] })
    expect(dt('2024-03-07T21:05:00', api)).toEqual({ value: '2024-03-07T21:05:00Z', codes: ['D04'] })
    expect(dt('1709845500000', api)).toEqual({ value: '2024-03-07T21:05:00Z', codes: ['D04'] })
  })

  it('reads ui datetimes as wall-clock time in the manifest time zone', () => {
    expect(dt('03/07/2024 03:05 PM', ui)).toEqual({ value: '2024-03-07T21:05:00Z', codes: [] })
    expect(dt('07/07/2024 03:05 PM', ui)).toEqual({ value: '2024-07-07T20:05:00Z', codes: [] })
    expect(dt('3/7/2024 3:05 PM', ui)).toEqual({ value: '2024-03-07T21:05:00Z', codes: ['D04'] })
    expect(dt('03/07/2024 15:05', ui)).toEqual({ value: '2024-03-07T21:05:00Z', codes: ['D04'] })
    expect(dt('03/07/2024 03:05:30 PM', ui)).toEqual({ value: '2024-03-07T21:05:30Z', codes: ['D04'] })
    expect(dt('03/07/2024', ui)).toEqual({ value: '2024-03-07T06:00:00Z', codes: ['D04'] })
    expect(dt('03/07/2024 12:00 AM', ui)).toEqual({ value: '2024-03-07T06:00:00Z', codes: [] })
  })

  it('takes the earlier instant of a repeated local time and moves a skipped one forward (DST)', () => {
    expect(dt('11/03/2024 01:30 AM', ui)).toEqual({
      value: '2024-11-03T06:30:00Z',
      codes: ['D04:dst-repeated'],
    })
    expect(dt('03/10/2024 02:30 AM', ui)).toEqual({
      value: '2024-03-10T08:30:00Z',
      codes: ['D04:dst-skipped'],
    })
  })

  it('reads placeholders as null with D05', () => {
    for (const raw of [
      '0000-00-00',
      '0000-00-00 00:00:00',
      '1900-01-01T00:00:00Z',
      '1970-01-01T00:00:00Z',
      '1899-12-30',
    ]) {
      expect(dt(raw, api)).toEqual({ value: null, codes: ['D05'] })
    }
    expect(dt('01/01/1900 12:00 AM', ui)).toEqual({ value: null, codes: ['D05'] })
  })

  it('reads an unreadable value as null with D04', () => {
    expect(dt('next tuesday', api)).toEqual({ value: null, codes: ['D04:unparseable'] })
    expect(dt('2024-02-30T00:00:00Z', api)).toEqual({ value: null, codes: ['D04:unparseable'] })
  })

  it('round-trips every instant written in the ui form at minute precision (property)', () => {
    const zones = ['America/Chicago', 'America/New_York', 'America/Los_Angeles', 'America/Phoenix', 'UTC']
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1) / 60000, max: Date.UTC(2030, 0, 1) / 60000 }),
        fc.constantFrom(...zones),
        (minute, zone) => {
          const utcMs = minute * 60000
          const parts = new Intl.DateTimeFormat('en-US', {
            timeZone: zone,
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            hour12: true,
          }).formatToParts(new Date(utcMs))
          const get = (t: string) => parts.find((p) => p.type === t)!.value
          const text = `${get('month')}/${get('day')}/${get('year')} ${get('hour')}:${get('minute')} ${get('dayPeriod').toUpperCase()}`
          const ctx: DateContext = { ...ui, timezone: zone }
          const issues = new IssueList()
          const value = normaliseDatetime(text, ctx, 'c', issues, newDayMonthOrder())
          const repeated = issues.items.some((i) => i.reason === 'dst-repeated')
          // A repeated local time is read as its earlier instant, which is within the DST shift.
          if (repeated) expect(Date.parse(value!)).toBeLessThanOrEqual(utcMs)
          else expect(value).toBe(new Date(utcMs).toISOString().replace('.000Z', 'Z'))
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('normaliseDate', () => {
  it('keeps each flavour canonical form and normalises the other with D04', () => {
    expect(date('2024-03-07', api)).toEqual({ value: '2024-03-07', codes: [] })
    expect(date('03/07/2024', ui)).toEqual({ value: '2024-03-07', codes: [] })
    expect(date('03/07/2024', api)).toEqual({ value: '2024-03-07', codes: ['D04'] })
    expect(date('2024-03-07', ui)).toEqual({ value: '2024-03-07', codes: ['D04'] })
  })

  it('keeps the date of a datetime in the manifest time zone', () => {
    expect(date('2024-03-07T03:00:00Z', api)).toEqual({ value: '2024-03-06', codes: ['D04'] })
    expect(date('03/07/2024 11:30 PM', ui)).toEqual({ value: '2024-03-07', codes: ['D04'] })
  })

  it('reads day-first dates where the day is over 12, and ambiguous ones by the column', () => {
    const order = newDayMonthOrder()
    const issues = new IssueList()
    expect(normaliseDate('25/03/2024', api, 'c', issues, order)).toBe('2024-03-25')
    expect(normaliseDate('26/03/2024', api, 'c', issues, order)).toBe('2024-03-26')
    expect(normaliseDate('04/03/2024', api, 'c', issues, order)).toBe('2024-03-04')
    expect(normaliseDate('04/03/2024', api, 'c', issues, newDayMonthOrder())).toBe('2024-04-03')
  })

  it('expands two-digit years into this century unless over a year ahead', () => {
    expect(expandTwoDigitYear(24, exportedAt)).toBe(2024)
    expect(expandTwoDigitYear(26, exportedAt)).toBe(2026)
    expect(expandTwoDigitYear(27, exportedAt)).toBe(1927)
    expect(date('03/07/68', ui)).toEqual({ value: '1968-03-07', codes: ['D04'] })
  })

  it('reads placeholder dates as null with D05, but keeps a real 1970-01-01', () => {
    expect(date('1900-01-01', api)).toEqual({ value: null, codes: ['D05'] })
    expect(date('12/30/1899', ui)).toEqual({ value: null, codes: ['D05'] })
    expect(date('1970-01-01', api)).toEqual({ value: '1970-01-01', codes: [] })
  })

  it('never shifts a calendar date (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1901-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        (d) => {
          const iso = d.toISOString().slice(0, 10)
          const [y, m, dd] = iso.split('-')
          expect(date(iso, api).value).toBe(iso)
          expect(date(`${m}/${dd}/${y}`, ui).value).toBe(iso)
        },
      ),
      { numRuns: 300 },
    )
  })
})
