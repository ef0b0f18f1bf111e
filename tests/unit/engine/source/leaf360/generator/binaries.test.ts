import { describe, expect, it } from 'vitest'
import {
  normaliseFilename,
  placeholderBinary,
  unsafeFilename,
} from '../../../../../../electron/engine/source/leaf360/generator/binaries'
import { Rng } from '../../../../../../electron/engine/source/leaf360/generator/random'

describe('attachment binaries and names', () => {
  it('normalises upload names by the D13 rule', () => {
    expect(normaliseFilename('C:\\Users\\jsmith\\Desktop\\W2 2023.pdf')).toBe('W2 2023.pdf')
    expect(normaliseFilename('../../uploads/paystub.pdf')).toBe('paystub.pdf')
    expect(normaliseFilename('Scan:W2.pdf')).toBe('Scan_W2.pdf')
    expect(normaliseFilename('bank\u0007statement.pdf')).toBe('bank_statement.pdf')
    expect(normaliseFilename('CON.pdf')).toBe('_CON.pdf')
    expect(normaliseFilename('lpt1')).toBe('_lpt1')
    expect(Buffer.byteLength(normaliseFilename(`${'a'.repeat(300)}.pdf`))).toBe(255)
    expect(normaliseFilename(`${'a'.repeat(300)}.pdf`).endsWith('.pdf')).toBe(true)
  })

  it('makes unsafe names that always differ from their normalisation', () => {
    for (let seed = 0; seed < 100; seed++) {
      const unsafe = unsafeFilename(new Rng(seed), 'Paystub 2024-03.pdf')
      expect(normaliseFilename(unsafe)).not.toBe(unsafe)
    }
  })

  it('writes placeholders with the magic bytes of their type, the same for the same file id', () => {
    expect(placeholderBinary('pdf', '880000000013', 'w2').subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect([...placeholderBinary('jpeg', '1', 'photo_id').subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])
    expect(placeholderBinary('heic', '1', 'photo_id').subarray(4, 12).toString('latin1')).toBe('ftypheic')
    expect(placeholderBinary('docx', '1', 'other').subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004')
    expect(placeholderBinary('pdf', '7', 'w2').equals(placeholderBinary('pdf', '7', 'w2'))).toBe(true)
  })
})
