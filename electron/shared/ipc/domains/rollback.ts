/**
 * Channels of the Rollback step (issue 6 item 5): what a rollback will undo, per table, for the
 * confirmation; then the rollback itself (a job) after the operator confirmed it.
 */
import { z } from 'zod'
import type { RollbackPreview } from '../../dto/rollback'
import type { JobRef } from '../../jobs'
import type { ChannelsOf } from '../domain'
import { emptyRequestSchema } from '../schemas'

export const rollbackRequests = {
  /** Counts per table of what undoing every migration run against the target will do. Sends nothing. */
  'rollback:preview': emptyRequestSchema,
  /** Undoes every migration run against the target, newest first (a job; its result is the RollbackResult). */
  'rollback:start': z
    .object({
      /** The operator saw the preview and said yes. */
      confirm: z.literal(true, 'confirm the rollback first'),
    })
    .strict(),
} as const

export type RollbackChannels = ChannelsOf<
  typeof rollbackRequests,
  {
    'rollback:preview': RollbackPreview
    'rollback:start': JobRef
  }
>

export const rollbackMethods = {
  previewRollback: 'rollback:preview',
  startRollback: 'rollback:start',
} as const
