/**
 * The sandbox's HTTPS server: the Web API under `/api/data/v9.2/`, the token service under
 * `/<tenant>/…`, and the admin endpoints under `/_sandbox/` (outside the Web API's path space,
 * guarded by `x-sandbox-admin-key`, compared in constant time).
 *
 * Every Web API request: read body → bearer token (401 otherwise, and on expiry) → impersonation
 * ([imp]) → service-protection admission (429) → fault draw → run → hold the response for the
 * latency model's time → send, with `x-ms-dop-hint`, `OData-Version` and the remaining-budget
 * headers. The execution time charged to the user is max(modelled, actual).
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { Identity } from './auth/identity'
import type { TokenService, TokenSubject } from './auth/token-service'
import type { LatencyConfig } from './limits/config'
import type { FaultInjector } from './limits/faults'
import type { ServiceProtection } from './limits/service-protection'
import type { CallContext } from './web-api/context'
import {
  DataverseError,
  disabledUser,
  injectedServerError,
  missingPrivilege,
  payloadTooLarge,
  recordNotFound,
} from './web-api/errors'
import type { ApiResponse } from './web-api/http-types'
import { Environment } from './environment'

/** Largest request body accepted, bytes (a 1,000-record CreateMultiple is far below it). */
export const MAX_BODY_BYTES = 256 * 1024 * 1024

/** Counters the stats endpoint reports besides the limiter's. */
export type ServerCounters = {
  requests: number
  apiRequests: number
  byStatus: Record<string, number>
  recordsProcessed: number
  bytesIn: number
  bytesOut: number
  tokensIssued: number
  startedAt: string
}

/** Everything the server needs. */
export type ServerParts = Readonly<{
  env: Environment
  identity: Identity
  tokens: TokenService
  limiter: ServiceProtection
  faults: FaultInjector
  latency: LatencyConfig
  /** Extra data for `/_sandbox/stats` (effective configuration and formulas). */
  describe: () => Record<string, unknown>
  onReset: () => void
}>

/** A listening server. */
export type ListeningServer = Readonly<{
  server: Server
  port: number
  counters: ServerCounters
  /** Clears the counters (reset). */
  resetCounters: () => void
  close: () => Promise<void>
}>

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const keyMatches = (given: string | undefined, expected: string): boolean => {
  if (given === undefined) return false
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) tooLarge = true
      else chunks.push(chunk)
    })
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** What `GET /_sandbox/stats` answers: counters, faults, per-user limits, configuration. */
export function statistics(parts: ServerParts, counters: ServerCounters): Record<string, unknown> {
  const users = [...parts.limiter.allStats().entries()].map(([userId, stats]) => {
    const row = parts.env.store.get('systemuser', userId) ?? {}
    return {
      userId,
      name: row['fullname'] ?? null,
      applicationId: row['applicationid'] ?? null,
      email: row['internalemailaddress'] ?? null,
      requests: stats.requests,
      throttled: stats.throttled,
      throttledTotal: stats.throttled.requests + stats.throttled.execution + stats.throttled.concurrency,
      executionMs: Math.round(stats.executionMs),
      peakConcurrent: stats.peakConcurrent,
    }
  })
  return {
    ...counters,
    tokensIssued: parts.tokens.issued,
    faults: parts.faults.counts,
    users,
    ...parts.describe(),
  }
}

/** Starts the HTTPS server on 127.0.0.1. `origin` is set once the port is known. */
export async function listen(
  parts: ServerParts,
  port: number,
  setOrigin: (origin: string) => void,
): Promise<ListeningServer> {
  const { env, identity, tokens, limiter, faults, latency } = parts
  const counters: ServerCounters = {
    requests: 0,
    apiRequests: 0,
    byStatus: {},
    recordsProcessed: 0,
    bytesIn: 0,
    bytesOut: 0,
    tokensIssued: 0,
    startedAt: new Date().toISOString(),
  }
  const resetCounters = () => {
    counters.requests = 0
    counters.apiRequests = 0
    counters.byStatus = {}
    counters.recordsProcessed = 0
    counters.bytesIn = 0
    counters.bytesOut = 0
  }
  const sockets = new Set<Socket>()
  const held = new Set<NodeJS.Timeout>()
  let origin = ''
  const dopHint = String(limiter.limits.dopHint)

  const send = (
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: string | Buffer | null,
  ) => {
    if (res.destroyed || res.headersSent) return
    const payload = body === null ? undefined : typeof body === 'string' ? Buffer.from(body) : body
    counters.byStatus[String(status)] = (counters.byStatus[String(status)] ?? 0) + 1
    counters.bytesOut += payload?.length ?? 0
    res.writeHead(status, {
      'x-ms-dop-hint': dopHint,
      req_id: randomUUID(),
      ...headers,
      ...(payload === undefined ? {} : { 'content-length': String(payload.length) }),
    })
    res.end(payload)
  }

  const sendError = (res: ServerResponse, error: DataverseError, extra: Record<string, string> = {}) =>
    send(
      res,
      error.status,
      {
        'content-type': 'application/json; odata.metadata=minimal',
        'odata-version': '4.0',
        ...extra,
        ...error.headers,
      },
      JSON.stringify(error.toBody()),
    )

  const handleAdmin = (req: IncomingMessage, res: ServerResponse, path: string, body: Buffer) => {
    if (!keyMatches(req.headers['x-sandbox-admin-key'] as string | undefined, identity.adminKey)) {
      send(
        res,
        401,
        { 'content-type': 'application/json' },
        JSON.stringify({
          error: {
            code: 'sandbox-admin-key',
            message: 'The x-sandbox-admin-key header is missing or wrong.',
          },
        }),
      )
      return
    }
    const method = req.method ?? 'GET'
    const json = (status: number, value: unknown) =>
      send(res, status, { 'content-type': 'application/json' }, JSON.stringify(value))
    if (path === '/_sandbox/state-hash' && method === 'GET') return json(200, env.stateHash())
    if (path === '/_sandbox/stats' && method === 'GET') return json(200, statistics(parts, counters))
    if (path === '/_sandbox/reset' && method === 'POST') {
      env.reset()
      limiter.clear()
      faults.restart()
      resetCounters()
      parts.onReset()
      return json(200, { reset: true, stateHash: env.stateHash() })
    }
    if (path === '/_sandbox/device-codes' && method === 'GET')
      return json(200, { value: tokens.pendingDeviceCodes() })
    if (path === '/_sandbox/device-codes/approve' && method === 'POST') {
      let parsed: { userCode?: unknown; email?: unknown } = {}
      try {
        parsed = JSON.parse(body.toString('utf8') || '{}') as typeof parsed
      } catch {
        return json(400, {
          error: { code: 'bad-json', message: 'The body must be JSON: {"userCode": "...", "email": "..."}.' },
        })
      }
      if (typeof parsed.userCode !== 'string')
        return json(400, { error: { code: 'user-code-missing', message: 'userCode is required.' } })
      const result = tokens.approveDeviceCode(
        parsed.userCode,
        typeof parsed.email === 'string' ? parsed.email : undefined,
      )
      return result.ok
        ? json(200, { approved: true, user: result.user.email })
        : json(404, { error: { code: 'device-code-unknown', message: result.reason } })
    }
    return json(404, { error: { code: 'not-found', message: `No admin endpoint ${method} ${path}.` } })
  }

  // Verified tokens, cached until they expire (an RS256 check per request is wasted work).
  const verifiedTokens = new Map<string, { subject: TokenSubject; expiresAt: number }>()
  const authenticate = (req: IncomingMessage): { callerId: string } | { error: string } => {
    const header = req.headers['authorization']
    if (header === undefined || !/^Bearer\s+/i.test(header))
      return { error: 'The request has no bearer token.' }
    const token = header.replace(/^Bearer\s+/i, '').trim()
    const cached = verifiedTokens.get(token)
    let subject: TokenSubject
    if (cached !== undefined && cached.expiresAt > Date.now()) subject = cached.subject
    else {
      verifiedTokens.delete(token)
      const verified = tokens.verifyAccessToken(token)
      if (!verified.ok) return { error: verified.reason }
      subject = verified.subject
      if (verifiedTokens.size > 1000) verifiedTokens.clear()
      verifiedTokens.set(token, { subject, expiresAt: verified.expiresAt })
    }
    for (const [id, row] of env.store.rows('systemuser')) {
      if (
        subject.kind === 'app'
          ? row['applicationid'] === subject.clientId
          : row['azureactivedirectoryobjectid'] === subject.objectId
      ) {
        return { callerId: id }
      }
    }
    return {
      error: `No systemuser in this environment matches the token's ${subject.kind === 'app' ? `application ${subject.clientId}` : `user ${subject.objectId}`}.`,
    }
  }

  /** [imp]: CallerObjectId (Entra object id, preferred) or MSCRMCallerID (systemuserid). */
  const impersonate = (req: IncomingMessage, callerId: string): string => {
    const objectId = req.headers['callerobjectid'] as string | undefined
    const systemUserId = req.headers['mscrmcallerid'] as string | undefined
    if (objectId === undefined && systemUserId === undefined) return callerId
    const caller = env.store.get('systemuser', callerId) ?? {}
    if (caller['accessmode'] !== 4) throw missingPrivilege(callerId, 'prvActOnBehalfOfAnotherUser')
    let target: string | undefined
    if (objectId !== undefined) {
      for (const [id, row] of env.store.rows('systemuser'))
        if (String(row['azureactivedirectoryobjectid'] ?? '').toLowerCase() === objectId.toLowerCase())
          target = id
      if (target === undefined) throw recordNotFound('systemuser', `azureactivedirectoryobjectid ${objectId}`)
    } else {
      target = (systemUserId ?? '').toLowerCase()
      if (env.store.get('systemuser', target) === undefined) throw recordNotFound('systemuser', target)
    }
    if (env.store.get('systemuser', target)?.['isdisabled'] === true) throw disabledUser(target)
    return target
  }

  const handleApi = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: Buffer,
    started: number,
  ) => {
    counters.apiRequests++
    const auth = authenticate(req)
    if ('error' in auth) {
      send(
        res,
        401,
        {
          'www-authenticate': `Bearer authorization_uri=${origin}/${identity.tenantId}/oauth2/authorize, resource_id=${origin}/`,
          'x-sandbox-auth-error': auth.error.replace(/[^\x20-\x7e]/g, ''),
        },
        null,
      )
      return
    }
    const caller = env.store.get('systemuser', auth.callerId)
    if (caller?.['isdisabled'] === true) {
      sendError(
        res,
        new DataverseError(
          403,
          '0x80040225',
          `The user with SystemUserId=${auth.callerId} is disabled. Enable the user or use another account.`,
        ),
      )
      return
    }
    let userId: string
    try {
      userId = impersonate(req, auth.callerId)
    } catch (error) {
      if (error instanceof DataverseError) return sendError(res, error)
      throw error
    }
    const admission = limiter.admit(auth.callerId)
    if (!admission.ok) {
      sendError(res, admission.error, limiter.remaining(auth.callerId))
      return
    }
    let executionMs = 0
    try {
      const fault = faults.next()
      if (fault.kind === '5xx') {
        sendError(res, injectedServerError(fault.status), fault.status === 503 ? { 'retry-after': '1' } : {})
        return
      }
      const match = /^\/api\/data\/v9\.\d\/?(.*)$/.exec(url.pathname)
      let path: string
      try {
        path = decodeURIComponent(match?.[1] ?? '')
      } catch {
        sendError(
          res,
          new DataverseError(400, '0x0', `The request URI '${url.pathname}' is not valid percent-encoding.`),
        )
        return
      }
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string') headers[k.toLowerCase()] = v
      const ctx: CallContext = {
        callerId: auth.callerId,
        userId,
        solution: headers['mscrm.solutionuniquename'] ?? null,
        now: Date.now(),
        duplicateDetection: headers['mscrm.suppressduplicatedetection'] === 'false',
      }
      let response: ApiResponse
      try {
        response = env.handle({
          method: req.method ?? 'GET',
          path,
          query: url.searchParams,
          headers,
          body: body.length === 0 ? null : body.toString('utf8'),
          ctx,
          root: Environment.root(origin),
          url: `${origin}${url.pathname}${url.search}`,
        })
      } catch (error) {
        const dvError =
          error instanceof DataverseError
            ? error
            : new DataverseError(
                500,
                '0x80040216',
                `An unexpected error occurred: ${(error as Error).message}`,
              )
        response = {
          status: dvError.status,
          headers: { 'content-type': 'application/json; odata.metadata=minimal', ...dvError.headers },
          body: JSON.stringify(dvError.toBody()),
          records: 0,
        }
      }
      counters.recordsProcessed += response.records
      const hold =
        latency.baseMs + latency.perRecordMs * response.records + (fault.kind === 'slow' ? fault.extraMs : 0)
      const elapsed = performance.now() - started
      executionMs = Math.max(hold, elapsed)
      if (hold > elapsed) await sleep(hold - elapsed)
      if (fault.kind === 'reset') {
        // The work is committed; the client never learns the outcome (an "unknown outcome").
        req.socket.destroy()
        return
      }
      if (fault.kind === 'timeout') {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            held.delete(timer)
            req.socket.destroy()
            resolve()
          }, faults.config.timeoutHoldMs)
          held.add(timer)
          req.socket.once('close', () => {
            clearTimeout(timer)
            held.delete(timer)
            resolve()
          })
        })
        return
      }
      send(
        res,
        response.status,
        { 'odata-version': '4.0', ...limiter.remaining(auth.callerId), ...response.headers },
        response.body,
      )
    } finally {
      admission.release(executionMs)
    }
  }

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now()
    counters.requests++
    try {
      const url = new URL(req.url ?? '/', origin || 'https://127.0.0.1')
      const body = await readBody(req)
      if (body === 'too-large') {
        sendError(res, payloadTooLarge(MAX_BODY_BYTES))
        return
      }
      counters.bytesIn += body.length
      const path = url.pathname
      if (path.startsWith('/_sandbox/')) return handleAdmin(req, res, path, body)
      if (/^\/api\/data\/v9\.\d(\/|$)/.test(path)) return await handleApi(req, res, url, body, started)
      if (tokens.owns(path)) {
        const form = new URLSearchParams(body.toString('utf8'))
        const headers: Record<string, string | undefined> = {}
        for (const [k, v] of Object.entries(req.headers)) headers[k] = typeof v === 'string' ? v : undefined
        const result = tokens.handle(req.method ?? 'GET', path, url.searchParams, form, headers)
        counters.tokensIssued = tokens.issued
        return send(res, result.status, result.headers, result.body)
      }
      send(
        res,
        404,
        { 'content-type': 'application/json' },
        JSON.stringify({
          error: { code: '0x8006088a', message: `Resource not found for the segment '${path}'.` },
        }),
      )
    } catch (error) {
      send(
        res,
        500,
        { 'content-type': 'application/json' },
        JSON.stringify({
          error: { code: '0x80040216', message: `An unexpected error occurred: ${(error as Error).message}` },
        }),
      )
    }
  }

  const server = createServer(
    { key: identity.tls.keyPem, cert: identity.tls.certPem, keepAliveTimeout: 30_000 },
    (req, res) => {
      void onRequest(req, res)
    },
  )
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const address = server.address() as AddressInfo
  origin = `https://127.0.0.1:${address.port}`
  setOrigin(origin)
  return {
    server,
    port: address.port,
    counters,
    resetCounters,
    close: async () => {
      for (const timer of held) clearTimeout(timer)
      held.clear()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      })
    },
  }
}
