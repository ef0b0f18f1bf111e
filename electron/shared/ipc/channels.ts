/**
 * The contract: every invoke channel with its request schema and response type, and the event channels.
 *
 * Each domain declares its channels in ./domains/<domain>.ts; this file merges them. Desktop IPC,
 * the HTTP server and the CLI carry exactly these channels; a channel without a schema does not compile.
 */
import type { z } from 'zod'
import type { JobEvent } from '../jobs'
import { type AppChannels, appRequests } from './domains/app'
import { type JobChannels, jobRequests } from './domains/jobs'
import { type PlanChannels, planRequests } from './domains/plan'
import { type RollbackChannels, rollbackRequests } from './domains/rollback'
import { type RunChannels, runRequests } from './domains/run'
import { type SourceChannels, sourceRequests } from './domains/source'
import { type TargetChannels, targetRequests } from './domains/target'
import { type VerifyChannels, verifyRequests } from './domains/verify'
import { type WorkspaceChannels, workspaceRequests } from './domains/workspace'

/** Request schemas, one per invoke channel. */
export const requestSchemas = {
  ...appRequests,
  ...workspaceRequests,
  ...jobRequests,
  ...targetRequests,
  ...sourceRequests,
  ...planRequests,
  ...verifyRequests,
  ...rollbackRequests,
  ...runRequests,
} as const

/** Invoke channels: request and response of each. */
export type InvokeChannels = AppChannels &
  WorkspaceChannels &
  JobChannels &
  TargetChannels &
  SourceChannels &
  PlanChannels &
  VerifyChannels &
  RollbackChannels &
  RunChannels

export type InvokeChannel = keyof InvokeChannels
export type ChannelRequest<C extends InvokeChannel> = InvokeChannels[C]['req']
export type ChannelResponse<C extends InvokeChannel> = InvokeChannels[C]['res']

/** Event channels: pushed from the engine to every subscriber. */
export type EventChannels = { 'job:event': JobEvent }

export const INVOKE_CHANNELS = Object.keys(requestSchemas) as ReadonlyArray<InvokeChannel>

export const isInvokeChannel = (name: string): name is InvokeChannel =>
  Object.prototype.hasOwnProperty.call(requestSchemas, name)

// Compile-time proof that the schema table and the channel map have exactly the same keys,
// and that each schema parses to the request type the map declares.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : false
const _everyChannelHasASchema: SameKeys<typeof requestSchemas, InvokeChannels> = true
void _everyChannelHasASchema
requestSchemas satisfies { [C in InvokeChannel]: z.ZodType<InvokeChannels[C]['req']> }
