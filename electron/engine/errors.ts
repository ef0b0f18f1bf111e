/**
 * Errors inside the engine carry the contract's shape, so the one place that turns throws into
 * Results (service dispatch) never has to guess.
 */
import type { AppErrorData, ErrorKind } from '../shared/result'

/** An error the engine raises on purpose: a stable code, a kind, a message that says what to do. */
export class AppError extends Error {
  readonly code: string
  readonly kind: ErrorKind
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(data: AppErrorData, options?: { cause?: unknown }) {
    super(data.message, options)
    this.name = 'AppError'
    this.code = data.code
    this.kind = data.kind
    this.details = data.details
  }

  toData(): AppErrorData {
    return this.details === undefined
      ? { code: this.code, kind: this.kind, message: this.message }
      : { code: this.code, kind: this.kind, message: this.message, details: this.details }
  }
}

/** Raised inside a job when its cancel was requested; the job manager reports `cancelled`, not `failed`. */
export class CancelledError extends AppError {
  constructor() {
    super({ code: 'cancelled', kind: 'fatal', message: 'The job was cancelled.' })
    this.name = 'CancelledError'
  }
}

/** Any thrown value as contract data; an unexpected throw is a `bug` and says so. */
export function toAppErrorData(error: unknown): AppErrorData {
  if (error instanceof AppError) return error.toData()
  const message = error instanceof Error ? error.message : String(error)
  return {
    code: 'internal-error',
    kind: 'bug',
    message: `Leafbridge hit an unexpected error: ${message}. Nothing was lost; please report this with the log.`,
  }
}
