import { describe, expect, it } from 'vitest'
import {
  backoffMs,
  classifyNetworkError,
  classifyResponse,
  parseDataverseError,
  retryAfterMs,
} from '../../../../../electron/engine/target/dataverse/classify-response'

const err = (code: string, message: string) => JSON.stringify({ error: { code, message } })

describe('classifyResponse', () => {
  it('waits the full Retry-After on 429 (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits)', () => {
    const v = classifyResponse(
      429,
      { 'retry-after': '17' },
      err('0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.'),
      0,
    )
    expect(v).toMatchObject({ kind: 'retriable', reason: 'throttled', waitMs: 17_000, code: '0x80072322' })
    expect(classifyResponse(429, {}, '', 3)).toMatchObject({ kind: 'retriable', waitMs: 8_000 })
    expect(classifyResponse(429, { 'retry-after': '0.5' }, '', 0)).toMatchObject({ waitMs: 500 })
  })

  it('is fatal on 401 and 403, and on a request naming a column or table the target lacks', () => {
    expect(classifyResponse(401, {}, '', 0).kind).toBe('fatal')
    expect(
      classifyResponse(403, {}, err('0x80040220', 'Principal user is missing prvCreateContact'), 0).kind,
    ).toBe('fatal')
    expect(
      classifyResponse(
        400,
        {},
        err('0x0', "Invalid property 'lb_sourceid' was found in entity 'Microsoft.Dynamics.CRM.contact'."),
        0,
      ).kind,
    ).toBe('fatal')
    expect(
      classifyResponse(404, {}, err('0x8006088a', "Resource not found for the segment 'lb_loans'."), 0).kind,
    ).toBe('fatal')
  })

  it('retries 5xx and 408 with backoff, honouring Retry-After when sent', () => {
    expect(classifyResponse(503, {}, '<html>', 2)).toMatchObject({
      kind: 'retriable',
      reason: 'server-error',
      waitMs: 4_000,
    })
    expect(classifyResponse(502, { 'retry-after': '3' }, '', 0)).toMatchObject({ waitMs: 3_000 })
    expect(classifyResponse(408, {}, '', 0).kind).toBe('retriable')
  })

  it('skips a record-level 4xx, keeping Dataverse code and message', () => {
    const v = classifyResponse(
      400,
      {},
      err(
        '0x80044331',
        "A validation error occurred. The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed length of '200'.",
      ),
      0,
    )
    expect(v).toMatchObject({ kind: 'skippable', code: '0x80044331', status: 400 })
    expect(
      classifyResponse(412, {}, err('', 'A record with matching key values already exists.'), 0).kind,
    ).toBe('skippable')
    expect(classifyResponse(404, {}, err('0x80040217', 'contact With Ids = 1 Do Not Exist'), 0).kind).toBe(
      'skippable',
    )
  })

  it('treats 2xx as ok', () => {
    expect(classifyResponse(204, {}, '', 0)).toEqual({ kind: 'ok' })
  })
})

describe('helpers', () => {
  it('reads the error body, or keeps a non-JSON body as the message', () => {
    expect(parseDataverseError(err('0x1', 'm'))).toEqual({ code: '0x1', message: 'm' })
    expect(parseDataverseError('Bad gateway')).toEqual({ code: '', message: 'Bad gateway' })
  })
  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('2', 0)).toBe(2000)
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000)
    expect(retryAfterMs('soon', 0)).toBeNull()
    expect(retryAfterMs(undefined, 0)).toBeNull()
  })
  it('doubles the backoff up to a minute', () => {
    expect([0, 1, 2, 10].map(backoffMs)).toEqual([1000, 2000, 4000, 60_000])
  })
  it('retries resets and timeouts, and explains an untrusted certificate', () => {
    expect(
      classifyNetworkError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 0).kind,
    ).toBe('retriable')
    expect(
      classifyNetworkError(
        Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
        1,
      ),
    ).toMatchObject({ kind: 'retriable', waitMs: 2000 })
    const tls = classifyNetworkError(
      Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      0,
    )
    expect(tls.kind).toBe('fatal')
    if (tls.kind === 'fatal') expect(tls.message).toMatch(/caCertFile/)
  })
})
