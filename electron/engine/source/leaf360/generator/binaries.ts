/**
 * Attachment binaries and file names (§4.9, §11.5). Binaries are small placeholders with the magic
 * bytes of their type (§11.1 allows placeholder bytes), derived from the file id so every export of
 * a portal holds the same bytes. Unsafe upload names (D13) and their normalisation live here too.
 */
import type { Rng } from './random'

/** The kinds of binary the generator writes. */
export type BinaryKind = 'pdf' | 'jpeg' | 'heic' | 'docx'

/** A placeholder binary of `kind` (a few hundred bytes to a few KiB), unique per file id. */
export function placeholderBinary(kind: BinaryKind, fileId: string, docType: string): Buffer {
  const note = `Leafbridge synthetic ${docType} document ${fileId}. Not a real document.`
  const pad = 'x'.repeat(200 + (Number(fileId.slice(-3)) % 7) * 300)
  switch (kind) {
    case 'pdf':
      return Buffer.from(
        `%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n% ${note}\n% ${pad}\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`,
        'latin1',
      )
    case 'jpeg':
      return Buffer.concat([
        Buffer.from([
          0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
          0x00, 0x01, 0x00, 0x00,
        ]),
        Buffer.from([0xff, 0xfe, 0x00, note.length + 2]),
        Buffer.from(note + pad, 'latin1'),
        Buffer.from([0xff, 0xd9]),
      ])
    case 'heic':
      return Buffer.concat([
        Buffer.from([0x00, 0x00, 0x00, 0x18]),
        Buffer.from('ftypheic\x00\x00\x00\x00mif1heic', 'latin1'),
        Buffer.from(`${note} ${pad}`, 'latin1'),
      ])
    case 'docx':
      return Buffer.concat([
        Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]),
        Buffer.from(`[Content_Types].xml ${note} ${pad}`, 'latin1'),
      ])
  }
}

const RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i

/**
 * The D13 normalisation of an upload name: basename (after `/` or `\`), `_` for `:` and control
 * characters, `_` prefixed to a reserved Windows name, extension kept; at most 255 bytes.
 */
export function normaliseFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? ''
  // eslint-disable-next-line no-control-regex -- control characters are exactly what D13 replaces
  let safe = base.replace(/[:\x00-\x1f\x7f]/g, '_')
  if (safe === '' || safe === '.' || safe === '..') safe = '_'
  if (RESERVED.test(safe)) safe = `_${safe}`
  if (Buffer.byteLength(safe, 'utf8') > 255) {
    const dot = safe.lastIndexOf('.')
    const ext = dot > 0 ? safe.slice(dot) : ''
    safe = safe.slice(0, 255 - ext.length) + ext
  }
  return safe
}

/** An unsafe upload name (D13): it always differs from its own normalisation. */
export function unsafeFilename(rng: Rng, cleanName: string): string {
  const dot = cleanName.lastIndexOf('.')
  const stem = dot > 0 ? cleanName.slice(0, dot) : cleanName
  const ext = dot > 0 ? cleanName.slice(dot) : ''
  switch (rng.int(0, 4)) {
    case 0:
      return `C:\\Users\\borrower\\Desktop\\${cleanName}`
    case 1:
      return `../../uploads/${cleanName}`
    case 2:
      return `Scan:${cleanName}`
    case 3:
      return `${stem}\u0007${ext}`
    default:
      return `CON${ext}`
  }
}
