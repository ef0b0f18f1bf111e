import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decideEncoding,
  decodeChunks,
  decodeWindows1252,
  scanBytes,
} from '../../../../../../electron/engine/source/leaf360/reader/encoding'

async function* chunked(bytes: Uint8Array, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}
async function decodeAll(bytes: Uint8Array, encoding: 'utf-8' | 'utf-8-bom' | 'windows-1252', size = 3) {
  let out = ''
  for await (const text of decodeChunks(chunked(bytes, size), encoding)) out += text
  return out
}

describe('encoding detection (D07)', () => {
  const utf8 = Buffer.from('Name\nJosé Muñoz “quoted”\n', 'utf8')
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])
  const cp1252 = Buffer.from([0x4a, 0x6f, 0x73, 0xe9, 0x20, 0x93, 0x71, 0x94, 0x20, 0x80])

  it('finds BOM, validity, size and sha256 whatever the chunking', async () => {
    for (const size of [1, 2, 3, 5, 64]) {
      const facts = await scanBytes(chunked(bom, size))
      expect(facts).toEqual({
        bytes: bom.length,
        sha256: createHash('sha256').update(bom).digest('hex'),
        hasBom: true,
        validUtf8: true,
        // The UTF-8 of ” ends in 0x9D, a byte Windows-1252 leaves undefined.
        validWindows1252: false,
      })
      expect((await scanBytes(chunked(cp1252, size))).validUtf8).toBe(false)
    }
  })

  it('decides per §9 D07: BOM means UTF-8; declared encoding when valid; else UTF-8; else Windows-1252', async () => {
    const utf8Facts = await scanBytes(chunked(utf8, 7))
    const bomFacts = await scanBytes(chunked(bom, 7))
    const cpFacts = await scanBytes(chunked(cp1252, 7))
    expect(decideEncoding('utf-8', utf8Facts)).toMatchObject({ encoding: 'utf-8', warn: false })
    expect(decideEncoding('utf-8-bom', bomFacts)).toMatchObject({
      encoding: 'utf-8-bom',
      warn: true,
      informational: true,
    })
    expect(decideEncoding('windows-1252', cpFacts)).toMatchObject({
      encoding: 'windows-1252',
      warn: true,
      informational: true,
    })
    expect(decideEncoding('utf-8', cpFacts)).toMatchObject({
      encoding: 'windows-1252',
      warn: true,
      informational: false,
    })
    expect(decideEncoding('windows-1252', bomFacts)).toMatchObject({
      encoding: 'utf-8-bom',
      informational: false,
    })
    expect(decideEncoding(null, cpFacts)).toMatchObject({ encoding: 'windows-1252', warn: true })
  })

  it('decodes Windows-1252 by its table, not as Latin-1', async () => {
    expect(decodeWindows1252(cp1252)).toBe('José “q” €')
    expect(await decodeAll(cp1252, 'windows-1252')).toBe('José “q” €')
  })

  it('decodes UTF-8 split inside characters and strips the BOM (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme' }),
        fc.integer({ min: 1, max: 9 }),
        async (text, size) => {
          const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])
          expect(await decodeAll(bytes, 'utf-8-bom', size)).toBe(text)
          expect((await scanBytes(chunked(bytes, size))).validUtf8).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })
})
