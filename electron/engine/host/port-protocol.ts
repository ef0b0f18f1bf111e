/**
 * The messages between the Electron main process and the engine host (a utility process).
 *
 * Main forwards each validated IPC call as an `invoke`; the host answers with its Result and pushes
 * job events. The host asks main for what only main can do (native dialogs) with `host-call`.
 */
import { z } from 'zod'
import { PICK_PATH_PURPOSES } from '../../shared/ipc/schemas'

export const toHostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('invoke'), id: z.number().int(), channel: z.string(), request: z.unknown() }),
  z.object({ type: z.literal('host-reply'), id: z.number().int(), value: z.string().nullable() }),
  z.object({ type: z.literal('shutdown') }),
])
export type ToHostMessage = z.infer<typeof toHostMessageSchema>

export const fromHostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('result'), id: z.number().int(), result: z.unknown() }),
  z.object({ type: z.literal('event'), event: z.unknown() }),
  z.object({
    type: z.literal('host-call'),
    id: z.number().int(),
    call: z.discriminatedUnion('name', [
      z.object({ name: z.literal('pickPath'), purpose: z.enum(PICK_PATH_PURPOSES) }),
      z.object({ name: z.literal('storeSecret'), key: z.string(), secret: z.string() }),
      z.object({ name: z.literal('loadSecret'), key: z.string() }),
    ]),
  }),
])
export type HostCall = Extract<FromHostMessage, { type: 'host-call' }>['call']
export type FromHostMessage = z.infer<typeof fromHostMessageSchema>

/** The smallest port both Node's MessagePort and Electron's utility-process ports can be adapted to. */
export type PortLike<Out, In> = Readonly<{
  postMessage: (message: Out) => void
  onMessage: (listener: (message: In) => void) => void
}>
