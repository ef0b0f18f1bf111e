import { describe, expect, it } from 'vitest'
import type { RunView } from '../../../../electron/shared/dto/run'
import type { JobSnapshot } from '../../../../electron/shared/jobs'
import { phaseBars } from '../../../../renderer/src/store/run-slice'

const run = (phases: RunView['phases'], status: RunView['status'] = 'running'): RunView => ({
  runId: '6b2c3f3e-1f4d-4c41-9a8e-2f5a7c1d0e11',
  runNo: 1,
  targetUrl: 'https://contoso.crm.dynamics.com',
  status,
  startedAt: 'then',
  finishedAt: null,
  resumes: 0,
  phases,
  summary: null,
  error: null,
  resumable: status !== 'finished',
})

const job = (
  phase: string,
  done: number,
  total: number,
  state: JobSnapshot['state'] = 'running',
): JobSnapshot => ({
  jobId: 'job-abcdef',
  jobKind: 'migrate',
  label: 'Migrate',
  state,
  startedAt: 'then',
  endedAt: null,
  progress: { done, total, rate: 100, unit: 'records', phase },
  result: null,
  error: null,
  logs: [],
})

describe('the Migrate step phase bars', () => {
  it('shows finished phases full, the running phase at its progress and the rest waiting', () => {
    const bars = phaseBars(
      run([
        { phase: 'accounts', status: 'done', expected: 40 },
        { phase: 'contacts', status: 'running', expected: 900 },
      ]),
      job('contacts', 300, 900),
    )
    expect(bars.map((b) => [b.phase, b.state, b.done, b.total])).toEqual([
      ['accounts', 'done', 40, 40],
      ['contacts', 'running', 300, 900],
      ['leads', 'pending', 0, 0],
      ['opportunities', 'pending', 0, 0],
      ['activities', 'pending', 0, 0],
      ['attachments', 'pending', 0, 0],
      ['connections', 'pending', 0, 0],
      ['status', 'pending', 0, 0],
    ])
  })

  it('marks the phase a cancelled run was in as stopped until the run resumes', () => {
    const bars = phaseBars(run([{ phase: 'accounts', status: 'running', expected: 40 }], 'cancelled'), null)
    expect(bars[0]).toEqual({ phase: 'accounts', state: 'stopped', done: 0, total: 40 })
  })

  it('marks the phase a failed run was in as failed', () => {
    const bars = phaseBars(run([{ phase: 'accounts', status: 'running', expected: 40 }], 'failed'), null)
    expect(bars[0]).toEqual({ phase: 'accounts', state: 'failed', done: 0, total: 40 })
  })
})
