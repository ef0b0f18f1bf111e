/**
 * Text encoders for the encodings an export may use (§3, §7): UTF-8 (with or without BOM) and
 * Windows-1252. Node has no Windows-1252 encoder (`latin1` differs in 0x80–0x9F), so it is here.
 */
import { AppError } from '../../../../errors'
import type { Encoding } from '../../spec/value-types'

/** The UTF-8 byte order mark. */
export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** Windows-1252 bytes 0x80–0x9F by code point (the five undefined bytes are absent). */
const CP1252_HIGH: ReadonlyMap<number, number> = new Map([
  [0x20ac, 0x80], [0x201a, 0x82], [0x0192, 0x83], [0x201e, 0x84], [0x2026, 0x85], [0x2020, 0x86],
  [0x2021, 0x87], [0x02c6, 0x88], [0x2030, 0x89], [0x0160, 0x8a], [0x2039, 0x8b], [0x0152, 0x8c],
  [0x017d, 0x8e], [0x2018, 0x91], [0x2019, 0x92], [0x201c, 0x93], [0x201d, 0x94], [0x2022, 0x95],
  [0x2013, 0x96], [0x2014, 0x97], [0x02dc, 0x98], [0x2122, 0x99], [0x0161, 0x9a], [0x203a, 0x9b],
  [0x0153, 0x9c], [0x017e, 0x9e], [0x0178, 0x9f],
]) // prettier-ignore

/** Windows-1252 decoding of one byte (for mojibake, D25): the inverse of the table above. */
export const CP1252_DECODE: ReadonlyMap<number, number> = new Map([...CP1252_HIGH].map(([cp, b]) => [b, cp]))

/** Whether every character of `text` exists in Windows-1252. */
export function isWindows1252(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80 || (c >= 0xa0 && c <= 0xff)) continue
    if (!CP1252_HIGH.has(c)) return false
  }
  return true
}

/** Encodes text as Windows-1252; refuses characters it cannot hold rather than losing them. */
export function encodeWindows1252(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80 || (c >= 0xa0 && c <= 0xff)) out[i] = c
    else {
      const b = CP1252_HIGH.get(c)
      if (b === undefined) {
        throw new AppError({
          code: 'unencodable-character',
          kind: 'bug',
          message: `The generator tried to write U+${c.toString(16).padStart(4, '0')} into a Windows-1252 file.`,
        })
      }
      out[i] = b
    }
  }
  return out
}

/** Encodes text for a file of `encoding` (the BOM is written once by the file writer). */
export function encodeText(text: string, encoding: Encoding): Buffer {
  return encoding === 'windows-1252' ? encodeWindows1252(text) : Buffer.from(text, 'utf8')
}

/** Mojibake of `text` (D25): its UTF-8 bytes read as Windows-1252 (`José` → `JosÃ©`). */
export function mojibake(text: string): string {
  const bytes = Buffer.from(text, 'utf8')
  let out = ''
  for (const b of bytes) out += String.fromCharCode(b >= 0x80 && b <= 0x9f ? (CP1252_DECODE.get(b) ?? b) : b)
  return out
}
