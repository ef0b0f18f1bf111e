/**
 * GUIDs for the sandbox: random ones for new records, stable ones (derived from a name) for seeded
 * metadata so that a fresh sandbox always has the same metadata ids.
 */
import { createHash, randomUUID } from 'node:crypto'

/** A GUID as Dataverse prints it: lower-case, hyphenated, no braces. */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A new random GUID. */
export const newGuid = (): string => randomUUID()

/** The empty GUID (used by `processid` to skip automatic BPFs, WEB-API-NOTES §10). */
export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000'

/** A name-derived GUID (SHA-1 based, RFC 4122 v5 layout): the same inputs always give the same id. */
export function stableGuid(...parts: ReadonlyArray<string>): string {
  const hash = createHash('sha1')
    .update(`leafbridge-sandbox:${parts.join('/')}`)
    .digest()
  const bytes = Buffer.from(hash.subarray(0, 16))
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Is `value` a GUID string? */
export const isGuid = (value: unknown): value is string =>
  typeof value === 'string' && GUID_PATTERN.test(value)

/** Lower-cases a GUID (Dataverse compares them case-insensitively and prints them lower-case). */
export const normaliseGuid = (value: string): string => value.toLowerCase()
