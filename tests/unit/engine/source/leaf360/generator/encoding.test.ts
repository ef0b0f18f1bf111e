import { describe, expect, it } from 'vitest'
import {
  CP1252_DECODE,
  encodeWindows1252,
  isWindows1252,
  mojibake,
} from '../../../../../../electron/engine/source/leaf360/generator/writers/encoding'

/** Node 20's TextDecoder('windows-1252') decodes as Latin-1 (0x80–0x9F wrong), so decode by the table. */
const decode = (bytes: Buffer) =>
  [...bytes].map((b) => String.fromCharCode(CP1252_DECODE.get(b) ?? b)).join('')

describe('Windows-1252 encoding', () => {
  it('encodes what a Windows-1252 decoder reads back, the 0x80–0x9F specials included', () => {
    const text = 'José Muñoz – “quoted” € ™ Œ Ÿ 700–759 Østergaard'
    expect(decode(encodeWindows1252(text))).toBe(text)
    expect(encodeWindows1252('€')).toEqual(Buffer.from([0x80]))
  })

  it('refuses characters Windows-1252 cannot hold instead of losing them', () => {
    expect(isWindows1252('a\u200bb')).toBe(false)
    expect(() => encodeWindows1252('a\u200bb')).toThrow(/U\+200b/)
  })

  it('spells mojibake as UTF-8 bytes read as Windows-1252 (D25)', () => {
    expect(mojibake('José')).toBe('JosÃ©')
    expect(mojibake('Muñoz')).toBe('MuÃ±oz')
    expect(mojibake('’')).toBe('â€™')
  })
})
