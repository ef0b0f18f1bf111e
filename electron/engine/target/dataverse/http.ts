/**
 * HTTPS to Dataverse and its token authority, with keep-alive connection pools and, for the sandbox,
 * an extra trusted CA. undici rather than fetch: fetch cannot take a CA per client.
 */
import { readFileSync } from 'node:fs'
import { Agent, request } from 'undici'

export type HttpRequest = Readonly<{
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  url: string
  headers?: Readonly<Record<string, string>>
  body?: string
  /** Whole-request timeout, ms. */
  timeoutMs?: number
  signal?: AbortSignal
}>

export type HttpResponse = Readonly<{
  status: number
  headers: Readonly<Record<string, string>>
  text: string
  /**
   * Ms from sending the request to the response's headers: the server's own time plus the network,
   * without the time this process then takes to read the body (the limiter's measure of a call's
   * charge). Absent from transports that cannot tell.
   */
  elapsedMs?: number
}>

export type HttpTransport = Readonly<{
  send: (req: HttpRequest) => Promise<HttpResponse>
  close: () => Promise<void>
}>

export type HttpTransportOptions = Readonly<{
  caCertFile?: string
  /** Connections per origin; Dataverse allows 52 concurrent requests per user. */
  connections?: number
}>

const flattenHeaders = (raw: Record<string, string | string[] | undefined>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
  return out
}

export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const ca = options.caCertFile ? readFileSync(options.caCertFile, 'utf8') : undefined
  const dispatcher = new Agent({
    connections: options.connections ?? 64,
    keepAliveTimeout: 30_000,
    pipelining: 1,
    ...(ca ? { connect: { ca } } : {}),
  })
  return {
    send: async (req) => {
      const timeout = req.timeoutMs ?? 120_000
      const started = performance.now()
      const res = await request(req.url, {
        dispatcher,
        method: req.method,
        headers: req.headers ?? {},
        body: req.body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        ...(req.signal ? { signal: req.signal } : {}),
      })
      const elapsedMs = performance.now() - started
      const text = await res.body.text()
      return { status: res.statusCode, headers: flattenHeaders(res.headers), text, elapsedMs }
    },
    close: () => dispatcher.close(),
  }
}
