/**
 * Text repairs shared by every column (EXPORT-FORMAT.md §5 trimming; defects D38 invisible
 * characters, D25 mojibake, D09 HTML bodies).
 */
import { WINDOWS_1252_BYTE } from '../reader/encoding'

// Alternations, not a class: a class holding U+200D reads as a joined sequence to lint and to readers.
const INVISIBLE = /\u00a0|\u200b|\u200c|\u200d|\u2060|\ufeff/
const ZERO_WIDTH_ALL = /\u200b|\u200c|\u200d|\u2060|\ufeff/g
const ASCII_EDGES = /^[ \t\r\n]+|[ \t\r\n]+$/g

/** Trims ASCII whitespace (space, tab, CR, LF) from both ends, silently (§5). */
export const trimAscii = (value: string): string => {
  const first = value.charCodeAt(0)
  const last = value.charCodeAt(value.length - 1)
  // Most fields need no trimming; skip the regex for them.
  if (first > 32 && last > 32) return value
  return value.replace(ASCII_EDGES, '')
}

/** Does the value hold a character D38 normalises? */
export const hasInvisible = (value: string): boolean => INVISIBLE.test(value)

/** D38: NBSP → space, zero-width characters dropped, then trimmed. */
export function removeInvisible(value: string): string {
  return value
    .replace(/\u00a0/g, ' ')
    .replace(ZERO_WIDTH_ALL, '')
    .replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '')
}

/** Characters that only appear in UTF-8 text mis-decoded as Windows-1252 (lead byte, then continuation). */
const MOJIBAKE_HINT =
  /[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * D25: re-decodes text that was UTF-8 read as Windows-1252 (`JosÃ©` → `José`). Returns the repaired
 * text, or null when the value is not mojibake (no hint, a character outside Windows-1252, or
 * bytes that are not valid UTF-8).
 */
export function repairMojibake(value: string): string | null {
  if (!MOJIBAKE_HINT.test(value)) return null
  const bytes = new Uint8Array(value.length)
  for (let i = 0; i < value.length; i++) {
    const b = WINDOWS_1252_BYTE.get(value.charCodeAt(i))
    if (b === undefined) return null
    bytes[i] = b
  }
  try {
    const repaired = strictUtf8.decode(bytes)
    return repaired !== value && !repaired.includes('\ufffd') ? repaired : null
  } catch {
    return null
  }
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  hellip: '…',
  copy: '©',
  reg: '®',
  trade: '™',
  bull: '•',
  middot: '·',
  eacute: 'é',
  egrave: 'è',
  aacute: 'á',
  iacute: 'í',
  oacute: 'ó',
  uacute: 'ú',
  ntilde: 'ñ',
  uuml: 'ü',
  ouml: 'ö',
  auml: 'ä',
  ccedil: 'ç',
}

/** Does the text look like HTML (a tag or an entity)? */
export const looksLikeHtml = (value: string): boolean =>
  /<\/?[a-zA-Z][^>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);/.test(value)

function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) {
      const cp = parseInt(name.slice(2), 16)
      return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole
    }
    if (name.startsWith('#')) {
      const cp = parseInt(name.slice(1), 10)
      return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole
    }
    return ENTITIES[name.toLowerCase()] ?? whole
  })
}

const BREAK_TAG = /<br\s*\/?>/gi
const BLOCK_END_TAG = /<\/(p|div|li|tr|h[1-6]|blockquote|table|ul|ol)\s*>/gi
const ANY_TAG = /<[^>]*>/g
/** What `[ \t]+` → ' ' changes: runs of two or more, and a lone tab (a lone space stays as it is). */
const SPACE_RUN = /[ \t]{2,}|\t/g
/** Necessary for a style, script or head element to be dropped. */
const HIDDEN_OPEN = /<(style|script|head)/i

/**
 * D09: a plain-text rendering of an HTML body: `<style>`, `<script>` and comments dropped, `<br>`
 * and block ends (`</p>`, `</div>`, `</li>`, `</tr>`, headings) become newlines, tags stripped,
 * entities decoded, line endings read as LF, runs of blank lines collapsed.
 *
 * Each step runs only when its text is present, and no step allocates when it changes nothing:
 * the bodies of an e-mail file are most of its bytes (bench:stage profile, 1M rows: this
 * rendering took 1.2 s of the reading thread before).
 */
export function htmlToText(html: string): string {
  let text = html
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n')
  if (text.includes('<!--')) text = text.replace(/<!--[\s\S]*?-->/g, '')
  if (HIDDEN_OPEN.test(text)) text = text.replace(/<(style|script|head)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
  // Source line breaks are not rendered; markup decides where lines end.
  if (text.includes('\n')) text = text.replace(/\n/g, ' ')
  text = text.replace(BREAK_TAG, '\n').replace(BLOCK_END_TAG, '\n').replace(ANY_TAG, '')
  if (text.includes('&')) text = decodeEntities(text)
  if (text.includes('\u00a0')) text = text.replace(/\u00a0/g, ' ')
  text = text
    .split('\n')
    .map((line) => line.replace(SPACE_RUN, ' ').trim())
    .join('\n')
  if (text.includes('\n\n\n')) text = text.replace(/\n{3,}/g, '\n\n')
  return text.trim()
}
