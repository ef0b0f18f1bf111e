/**
 * Handlers for the job domain.
 */
import type { JobChannels } from '../../shared/ipc/domains/jobs'
import type { EngineContext } from '../context'
import type { HandlersFor } from './handlers'

export function jobHandlers(ctx: EngineContext): HandlersFor<JobChannels> {
  return {
    'job:get-status': ({ jobId }) => ctx.jobs.get(jobId),
    'job:cancel': ({ jobId }) => ctx.jobs.cancel(jobId),
    'job:list': () => ctx.jobs.list(),
  }
}
