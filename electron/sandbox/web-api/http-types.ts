/**
 * The Web API's request and response as the router sees them: already authenticated, body read,
 * headers lower-cased. `$batch` parts are the same shape, so one router serves both.
 */
import type { CallContext, ServiceRoot } from './context'

/** One Web API request (top-level or a `$batch` part). */
export type ApiRequest = Readonly<{
  method: string
  /** The path after `/api/data/v9.2/`, percent-decoded segments kept as sent. */
  path: string
  query: URLSearchParams
  headers: Readonly<Record<string, string>>
  body: string | null
  ctx: CallContext
  root: ServiceRoot
  /** The URL as the client sent it (for error messages that quote it). */
  url: string
}>

/** A Web API response before the HTTP layer adds limits, dop hint and latency. */
export type ApiResponse = {
  status: number
  headers: Record<string, string>
  body: string | Buffer | null
  /** How many records the request wrote or read (the latency model's per-record count). */
  records: number
}

/** A parsed `Prefer` header ([compose], [paging], [batch]). */
export type Preferences = Readonly<{
  returnRepresentation: boolean
  includeAnnotations: string | null
  maxPageSize: number | null
  continueOnError: boolean
}>

/** Reads the `Prefer` header. */
export function parsePrefer(header: string | undefined): Preferences {
  let returnRepresentation = false
  let includeAnnotations: string | null = null
  let maxPageSize: number | null = null
  let continueOnError = false
  for (const part of (header ?? '').split(',')) {
    const item = part.trim()
    if (item === '') continue
    const eq = item.indexOf('=')
    const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase()
    const value = eq < 0 ? '' : item.slice(eq + 1).trim()
    if (name === 'return' && value === 'representation') returnRepresentation = true
    else if (name === 'odata.include-annotations') includeAnnotations = value.replace(/^"|"$/g, '')
    else if (name === 'odata.maxpagesize') {
      const n = Number(value)
      if (Number.isInteger(n) && n > 0) maxPageSize = n
    } else if (name === 'odata.continue-on-error') continueOnError = true
  }
  // A comma inside include-annotations="a,b" splits above; rebuild it from the raw header.
  const raw = /odata\.include-annotations="([^"]*)"/i.exec(header ?? '')
  if (raw !== null) includeAnnotations = raw[1] ?? includeAnnotations
  return { returnRepresentation, includeAnnotations, maxPageSize, continueOnError }
}

/** A JSON response. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  records = 1,
): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; odata.metadata=minimal', ...headers },
    body: JSON.stringify(body),
    records,
  }
}

/** A response without a body (204 and friends). */
export function emptyResponse(
  status: number,
  headers: Record<string, string> = {},
  records = 1,
): ApiResponse {
  return { status, headers, body: null, records }
}
