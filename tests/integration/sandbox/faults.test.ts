/**
 * Fault injection: every fault kind (5xx, connection reset, timeout, slow response) and the
 * reproducibility of a seeded fault stream.
 */
import { Agent, fetch } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestSandbox, type TestSandbox } from '../../support/sandbox'

describe('sandbox fault injection', () => {
  const open: TestSandbox[] = []
  const start = async (faults: string, seed = 1) => {
    const sb = await startTestSandbox({ faults, seed, applicationUsers: 1, certificateCredential: false })
    open.push(sb)
    await sb.token()
    return sb
  }
  afterEach(async () => {
    for (const sb of open.splice(0)) await sb.close()
  })

  const accounts = (sb: TestSandbox) => sb.sandbox.stateHash().tables['account'] ?? 0

  it('answers 500 or 503 before running the request, so nothing is written', async () => {
    const sb = await start('5xx=1')
    const res = await sb.request('POST', 'accounts', { body: { name: 'never' } })
    expect([500, 503]).toContain(res.status)
    expect(res.json<{ error: { code: string } }>().error.code).toBe('0x80040216')
    expect(accounts(sb)).toBe(0)
  })

  it('resets the connection after committing the request (an unknown outcome for the client)', async () => {
    const sb = await start('reset=1')
    await expect(sb.request('POST', 'accounts', { body: { name: 'committed' } })).rejects.toThrow()
    expect(accounts(sb)).toBe(1)
  })

  it('withholds the response of a committed request until the client gives up (timeout)', async () => {
    const sb = await start('timeout=1,timeoutms=60000')
    const dispatcher = new Agent({ connect: { ca: sb.sandbox.caCertPem } })
    const token = await sb.token()
    await expect(
      fetch(`${sb.api}accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'held' }),
        dispatcher,
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow()
    expect(accounts(sb)).toBe(1)
    await dispatcher.close()
  })

  it('answers slowly but correctly', async () => {
    const sb = await start('slow=1,slowms=400')
    const started = performance.now()
    const res = await sb.request('GET', 'WhoAmI')
    expect(res.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(400)
    const stats = (await sb.admin('GET', '/_sandbox/stats')).json<{ faults: Record<string, number> }>()
    expect(stats.faults['slow']).toBe(1)
  })

  it('draws the same faults for the same seed and request order, and others for another seed', async () => {
    const run = async (seed: number) => {
      const sb = await start('5xx=0.3,slow=0.1,slowms=1', seed)
      const statuses: number[] = []
      for (let i = 0; i < 40; i++) statuses.push((await sb.request('GET', 'WhoAmI')).status)
      return statuses
    }
    const a = await run(42)
    const b = await run(42)
    const c = await run(7)
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
    expect(a.filter((s) => s >= 500).length).toBeGreaterThan(3)
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(15)
  })
})
