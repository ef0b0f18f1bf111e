/**
 * Entry of the engine host: runs in an Electron utility process, so SQLite work and long jobs never
 * block the window (Electron docs/tutorial/process-model.md, "The utility process").
 */
import { createLogger } from '../engine/logger'
import { serveEngineOverPort } from '../engine/host/port-host'

type ParentPort = Readonly<{
  postMessage: (message: unknown) => void
  on: (event: 'message', listener: (event: { data: unknown }) => void) => void
}>

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
if (!parentPort) {
  throw new Error('engine-host must run as an Electron utility process')
}

const nativeBinding = process.env['LEAFBRIDGE_SQLITE_BINDING']
serveEngineOverPort(
  {
    postMessage: (message) => parentPort.postMessage(message),
    onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
  },
  {
    logger: createLogger(undefined, 'engine'),
    protectedStorage: process.env['LEAFBRIDGE_PROTECTED_STORAGE'] === '1',
    ...(nativeBinding ? { nativeBinding } : {}),
  },
)
