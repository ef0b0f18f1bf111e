import fc from 'fast-check'
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import { describe, expect, it } from 'vitest'
import {
  dateVariant,
  emailTruncated,
  isInvalidEmail,
  phoneDrift,
  restoreCaps,
} from '../../../../../../electron/engine/source/leaf360/generator/dirty-values'
import { Rng } from '../../../../../../electron/engine/source/leaf360/generator/random'
import { phoneFor } from '../../../../../../electron/engine/source/leaf360/generator/world'

describe('dirty spellings', () => {
  it('restores ALL-CAPS names by the D16 rule, and leaves names the rule cannot restore alone', () => {
    expect(restoreCaps('JOHN', false)).toBe('John')
    expect(restoreCaps('MCDONALD', true)).toBe('McDonald')
    expect(restoreCaps("O'BRIEN-SMITH", true)).toBe("O'Brien-Smith")
    expect(restoreCaps('MACLEOD', true)).toBe('MacLeod')
    expect(restoreCaps('MACHADO', true)).toBe('Machado')
    expect(restoreCaps('MACKEY', true)).toBe('Mackey')
    expect(restoreCaps('MACIAS', true)).toBe('Macias')
    expect(restoreCaps('ST. JOHN', true)).toBe('St. John')
    expect(restoreCaps('JOSÉ', false)).toBe('José')
    expect(restoreCaps('SMITH III', true)).toBe('Smith III')
    expect(restoreCaps('DE LA CRUZ', true)).not.toBe('De la Cruz')
    expect(restoreCaps('Smith', true)).toBe('Smith')
  })

  it('writes drifted phones that a US E.164 parser turns back into the clean number (D03 normalise)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.integer({ min: 0, max: 1000 }),
        (serial, seed) => {
          const clean = phoneFor('763', serial)
          const dirty = phoneDrift(clean, new Rng(seed))
          expect(dirty).not.toBe(clean)
          expect(parsePhoneNumberFromString(dirty, 'US')?.number).toBe(clean)
        },
      ),
    )
  })

  it('keeps extensions when drifting a phone with one', () => {
    const dirty = phoneDrift('+17635550123x204', new Rng(3))
    expect(dirty).toMatch(/204$/)
  })

  it('cuts an e-mail at exactly 50 or 64 characters only where the cut is invalid (D15, not D26)', () => {
    const email = 'alexandra.papadopoulos@pacificnorthwesthomeloans.com'
    const cut = emailTruncated(email)
    expect(cut).toBe('alexandra.papadopoulos@pacificnorthwesthomeloans.c')
    expect(cut?.length).toBe(50)
    expect(isInvalidEmail(cut ?? '')).toBe(true)
    expect(emailTruncated('short@example.com')).toBeNull()
    expect(isInvalidEmail('john.smith@')).toBe(true)
    expect(isInvalidEmail('john smith@gmail.com')).toBe(true)
    expect(isInvalidEmail('john@gmail')).toBe(true)
    expect(isInvalidEmail('john@gmail.com')).toBe(false)
  })

  it('spells a date day-first only when the day exceeds 12, and two-digit years only where 20YY/19YY restores them', () => {
    for (let seed = 0; seed < 200; seed++) {
      const v = dateVariant('2021-03-07', 'ui', new Rng(seed), 2025)
      expect(v?.variant).not.toBe('dmy-date')
      const w = dateVariant('1985-03-27', 'ui', new Rng(seed), 2025)
      if (w?.variant === 'dmy-date') expect(w.value).toBe('27/03/1985')
      if (w?.variant === 'two-digit-year') expect(w.value).toBe('03/27/85')
    }
    // 2027 is over a year ahead of 2025, so `27` would read as 1927: no two-digit spelling.
    for (let seed = 0; seed < 50; seed++)
      expect(dateVariant('2027-01-05', 'ui', new Rng(seed), 2025)).toBeNull()
  })
})
