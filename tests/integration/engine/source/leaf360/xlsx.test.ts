/**
 * ui exports may write contacts, companies, deals and activities as XLSX (§2, §7): one sheet,
 * header in row 1, numeric id/ZIP/phone cells read as integers without exponent, date cells as
 * wall-clock time in the manifest time zone.
 */
import ExcelJS from 'exceljs'
import { afterEach, describe, expect, it } from 'vitest'
import { DATA_FILES, headerOf, standardColumnsOf } from '../../../../../electron/engine/source/leaf360/spec'
import { stageFixture, type Staged } from '../../../../support/stage-fixture'
import { useTempDirs } from '../../../../support/temp-dir'

async function contactsXlsx(rows: ReadonlyArray<Record<string, unknown>>): Promise<Buffer> {
  const spec = DATA_FILES.find((f) => f.object === 'contacts')!
  const columns = standardColumnsOf(spec, 'ui')
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('Contacts')
  sheet.addRow(columns.map((c) => headerOf(spec, c, 'ui')))
  for (const r of rows) sheet.addRow(columns.map((c) => r[c.name] ?? null))
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

describe('XLSX data files (ui)', () => {
  const tempDir = useTempDirs()
  let open: Staged | null = null
  afterEach(() => {
    open?.close()
    open = null
  })

  it('reads a contacts.xlsx: integer cells without exponent, ZIPs padded, date cells in the manifest zone', async () => {
    const xlsx = await contactsXlsx([
      {
        id: 123456789012,
        first_name: 'Jane',
        last_name: 'Doe',
        zip: 8846,
        phone: 7635550123,
        contact_type: 'Borrower',
        owner_id: 'Ann Lee',
        // exceljs writes a Date as an Excel serial of its UTC wall clock.
        created_at: new Date(Date.UTC(2024, 2, 7, 15, 5)),
        updated_at: new Date(Date.UTC(2024, 2, 8, 9, 0)),
        date_of_birth: new Date(Date.UTC(1980, 3, 2)),
        do_not_call: true,
      },
    ])
    open = await stageFixture(tempDir(), {
      flavour: 'ui',
      files: { 'data/contacts.csv': null, 'data/contacts.xlsx': xlsx },
    })
    expect(open.report.objects['data/contacts.xlsx']).toEqual({
      read: 1,
      staged: 1,
      quarantined: 0,
      skipped: 0,
    })
    expect(open.values('contacts', '123456789012')).toMatchObject({
      zip: '08846',
      phone: '+17635550123',
      owner_id: '101',
      created_at: '2024-03-07T21:05:00Z',
      updated_at: '2024-03-08T15:00:00Z',
      date_of_birth: '1980-04-02',
      do_not_call: true,
    })
    expect(open.codes('contacts', '123456789012')).toEqual(['D03', 'D08'])
  })
})
