import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IssueList } from '../../../../../../electron/engine/source/leaf360/validate/issues'
import {
  normaliseBool,
  normaliseInt,
  normaliseMoney,
  normalisePct,
  normaliseRefId,
  readId,
} from '../../../../../../electron/engine/source/leaf360/validate/scalars'

const run = <T>(fn: (sink: IssueList) => T) => {
  const sink = new IssueList()
  const value = fn(sink)
  return { value, codes: sink.items.map((i) => (i.reason ? `${i.code}:${i.reason}` : i.code)) }
}

describe('ids', () => {
  it('keeps 19-digit ids as exact strings', () => {
    expect(readId('9223372036854775807')).toEqual({ kind: 'ok', id: '9223372036854775807' })
  })
  it('undoes spreadsheet damage and refuses an exponent (D33)', () => {
    expect(readId('123456789012.0')).toEqual({ kind: 'repaired', id: '123456789012' })
    expect(readId("'51200011207")).toEqual({ kind: 'repaired', id: '51200011207' })
    expect(readId('1.23457E+11')).toEqual({ kind: 'exponent' })
    expect(run((s) => normaliseRefId('1.23457E+11', 'owner_id', s))).toEqual({
      value: null,
      codes: ['D33:exponent'],
    })
  })
})

describe('money', () => {
  it('reads both flavours exactly, never through a float', () => {
    expect(run((s) => normaliseMoney('357904.00', 'api', 'amount', s))).toEqual({
      value: '357904.00',
      codes: [],
    })
    expect(run((s) => normaliseMoney('$357,904.00', 'ui', 'amount', s))).toEqual({
      value: '357904.00',
      codes: [],
    })
    expect(run((s) => normaliseMoney('-$1,200.00', 'ui', 'amount', s))).toEqual({
      value: '-1200.00',
      codes: [],
    })
    expect(run((s) => normaliseMoney('($1,200.00)', 'ui', 'amount', s))).toEqual({
      value: '-1200.00',
      codes: [],
    })
    expect(run((s) => normaliseMoney('90071992547409931.10', 'api', 'amount', s)).value).toBe(
      '90071992547409931.10',
    )
  })
  it('normalises $ and , in api with D30 and reads 357.9K as null with D30', () => {
    expect(run((s) => normaliseMoney('$357,904.00', 'api', 'amount', s))).toEqual({
      value: '357904.00',
      codes: ['D30'],
    })
    expect(run((s) => normaliseMoney('357.9K', 'api', 'amount', s))).toEqual({
      value: null,
      codes: ['D30:abbreviated'],
    })
  })
  it('reads back every amount written in the ui form (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (cents) => {
        const negative = cents < 0n
        const abs = negative ? -cents : cents
        const dollars = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
        const text = `${negative ? '-' : ''}$${dollars}.${(abs % 100n).toString().padStart(2, '0')}`
        const expected = `${negative && abs !== 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`
        expect(run((s) => normaliseMoney(text, 'ui', 'amount', s))).toEqual({ value: expected, codes: [] })
        expect(run((s) => normaliseMoney(expected, 'api', 'amount', s)).value).toBe(expected)
      }),
      { numRuns: 500 },
    )
  })
})

describe('numbers, percentages and booleans', () => {
  it('reads ints with ui thousands separators, and flags them in api', () => {
    expect(run((s) => normaliseInt('1,250', 'ui', 'n', s))).toEqual({ value: 1250, codes: [] })
    expect(run((s) => normaliseInt('1,250', 'api', 'n', s))).toEqual({ value: 1250, codes: ['D30'] })
    expect(run((s) => normaliseInt('12345678901234567890', 'api', 'n', s)).value).toBe('12345678901234567890')
  })
  it('reads percentage points in both flavours', () => {
    expect(run((s) => normalisePct('6.875', 'api', 'interest_rate', s))).toEqual({
      value: '6.875',
      codes: [],
    })
    expect(run((s) => normalisePct('6.875%', 'ui', 'interest_rate', s))).toEqual({
      value: '6.875',
      codes: [],
    })
    expect(run((s) => normalisePct('6.875%', 'api', 'interest_rate', s))).toEqual({
      value: '6.875',
      codes: ['D30'],
    })
  })
  it('accepts the §5 boolean spellings and reads anything else as null with D30', () => {
    for (const t of ['true', 'Yes', 'y', 'T', '1'])
      expect(run((s) => normaliseBool(t, 'api', 'b', s)).value).toBe(true)
    for (const f of ['false', 'No', 'n', 'F', '0'])
      expect(run((s) => normaliseBool(f, 'api', 'b', s)).value).toBe(false)
    expect(run((s) => normaliseBool('X', 'ui', 'b', s)).value).toBe(true)
    expect(run((s) => normaliseBool('X', 'api', 'b', s))).toEqual({
      value: null,
      codes: ['D30:unknown_boolean'],
    })
  })
})
