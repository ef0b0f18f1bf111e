import { request } from 'node:http'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobEvent } from '../../../electron/shared/jobs'
import { createEngine, type Engine } from '../../../electron/engine/service'
import { type RunningServer, startServer } from '../../../electron/server/server'
import { useTempDirs } from '../../support/temp-dir'

/** A raw request, so tests control Host and Origin exactly as an attacker could. */
function raw(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

describe('leafbridge serve over HTTP', () => {
  const tempDir = useTempDirs()
  let engine: Engine
  let server: RunningServer
  let auth: Record<string, string>

  beforeEach(async () => {
    engine = createEngine({ host: 'server' })
    server = await startServer({ engine, port: 0, rendererDir: null })
    auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }
  })
  afterEach(async () => {
    await server.close()
    await engine.dispose()
  })

  it('prints a 127.0.0.1 URL carrying a 32-byte token in the fragment', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/)
  })

  it('answers 401 without the token and with a wrong one', async () => {
    const none = await raw(server.port, {
      method: 'POST',
      path: '/api/app:get-info',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    expect(none.status).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer')
    const wrong = await raw(server.port, {
      method: 'POST',
      path: '/api/app:get-info',
      headers: { ...auth, authorization: 'Bearer nope' },
      body: '{}',
    })
    expect(wrong.status).toBe(401)
    const events = await raw(server.port, { path: '/api/events' })
    expect(events.status).toBe(401)
  })

  it('answers 403 to a foreign Origin or Host, even with the token (DNS rebinding)', async () => {
    const origin = await raw(server.port, {
      method: 'POST',
      path: '/api/app:get-info',
      headers: { ...auth, origin: 'http://evil.example' },
      body: '{}',
    })
    expect(origin.status).toBe(403)
    const host = await raw(server.port, {
      method: 'POST',
      path: '/api/app:get-info',
      headers: { ...auth, host: `evil.example:${server.port}` },
      body: '{}',
    })
    expect(host.status).toBe(403)
    const page = await raw(server.port, { path: '/', headers: { host: `rebound.example:${server.port}` } })
    expect(page.status).toBe(403)
  })

  it('answers a channel with its Result, and refuses wrong methods, media types, unknown channels and huge bodies', async () => {
    const info = await raw(server.port, {
      method: 'POST',
      path: '/api/app:get-info',
      headers: { ...auth, origin: server.origin },
      body: '{}',
    })
    expect(info.status).toBe(200)
    expect(JSON.parse(info.body)).toMatchObject({ ok: true, value: { name: 'Leafbridge', host: 'server' } })
    expect((await raw(server.port, { path: '/api/app:get-info', headers: auth })).status).toBe(405)
    expect(
      (
        await raw(server.port, {
          method: 'POST',
          path: '/api/app:get-info',
          headers: { ...auth, 'content-type': 'text/plain' },
          body: '{}',
        })
      ).status,
    ).toBe(415)
    expect(
      (await raw(server.port, { method: 'POST', path: '/api/nope:nothing', headers: auth, body: '{}' }))
        .status,
    ).toBe(404)
    expect(
      (
        await raw(server.port, {
          method: 'POST',
          path: '/api/app:get-info',
          headers: auth,
          body: '{not json',
        })
      ).status,
    ).toBe(400)
    expect(
      (
        await raw(server.port, {
          method: 'POST',
          path: '/api/app:get-info',
          headers: auth,
          body: 'x'.repeat(1024 * 1024 + 10),
        })
      ).status,
    ).toBe(413)
    const invalid = await raw(server.port, {
      method: 'POST',
      path: '/api/workspace:open',
      headers: auth,
      body: '{"path":""}',
    })
    expect(JSON.parse(invalid.body)).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
  })

  it('streams job events over SSE to a client holding the token', async () => {
    const dir = tempDir()
    await engine.dispatch('workspace:create', { path: join(dir, 'w.leafbridge') })
    const controller = new AbortController()
    const response = await fetch(`${server.origin}/api/events`, {
      headers: { authorization: auth.authorization! },
      signal: controller.signal,
    })
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    const started = await engine.dispatch('workspace:backup', { destination: join(dir, 'copy.leafbridge') })
    expect(started.ok).toBe(true)
    const kinds: string[] = []
    let text = ''
    while (!kinds.includes('finished')) {
      const { value, done } = await reader.read()
      if (done) break
      text += value
      for (const m of text.matchAll(/event: job:event\ndata: (.*)\n\n/g))
        kinds.push((JSON.parse(m[1]!) as JobEvent).kind)
      text = text.slice(text.lastIndexOf('\n\n') + 2)
    }
    controller.abort()
    expect(kinds[0]).toBe('started')
    expect(kinds).toContain('finished')
  })

  it('says the renderer is not built instead of serving nothing', async () => {
    const page = await raw(server.port, { path: '/' })
    expect(page.status).toBe(503)
    expect(page.body).toMatch(/npm run build/)
  })
})
