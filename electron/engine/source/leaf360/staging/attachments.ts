/**
 * Attachment rows and their binaries (EXPORT-FORMAT.md §4.9; defects D12, D13, D14, D36).
 *
 * `stored_path` is never used as a path unless it is exactly `files/{file_id}/` plus one safe
 * name; a binary is only ever streamed (hashed and sniffed chunk by chunk), never buffered.
 */
import { createHash } from 'node:crypto'
import type { ExportSource } from '../reader/export-source'
import { IssueList } from '../validate/issues'
import type { RowDecision, StageDecision } from '../validate/row-validator'

/** §9 D14: 128 MB. */
export const OVERSIZED_BYTES = 131_072_000

const RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])$/i
// eslint-disable-next-line no-control-regex -- control characters are exactly what D13 forbids
const FORBIDDEN = /[\u0000-\u001f\u007f/\\:*?"<>|]/g

/** Is `name` (one path segment) a reserved Windows device name, whatever its case and extension? */
export const isReservedName = (name: string): boolean => RESERVED.test(name.split('.')[0] ?? '')

/**
 * D13: a safe file name from an uploaded one: basename, `_` for forbidden characters, `_`
 * prefixed to a reserved name, at most 255 bytes with the extension kept.
 */
export function safeFileName(original: string): string {
  const base = original.split(/[/\\]/).pop() ?? ''
  let name = base.replace(FORBIDDEN, '_')
  if (name === '' || name === '.' || name === '..') name = '_'
  if (isReservedName(name)) name = `_${name}`
  if (Buffer.byteLength(name, 'utf8') > 255) {
    const dot = name.lastIndexOf('.')
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : ''
    let stem = name.slice(0, name.length - ext.length)
    while (Buffer.byteLength(stem + ext, 'utf8') > 255) stem = stem.slice(0, -1)
    name = stem + ext
  }
  return name
}

/** Why a `stored_path` may not be used (D13), or null when it is `files/{file_id}/<one safe name>`. */
export function unsafeStoredPath(storedPath: string, fileId: string): string | null {
  const prefix = `files/${fileId}/`
  if (!storedPath.startsWith(prefix)) return `it is not under ${prefix}`
  const name = storedPath.slice(prefix.length)
  if (name === '' || name.includes('/')) return 'it is not one file name under the folder'
  if (name === '.' || name === '..') return `its name is ${name}`
  if (isReservedName(name)) return 'its name is a reserved Windows device name'
  // eslint-disable-next-line no-control-regex -- control characters are forbidden in stored names
  if (/[\\:\u0000-\u001f\u007f]/.test(name)) return 'its name holds \\, : or a control character'
  return null
}

/** The content type the first bytes show, or null when they show none this reader knows. */
export function sniffType(head: Uint8Array): string | null {
  const s = (from: number, text: string) => text.split('').every((c, i) => head[from + i] === c.charCodeAt(0))
  if (s(0, '%PDF')) return 'application/pdf'
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg'
  if (head[0] === 0x89 && s(1, 'PNG')) return 'image/png'
  if (s(0, 'GIF8')) return 'image/gif'
  if (s(4, 'ftyp') && (s(8, 'heic') || s(8, 'heix') || s(8, 'mif1') || s(8, 'heif'))) return 'image/heic'
  if ((s(0, 'II') && head[2] === 42) || (s(0, 'MM') && head[3] === 42)) return 'image/tiff'
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4) return 'application/zip'
  return null
}

const TYPE_OF_EXTENSION: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heic',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  docx: 'application/zip',
  xlsx: 'application/zip',
  zip: 'application/zip',
}

/** The type a MIME value or a file extension declares, in sniffType's terms. */
function declaredType(mime: unknown, name: string): string | null {
  if (typeof mime === 'string' && mime.length > 0) {
    const m = mime.toLowerCase()
    if (m === 'image/jpg') return 'image/jpeg'
    if (m === 'image/heif') return 'image/heic'
    if (m.includes('openxmlformats')) return 'application/zip'
    if (Object.values(TYPE_OF_EXTENSION).includes(m)) return m
  }
  const ext = name.toLowerCase().split('.').pop() ?? ''
  return TYPE_OF_EXTENSION[ext] ?? null
}

/** What streaming a binary found. */
type BinaryFacts = Readonly<{ size: number; sha256: string; type: string | null; encryptedPdf: boolean }>

async function streamBinary(source: ExportSource, path: string): Promise<BinaryFacts> {
  const hash = createHash('sha256')
  let size = 0
  let head: Uint8Array = new Uint8Array(0)
  let tail = ''
  let encrypted = false
  for await (const chunk of await source.open(path)) {
    const bytes = chunk as Buffer
    hash.update(bytes)
    size += bytes.length
    if (head.length < 16) head = Buffer.concat([head, bytes.subarray(0, 16 - head.length)])
    if (!encrypted) {
      // The overlap keeps a marker split across chunks.
      const text = tail + bytes.toString('latin1')
      if (text.includes('/Encrypt')) encrypted = true
      tail = text.slice(-8)
    }
  }
  const type = sniffType(head)
  return { size, sha256: hash.digest('hex'), type, encryptedPdf: type === 'application/pdf' && encrypted }
}

/** Where the binary of a row is: its stored_path, else the one file under files/{file_id}/. */
function binaryPathOf(
  storedPath: string | null,
  fileId: string,
  binaries: ReadonlyMap<string, number>,
): string | null {
  if (storedPath !== null) return binaries.has(storedPath) ? storedPath : null
  const prefix = `files/${fileId}/`
  const candidates = [...binaries.keys()].filter(
    (p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'),
  )
  return candidates.length === 1 ? candidates[0]! : null
}

/**
 * Completes an attachment row: D13 file name and stored path, then the binary's state, size,
 * hash and type (D12, D14, D36), recorded under `_binary` in the row's data.
 */
export async function checkAttachment(
  decision: StageDecision,
  source: ExportSource,
  binaries: ReadonlyMap<string, number>,
): Promise<RowDecision> {
  const data = { ...decision.data }
  const issues = new IssueList()
  issues.items.push(...decision.issues)
  const fileId = decision.sourceId

  const original = data['original_filename']
  if (typeof original === 'string') {
    const safe = safeFileName(original)
    if (safe !== original) {
      issues.warn('D13', 'original_filename', original, 'unsafe_original_filename')
      data['original_filename'] = safe
    }
  }
  const stored = typeof data['stored_path'] === 'string' ? (data['stored_path'] as string) : null
  if (stored !== null) {
    const why = unsafeStoredPath(stored, fileId)
    if (why !== null) {
      return {
        kind: 'quarantine',
        reason: 'unsafe_path',
        defect: 'D13',
        message: `stored_path ${JSON.stringify(stored)} is unsafe (${why}); it was never used as a path.`,
        sourceId: fileId,
      }
    }
  }

  const declaredSize = typeof data['size_bytes'] === 'number' ? (data['size_bytes'] as number) : null
  const declaredSha = typeof data['sha256'] === 'string' ? (data['sha256'] as string).toLowerCase() : null
  const present = data['binary_present']
  const path = binaryPathOf(stored, fileId, binaries)
  let binary: Record<string, unknown>
  if (path === null) {
    issues.warn(
      'D12',
      'binary_present',
      present === false ? 'false' : 'true',
      present === false ? 'binary_not_included' : 'binary_absent',
    )
    const oversized = declaredSize !== null && declaredSize > OVERSIZED_BYTES
    if (oversized) issues.warn('D14', 'size_bytes', String(declaredSize), 'oversized')
    // A password-protected file needs manual handling whether or not its binary came along.
    if (data['is_password_protected'] === true)
      issues.warn('D36', 'is_password_protected', 'true', 'password_protected')
    binary = { state: 'missing', path: null, size: null, sha256: null, type: null, oversized }
  } else {
    const facts = await streamBinary(source, path)
    const oversized = facts.size > OVERSIZED_BYTES
    let state = 'present'
    if (facts.size === 0) {
      state = 'empty'
      issues.warn('D12', 'binary_present', '0 bytes', 'binary_empty')
    }
    if (present === false) issues.warn('D36', 'binary_present', 'false', 'binary_present_false')
    if (oversized) issues.warn('D14', 'size_bytes', String(facts.size), 'oversized')
    if (declaredSize !== null && declaredSize !== facts.size) {
      issues.warn('D36', 'size_bytes', String(declaredSize), 'size_mismatch')
    }
    if (declaredSha !== null && facts.size > 0 && declaredSha !== facts.sha256) {
      issues.warn('D36', 'sha256', declaredSha, 'sha256_mismatch')
    }
    const declared = declaredType(data['mime_type'], typeof original === 'string' ? original : path)
    if (facts.type !== null && declared !== null && facts.type !== declared) {
      issues.warn('D36', 'mime_type', String(data['mime_type'] ?? ''), 'type_mismatch')
    }
    if (data['is_password_protected'] === true || facts.encryptedPdf) {
      issues.warn('D36', 'is_password_protected', String(data['is_password_protected']), 'password_protected')
    }
    binary = { state, path, size: facts.size, sha256: facts.sha256, type: facts.type, oversized }
  }
  data['_binary'] = binary
  return { ...decision, data, issues: issues.items }
}
