/**
 * Named methods of the renderer API, one per invoke channel (STYLE.md §3): the preload builds
 * `window.api` from this table and the HTTP client mirrors it, so neither offers a generic invoke.
 */
import type { ChannelRequest, ChannelResponse, EventChannels, InvokeChannel } from './channels'
import { appMethods } from './domains/app'
import { jobMethods } from './domains/jobs'
import { planMethods } from './domains/plan'
import { rollbackMethods } from './domains/rollback'
import { runMethods } from './domains/run'
import { sourceMethods } from './domains/source'
import { targetMethods } from './domains/target'
import { verifyMethods } from './domains/verify'
import { workspaceMethods } from './domains/workspace'
import type { Result } from '../result'

export const API_METHODS = {
  ...appMethods,
  ...workspaceMethods,
  ...jobMethods,
  ...targetMethods,
  ...sourceMethods,
  ...planMethods,
  ...verifyMethods,
  ...rollbackMethods,
  ...runMethods,
} as const satisfies Record<string, InvokeChannel>

export type ApiMethodName = keyof typeof API_METHODS

// Every channel has a method (the reverse of `satisfies` above).
type MissingMethod = Exclude<InvokeChannel, (typeof API_METHODS)[ApiMethodName]>
const _everyChannelHasAMethod: [MissingMethod] extends [never] ? true : false = true
void _everyChannelHasAMethod

export type JobEventListener = (event: EventChannels['job:event']) => void

/** What the renderer sees as `window.api` (Electron) or the HTTP client (server mode). */
export type RendererApi = {
  readonly [M in ApiMethodName]: (
    request: ChannelRequest<(typeof API_METHODS)[M]>,
  ) => Promise<Result<ChannelResponse<(typeof API_METHODS)[M]>>>
} & {
  /** Subscribes to job events; returns the function that unsubscribes. */
  readonly onJobEvent: (listener: JobEventListener) => () => void
}
