/**
 * What every CLI command gets: an in-process engine, the output channels, and a way to run a job
 * with progress on stderr.
 */
import type { JobEvent, JobRef, JobSnapshot } from '../shared/jobs'
import type { Result } from '../shared/result'
import { fail, ok } from '../shared/result'
import type { ChannelRequest, ChannelResponse, InvokeChannel } from '../shared/ipc/channels'
import { createEngine, type Engine } from '../engine/service'
import { type Io, type OutputOptions } from './output'
import { progressPrinter } from './progress'

export type CliContext = Readonly<{
  io: Io
  /** Creates the in-process engine on first use; the CLI disposes it at exit. */
  engine: () => Engine
  call: <C extends InvokeChannel>(
    channel: C,
    request: ChannelRequest<C>,
  ) => Promise<Result<ChannelResponse<C>>>
  /** Starts a job through `channel`, draws its progress on stderr and resolves with its result. */
  runJob: <C extends InvokeChannel>(
    channel: C,
    request: ChannelRequest<C>,
    options: OutputOptions & { quiet?: boolean },
  ) => Promise<Result<unknown>>
}>

export function createCliContext(io: Io): CliContext & { dispose: () => Promise<void> } {
  let engine: Engine | null = null
  const getEngine = () => (engine ??= createEngine({ host: 'cli' }))
  const call = async <C extends InvokeChannel>(channel: C, request: ChannelRequest<C>) =>
    (await getEngine().dispatch(channel, request)) as Result<ChannelResponse<C>>
  return {
    io,
    engine: getEngine,
    call,
    runJob: async (channel, request, options) => {
      // Listen before the job starts: its first events (started, early logs) come before dispatch returns.
      const early: JobEvent[] = []
      let printer: ((event: JobEvent) => void) | null = null
      const unsubscribe = getEngine().onJobEvent((event) => (printer ? printer(event) : early.push(event)))
      const started = (await getEngine().dispatch(channel, request)) as Result<JobRef>
      if (!started.ok) {
        unsubscribe()
        return started
      }
      const { jobId } = started.value
      printer = progressPrinter(io, jobId, options.quiet === true)
      early.forEach(printer)
      const onSigint = () => {
        io.stderr('\nCancelling…\n')
        getEngine().jobs.cancel(jobId)
      }
      process.once('SIGINT', onSigint)
      let end: JobSnapshot
      try {
        end = await getEngine().jobs.wait(jobId)
      } finally {
        process.off('SIGINT', onSigint)
        unsubscribe()
      }
      if (end.state === 'finished') return ok(end.result)
      if (end.state === 'cancelled') return fail({ code: 'cancelled', kind: 'fatal', message: 'Cancelled.' })
      return fail(
        end.error ?? { code: 'internal-error', kind: 'bug', message: 'The job failed without an error.' },
      )
    },
    dispose: async () => {
      await engine?.dispose()
    },
  }
}
