/**
 * Per-file text encoding: what the bytes are, which decoding the export format says to use, and
 * streaming decoders for it (EXPORT-FORMAT.md §7 and §9 D07).
 *
 * Node's TextDecoder reads 'windows-1252' as ISO-8859-1 (0x80 stays U+0080 instead of '€'), so the
 * Windows-1252 decoder here is table-driven.
 */
import { createHash } from 'node:crypto'
import { isUtf8 } from 'node:buffer'

/** The encodings a manifest may declare and the reader may detect. */
export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'windows-1252'

/** What one pass over a file's bytes found. */
export type ByteFacts = Readonly<{
  bytes: number
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string
  hasBom: boolean
  /** The bytes after any BOM are valid UTF-8. */
  validUtf8: boolean
  /** No byte is one of the five Windows-1252 leaves undefined. */
  validWindows1252: boolean
}>

/** Windows-1252 bytes 0x80–0x9F; the five undefined ones keep their C1 code point. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d,
  0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x9d, 0x017e, 0x0178,
]
const UNDEFINED_1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d])

/** The Windows-1252 byte of each character that has one (for D25 re-decoding), else undefined. */
export const WINDOWS_1252_BYTE: ReadonlyMap<number, number> = new Map(
  Array.from({ length: 256 }, (_, b) => [b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b, b] as const),
)

/** Decodes Windows-1252 bytes. */
export function decodeWindows1252(bytes: Uint8Array): string {
  const latin = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  return latin.replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80]!))
}

/** Bytes at the end of `chunk` that start a UTF-8 sequence the chunk does not finish. */
function incompleteUtf8Tail(chunk: Uint8Array): number {
  const len = chunk.length
  for (let k = 1; k <= Math.min(3, len); k++) {
    const b = chunk[len - k]!
    if ((b & 0xc0) === 0x80) continue
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
    return need > k ? k : 0
  }
  return 0
}

/** Streams a file's bytes once: size, SHA-256, BOM and validity in both encodings. */
export async function scanBytes(chunks: AsyncIterable<Uint8Array>): Promise<ByteFacts> {
  const hash = createHash('sha256')
  let bytes = 0
  let hasBom = false
  let validUtf8 = true
  let validWindows1252 = true
  // The first bytes are held until there are three, to see whether they are a BOM.
  let head: Buffer | null = Buffer.alloc(0)
  let carry: Uint8Array = new Uint8Array(0)
  const checkUtf8 = (chunk: Uint8Array) => {
    if (!validUtf8) return
    const joined = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk
    const tail = incompleteUtf8Tail(joined)
    if (!isUtf8(joined.subarray(0, joined.length - tail))) validUtf8 = false
    carry = Uint8Array.from(joined.subarray(joined.length - tail))
  }
  for await (const raw of chunks) {
    hash.update(raw)
    bytes += raw.length
    if (validWindows1252) {
      for (let i = 0; i < raw.length; i++) {
        const b = raw[i]!
        if (b >= 0x81 && b <= 0x9d && UNDEFINED_1252.has(b)) {
          validWindows1252 = false
          break
        }
      }
    }
    let chunk: Uint8Array = raw
    if (head !== null) {
      const joined = Buffer.concat([head, raw])
      if (joined.length < 3) {
        head = joined
        continue
      }
      hasBom = joined[0] === 0xef && joined[1] === 0xbb && joined[2] === 0xbf
      chunk = hasBom ? joined.subarray(3) : joined
      head = null
    }
    checkUtf8(chunk)
  }
  if (head !== null) checkUtf8(head)
  if (carry.length > 0) validUtf8 = false
  return { bytes, sha256: hash.digest('hex'), hasBom, validUtf8, validWindows1252 }
}

/** The decision for one file: how to decode it and whether D07 applies. */
export type EncodingDecision = Readonly<{
  encoding: TextEncoding
  /** A D07 warning is due: the file is not UTF-8 without BOM, or disagrees with the manifest. */
  warn: boolean
  /** The warning is informational only (a BOM or Windows-1252 correctly declared). */
  informational: boolean
  /** Says what was found, for the warning. */
  detail: string
}>

/**
 * Applies §9 D07: a BOM means UTF-8; otherwise decode with the declared encoding when the bytes are
 * valid in it, else as UTF-8 when valid, else as Windows-1252.
 */
export function decideEncoding(declared: TextEncoding | null, facts: ByteFacts): EncodingDecision {
  let encoding: TextEncoding
  if (facts.hasBom) encoding = 'utf-8-bom'
  else if (declared === 'windows-1252' && facts.validWindows1252) encoding = 'windows-1252'
  else if (facts.validUtf8) encoding = 'utf-8'
  else encoding = 'windows-1252'
  const agrees = declared === null || declared === encoding
  const warn = encoding !== 'utf-8' || (declared !== null && declared !== encoding)
  const informational = warn && declared === encoding
  const found =
    encoding === 'utf-8-bom' ? 'UTF-8 with a BOM' : encoding === 'windows-1252' ? 'Windows-1252' : 'UTF-8'
  const invalid = !facts.validUtf8 && encoding === 'windows-1252' ? ' (not valid UTF-8)' : ''
  const detail =
    declared === null
      ? `read as ${found}${invalid}; the manifest declares no encoding`
      : agrees
        ? `read as ${found}${invalid}, as the manifest declares`
        : `read as ${found}${invalid}; the manifest declares ${declared}`
  return { encoding, warn, informational, detail }
}

/** Turns a file's byte chunks into text chunks in the decided encoding, BOM stripped. */
export async function* decodeChunks(
  chunks: AsyncIterable<Uint8Array>,
  encoding: TextEncoding,
): AsyncGenerator<string> {
  if (encoding === 'windows-1252') {
    for await (const chunk of chunks) yield decodeWindows1252(chunk)
    return
  }
  // TextDecoder strips a leading BOM by default (ignoreBOM: false).
  const decoder = new TextDecoder('utf-8')
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true })
    if (text.length > 0) yield text
  }
  const rest = decoder.decode()
  if (rest.length > 0) yield rest
}
