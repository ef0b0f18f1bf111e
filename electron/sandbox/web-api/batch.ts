/**
 * `$batch` ([batch], WEB-API-NOTES §2): multipart/mixed with CRLF line ends, parts run in order,
 * change sets atomic with Content-ID references (`$1` in URLs and in `@odata.bind` values),
 * `Prefer: odata.continue-on-error`, at most 1,000 requests, no GET inside a change set.
 *
 * Without continue-on-error, processing stops at the first failure and the batch answers with that
 * request's status; the response still lists the parts that ran before it (the sandbox's reading of
 * an Unverified point, README "Documented choices").
 */
import { randomUUID } from 'node:crypto'
import { badPayload, batchTooLarge, contentIdNotFound, DataverseError, streamNotReadable } from './errors'
import { parsePrefer, type ApiRequest, type ApiResponse } from './http-types'

/** The documented maximum number of requests in one batch. */
export const MAX_BATCH_REQUESTS = 1000

type Part = Readonly<{ headers: Record<string, string>; content: string }>
type InnerRequest = Readonly<{
  method: string
  url: string
  headers: Record<string, string>
  body: string | null
  contentId: string | null
}>
type Item =
  | Readonly<{ kind: 'request'; request: InnerRequest }>
  | Readonly<{ kind: 'changeset'; requests: InnerRequest[] }>

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

const boundaryOf = (contentType: string | undefined): string | null => {
  const match = /boundary="?([^";]+)"?/i.exec(contentType ?? '')
  return match?.[1] ?? null
}

function splitParts(body: string, boundary: string): Part[] {
  const delimiter = `--${boundary}`
  const pieces = body.split(delimiter)
  const parts: Part[] = []
  // pieces[0] is the preamble; the last piece starts with "--" (the close delimiter).
  for (const piece of pieces.slice(1)) {
    if (piece.startsWith('--')) break
    const text = piece.replace(/^\r\n/, '')
    const split = text.indexOf('\r\n\r\n')
    const head = split < 0 ? text : text.slice(0, split)
    const content = split < 0 ? '' : text.slice(split + 4)
    const headers: Record<string, string> = {}
    for (const line of head.split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    parts.push({ headers, content: content.replace(/\r\n$/, '') })
  }
  return parts
}

function parseInner(part: Part): InnerRequest {
  const text = part.content
  const split = text.indexOf('\r\n\r\n')
  const head = (split < 0 ? text : text.slice(0, split)).split('\r\n')
  const requestLine = head[0] ?? ''
  const match = /^([A-Z]+)\s+(\S+)(\s+HTTP\/1\.1)?$/.exec(requestLine.trim())
  if (match === null)
    throw badPayload(`The batch part's request line '${requestLine}' is not 'METHOD URL HTTP/1.1'.`)
  const headers: Record<string, string> = {}
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const body = split < 0 ? null : text.slice(split + 4)
  return {
    method: match[1] ?? 'GET',
    url: match[2] ?? '',
    headers,
    body: body === null || body.trim() === '' ? null : body,
    contentId: part.headers['content-id'] ?? null,
  }
}

function parseBatch(body: string, boundary: string, entitySet: string): Item[] {
  // [clienterr]: line ends other than CRLF make the stream unreadable.
  if (/(^|[^\r])\n/.test(body)) throw streamNotReadable(entitySet)
  const items: Item[] = []
  for (const part of splitParts(body, boundary)) {
    const nested = boundaryOf(part.headers['content-type'])
    if ((part.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/mixed') && nested !== null) {
      items.push({ kind: 'changeset', requests: splitParts(part.content, nested).map(parseInner) })
    } else items.push({ kind: 'request', request: parseInner(part) })
  }
  return items
}

/** Turns an inner URL (absolute, `/api/data/v9.2/…`, relative or `$n/…`) into path and query. */
function splitUrl(
  url: string,
  references: ReadonlyMap<string, string>,
): { path: string; query: URLSearchParams } {
  let target = url
  if (target.startsWith('$')) {
    const match = /^\$([0-9A-Za-z_-]+)(.*)$/.exec(target)
    const resolved = match === null ? undefined : references.get(match[1] ?? '')
    if (match === null || resolved === undefined) throw contentIdNotFound(target.split('/')[0] ?? target)
    target = `${resolved}${match[2] ?? ''}`
  }
  const schemeEnd = target.indexOf('://')
  if (schemeEnd >= 0) {
    const slash = target.indexOf('/', schemeEnd + 3)
    target = slash < 0 ? '/' : target.slice(slash)
  }
  const api = /^\/?api\/data\/v9\.\d\//.exec(target)
  if (api !== null) target = target.slice(api[0].length)
  const q = target.indexOf('?')
  const path = q < 0 ? target : target.slice(0, q)
  return { path: path.replace(/^\/+/, ''), query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) }
}

/** Replaces `$n` references in a JSON body's `@odata.bind` / `@odata.id` values (`"…@odata.bind": "$1"`). */
function resolveBodyReferences(body: string | null, references: ReadonlyMap<string, string>): string | null {
  if (body === null || !body.includes('"$')) return body
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve)
    if (typeof value !== 'string' || !/^\$[0-9A-Za-z_-]+(\/.*)?$/.test(value)) return value
    const id = /^\$([0-9A-Za-z_-]+)/.exec(value)?.[1] ?? ''
    const resolved = references.get(id)
    if (resolved === undefined) throw contentIdNotFound(`$${id}`)
    return `/${resolved}${value.slice(id.length + 1)}`
  }
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk)
    if (value === null || typeof value !== 'object') return value
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k.endsWith('@odata.bind') || k === '@odata.id' ? resolve(v) : walk(v),
      ]),
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return body
  }
  return JSON.stringify(walk(parsed))
}

function httpPart(response: ApiResponse, contentId: string | null): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary']
  if (contentId !== null) lines.push(`Content-ID: ${contentId}`)
  lines.push('')
  lines.push(`HTTP/1.1 ${response.status} ${STATUS_TEXT[response.status] ?? ''}`.trimEnd())
  const headers = { ...response.headers, 'odata-version': '4.0' }
  for (const [name, value] of Object.entries(headers)) lines.push(`${headerCase(name)}: ${value}`)
  lines.push('')
  const body = response.body === null ? '' : response.body.toString()
  return `${lines.join('\r\n')}\r\n${body}`
}

const headerCase = (name: string): string =>
  name === 'odata-entityid'
    ? 'OData-EntityId'
    : name === 'odata-version'
      ? 'OData-Version'
      : name
          .split('-')
          .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
          .join('-')

const errorResponse = (error: unknown): ApiResponse => {
  if (error instanceof DataverseError) {
    return {
      status: error.status,
      headers: { 'content-type': 'application/json; odata.metadata=minimal', ...error.headers },
      body: JSON.stringify(error.toBody()),
      records: 0,
    }
  }
  return {
    status: 500,
    headers: { 'content-type': 'application/json; odata.metadata=minimal' },
    body: JSON.stringify({
      error: { code: '0x80040216', message: `An unexpected error occurred: ${(error as Error).message}` },
    }),
    records: 0,
  }
}

/**
 * Runs a `$batch`. `run` routes one inner request; `transaction` makes a change set atomic.
 */
export function executeBatch(
  request: ApiRequest,
  run: (inner: ApiRequest) => ApiResponse,
  transaction: <T>(fn: () => T) => T,
): ApiResponse {
  const boundary = boundaryOf(request.headers['content-type'])
  if (
    boundary === null ||
    !(request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/mixed')
  ) {
    throw badPayload('A $batch request needs Content-Type: multipart/mixed with a boundary.')
  }
  const continueOnError = parsePrefer(request.headers['prefer']).continueOnError
  const items = parseBatch(request.body ?? '', boundary, 'batch')
  const total = items.reduce((n, item) => n + (item.kind === 'request' ? 1 : item.requests.length), 0)
  if (total > MAX_BATCH_REQUESTS) throw batchTooLarge(MAX_BATCH_REQUESTS)

  const responseBoundary = `batchresponse_${randomUUID()}`
  const chunks: string[] = []
  let status = 200
  let records = 0

  const toApi = (inner: InnerRequest, references: ReadonlyMap<string, string>): ApiRequest => {
    const { path, query } = splitUrl(inner.url, references)
    const solution = inner.headers['mscrm.solutionuniquename']
    return {
      method: inner.method,
      path,
      query,
      headers: { ...inner.headers, prefer: inner.headers['prefer'] ?? '' },
      body: resolveBodyReferences(inner.body, references),
      ctx: solution === undefined ? request.ctx : { ...request.ctx, solution },
      root: request.root,
      url: inner.url,
    }
  }

  for (const item of items) {
    if (item.kind === 'request') {
      let response: ApiResponse
      try {
        response = run(toApi(item.request, new Map()))
      } catch (error) {
        response = errorResponse(error)
      }
      records += response.records
      chunks.push(httpPart(response, item.request.contentId))
      if (response.status >= 400 && !continueOnError) {
        status = response.status
        break
      }
      continue
    }
    const changesetBoundary = `changesetresponse_${randomUUID()}`
    const references = new Map<string, string>()
    const parts: string[] = []
    let failure: ApiResponse | null = null
    try {
      transaction(() => {
        for (const inner of item.requests) {
          if (inner.method.toUpperCase() === 'GET') {
            throw badPayload('A change set cannot contain GET requests.')
          }
          const response = run(toApi(inner, references))
          if (response.status >= 400) {
            failure = response
            throw new Error('change set failed')
          }
          records += response.records
          const location = response.headers['odata-entityid'] ?? response.headers['location']
          if (inner.contentId !== null && location !== undefined) {
            references.set(
              inner.contentId,
              location.slice(location.indexOf('/api/data/') + '/api/data/v9.2/'.length),
            )
          }
          parts.push(httpPart(response, inner.contentId))
        }
      })
    } catch (error) {
      failure ??= errorResponse(error)
    }
    if (failure !== null) {
      const failed: ApiResponse = failure
      chunks.push(httpPart(failed, null))
      if (!continueOnError) {
        status = failed.status
        break
      }
      continue
    }
    chunks.push(
      `Content-Type: multipart/mixed; boundary=${changesetBoundary}\r\n\r\n${parts.map((p) => `--${changesetBoundary}\r\n${p}\r\n`).join('')}--${changesetBoundary}--`,
    )
  }
  const body = `${chunks.map((c) => `--${responseBoundary}\r\n${c}\r\n`).join('')}--${responseBoundary}--\r\n`
  return {
    status,
    headers: { 'content-type': `multipart/mixed; boundary=${responseBoundary}` },
    body,
    records: Math.max(1, records),
  }
}
