import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveStatic } from '../../../electron/server/static-files'
import { checkOrigin, checkToken, secretsEqual } from '../../../electron/server/security'
import { useTempDirs } from '../../support/temp-dir'

describe('static files', () => {
  const tempDir = useTempDirs()

  it('serves files inside the renderer folder and never outside it', () => {
    const root = tempDir()
    mkdirSync(join(root, 'assets'))
    writeFileSync(join(root, 'index.html'), '<html>')
    writeFileSync(join(root, 'assets', 'a.js'), '')
    expect(resolveStatic(root, '/')).toBe(join(root, 'index.html'))
    expect(resolveStatic(root, '/assets/a.js?v=1')).toBe(join(root, 'assets', 'a.js'))
    expect(resolveStatic(root, '/../../etc/passwd')).not.toMatch(/passwd$/)
    expect(resolveStatic(root, '/%2e%2e/%2e%2e/etc/passwd')).not.toMatch(/passwd$/)
    expect(resolveStatic(root, '/assets/missing.js')).toBeNull()
    expect(resolveStatic(root, '/%00')).toBeNull()
    expect(resolveStatic(root, '/some/route')).toBe(join(root, 'index.html'))
  })
})

describe('request checks', () => {
  it('accepts only our loopback Host, and an Origin only when it is ours', () => {
    expect(checkOrigin({ host: '127.0.0.1:4000' }, 4000).ok).toBe(true)
    expect(checkOrigin({ host: '127.0.0.1:4000', origin: 'http://127.0.0.1:4000' }, 4000).ok).toBe(true)
    expect(checkOrigin({ host: 'evil.example:4000' }, 4000)).toMatchObject({ ok: false, status: 403 })
    expect(checkOrigin({ host: 'localhost:4000' }, 4000)).toMatchObject({ ok: false, status: 403 })
    expect(checkOrigin({ host: '127.0.0.1:4000', origin: 'http://evil.example' }, 4000)).toMatchObject({
      status: 403,
    })
    expect(checkOrigin({ host: '127.0.0.1:4000', origin: 'null' }, 4000)).toMatchObject({ status: 403 })
  })

  it('demands the exact bearer token', () => {
    expect(checkToken({ authorization: 'Bearer abc' }, 'abc').ok).toBe(true)
    expect(checkToken({ authorization: 'Bearer abcd' }, 'abc')).toMatchObject({ ok: false, status: 401 })
    expect(checkToken({}, 'abc')).toMatchObject({ status: 401 })
    expect(checkToken({ authorization: 'Basic abc' }, 'abc')).toMatchObject({ status: 401 })
    expect(secretsEqual('a', 'a')).toBe(true)
    expect(secretsEqual('a', 'b')).toBe(false)
  })
})
