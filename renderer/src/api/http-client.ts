/**
 * The renderer API over HTTP, for server mode (`leafbridge serve`): the same named methods as the
 * preload, each a POST to /api/<channel> with the session token; job events over SSE.
 */
import { API_METHODS, type ApiMethodName, type JobEventListener, type RendererApi } from '@shared/ipc/methods'
import type { JobEvent } from '@shared/jobs'
import { type Result, fail, resultEnvelopeSchema } from '@shared/result'
import { streamEvents } from './sse'

const TOKEN_KEY = 'leafbridge.session-token'

/**
 * Takes the session token from the URL fragment (where `leafbridge serve` put it), keeps it for
 * this tab only, and removes it from the address bar.
 */
export function takeSessionToken(location: Location, history: History, storage: Storage): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash)
  if (match?.[1]) {
    storage.setItem(TOKEN_KEY, match[1])
    history.replaceState(null, '', location.pathname + location.search)
    return match[1]
  }
  return storage.getItem(TOKEN_KEY)
}

async function post(channel: string, token: string, request: unknown): Promise<Result<unknown>> {
  let response: Response
  try {
    response = await fetch(`/api/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(request ?? {}),
      cache: 'no-store',
    })
  } catch {
    return fail({
      code: 'server-unreachable',
      kind: 'retriable',
      message: 'Cannot reach the Leafbridge server. Is `leafbridge serve` still running?',
    })
  }
  if (response.status === 401) {
    return fail({
      code: 'unauthorized',
      kind: 'fatal',
      message: 'This page has no valid session token. Open the address that `leafbridge serve` printed.',
    })
  }
  try {
    const envelope = resultEnvelopeSchema.safeParse(await response.json())
    if (envelope.success) return envelope.data as Result<unknown>
  } catch {
    // Falls through to the malformed-answer error below.
  }
  return fail({
    code: 'malformed-result',
    kind: 'bug',
    message: `The server answered ${response.status} without a result.`,
  })
}

export function createHttpClient(token: string): RendererApi {
  const methods: Record<string, (request: unknown) => Promise<Result<unknown>>> = {}
  for (const name of Object.keys(API_METHODS) as ApiMethodName[]) {
    const channel = API_METHODS[name]
    methods[name] = (request) => post(channel, token, request)
  }
  const listeners = new Set<JobEventListener>()
  let stream: AbortController | null = null
  const onJobEvent = (listener: JobEventListener) => {
    listeners.add(listener)
    if (stream === null) {
      const controller = new AbortController()
      stream = controller
      void streamEvents(
        '/api/events',
        { authorization: `Bearer ${token}` },
        (message) => {
          if (message.event !== 'job:event') return
          const event = JSON.parse(message.data) as JobEvent
          for (const l of listeners) l(event)
        },
        controller.signal,
      )
    }
    return () => {
      listeners.delete(listener)
      if (listeners.size === 0 && stream !== null) {
        stream.abort()
        stream = null
      }
    }
  }
  return Object.freeze({ ...methods, onJobEvent }) as unknown as RendererApi
}
