import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { renderCsv } from '../../../../electron/engine/reports/csv-writer'
import { renderHtml } from '../../../../electron/engine/reports/html-writer'
import { renderMarkdown } from '../../../../electron/engine/reports/markdown-writer'
import type { ReportDocument } from '../../../../electron/engine/reports/report-document'
import { writeReport } from '../../../../electron/engine/reports/write-report'
import { renderXlsx } from '../../../../electron/engine/reports/xlsx-writer'
import { useTempDirs } from '../../../support/temp-dir'

const DOC: ReportDocument = {
  title: 'Owners <preflight>',
  generatedAt: '2026-12-01T00:00:00.000Z',
  facts: [{ label: 'Matched', value: 2 }],
  sections: [
    { heading: 'Notes', notes: [{ tone: 'warning', text: 'Pat & Co have "no" user' }] },
    {
      heading: 'Owners',
      table: {
        id: 'owners',
        title: 'Owners: all of them',
        columns: [
          { key: 'name', label: 'Name' },
          { key: 'records', label: 'Records' },
          { key: 'active', label: 'Active' },
        ],
        rows: [
          { name: 'Ann | Lee', records: 3, active: true },
          { name: '=cmd()', records: 0, active: null },
          { name: 'Zoë, "Z"\nNg', records: 12, active: false },
        ],
      },
    },
  ],
}

describe('report writers', () => {
  const tempDir = useTempDirs()

  it('Markdown escapes pipes and line breaks inside cells', () => {
    const md = renderMarkdown(DOC)
    expect(md).toContain('| Ann \\| Lee | 3 | yes |')
    expect(md).toContain('| Zoë, "Z"<br>Ng | 12 | no |')
    expect(md).toContain('- **Warning:** Pat & Co have "no" user')
  })

  it('HTML escapes every text and needs nothing outside the file', () => {
    const html = renderHtml(DOC)
    expect(html).toContain('<title>Owners &lt;preflight&gt;</title>')
    expect(html).toContain('Pat &amp; Co have &quot;no&quot; user')
    expect(html).not.toMatch(/<script|https?:\/\//)
  })

  it('CSV has a BOM, quotes what RFC 4180 requires, and defuses spreadsheet formulas', () => {
    const csv = renderCsv(DOC.sections[1]!.table!)
    expect(csv.startsWith('\ufeff')).toBe(true)
    const rows = parse(csv.slice(1)) as string[][]
    expect(rows).toEqual([
      ['Name', 'Records', 'Active'],
      ['Ann | Lee', '3', 'yes'],
      ['=cmd()', '0', ''],
      ['Zoë, "Z"\nNg', '12', 'no'],
    ])
    expect(csv).toContain('"=cmd()"')
  })

  it('XLSX opens with a Summary sheet and one sheet per table', async () => {
    const book = new ExcelJS.Workbook()
    await book.xlsx.load((await renderXlsx(DOC)) as unknown as ExcelJS.Buffer)
    expect(book.worksheets.map((w) => w.name)).toEqual(['Summary', 'Owners  all of them'])
    const sheet = book.worksheets[1]!
    expect(sheet.getRow(1).values).toEqual([undefined, 'Name', 'Records', 'Active'])
    expect(sheet.getRow(4).getCell(1).value).toBe('Zoë, "Z"\nNg')
    expect(sheet.getRow(4).getCell(2).value).toBe(12)
    expect(book.worksheets[0]!.getRow(1).getCell(1).value).toBe('Owners <preflight>')
  })

  it('writes each asked format under one base name', async () => {
    const dir = join(tempDir(), 'reports')
    const files = await writeReport(dir, 'owners', DOC, {
      formats: ['md', 'html', 'csv', 'xlsx', 'json'],
      json: { n: 1 },
    })
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual([
      'owners.md',
      'owners.html',
      'owners.csv',
      'owners.xlsx',
      'owners.json',
    ])
    expect(JSON.parse(readFileSync(join(dir, 'owners.json'), 'utf8'))).toEqual({ n: 1 })
    for (const f of files) expect(readFileSync(f.path).length).toBe(f.bytes)
  })
})
