import { describe, expect, it } from 'vitest'
import type { JobEvent } from '../../../../electron/shared/jobs'
import { AppError } from '../../../../electron/engine/errors'
import { JobManager } from '../../../../electron/engine/jobs/job-manager'
import { fakeClock } from '../../../support/fake-clock'

function recorder(jobs: JobManager) {
  const events: JobEvent[] = []
  jobs.subscribe((e) => events.push(e))
  return events
}

describe('JobManager', () => {
  it('runs a job to finished with started, progress with a measured rate, and finished events', async () => {
    const clock = fakeClock()
    const jobs = new JobManager(clock)
    const events = recorder(jobs)
    const { jobId } = jobs.start('workspace-backup', 'copy', async (ctx) => {
      ctx.progress({ done: 0, total: 100, unit: 'pages' })
      clock.advance(1000)
      ctx.progress({ done: 50, total: 100, unit: 'pages' })
      clock.advance(1000)
      ctx.progress({ done: 100, total: 100, unit: 'pages' })
      return { bytes: 1 }
    })
    const end = await jobs.wait(jobId)
    expect(end.state).toBe('finished')
    expect(end.result).toEqual({ bytes: 1 })
    expect(events.map((e) => e.kind)).toEqual(['started', 'progress', 'progress', 'progress', 'finished'])
    const last = events.filter((e) => e.kind === 'progress').at(-1)
    expect(last).toMatchObject({ done: 100, total: 100, rate: 50 })
  })

  it('measures the rate of each phase from its own start, never negative when the count restarts', async () => {
    const clock = fakeClock()
    const jobs = new JobManager(clock)
    const events = recorder(jobs)
    const { jobId } = jobs.start('workspace-backup', 'phased', async (ctx) => {
      ctx.progress({ done: 0, total: 900, unit: 'records', phase: 'accounts' })
      clock.advance(1000)
      ctx.progress({ done: 900, total: 900, unit: 'records', phase: 'accounts' })
      clock.advance(1000)
      ctx.progress({ done: 0, total: 40, unit: 'records', phase: 'contacts' })
      clock.advance(1000)
      ctx.progress({ done: 40, total: 40, unit: 'records', phase: 'contacts' })
      return null
    })
    await jobs.wait(jobId)
    const rates = events.flatMap((e) => (e.kind === 'progress' ? [[e.phase, e.rate]] : []))
    expect(rates).toEqual([
      ['accounts', null],
      ['accounts', 900],
      ['contacts', null],
      ['contacts', 40],
    ])
  })

  it('throttles progress events but always sends the final one', async () => {
    const clock = fakeClock()
    const jobs = new JobManager(clock)
    const events = recorder(jobs)
    const { jobId } = jobs.start('workspace-backup', 'many', async (ctx) => {
      for (let i = 1; i <= 1000; i++) {
        clock.advance(1)
        ctx.progress({ done: i, total: 1000, unit: 'rows' })
      }
    })
    await jobs.wait(jobId)
    const progress = events.filter((e) => e.kind === 'progress')
    expect(progress.length).toBeLessThan(20)
    expect(progress.at(-1)).toMatchObject({ done: 1000 })
  })

  it('ends as cancelled when cancel is requested, not as failed', async () => {
    const jobs = new JobManager(fakeClock())
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => (release = r))
    const { jobId } = jobs.start('workspace-backup', 'slow', async (ctx) => {
      await gate
      ctx.throwIfCancelled()
      return 'never'
    })
    expect(jobs.cancel(jobId).state).toBe('running')
    release()
    const end = await jobs.wait(jobId)
    expect(end.state).toBe('cancelled')
    expect(end.result).toBeNull()
  })

  it('reports a thrown AppError as failed with its code, and an unexpected throw as a bug', async () => {
    const jobs = new JobManager(fakeClock())
    const a = jobs.start('workspace-backup', 'a', async () => {
      throw new AppError({ code: 'disk-full', kind: 'fatal', message: 'The disk is full.' })
    })
    const b = jobs.start('workspace-backup', 'b', async () => {
      throw new TypeError('oops')
    })
    expect((await jobs.wait(a.jobId)).error).toMatchObject({ code: 'disk-full', kind: 'fatal' })
    expect((await jobs.wait(b.jobId)).error).toMatchObject({ code: 'internal-error', kind: 'bug' })
  })

  it('answers an unknown job id with a clear error', () => {
    const jobs = new JobManager(fakeClock())
    expect(() => jobs.get('job-doesnotexist')).toThrowError(/No job job-doesnotexist/)
  })

  it('keeps running when a subscriber throws', async () => {
    const jobs = new JobManager(fakeClock())
    jobs.subscribe(() => {
      throw new Error('closed window')
    })
    const { jobId } = jobs.start('workspace-backup', 'x', async () => 42)
    expect((await jobs.wait(jobId)).state).toBe('finished')
  })
})
