/**
 * The engine's logger port. Logs carry ids, counts and codes; secrets are redacted before any sink
 * sees them (STYLE.md §10), whatever the caller passed.
 */

export type LogFields = Readonly<Record<string, unknown>>

export type Logger = Readonly<{
  info: (message: string, fields?: LogFields) => void
  warn: (message: string, fields?: LogFields) => void
  error: (message: string, fields?: LogFields) => void
}>

const SECRET_KEY = /authorization|secret|token|password|passwd|cookie|assertion|api[-_]?key|admin[-_]?key/i
export const REDACTED = '[redacted]'

/** A copy of `value` in which every field whose name looks secret is replaced by `[redacted]`. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth limit]'
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? REDACTED : redact(v, depth + 1)
    }
    return out
  }
  if (typeof value === 'string') return value.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, `$1${REDACTED}`)
  return value
}

type Sink = (line: string) => void

/** JSON-lines logger writing to `sink` (stderr by default), with redaction. */
export function createLogger(
  sink: Sink = (line) => process.stderr.write(line + '\n'),
  scope?: string,
): Logger {
  const write = (level: string, message: string, fields?: LogFields) => {
    const entry = {
      at: new Date().toISOString(),
      level,
      ...(scope ? { scope } : {}),
      message,
      ...(fields ?? {}),
    }
    sink(JSON.stringify(redact(entry)))
  }
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  }
}

/** A logger that drops everything: for tests and quiet CLI runs. */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} }
