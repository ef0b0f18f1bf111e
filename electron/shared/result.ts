/**
 * The envelope every contract call answers with, on every transport.
 *
 * Nothing is thrown across IPC, HTTP or the CLI boundary: a thrown error would arrive without its
 * class or fields (https://www.electronjs.org/docs/latest/api/ipc-renderer#ipcrendererinvokechannel-args).
 */
import { z } from 'zod'

/** How a caller should react to an error. */
export const ERROR_KINDS = ['fatal', 'retriable', 'skippable', 'bug'] as const
export type ErrorKind = (typeof ERROR_KINDS)[number]

/** A serialisable error: `code` is a stable kebab-case identifier, `message` says what to do. */
export type AppErrorData = Readonly<{
  code: string
  kind: ErrorKind
  message: string
  details?: Readonly<Record<string, unknown>>
}>

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AppErrorData }

export const ok = <T>(value: T): Result<T> => ({ ok: true, value })
export const fail = (error: AppErrorData): Result<never> => ({ ok: false, error })

export const appErrorDataSchema = z.object({
  code: z.string(),
  kind: z.enum(ERROR_KINDS),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
})

/** Checks that an untrusted value (an HTTP body, a message from another process) is a Result envelope. */
export const resultEnvelopeSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: appErrorDataSchema }),
])
