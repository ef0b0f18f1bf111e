/**
 * The IPC transport: one `ipcMain.handle` per contract channel. Each call is checked for its sender
 * (a trusted webContents, a frame of our origin) and parsed with its channel's schema here, before
 * it is forwarded to the engine host, which parses again in `dispatch`.
 *
 * Takes ipcMain as a structural interface (as Bruno does) so it is tested under plain Node.
 */
import { requestSchemas, INVOKE_CHANNELS, type InvokeChannel } from '../shared/ipc/channels'
import { type Result, fail } from '../shared/result'
import { describeIssues } from '../engine/dispatch'

/** What we read of an IpcMainInvokeEvent. */
export type InvokeEventLike = Readonly<{
  sender: Readonly<{ id: number }>
  senderFrame: Readonly<{ url: string }> | null
}>

export type IpcMainLike = Readonly<{
  handle: (
    channel: string,
    listener: (event: InvokeEventLike, request: unknown) => Promise<Result<unknown>>,
  ) => void
}>

export type IpcDeps = Readonly<{
  isTrustedSender: (webContentsId: number) => boolean
  isTrustedFrameUrl: (url: string | null | undefined) => boolean
  invoke: (channel: InvokeChannel, request: unknown) => Promise<Result<unknown>>
}>

const refused = fail({
  code: 'untrusted-sender',
  kind: 'fatal',
  message: 'This call did not come from a Leafbridge window and was refused.',
})

/** Handles one call: sender check, schema check, forward. Exported for tests. */
export async function handleInvoke(
  deps: IpcDeps,
  channel: InvokeChannel,
  event: InvokeEventLike,
  request: unknown,
) {
  if (!deps.isTrustedSender(event.sender.id) || !deps.isTrustedFrameUrl(event.senderFrame?.url))
    return refused
  const parsed = requestSchemas[channel].safeParse(request ?? {})
  if (!parsed.success) {
    return fail({
      code: 'invalid-request',
      kind: 'fatal',
      message: describeIssues(channel, parsed.error.issues),
    })
  }
  return deps.invoke(channel, parsed.data)
}

export function registerIpc(ipcMain: IpcMainLike, deps: IpcDeps): void {
  for (const channel of INVOKE_CHANNELS) {
    // The event object is never passed on (checklist item 20): only the parsed request travels.
    ipcMain.handle(channel, (event, request) => handleInvoke(deps, channel, event, request))
  }
}
