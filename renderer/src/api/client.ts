/**
 * The one way the renderer reaches the engine: `window.api` in the desktop app (built by the
 * preload), the HTTP client in server mode. Nothing else touches window.api (lint enforces it).
 */
import type { RendererApi } from '@shared/ipc/methods'
import { createHttpClient, takeSessionToken } from './http-client'

export type ApiConnection = Readonly<{ kind: 'connected'; api: RendererApi }> | Readonly<{ kind: 'no-token' }>

export function connectApi(): ApiConnection {
  if (window.api) return { kind: 'connected', api: window.api }
  const token = takeSessionToken(window.location, window.history, window.sessionStorage)
  return token === null ? { kind: 'no-token' } : { kind: 'connected', api: createHttpClient(token) }
}
