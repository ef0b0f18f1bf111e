/**
 * Service-protection limits under load: 429 with Retry-After and the documented codes and messages
 * for the request count, the combined execution time and concurrency, per user, with the time
 * scale shortening the window ([limits]).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startTestSandbox, type SandboxResponse, type TestSandbox } from '../../support/sandbox'

const LIMITS = 'https://learn.microsoft.com/power-apps/developer/data-platform/api-limits'

describe('sandbox service-protection limits', () => {
  let sb: TestSandbox | null = null
  afterEach(async () => {
    await sb?.close()
    sb = null
  })

  it(`answers 429 0x80072322 with Retry-After once the request count of the window is used, and recovers (${LIMITS})`, async () => {
    // K = 150: a 2 s window holding 40 requests, the documented 20 requests per second.
    sb = await startTestSandbox({
      limits: 'realistic',
      timeScale: 150,
      applicationUsers: 2,
      certificateCredential: false,
    })
    const s = sb
    await s.token(0)
    await s.token(1)
    const results: SandboxResponse[] = []
    for (let i = 0; i < 50; i++) results.push(await s.request('GET', 'WhoAmI'))
    const throttled = results.filter((r) => r.status === 429)
    expect(results.filter((r) => r.status === 200)).toHaveLength(40)
    expect(throttled).toHaveLength(10)
    const first = throttled[0]
    expect(Number(first?.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(Number(first?.headers['retry-after'])).toBeLessThanOrEqual(2)
    expect(Number(first?.headers['x-ms-dop-hint'])).toBeGreaterThan(0)
    expect(first?.json()).toEqual({
      error: {
        code: '0x80072322',
        message: 'Number of requests exceeded the limit of 40 over time window of 2 seconds.',
      },
    })
    // Limits are per user: the second application user still has its whole budget.
    expect((await s.request('GET', 'WhoAmI', { app: 1 })).status).toBe(200)
    await expect
      .poll(async () => (await s.request('GET', 'WhoAmI')).status, { timeout: 5000, interval: 250 })
      .toBe(200)
    const stats = (await s.admin('GET', '/_sandbox/stats')).json<{
      users: Array<{ throttled: { requests: number } }>
      configuration: { limits: { maxRequests: number; windowMs: number } }
    }>()
    expect(stats.configuration.limits).toMatchObject({
      maxRequests: 40,
      windowMs: 2000,
      requestsPerSecond: 20,
    })
    expect(stats.users.some((u) => u.throttled.requests >= 10)).toBe(true)
  })

  it(`answers 429 0x80072321 once the combined execution time of the window is spent (${LIMITS})`, async () => {
    // K = 150: 8,000 ms of execution per 2 s window; each request is held 1,500 ms, and stays in
    // the window for 2 s after it ends.
    sb = await startTestSandbox({
      limits: 'realistic',
      timeScale: 150,
      latency: { baseMs: 1500, perRecordMs: 0 },
      applicationUsers: 1,
      certificateCredential: false,
    })
    const s = sb
    await s.token()
    const burst = await Promise.all(Array.from({ length: 6 }, () => s.request('GET', 'WhoAmI')))
    expect(burst.every((r) => r.status === 200)).toBe(true)
    const next = await s.request('GET', 'WhoAmI')
    expect(next.status).toBe(429)
    expect(next.json<{ error: { code: string; message: string } }>().error).toEqual({
      code: '0x80072321',
      message:
        'Combined execution time of incoming requests exceeded limit of 8,000 milliseconds over time window of 2 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.',
    })
    expect(Number(next.headers['retry-after'])).toBeGreaterThanOrEqual(1)
  })

  it(`refuses requests over the concurrency limit at once with 0x80072326 (${LIMITS})`, async () => {
    sb = await startTestSandbox({
      limits: { maxConcurrent: 3 },
      latency: { baseMs: 300, perRecordMs: 0 },
      applicationUsers: 1,
      certificateCredential: false,
    })
    const s = sb
    await s.token()
    const results = await Promise.all(Array.from({ length: 6 }, () => s.request('GET', 'WhoAmI')))
    expect(results.filter((r) => r.status === 200)).toHaveLength(3)
    const refused = results.filter((r) => r.status === 429)
    expect(refused).toHaveLength(3)
    expect(refused[0]?.json()).toEqual({
      error: { code: '0x80072326', message: 'Number of concurrent requests exceeded the limit of 3.' },
    })
  })

  it('holds each response for the latency model: base plus per-record time', async () => {
    sb = await startTestSandbox({ latency: '100,2', applicationUsers: 1, certificateCredential: false })
    const s = sb
    await s.token()
    const started = performance.now()
    const targets = Array.from({ length: 100 }, (_, i) => ({
      '@odata.type': 'Microsoft.Dynamics.CRM.contact',
      lastname: `L${i}`,
    }))
    const res = await s.request('POST', 'contacts/Microsoft.Dynamics.CRM.CreateMultiple', {
      body: { Targets: targets },
    })
    expect(res.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(300)
    const stats = (await s.admin('GET', '/_sandbox/stats')).json<{ users: Array<{ executionMs: number }> }>()
    expect(Math.max(...stats.users.map((u) => u.executionMs))).toBeGreaterThanOrEqual(300)
  })

  it('applies a latency change from the next response on', async () => {
    sb = await startTestSandbox({ latency: '0', applicationUsers: 1, certificateCredential: false })
    const s = sb
    await s.token()
    const timed = async () => {
      const started = performance.now()
      expect((await s.request('GET', 'WhoAmI')).status).toBe(200)
      return performance.now() - started
    }
    s.sandbox.setLatency('400')
    expect(await timed()).toBeGreaterThanOrEqual(400)
    s.sandbox.setLatency({ baseMs: 0, perRecordMs: 0 })
    expect(await timed()).toBeLessThan(400)
  })
})
