/**
 * The checks `leafbridge serve` applies to every request (STYLE.md §3): the Host must be our
 * loopback address (against DNS rebinding), an Origin, when sent, must be ours, and API calls must
 * carry the session token, compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

export const LOOPBACK = '127.0.0.1'

/** 32 random bytes, base64url: the session token of one server start. */
export const newSessionToken = (): string => randomBytes(32).toString('base64url')

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest()

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b)) && a.length === b.length
}

export type Verdict = Readonly<{ ok: true }> | Readonly<{ ok: false; status: 401 | 403; reason: string }>

/** Host and Origin checks, for every request (static files included). */
export function checkOrigin(headers: IncomingHttpHeaders, port: number): Verdict {
  const expectedHost = `${LOOPBACK}:${port}`
  if (headers.host !== expectedHost) {
    return { ok: false, status: 403, reason: `Host must be ${expectedHost}` }
  }
  const origin = headers.origin
  if (origin !== undefined && origin !== `http://${expectedHost}`) {
    return { ok: false, status: 403, reason: 'foreign Origin' }
  }
  return { ok: true }
}

/** The bearer-token check, for every API request. */
export function checkToken(headers: IncomingHttpHeaders, token: string): Verdict {
  const header = headers.authorization ?? ''
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  if (!match || !secretsEqual(match[1]!, token)) {
    return { ok: false, status: 401, reason: 'missing or wrong session token' }
  }
  return { ok: true }
}

/** The renderer's Content-Security-Policy, sent as a header in server mode (a meta tag in the app). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')
