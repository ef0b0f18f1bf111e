/**
 * Channels of the Source step: stage a Leaf360 export (a job), then read its profile and
 * quarantine (issue 3).
 */
import { z } from 'zod'
import type { QuarantinePage, SourceProfile } from '../../dto/source'
import type { JobRef } from '../../jobs'
import type { ChannelsOf } from '../domain'
import { filePathSchema } from '../schemas'

const importIdSchema = z.number().int().positive()

/** Request schemas of the source channels. */
export const sourceRequests = {
  /** Stages the export folder or .zip at `path` into the open workspace, as a job. */
  'source:stage': z
    .object({
      path: filePathSchema,
      /** IANA zone of ui local times; required only when the export's manifest lacks a usable one. */
      timezone: z.string().trim().min(1).max(64).optional(),
      /** Overrides the flavour the manifest declares (or the contacts header implies). */
      flavour: z.enum(['api', 'ui']).optional(),
    })
    .strict(),
  /** The profile of an import (the latest finished one when `importId` is absent); null if none. */
  'source:get-profile': z.object({ importId: importIdSchema.optional() }).strict(),
  /** One page of quarantined rows, optionally of one reason. */
  'source:list-quarantine': z
    .object({
      importId: importIdSchema.optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
      reason: z.string().min(1).max(64).optional(),
    })
    .strict(),
  /** Writes the quarantined rows of an import to a new CSV file. */
  'source:export-quarantine-csv': z
    .object({ importId: importIdSchema.optional(), destination: filePathSchema })
    .strict(),
} as const

/** The source channels with their responses. */
export type SourceChannels = ChannelsOf<
  typeof sourceRequests,
  {
    'source:stage': JobRef
    'source:get-profile': SourceProfile | null
    'source:list-quarantine': QuarantinePage
    'source:export-quarantine-csv': { path: string; rows: number }
  }
>

/** Renderer API method names of the source channels. */
export const sourceMethods = {
  stageExport: 'source:stage',
  getSourceProfile: 'source:get-profile',
  listQuarantine: 'source:list-quarantine',
  exportQuarantineCsv: 'source:export-quarantine-csv',
} as const
