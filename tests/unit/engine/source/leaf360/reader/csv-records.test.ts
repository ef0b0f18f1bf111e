import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CsvRecordParser,
  parseCsvText,
  type CsvRecord,
} from '../../../../../../electron/engine/source/leaf360/reader/csv-records'

const fieldsOf = (records: CsvRecord[]) => records.map((r) => r.fields)

/** Feeds `text` to the parser in the given chunk sizes. */
function parseChunked(text: string, sizes: number[]): CsvRecord[] {
  const out: CsvRecord[] = []
  const parser = new CsvRecordParser((r) => out.push(r))
  let at = 0
  let i = 0
  while (at < text.length) {
    const size = Math.max(1, sizes[i++ % Math.max(1, sizes.length)] ?? 1)
    parser.push(text.slice(at, at + size))
    at += size
  }
  parser.end()
  return out
}

describe('CsvRecordParser', () => {
  it('reads quoted newlines as one record and numbers records by their first physical line', () => {
    const records = parseCsvText('id,note\n1,"two\nlines"\n2,plain\r\n3,"cr\ronly"\r4,last')
    expect(fieldsOf(records)).toEqual([
      ['id', 'note'],
      ['1', 'two\nlines'],
      ['2', 'plain'],
      ['3', 'cr\ronly'],
      ['4', 'last'],
    ])
    expect(records.map((r) => r.line)).toEqual([1, 2, 4, 5, 7])
  })

  it('skips blank lines outside quotes but counts them as lines', () => {
    const records = parseCsvText('a,b\n\n1,2\r\n\r\n3,4\n')
    expect(fieldsOf(records)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ])
    expect(records.map((r) => r.line)).toEqual([1, 3, 5])
  })

  it('keeps doubled quotes, empty fields and a trailing empty field', () => {
    expect(fieldsOf(parseCsvText('"a ""q"" b",,x,\n'))).toEqual([['a "q" b', '', 'x', '']])
  })

  it('keeps a stray quote in an unquoted field literally and flags it', () => {
    const [row] = parseCsvText('5\'10" tall,ok\n')
    expect(row?.fields).toEqual(['5\'10" tall', 'ok'])
    expect(row?.strayQuote).toBe(true)
    const [after] = parseCsvText('"abc"def,x\n')
    expect(after?.fields).toEqual(['abc"def', 'x'])
    expect(after?.strayQuote).toBe(true)
  })

  it('re-reads an unterminated quote at end of file from its line with the quote literal', () => {
    const records = parseCsvText('id,name\n1,"Smith\n2,Jones\n3,Brown\n')
    expect(fieldsOf(records)).toEqual([
      ['id', 'name'],
      ['1', '"Smith'],
      ['2', 'Jones'],
      ['3', 'Brown'],
    ])
    expect(records.map((r) => r.malformed)).toEqual([false, true, false, false])
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 4])
  })

  it('gives up a quoted field longer than the limit as unterminated, even when a quote closes it later', () => {
    const long = 'x'.repeat(50)
    const records = parseCsvText(`id,name\n1,"${long}\n2,b\n3,"c"\n`, { maxQuotedFieldChars: 20 })
    expect(records[1]?.malformed).toBe(true)
    expect(records[1]?.fields).toEqual(['1', `"${long}`])
    expect(fieldsOf(records).slice(2)).toEqual([
      ['2', 'b'],
      ['3', 'c'],
    ])
  })

  it('keeps the raw text of each record without its terminator', () => {
    const records = parseCsvText('a,"b\nc"\r\nd,e')
    expect(records.map((r) => r.raw)).toEqual(['a,"b\nc"', 'd,e'])
  })

  it('reads the same records whatever the chunk boundaries (CRLF and doubled quotes split)', () => {
    const text = 'h1,h2\r\n"a""b","c\r\nd"\r\ne,f\r\n'
    const whole = fieldsOf(parseCsvText(text))
    for (let size = 1; size <= text.length; size++) {
      expect(fieldsOf(parseChunked(text, [size]))).toEqual(whole)
    }
  })

  it('agrees with csv-parse on any well-formed CSV, in any chunking (property)', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r', 'é', '\u00a0') })
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 5 })
          .chain((width) =>
            fc.array(fc.array(field, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 }),
          ),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 5 }),
        (rows, eol, sizes) => {
          // A record of one empty field is a blank line, which neither reader counts as a row.
          const nonBlank = rows.filter((r) => !(r.length === 1 && r[0] === ''))
          const text = stringify(nonBlank, {
            record_delimiter: eol === '\n' ? 'unix' : 'windows',
            quoted_match: /[\r\n"]/,
          })
          const expected = parse(text, { relax_column_count: true, skip_empty_lines: false }) as string[][]
          expect(fieldsOf(parseChunked(text, sizes))).toEqual(expected)
          expect(fieldsOf(parseChunked(text, sizes))).toEqual(nonBlank)
        },
      ),
      { numRuns: 400 },
    )
  })
})
