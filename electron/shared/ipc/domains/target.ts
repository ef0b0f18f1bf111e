/**
 * Channels for the target connection: settings, the secret (write-only), a profile file, and a
 * connection test. No channel ever returns the secret.
 */
import { z } from 'zod'
import type { TargetCheck, TargetConnectionView } from '../../dto/target'
import type { JobRef } from '../../jobs'
import type { ChannelsOf } from '../domain'
import { emptyRequestSchema, filePathSchema } from '../schemas'

const httpsUrl = z
  .url({ protocol: /^https$/, message: 'the address must start with https://' })
  .transform((u) => u.replace(/\/+$/, ''))

export const targetRequests = {
  'target:get-connection': emptyRequestSchema,
  'target:set-connection': z
    .object({
      url: httpsUrl,
      tenantId: z.string().trim().min(1, 'the tenant id is required'),
      clientId: z.string().trim().min(1, 'the client (application) id is required'),
      authMode: z.enum(['client-secret', 'device-code']),
      /** Defaults to https://login.microsoftonline.com/<tenant>. */
      authority: httpsUrl.optional(),
      caCertFile: filePathSchema.optional(),
    })
    .strict(),
  /** Write-only: stored with the OS's protection on the desktop, in memory in server mode. */
  'target:set-secret': z
    .object({ clientSecret: z.string().min(1, 'the secret is empty').max(4096) })
    .strict(),
  'target:use-profile-file': z.object({ path: filePathSchema }).strict(),
  'target:test-connection': emptyRequestSchema,
  'target:get-last-check': emptyRequestSchema,
} as const

export type TargetChannels = ChannelsOf<
  typeof targetRequests,
  {
    'target:get-connection': TargetConnectionView | null
    'target:set-connection': TargetConnectionView
    'target:set-secret': TargetConnectionView
    'target:use-profile-file': TargetConnectionView
    'target:test-connection': JobRef
    'target:get-last-check': TargetCheck | null
  }
>

export const targetMethods = {
  getTargetConnection: 'target:get-connection',
  setTargetConnection: 'target:set-connection',
  setTargetSecret: 'target:set-secret',
  useTargetProfileFile: 'target:use-profile-file',
  testTargetConnection: 'target:test-connection',
  getLastTargetCheck: 'target:get-last-check',
} as const
