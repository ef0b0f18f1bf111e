/**
 * The main-process side of the engine bridge: forwards calls to the engine host and resolves them
 * with its Results; relays job events; answers the host's requests for native dialogs.
 *
 * Takes a structural port so it is tested under plain Node (no Electron import here).
 */
import type { PickPathPurpose } from '../shared/ipc/schemas'
import type { JobEvent } from '../shared/jobs'
import { type Result, fail, resultEnvelopeSchema } from '../shared/result'
import {
  type FromHostMessage,
  fromHostMessageSchema,
  type PortLike,
  type ToHostMessage,
} from '../engine/host/port-protocol'

export type EngineClient = Readonly<{
  invoke: (channel: string, request: unknown) => Promise<Result<unknown>>
  onEvent: (listener: (event: JobEvent) => void) => () => void
  /** Rejects every pending call as `engine-stopped`; call when the host process exits. */
  hostExited: (code: number | null) => void
  ready: Promise<void>
}>

export type EngineClientOptions = Readonly<{
  pickPath: (purpose: PickPathPurpose) => Promise<string | null>
  /** Protected secret storage (safeStorage); absent where the OS offers none. */
  secrets?: Readonly<{
    store: (key: string, secret: string) => Promise<void>
    load: (key: string) => Promise<string | null>
  }>
}>

export function createEngineClient(
  port: PortLike<ToHostMessage, unknown>,
  options: EngineClientOptions,
): EngineClient {
  let nextId = 1
  const pending = new Map<number, (result: Result<unknown>) => void>()
  const listeners = new Set<(event: JobEvent) => void>()
  let markReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (markReady = resolve))
  let stopped = false

  port.onMessage((raw) => {
    const parsed = fromHostMessageSchema.safeParse(raw)
    if (!parsed.success) return
    const message: FromHostMessage = parsed.data
    switch (message.type) {
      case 'ready':
        markReady()
        return
      case 'result': {
        const resolve = pending.get(message.id)
        pending.delete(message.id)
        const envelope = resultEnvelopeSchema.safeParse(message.result)
        resolve?.(
          envelope.success
            ? (envelope.data as Result<unknown>)
            : fail({
                code: 'malformed-result',
                kind: 'bug',
                message: 'The engine answered with a malformed result.',
              }),
        )
        return
      }
      case 'event':
        for (const listener of listeners) listener(message.event as JobEvent)
        return
      case 'host-call': {
        const call = message.call
        const answer: Promise<string | null> =
          call.name === 'pickPath'
            ? options.pickPath(call.purpose)
            : call.name === 'storeSecret'
              ? (options.secrets?.store(call.key, call.secret) ?? Promise.resolve()).then(() => null)
              : (options.secrets?.load(call.key) ?? Promise.resolve(null))
        void answer
          .catch(() => null)
          .then((value) => port.postMessage({ type: 'host-reply', id: message.id, value }))
        return
      }
    }
  })

  return {
    ready,
    invoke: (channel, request) => {
      if (stopped) return Promise.resolve(engineStopped())
      const id = nextId++
      return new Promise((resolve) => {
        pending.set(id, resolve)
        port.postMessage({ type: 'invoke', id, channel, request })
      })
    },
    onEvent: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    hostExited: () => {
      stopped = true
      for (const resolve of pending.values()) resolve(engineStopped())
      pending.clear()
    },
  }
}

const engineStopped = () =>
  fail({
    code: 'engine-stopped',
    kind: 'fatal',
    message:
      'The Leafbridge engine stopped unexpectedly and is being restarted. Reopen your workspace; every write is journaled, so nothing was lost.',
  })
