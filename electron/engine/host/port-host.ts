/**
 * Serves an engine over a message port: the engine host side of the utility-process bridge.
 * Runs the same under Node's worker MessagePort (tests) and Electron's parentPort (the app).
 */
import type { PickPathPurpose } from '../../shared/ipc/schemas'
import type { Logger } from '../logger'
import { silentLogger } from '../logger'
import { createEngine, type Engine } from '../service'
import { type FromHostMessage, type HostCall, type PortLike, toHostMessageSchema } from './port-protocol'

export type PortHostOptions = Readonly<{
  nativeBinding?: string
  logger?: Logger
  /** Main can keep secrets with the OS's protection (Electron safeStorage is available). */
  protectedStorage?: boolean
}>

/** Creates the engine, wires it to `port`, and says `ready`. Returns the engine for shutdown. */
export function serveEngineOverPort(
  port: PortLike<FromHostMessage, unknown>,
  options: PortHostOptions = {},
): Engine {
  const logger = options.logger ?? silentLogger
  let nextCallId = 1
  const pendingHostCalls = new Map<number, (value: string | null) => void>()

  const callHost = (call: HostCall) =>
    new Promise<string | null>((resolve) => {
      const id = nextCallId++
      pendingHostCalls.set(id, resolve)
      port.postMessage({ type: 'host-call', id, call })
    })
  const pickPath = (purpose: PickPathPurpose) => callHost({ name: 'pickPath', purpose })
  const secrets = options.protectedStorage
    ? {
        storeSecret: async (key: string, secret: string) => {
          await callHost({ name: 'storeSecret', key, secret })
        },
        loadSecret: (key: string) => callHost({ name: 'loadSecret', key }),
      }
    : {}

  const engine = createEngine({
    host: 'electron',
    logger,
    hostServices: { pickPath, ...secrets },
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  })
  engine.onJobEvent((event) => port.postMessage({ type: 'event', event }))

  port.onMessage((raw) => {
    const parsed = toHostMessageSchema.safeParse(raw)
    if (!parsed.success) {
      logger.error('engine host ignored a malformed message')
      return
    }
    const message = parsed.data
    switch (message.type) {
      case 'invoke':
        void engine.dispatch(message.channel, message.request).then((result) => {
          port.postMessage({ type: 'result', id: message.id, result })
        })
        return
      case 'host-reply': {
        const resolve = pendingHostCalls.get(message.id)
        pendingHostCalls.delete(message.id)
        resolve?.(message.value)
        return
      }
      case 'shutdown':
        void engine.dispose()
        return
    }
  })
  port.postMessage({ type: 'ready' })
  return engine
}
