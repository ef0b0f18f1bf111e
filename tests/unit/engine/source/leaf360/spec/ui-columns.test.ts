import { describe, expect, it } from 'vitest'
import { uiAppendedColumns } from '../../../../../../electron/engine/source/leaf360/spec/ui-columns'

describe('§7 appended ui columns', () => {
  it('appends the contact association columns in §7 order with Referred By and Referred apart', () => {
    const headers = uiAppendedColumns('contacts').map((c) => c.header)
    expect(headers.slice(0, 5)).toEqual([
      'Associated Company',
      'Associated Company IDs',
      'Associated Deal IDs',
      'Associated Contact IDs',
      'Associated Deal IDs (Borrower)',
    ])
    expect(headers).toContain("Associated Deal IDs (Buyer's Agent)")
    expect(headers).toContain('Associated Company IDs (Works At)')
    expect(headers.slice(-4)).toEqual([
      'Associated Contact IDs (Spouse/Partner)',
      'Associated Contact IDs (Referred By)',
      'Associated Contact IDs (Referred)',
      'Associated Contact IDs (Co-Borrower Of)',
    ])
    expect(headers).toHaveLength(4 + 10 + 3 + 4)
  })

  it('appends one Date entered column per stage of every pipeline to deals', () => {
    const columns = uiAppendedColumns('deals')
    const dateEntered = columns.filter((c) => c.kind === 'date-entered')
    expect(dateEntered).toHaveLength(18 + 17 + 10)
    expect(dateEntered[0]?.header).toBe('Date entered "New Lead (Purchase)"')
    expect(dateEntered.at(-1)?.header).toBe('Date entered "zz- Junk (Legacy 2021)"')
    expect(columns.slice(0, 3).map((c) => c.header)).toEqual([
      'Associated Contact IDs',
      'Associated Company IDs',
      'Associated Company IDs (Primary)',
    ])
  })

  it('gives companies their contact and deal columns', () => {
    expect(uiAppendedColumns('companies').map((c) => c.header)).toEqual([
      'Associated Contact IDs',
      'Associated Deal IDs',
      'Associated Contact IDs (Works At)',
      'Associated Contact IDs (Agent at Brokerage)',
      'Associated Contact IDs (Household Member)',
      'Associated Deal IDs (Referring Brokerage)',
      'Associated Deal IDs (Title Company)',
      'Associated Deal IDs (Builder)',
      'Associated Deal IDs (Household/Property)',
    ])
  })
})
