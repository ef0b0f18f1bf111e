/**
 * Reads a text/event-stream with fetch (not EventSource), so the session token travels in the
 * Authorization header instead of the URL (STYLE.md §3).
 */

export type SseMessage = Readonly<{ event: string; data: string }>

/** Splits a growing text buffer into complete SSE messages; returns them and the unfinished rest. */
export function parseSseChunk(buffer: string): { messages: SseMessage[]; rest: string } {
  const messages: SseMessage[] = []
  // A chunk may end between the CR and LF of one CRLF: keep that CR for the next chunk.
  const heldBack = buffer.endsWith('\r') ? '\r' : ''
  const normalised = (heldBack ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, '\n')
  const blocks = normalised.split('\n\n')
  const rest = (blocks.pop() ?? '') + heldBack
  for (const block of blocks) {
    let event = 'message'
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || line === '') continue
      const colon = line.indexOf(':')
      const field = colon === -1 ? line : line.slice(0, colon)
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
    }
    if (data.length > 0) messages.push({ event, data: data.join('\n') })
  }
  return { messages, rest }
}

/** Streams `url` until `signal` aborts, reconnecting after a drop; calls `onMessage` per message. */
export async function streamEvents(
  url: string,
  headers: Readonly<Record<string, string>>,
  onMessage: (message: SseMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  let delayMs = 500
  while (!signal.aborted) {
    try {
      const response = await fetch(url, { headers, signal, cache: 'no-store' })
      if (!response.ok || !response.body) throw new Error(`events stream answered ${response.status}`)
      delayMs = 500
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
      let buffer = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        const parsed = parseSseChunk(buffer + value)
        buffer = parsed.rest
        parsed.messages.forEach(onMessage)
      }
    } catch {
      if (signal.aborted) return
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs))
    delayMs = Math.min(delayMs * 2, 10_000)
  }
}
