import { describe, expect, it } from 'vitest'
import {
  classifyEmail,
  isAllCapsName,
  isTbdStreet,
  normaliseCapsName,
  normalisePhone,
  normaliseZip,
} from '../../../../../../electron/engine/source/leaf360/validate/contact-fields'
import { IssueList } from '../../../../../../electron/engine/source/leaf360/validate/issues'

describe('D16 ALL-CAPS names', () => {
  it('applies the §9 rule exactly', () => {
    expect(normaliseCapsName("O'BRIEN-SMITH", true)).toBe("O'Brien-Smith")
    expect(normaliseCapsName('MCDONALD', true)).toBe('McDonald')
    expect(normaliseCapsName('MACLEOD', true)).toBe('MacLeod')
    for (const [caps, clean] of [
      ['MACHADO', 'Machado'],
      ['MACKEY', 'Mackey'],
      ['MACIAS', 'Macias'],
    ]) {
      expect(normaliseCapsName(caps!, true)).toBe(clean)
    }
    expect(normaliseCapsName('JOHN PAUL III', false)).toBe('John Paul III')
    expect(normaliseCapsName('MCDONALD', false)).toBe('Mcdonald')
    expect(normaliseCapsName('ST. JOHN', true)).toBe('St. John')
  })
  it('touches only names of two or more letters with none lower-case', () => {
    expect(isAllCapsName('JOHN')).toBe(true)
    expect(isAllCapsName('J')).toBe(false)
    expect(isAllCapsName('John')).toBe(false)
    expect(isAllCapsName('JOSÉ')).toBe(true)
  })
})

describe('phones (D03)', () => {
  const phone = (raw: string) => {
    const sink = new IssueList()
    return { value: normalisePhone(raw, 'phone', sink), codes: sink.items.map((i) => i.reason ?? i.code) }
  }
  it('normalises the drift forms to E.164 with the extension', () => {
    expect(phone('(763)555-0123')).toEqual({ value: '+17635550123', codes: ['D03'] })
    expect(phone('(612)-555-0123')).toEqual({ value: '+16125550123', codes: ['D03'] })
    expect(phone('555.123.4567')).toEqual({ value: '+15551234567', codes: ['D03'] })
    expect(phone('+1 (555) 123-4567')).toEqual({ value: '+15551234567', codes: ['D03'] })
    expect(phone('763-555-0123 x204')).toEqual({ value: '+17635550123x204', codes: ['D03'] })
    expect(phone('+44 20 7946 0958')).toEqual({ value: '+442079460958', codes: ['D03'] })
  })
  it('reads a value seen before as the first time, warning again each time', () => {
    for (let i = 0; i < 3; i++) {
      expect(phone('+44 20 7946 0958')).toEqual({ value: '+442079460958', codes: ['D03'] })
      expect(phone('555-0123')).toEqual({ value: null, codes: ['unparseable'] })
    }
  })
  it('keeps a canonical phone without a warning and reads 7 digits as null', () => {
    expect(phone('+17635550123x204')).toEqual({ value: '+17635550123x204', codes: [] })
    expect(phone('555-0123')).toEqual({ value: null, codes: ['unparseable'] })
  })
})

describe('ZIP codes (D08) and addresses (D06)', () => {
  const zip = (raw: string) => normaliseZip(raw, 'zip', new IssueList())
  it('pads a lost leading zero and rebuilds a ZIP+4', () => {
    expect(zip('8846')).toBe('08846')
    expect(zip('88461234')).toBe('08846-1234')
    expect(zip('55401')).toBe('55401')
  })
  it('recognises the TBD placeholders', () => {
    for (const s of ['TBD', 'tbd tbd', 'To Be Determined', '123 Main St']) expect(isTbdStreet(s)).toBe(true)
    expect(isTbdStreet('123 Main St Apt 4')).toBe(false)
  })
})

describe('e-mails (D26, D15)', () => {
  it('applies the D26 rule and calls an invalid 50- or 64-character value truncated', () => {
    for (const bad of [
      'john.smith@',
      'no at sign',
      'a@b',
      'a@b.c',
      'two@@x.com',
      'none@none.com',
      'Test@Test.com',
    ]) {
      expect(classifyEmail(bad)).toBe('invalid')
    }
    expect(classifyEmail('alexandra.papadopoulos@pacificnorthwesthomeloans.c')).toBe('truncated')
    expect(classifyEmail('jane@example.org')).toBe('valid')
  })
})
