/**
 * The OData `$batch` wire format of the Dataverse Web API: multipart/mixed with CRLF line ends,
 * change sets for atomic groups, Content-ID references
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api).
 */
import { randomUUID } from 'node:crypto'

export type BatchMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

export type BatchOperation = Readonly<{
  method: BatchMethod
  /** Relative to the Web API root (`contacts`, `contacts(lb_sourceid='C-1')`), or `$n` inside a change set. */
  url: string
  headers?: Readonly<Record<string, string>>
  body?: unknown
  /** Inside a change set: the id later parts reference as `$id`. */
  contentId?: string
}>

export type BatchItem =
  | Readonly<{ kind: 'request'; op: BatchOperation }>
  | Readonly<{ kind: 'changeset'; ops: ReadonlyArray<BatchOperation> }>

export type BatchPartResponse = Readonly<{
  status: number
  headers: Readonly<Record<string, string>>
  body: string
  contentId?: string
}>

/** Dataverse refuses more than 1,000 requests in one batch. */
export const MAX_BATCH_REQUESTS = 1000

const CRLF = '\r\n'

function encodeOperation(op: BatchOperation, apiPath: string): string {
  const target = op.url.startsWith('$') ? op.url : `${apiPath}${op.url}`
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary']
  if (op.contentId !== undefined) lines.push(`Content-ID: ${op.contentId}`)
  lines.push('', `${op.method} ${target} HTTP/1.1`)
  const headers: Record<string, string> = { ...(op.headers ?? {}) }
  if (op.body !== undefined) headers['Content-Type'] = 'application/json; type=entry'
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`)
  lines.push('')
  lines.push(op.body === undefined ? '' : JSON.stringify(op.body))
  return lines.join(CRLF)
}

/** Counts the requests a batch holds (each change-set member counts). */
export const countRequests = (items: ReadonlyArray<BatchItem>): number =>
  items.reduce((n, item) => n + (item.kind === 'request' ? 1 : item.ops.length), 0)

/** Builds a `$batch` body. `apiPath` is the Web API path, e.g. `/api/data/v9.2/`. */
export function encodeBatch(
  items: ReadonlyArray<BatchItem>,
  apiPath: string,
  boundary = `batch_${randomUUID()}`,
): { contentType: string; body: string } {
  if (countRequests(items) > MAX_BATCH_REQUESTS) {
    throw new Error(`a batch may hold at most ${MAX_BATCH_REQUESTS} requests`)
  }
  const parts: string[] = []
  for (const item of items) {
    if (item.kind === 'request') {
      parts.push(`--${boundary}${CRLF}${encodeOperation(item.op, apiPath)}`)
      continue
    }
    const cs = `changeset_${randomUUID()}`
    const inner = item.ops.map(
      (op, i) =>
        `--${cs}${CRLF}${encodeOperation({ ...op, contentId: op.contentId ?? String(i + 1) }, apiPath)}`,
    )
    parts.push(
      `--${boundary}${CRLF}Content-Type: multipart/mixed; boundary=${cs}${CRLF}${CRLF}${inner.join(CRLF)}${CRLF}--${cs}--`,
    )
  }
  return {
    contentType: `multipart/mixed; boundary=${boundary}`,
    body: `${parts.join(CRLF)}${CRLF}--${boundary}--${CRLF}`,
  }
}

/** The boundary parameter of a multipart content type. */
export function boundaryOf(contentType: string): string | null {
  const match = /boundary=("?)([^";]+)\1/i.exec(contentType)
  return match?.[2] ?? null
}

function splitParts(text: string, boundary: string): string[] {
  const delimiter = `--${boundary}`
  const pieces = text.split(delimiter)
  // pieces[0] is the preamble; the last piece starts with "--" (the close delimiter).
  return pieces
    .slice(1)
    .filter((p) => !p.startsWith('--'))
    .map((p) => p.replace(/^\r?\n/, '').replace(/\r?\n$/, ''))
}

function splitHeadBody(text: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(text)
  if (!match) return { head: text, body: '' }
  return { head: text.slice(0, match.index), body: text.slice(match.index + match[0].length) }
}

function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return headers
}

function parseHttpPart(part: string): BatchPartResponse {
  const outer = splitHeadBody(part)
  const mime = parseHeaders(outer.head)
  const inner = splitHeadBody(outer.body)
  const [statusLine = '', ...headerLines] = inner.head.split(/\r?\n/)
  const status = Number(/^HTTP\/1\.1\s+(\d{3})/.exec(statusLine)?.[1] ?? 0)
  return {
    status,
    headers: parseHeaders(headerLines.join('\n')),
    body: inner.body.trim(),
    ...(mime['content-id'] !== undefined ? { contentId: mime['content-id'] } : {}),
  }
}

/** Parses a `$batch` response into one entry per inner response, change-set members flattened, in order. */
export function decodeBatchResponse(contentType: string, text: string): BatchPartResponse[] {
  const boundary = boundaryOf(contentType)
  if (boundary === null) throw new Error(`not a multipart response: ${contentType}`)
  const out: BatchPartResponse[] = []
  for (const part of splitParts(text, boundary)) {
    const { head, body } = splitHeadBody(part)
    const headers = parseHeaders(head)
    const type = headers['content-type'] ?? ''
    if (type.toLowerCase().startsWith('multipart/mixed')) {
      const inner = boundaryOf(type)
      if (inner === null) continue
      for (const csPart of splitParts(body, inner)) out.push(parseHttpPart(csPart))
    } else {
      out.push(parseHttpPart(part))
    }
  }
  return out
}
