/**
 * Channels of the Verify & reports step (issue 6 item 4): verify the latest migration run against
 * the workspace's target (a job), then read its reconciliation and mismatches and the report files.
 */
import { z } from 'zod'
import type { MismatchPage, ReportFile, VerifyReport } from '../../dto/verify'
import type { JobRef } from '../../jobs'
import type { ChannelsOf } from '../domain'
import { emptyRequestSchema, filePathSchema } from '../schemas'

const verifyIdSchema = z.number().int().positive()

export const verifyRequests = {
  /**
   * Reads back every record of the latest run and compares every mapped field (a job; its result
   * is the VerifyReport). Reports go to `outDir`, default `<workspace>-reports` beside the workspace.
   */
  'verify:start': z.object({ outDir: filePathSchema.optional() }).strict(),
  /** The newest finished verify pass, or null before the first. */
  'verify:get-latest': emptyRequestSchema,
  /** One page of a pass's mismatches (the newest pass when `verifyId` is absent), optionally of one table. */
  'verify:list-mismatches': z
    .object({
      verifyId: verifyIdSchema.optional(),
      table: z.string().trim().min(1).max(64).optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    })
    .strict(),
  /** Writes a pass's reports again, into another folder. */
  'verify:write-reports': z.object({ verifyId: verifyIdSchema.optional(), outDir: filePathSchema }).strict(),
} as const

export type VerifyChannels = ChannelsOf<
  typeof verifyRequests,
  {
    'verify:start': JobRef
    'verify:get-latest': VerifyReport | null
    'verify:list-mismatches': MismatchPage
    'verify:write-reports': ReadonlyArray<ReportFile>
  }
>

export const verifyMethods = {
  startVerify: 'verify:start',
  getLatestVerify: 'verify:get-latest',
  listMismatches: 'verify:list-mismatches',
  writeVerifyReports: 'verify:write-reports',
} as const
