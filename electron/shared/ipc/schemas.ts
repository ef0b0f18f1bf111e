/**
 * Request schemas shared by the channels: every request crossing a transport is parsed by one of these.
 */
import { z } from 'zod'

/** A file system path typed by the operator or chosen in a dialog. */
export const filePathSchema = z
  .string()
  .trim()
  .min(1, 'a path is required')
  .max(4096, 'the path is too long')
  .refine((p) => !p.includes('\0'), 'the path contains a NUL character')

export const emptyRequestSchema = z.object({}).strict()

export const PICK_PATH_PURPOSES = [
  'workspace-create',
  'workspace-open',
  'backup-destination',
  'source-folder',
  'source-zip',
  'quarantine-csv',
] as const
export type PickPathPurpose = (typeof PICK_PATH_PURPOSES)[number]
