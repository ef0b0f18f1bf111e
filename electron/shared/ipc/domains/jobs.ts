/**
 * Channels for long-running jobs: status after a reload, cancel, list.
 */
import type { JobSnapshot } from '../../jobs'
import { jobRefSchema } from '../../jobs'
import type { ChannelsOf } from '../domain'
import { emptyRequestSchema } from '../schemas'

export const jobRequests = {
  'job:get-status': jobRefSchema.strict(),
  'job:cancel': jobRefSchema.strict(),
  'job:list': emptyRequestSchema,
} as const

export type JobChannels = ChannelsOf<
  typeof jobRequests,
  { 'job:get-status': JobSnapshot; 'job:cancel': JobSnapshot; 'job:list': ReadonlyArray<JobSnapshot> }
>

export const jobMethods = {
  getJobStatus: 'job:get-status',
  cancelJob: 'job:cancel',
  listJobs: 'job:list',
} as const
