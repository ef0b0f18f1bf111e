import { describe, expect, it } from 'vitest'
import { renderProgressLine } from '../../../electron/cli/progress'

const base = { kind: 'progress' as const, jobId: 'job-123456', at: 'now' }

describe('renderProgressLine', () => {
  it('draws a bar with counts, rate and ETA when the total is known', () => {
    expect(
      renderProgressLine({ ...base, done: 50, total: 200, rate: 25, unit: 'rows', phase: 'contacts' }),
    ).toBe('contacts [#######---------------------] 50/200 rows 25/s ETA 00:06')
  })

  it('shows a running count when the total is unknown', () => {
    expect(renderProgressLine({ ...base, done: 12_345, total: null, rate: null, unit: 'rows' })).toBe(
      '12,345 rows',
    )
  })
})
