/**
 * GUIDs for the sandbox: random ones for new records, stable ones (derived from a name) for seeded
 * metadata so that a fresh sandbox always has the same metadata ids.
 */
import { randomUUID } from 'node:crypto'

/** A GUID as Dataverse prints it: lower-case, hyphenated, no braces. */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A new random GUID. */
export const newGuid = (): string => randomUUID()

/** The empty GUID (used by `processid` to skip automatic BPFs, WEB-API-NOTES §10). */
export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000'

/**
 * A name-derived GUID: the same inputs always give the same id. A fast non-cryptographic 128-bit
 * hash (cyrb128: four mixed 32-bit lanes) in the RFC 4122 layout; the sandbox derives ~30,000 of
 * these per schema, where SHA-1 cost a quarter of a second.
 */
export function stableGuid(...parts: ReadonlyArray<string>): string {
  const text = `leafbridge-sandbox:${parts.join('/')}`
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  const hex = [h1, h2, h3, h4].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('')
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** Is `value` a GUID string? */
export const isGuid = (value: unknown): value is string =>
  typeof value === 'string' && GUID_PATTERN.test(value)

/** Lower-cases a GUID (Dataverse compares them case-insensitively and prints them lower-case). */
export const normaliseGuid = (value: string): string => value.toLowerCase()
