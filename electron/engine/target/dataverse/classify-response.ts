/**
 * The one place that reads Dataverse status codes (STYLE.md §4): every response and network error
 * becomes a verdict the loader reacts to in one switch.
 *
 * - 401/403: fatal (the credentials or the application user's privileges are wrong).
 * - 429: retriable after the full Retry-After, or the penalty grows
 *   (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits).
 * - 5xx, 408, resets, timeouts: retriable with exponential backoff (the writes are idempotent upserts).
 * - 400 that says the table or a column does not exist: fatal (the schema plan was not applied);
 *   any other 4xx on one record: skippable (journal it as failed and go on).
 */

/** Dataverse's error body: {"error":{"code":"0x…","message":"…"}}. */
export type DataverseError = Readonly<{ code: string; message: string }>

export type Verdict =
  | Readonly<{ kind: 'ok' }>
  | Readonly<{ kind: 'fatal'; status: number; code: string; message: string }>
  | Readonly<{
      kind: 'retriable'
      status: number
      code: string
      message: string
      /** How long to wait before the next attempt, ms. */
      waitMs: number
      reason: 'throttled' | 'server-error' | 'network'
    }>
  | Readonly<{ kind: 'skippable'; status: number; code: string; message: string }>

/** Service-protection error codes (api-limits): requests, execution time, concurrency. */
export const THROTTLE_CODES = new Set(['0x80072322', '0x80072321', '0x80072326'])

/** Codes meaning the target's schema lacks what the request names: no retry or skip will help. */
const SCHEMA_MISMATCH_CODES = new Set(['0x8006088a'])
const SCHEMA_MISMATCH_TEXT =
  /Could not find a property named|Invalid property '.*' was found|An undeclared property|Resource not found for the segment/i

const MAX_BACKOFF_MS = 60_000

/** Exponential backoff for attempt 0, 1, 2, … : 1 s, 2 s, 4 s, … capped at 60 s. */
export const backoffMs = (attempt: number): number =>
  Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempt))

/** Reads the error body, or a placeholder when the body is not Dataverse's shape. */
export function parseDataverseError(text: string): DataverseError {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
    if (body.error && typeof body.error.message === 'string') {
      return { code: typeof body.error.code === 'string' ? body.error.code : '', message: body.error.message }
    }
  } catch {
    // Not JSON: a proxy's page, an empty body.
  }
  return { code: '', message: text.trim().slice(0, 300) || 'no error body' }
}

/** Retry-After in seconds (Dataverse) or an HTTP date, as ms; null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, nowMs: number): number | null {
  if (header === undefined || header.trim() === '') return null
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000)
  const date = Date.parse(header)
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs)
}

export function classifyResponse(
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
  attempt: number,
  nowMs: number = Date.now(),
): Verdict {
  if (status >= 200 && status < 300) return { kind: 'ok' }
  const error = parseDataverseError(body)
  const base = { status, code: error.code, message: error.message }
  if (status === 429) {
    return {
      kind: 'retriable',
      ...base,
      reason: 'throttled',
      waitMs: retryAfterMs(headers['retry-after'], nowMs) ?? backoffMs(attempt),
    }
  }
  if (status === 401 || status === 403) return { kind: 'fatal', ...base }
  if (status >= 500 || status === 408) {
    const after = retryAfterMs(headers['retry-after'], nowMs)
    return { kind: 'retriable', ...base, reason: 'server-error', waitMs: after ?? backoffMs(attempt) }
  }
  if (SCHEMA_MISMATCH_CODES.has(error.code) || SCHEMA_MISMATCH_TEXT.test(error.message))
    return { kind: 'fatal', ...base }
  return { kind: 'skippable', ...base }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
])

/** A thrown transport error: resets and timeouts are retriable; anything else is fatal. */
export function classifyNetworkError(error: unknown, attempt: number): Verdict {
  const code = (error as { code?: string }).code ?? ''
  const message = error instanceof Error ? error.message : String(error)
  if (NETWORK_CODES.has(code) || /socket hang up|other side closed|timeout/i.test(message)) {
    return {
      kind: 'retriable',
      status: 0,
      code: code || 'network',
      message,
      reason: 'network',
      waitMs: backoffMs(attempt),
    }
  }
  if (/self[- ]signed|certificate|CERT_/i.test(message + code)) {
    return {
      kind: 'fatal',
      status: 0,
      code: code || 'tls',
      message: `${message}. The environment's certificate is not trusted; for the sandbox, set caCertFile in the target profile.`,
    }
  }
  return { kind: 'fatal', status: 0, code: code || 'network', message }
}
