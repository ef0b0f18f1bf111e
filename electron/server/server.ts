/**
 * `leafbridge serve`: the contract over HTTP on 127.0.0.1, for the browser and for tests.
 *
 * POST /api/<channel> answers the channel's Result; GET /api/events streams job events as SSE;
 * everything else serves the built renderer. Every request passes the Host/Origin check; API
 * requests also need `Authorization: Bearer <session token>`.
 */
import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Engine } from '../engine/service'
import type { Logger } from '../engine/logger'
import { silentLogger } from '../engine/logger'
import { isInvokeChannel } from '../shared/ipc/channels'
import type { AppErrorData } from '../shared/result'
import { CONTENT_SECURITY_POLICY, LOOPBACK, checkOrigin, checkToken, newSessionToken } from './security'
import { resolveStatic, sendFile } from './static-files'

export type ServerOptions = Readonly<{
  engine: Engine
  /** 0 picks a free port. */
  port?: number
  /** Folder with the built renderer (index.html); null serves the API only. */
  rendererDir: string | null
  logger?: Logger
  /** Fixed token for tests; a fresh random one otherwise. */
  token?: string
}>

export type RunningServer = Readonly<{
  /** Opens the wizard: the token rides in the fragment, which browsers never send to a server. */
  url: string
  origin: string
  port: number
  token: string
  close: () => Promise<void>
}>

const MAX_BODY_BYTES = 1024 * 1024
const HEARTBEAT_MS = 15_000

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
    ...headers,
  })
  res.end(text)
}

const failure = (error: AppErrorData) => ({ ok: false, error })

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      // Past the limit the rest is read and dropped, so the client gets its 413 rather than a reset.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', () =>
      size > MAX_BODY_BYTES
        ? reject(new Error('too-large'))
        : resolvePromise(Buffer.concat(chunks).toString('utf8')),
    )
    req.on('error', reject)
  })
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger
  const token = options.token ?? newSessionToken()
  const { engine } = options
  const rendererDir =
    options.rendererDir !== null && existsSync(join(options.rendererDir, 'index.html'))
      ? options.rendererDir
      : null
  let port = 0
  const streams = new Set<ServerResponse>()

  const handleApi = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const auth = checkToken(req.headers, token)
    if (!auth.ok) {
      sendJson(
        res,
        auth.status,
        failure({
          code: 'unauthorized',
          kind: 'fatal',
          message: 'The session token is missing or wrong. Open the URL leafbridge serve printed.',
        }),
        { 'www-authenticate': 'Bearer' },
      )
      return
    }
    if (path === '/api/events') {
      if (req.method !== 'GET') {
        sendJson(
          res,
          405,
          failure({ code: 'method-not-allowed', kind: 'bug', message: 'Use GET for /api/events.' }),
        )
        return
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        ...SECURITY_HEADERS,
      })
      res.write('retry: 2000\n\n')
      streams.add(res)
      const unsubscribe = engine.onJobEvent((event) => {
        res.write(`event: job:event\ndata: ${JSON.stringify(event)}\n\n`)
      })
      const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS)
      heartbeat.unref()
      req.on('close', () => {
        clearInterval(heartbeat)
        unsubscribe()
        streams.delete(res)
      })
      return
    }
    const channel = path.slice('/api/'.length)
    if (req.method !== 'POST') {
      sendJson(
        res,
        405,
        failure({ code: 'method-not-allowed', kind: 'bug', message: `Use POST for /api/${channel}.` }),
        { allow: 'POST' },
      )
      return
    }
    if (!isInvokeChannel(channel)) {
      sendJson(
        res,
        404,
        failure({ code: 'unknown-channel', kind: 'bug', message: `There is no channel named ${channel}.` }),
      )
      return
    }
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      sendJson(
        res,
        415,
        failure({
          code: 'unsupported-media-type',
          kind: 'bug',
          message: 'Send the request as application/json.',
        }),
      )
      return
    }
    let body: unknown
    try {
      const text = await readBody(req)
      body = text.trim() === '' ? {} : JSON.parse(text)
    } catch (error) {
      const tooLarge = error instanceof Error && error.message === 'too-large'
      sendJson(
        res,
        tooLarge ? 413 : 400,
        failure({
          code: tooLarge ? 'request-too-large' : 'invalid-json',
          kind: 'bug',
          message: tooLarge ? 'The request body is over 1 MiB.' : 'The request body is not valid JSON.',
        }),
      )
      return
    }
    sendJson(res, 200, await engine.dispatch(channel, body))
  }

  const server = createServer((req, res) => {
    const origin = checkOrigin(req.headers, port)
    if (!origin.ok) {
      logger.warn('request refused', { status: origin.status, reason: origin.reason })
      sendJson(
        res,
        origin.status,
        failure({ code: 'forbidden', kind: 'fatal', message: `Refused: ${origin.reason}.` }),
      )
      return
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (path === '/api' || path.startsWith('/api/')) {
      handleApi(req, res, path).catch((error: unknown) => {
        logger.error('api handler failed', {
          message: error instanceof Error ? error.message : String(error),
        })
        if (!res.headersSent)
          sendJson(
            res,
            500,
            failure({ code: 'internal-error', kind: 'bug', message: 'The server failed to answer.' }),
          )
        else res.end()
      })
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(
        res,
        405,
        failure({ code: 'method-not-allowed', kind: 'bug', message: 'Static files are GET only.' }),
      )
      return
    }
    if (rendererDir === null) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS })
      res.end(
        'The Leafbridge renderer is not built. Run `npm run build`, then start `leafbridge serve` again.\n',
      )
      return
    }
    const file = resolveStatic(rendererDir, path)
    if (file === null) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS })
      res.end('Not found\n')
      return
    }
    sendFile(res, file, { 'content-security-policy': CONTENT_SECURITY_POLICY, ...SECURITY_HEADERS })
  })

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, LOOPBACK, () => resolvePromise())
  })
  port = (server.address() as AddressInfo).port
  const origin = `http://${LOOPBACK}:${port}`
  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    close: () =>
      new Promise<void>((resolvePromise) => {
        for (const stream of streams) stream.end()
        server.close(() => resolvePromise())
        server.closeAllConnections()
      }),
  }
}
