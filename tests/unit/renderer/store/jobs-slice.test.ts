import { describe, expect, it } from 'vitest'
import type { JobEvent } from '@shared/jobs'
import { reduceJobEvent } from '../../../../renderer/src/store/jobs-slice'

const at = '2026-12-01T00:00:00.000Z'
const jobId = 'job-aaaaaaaa'

describe('reduceJobEvent', () => {
  it('follows a job from started through progress and logs to finished', () => {
    const events: JobEvent[] = [
      { kind: 'started', jobId, jobKind: 'workspace-backup', label: 'Back up', at },
      { kind: 'progress', jobId, at, done: 5, total: 10, rate: 2.5, unit: 'pages' },
      { kind: 'log', jobId, at, level: 'info', message: 'half way' },
      { kind: 'finished', jobId, at, result: { bytes: 4096 } },
    ]
    const jobs = events.reduce(reduceJobEvent, {})
    expect(jobs[jobId]).toMatchObject({
      state: 'finished',
      progress: { done: 5, total: 10, rate: 2.5, unit: 'pages' },
      logs: [{ message: 'half way' }],
      result: { bytes: 4096 },
      endedAt: at,
    })
  })

  it('records failure and cancellation with their details', () => {
    const started = reduceJobEvent(
      {},
      { kind: 'started', jobId, jobKind: 'workspace-backup', label: 'x', at },
    )
    const failed = reduceJobEvent(started, {
      kind: 'failed',
      jobId,
      at,
      error: { code: 'disk-full', kind: 'fatal', message: 'The disk is full.' },
    })
    expect(failed[jobId]?.state).toBe('failed')
    expect(failed[jobId]?.error?.code).toBe('disk-full')
    expect(reduceJobEvent(started, { kind: 'cancelled', jobId, at })[jobId]?.state).toBe('cancelled')
  })

  it('ignores events of a job it never saw start instead of inventing one', () => {
    const jobs = reduceJobEvent(
      {},
      { kind: 'progress', jobId, at, done: 1, total: 2, rate: null, unit: 'rows' },
    )
    expect(jobs).toEqual({})
  })
})
