/**
 * Channels about the running host and the native dialogs only some hosts have.
 */
import { z } from 'zod'
import type { AppInfo } from '../../dto/app'
import type { ChannelsOf } from '../domain'
import { emptyRequestSchema, PICK_PATH_PURPOSES } from '../schemas'

export const appRequests = {
  'app:get-info': emptyRequestSchema,
  /** Host capability: a native file dialog. Hosts without one answer `unsupported-in-host`. */
  'dialog:pick-path': z.object({ purpose: z.enum(PICK_PATH_PURPOSES) }).strict(),
} as const

export type AppChannels = ChannelsOf<
  typeof appRequests,
  { 'app:get-info': AppInfo; 'dialog:pick-path': { path: string | null } }
>

export const appMethods = { getAppInfo: 'app:get-info', pickPath: 'dialog:pick-path' } as const
