import { describe, expect, it } from 'vitest'
import { REDACTED, createLogger, redact } from '../../../electron/engine/logger'

describe('logger', () => {
  it('redacts secrets by field name at any depth and bearer tokens inside strings', () => {
    expect(
      redact({
        clientSecret: 's3cr3t',
        nested: { Authorization: 'Bearer abc', list: [{ password: 'p' }], count: 3 },
        note: 'sent Authorization: Bearer eyJhbGciOi.xyz to the API',
      }),
    ).toEqual({
      clientSecret: REDACTED,
      nested: { Authorization: REDACTED, list: [{ password: REDACTED }], count: 3 },
      note: `sent Authorization: Bearer ${REDACTED} to the API`,
    })
  })

  it('writes one JSON line per entry with the secret already removed', () => {
    const lines: string[] = []
    const log = createLogger((l) => lines.push(l), 'test')
    log.info('token acquired', { accessToken: 'abc.def', expiresIn: 3600 })
    expect(lines).toHaveLength(1)
    const entry = JSON.parse(lines[0]!)
    expect(entry).toMatchObject({
      level: 'info',
      scope: 'test',
      message: 'token acquired',
      accessToken: REDACTED,
      expiresIn: 3600,
    })
    expect(lines[0]).not.toContain('abc.def')
  })
})
