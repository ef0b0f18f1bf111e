/**
 * Channels for the workspace file: create, open, close, summary, backup.
 */
import { z } from 'zod'
import type { WorkspaceSummary } from '../../dto/workspace'
import type { JobRef } from '../../jobs'
import type { ChannelsOf } from '../domain'
import { emptyRequestSchema, filePathSchema } from '../schemas'

export const workspaceRequests = {
  'workspace:create': z.object({ path: filePathSchema }).strict(),
  'workspace:open': z.object({ path: filePathSchema }).strict(),
  'workspace:close': emptyRequestSchema,
  'workspace:get-summary': emptyRequestSchema,
  /** Reads a workspace file's summary without opening it for writing or upgrading it. */
  'workspace:inspect': z.object({ path: filePathSchema }).strict(),
  'workspace:backup': z.object({ destination: filePathSchema }).strict(),
} as const

export type WorkspaceChannels = ChannelsOf<
  typeof workspaceRequests,
  {
    'workspace:create': WorkspaceSummary
    'workspace:open': WorkspaceSummary
    'workspace:close': { closed: boolean }
    'workspace:get-summary': WorkspaceSummary | null
    'workspace:inspect': WorkspaceSummary
    'workspace:backup': JobRef
  }
>

export const workspaceMethods = {
  createWorkspace: 'workspace:create',
  openWorkspace: 'workspace:open',
  closeWorkspace: 'workspace:close',
  getWorkspaceSummary: 'workspace:get-summary',
  inspectWorkspace: 'workspace:inspect',
  backupWorkspace: 'workspace:backup',
} as const
