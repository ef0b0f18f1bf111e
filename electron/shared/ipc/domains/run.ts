/**
 * Channels for migration runs (issue 6): start a run (a job of kind `migrate`; its progress has
 * one phase at a time, its result is the RunSummary), resume an interrupted one, and read the
 * latest run and its failures. Status and cancel are the job channels (`job:get-status`,
 * `job:cancel`).
 */
import { z } from 'zod'
import type { RunFailure, RunView } from '../../dto/run'
import { RUN_PHASES } from '../../dto/run'
import type { JobRef } from '../../jobs'
import type { ChannelsOf } from '../domain'
import { emptyRequestSchema } from '../schemas'

const users = z.number().int().min(1, 'at least one application user').max(16, 'at most 16 application users')

export const runRequests = {
  'run:start': z
    .object({
      /** Phases to run, in any order (they always run in dependency order); all when omitted. */
      phases: z.array(z.enum(RUN_PHASES)).min(1).optional(),
      /** Application users sharing the load (the target profile names them); default all. */
      users: users.optional(),
      /** Start a new run even if the last one did not finish (default: resume it). */
      newRun: z.boolean().optional(),
    })
    .strict(),
  'run:resume': z.object({ users: users.optional() }).strict(),
  'run:get-latest': emptyRequestSchema,
  'run:list-failures': z
    .object({
      runId: z.string().uuid(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(500).default(100),
    })
    .strict(),
} as const

export type RunChannels = ChannelsOf<
  typeof runRequests,
  {
    'run:start': JobRef
    'run:resume': JobRef
    'run:get-latest': RunView | null
    'run:list-failures': ReadonlyArray<RunFailure>
  }
>

export const runMethods = {
  startRun: 'run:start',
  resumeRun: 'run:resume',
  getLatestRun: 'run:get-latest',
  listRunFailures: 'run:list-failures',
} as const
