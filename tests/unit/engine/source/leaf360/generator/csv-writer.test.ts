import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CsvTableWriter,
  csvField,
} from '../../../../../../electron/engine/source/leaf360/generator/writers/csv-writer'
import { useTempDirs } from '../../../../../support/temp-dir'

describe('CsvTableWriter', () => {
  const tempDir = useTempDirs()

  it('quotes fields so an RFC 4180 parser reads them back unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é') }), {
          minLength: 1,
          maxLength: 6,
        }),
        (fields) => {
          const line = fields.map(csvField).join(',')
          const [row] = parse(`${line}\n`, { relax_column_count: true }) as string[][]
          expect(row).toEqual(fields)
        },
      ),
    )
  })

  it('partitions at maxRows into _partN files, each with the header, and reports rows per part', async () => {
    const root = tempDir()
    const writer = new CsvTableWriter({
      root,
      logicalPath: 'data/contacts.csv',
      header: ['id', 'name'],
      encoding: 'utf-8',
      lineEnding: '\n',
      maxRows: 2,
    })
    const refs = [1, 2, 3, 4, 5].map((i) => writer.writeRow([String(i), `n${i}`]))
    expect(refs.map((r) => [r.part, r.row])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
      [3, 1],
    ])
    const parts = await writer.close()
    expect(parts.map((p) => [p.path, p.rows, p.part])).toEqual([
      ['data/contacts_part1.csv', 2, 1],
      ['data/contacts_part2.csv', 2, 2],
      ['data/contacts_part3.csv', 1, 3],
    ])
    expect(readFileSync(join(root, 'data/contacts_part3.csv'), 'utf8')).toBe('id,name\n5,n5\n')
  })

  it('keeps the plain name when one part suffices, with a BOM and CRLF when asked', async () => {
    const root = tempDir()
    const writer = new CsvTableWriter({
      root,
      logicalPath: 'data/owners.csv',
      header: ['id'],
      encoding: 'utf-8-bom',
      lineEnding: '\r\n',
      maxRows: 10,
    })
    writer.writeRow(['1'])
    const [part] = await writer.close()
    expect(part?.path).toBe('data/owners.csv')
    expect(part?.part).toBeNull()
    expect([...readFileSync(join(root, 'data/owners.csv'))]).toEqual([
      0xef,
      0xbb,
      0xbf,
      ...Buffer.from('id\r\n1\r\n'),
    ])
  })

  it('writes the broken shapes of D22 and D24 on request', async () => {
    const root = tempDir()
    const writer = new CsvTableWriter({
      root,
      logicalPath: 'data/notes.csv',
      header: ['id', 'body', 'x'],
      encoding: 'utf-8',
      lineEnding: '\n',
      maxRows: 10,
    })
    writer.writeRow(['1', 'a', 'b'], { extraFields: ['', ''] })
    writer.writeRow(['2', 'said "hi" today', 'b'], { verbatim: [1] })
    writer.writeRow(['3', 'a', 'b'], { dropFields: 1 })
    writer.writeRow(['4', 'never closed', 'b'], { unterminatedAt: 1 })
    await writer.close()
    expect(readFileSync(join(root, 'data/notes.csv'), 'utf8')).toBe(
      'id,body,x\n1,a,b,,\n2,said "hi" today,b\n3,a\n4,"never closed\n',
    )
  })
})
