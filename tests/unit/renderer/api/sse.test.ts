import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSseChunk } from '../../../../renderer/src/api/sse'

describe('parseSseChunk', () => {
  it('parses named events, joins multi-line data, skips comments and keeps the unfinished tail', () => {
    const { messages, rest } = parseSseChunk(
      'retry: 2000\n\n: ping\n\nevent: job:event\ndata: {"a":1}\n\ndata: one\ndata: two\n\nevent: job:event\ndata: {"b"',
    )
    expect(messages).toEqual([
      { event: 'job:event', data: '{"a":1}' },
      { event: 'message', data: 'one\ntwo' },
    ])
    expect(rest).toBe('event: job:event\ndata: {"b"')
  })

  it('gives the same messages however the stream is cut into chunks', () => {
    const stream =
      'event: job:event\r\ndata: {"x":1}\r\ndata: {"y":1}\r\n\r\nevent: job:event\ndata: {"x":2}\n\n'
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 6 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b)
        let buffer = ''
        const seen: string[] = []
        let last = 0
        for (const p of [...points, stream.length]) {
          const r = parseSseChunk(buffer + stream.slice(last, p))
          buffer = r.rest
          last = p
          seen.push(...r.messages.map((m) => m.data))
        }
        expect(seen).toEqual(['{"x":1}\n{"y":1}', '{"x":2}'])
      }),
    )
  })
})
