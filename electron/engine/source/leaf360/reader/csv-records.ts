/**
 * A streaming RFC 4180 record parser that keeps what the export format needs and a generic parser
 * drops: the physical line each record starts on, its raw text, stray quotes (D24, kept literally)
 * and unterminated quotes (D24, re-read from that line with the quote literal).
 *
 * Written here rather than on csv-parse because the recovery EXPORT-FORMAT.md §9 D24 prescribes —
 * go back to the line where an unterminated quoted field began and read that quote as a literal —
 * needs the parser's position inside a record, which csv-parse does not expose; csv-parse remains
 * the oracle of the property tests and the baseline of the benchmark.
 *
 * Memory is bounded: only the record being read is held, and a quoted field is given up as
 * unterminated once it passes MAX_QUOTED_FIELD_CHARS.
 */

/** One record as read: fields untrimmed, exactly as the file holds them after unquoting. */
export type CsvRecord = {
  readonly fields: string[]
  /** Physical line (1-based) where the record starts. */
  readonly line: number
  /** The record's text without its line terminator. */
  readonly raw: string
  /** A `"` inside an unquoted field or after a closing quote, kept literally (D24 stray). */
  readonly strayQuote: boolean
  /** An unterminated quoted field was re-read with its opening quote literal (D24 unterminated). */
  readonly malformed: boolean
}

/** EXPORT-FORMAT.md §9 D24: a quoted field longer than 1 MiB counts as unterminated. */
export const MAX_QUOTED_FIELD_CHARS = 1024 * 1024

const QUOTE = 34
const COMMA = 44
const CR = 13
const LF = 10

type ParseOutcome = { consumed: number }

/**
 * Incremental parser: `push` text chunks, then `end`. Complete records go to `onRecord` as soon
 * as they are known to be complete.
 */
export class CsvRecordParser {
  #buffer = ''
  /** Physical line number of `#buffer[0]`. */
  #line = 1
  readonly #onRecord: (record: CsvRecord) => void
  readonly #maxQuoted: number

  constructor(onRecord: (record: CsvRecord) => void, options: { maxQuotedFieldChars?: number } = {}) {
    this.#onRecord = onRecord
    this.#maxQuoted = options.maxQuotedFieldChars ?? MAX_QUOTED_FIELD_CHARS
  }

  push(chunk: string): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : this.#buffer + chunk
    const { consumed } = this.#parse(false)
    this.#buffer = consumed >= this.#buffer.length ? '' : this.#buffer.slice(consumed)
  }

  end(): void {
    this.#parse(true)
    this.#buffer = ''
  }

  #parse(final: boolean): ParseOutcome {
    const buf = this.#buffer
    const len = buf.length
    let pos = 0
    while (pos < len) {
      const c = buf.charCodeAt(pos)
      // A blank line outside quotes is not a row (§5).
      if (c === LF) {
        pos++
        this.#line++
        continue
      }
      if (c === CR) {
        if (pos + 1 >= len && !final) return { consumed: pos }
        pos += pos + 1 < len && buf.charCodeAt(pos + 1) === LF ? 2 : 1
        this.#line++
        continue
      }
      const end = this.#record(buf, pos, final, null)
      if (end === -1) return { consumed: pos }
      pos = end
    }
    return { consumed: pos }
  }

  /**
   * Reads one record starting at `start`. Returns the position after its line terminator, or -1
   * when the buffer ends before the record does and more text may come. `literal` holds offsets
   * (from `start`) of opening quotes to read as literal characters.
   */
  #record(buf: string, start: number, final: boolean, literal: Set<number> | null): number {
    const len = buf.length
    const fields: string[] = []
    let pos = start
    let breaks = 0
    let stray = false
    for (;;) {
      // At the start of a field.
      if (pos < len && buf.charCodeAt(pos) === QUOTE && !(literal !== null && literal.has(pos - start))) {
        const open = pos
        let value = ''
        let from = pos + 1
        let closed = -1
        for (;;) {
          const q = buf.indexOf('"', from)
          if (q === -1 || q - open > this.#maxQuoted) break
          if (q + 1 < len && buf.charCodeAt(q + 1) === QUOTE) {
            value += buf.slice(from, q + 1)
            from = q + 2
            continue
          }
          if (q + 1 >= len && !final) break // the quote may be the first of a doubled pair
          value += buf.slice(from, q)
          closed = q
          break
        }
        if (closed === -1) {
          if (!final && len - open <= this.#maxQuoted) return -1
          // Unterminated (EOF inside quotes, or a field past 1 MiB): re-read this record with the quote literal.
          const again = new Set(literal ?? [])
          again.add(open - start)
          return this.#record(buf, start, final, again)
        }
        breaks += countBreaks(buf, open + 1, closed)
        pos = closed + 1
        if (pos < len) {
          const n = buf.charCodeAt(pos)
          if (n !== COMMA && n !== CR && n !== LF) {
            // Text after the closing quote: the quote was a stray; keep the rest literally.
            const stop = fieldStop(buf, pos)
            if (stop === len && !final) return -1
            value += '"' + buf.slice(pos, stop)
            stray = true
            pos = stop
          }
        } else if (!final) {
          return -1
        }
        fields.push(value)
      } else {
        const scanned = scanField(buf, pos)
        const stop = Math.floor(scanned / 2)
        if (stop === len && !final) return -1
        if (scanned % 2 === 1) stray = true
        fields.push(buf.slice(pos, stop))
        pos = stop
      }
      // After a field: a delimiter, a line terminator or the end of the text.
      if (pos >= len) {
        if (!final) return -1
        this.#emit(fields, buf.slice(start, pos), breaks, stray, literal !== null)
        return pos
      }
      const d = buf.charCodeAt(pos)
      if (d === COMMA) {
        pos++
        if (pos >= len) {
          if (!final) return -1
          fields.push('')
          this.#emit(fields, buf.slice(start, pos), breaks, stray, literal !== null)
          return pos
        }
        continue
      }
      // CR, LF or CRLF ends the record.
      const raw = buf.slice(start, pos)
      if (d === CR) {
        if (pos + 1 >= len && !final) return -1
        pos += pos + 1 < len && buf.charCodeAt(pos + 1) === LF ? 2 : 1
      } else {
        pos++
      }
      this.#emit(fields, raw, breaks, stray, literal !== null)
      this.#line++
      return pos
    }
  }

  #emit(fields: string[], raw: string, breaks: number, strayQuote: boolean, malformed: boolean): void {
    const line = this.#line
    this.#line += breaks
    this.#onRecord({ fields, line, raw, strayQuote, malformed })
  }
}

/**
 * Scans an unquoted field from `from`: returns `2 * stop + hadQuote`, where `stop` is the position
 * of the next comma, CR or LF (or the text's length) and `hadQuote` is 1 when the field holds a `"`.
 * Packed into one number to keep the hot loop free of allocations.
 */
function scanField(buf: string, from: number): number {
  const len = buf.length
  let quote = 0
  for (let i = from; i < len; i++) {
    const c = buf.charCodeAt(i)
    if (c === COMMA || c === LF || c === CR) return 2 * i + quote
    if (c === QUOTE) quote = 1
  }
  return 2 * len + quote
}

/** Position of the next comma, CR or LF at or after `from`, or the text's length. */
const fieldStop = (buf: string, from: number): number => Math.floor(scanField(buf, from) / 2)

/**
 * Line breaks (LF, CR, CRLF each count once) in `buf[from, to)`: every LF, and every CR not followed
 * by an LF inside the range. Searched with indexOf in the field's own text, since quoted fields are
 * mostly long bodies with few breaks or none.
 */
function countBreaks(buf: string, from: number, to: number): number {
  if (to <= from) return 0
  const field = buf.slice(from, to)
  let n = 0
  for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) n++
  for (let i = field.indexOf('\r'); i !== -1; i = field.indexOf('\r', i + 1)) {
    if (field.charCodeAt(i + 1) !== LF) n++
  }
  return n
}

/** Parses a whole CSV text into records (tests, small files). */
export function parseCsvText(text: string, options: { maxQuotedFieldChars?: number } = {}): CsvRecord[] {
  const out: CsvRecord[] = []
  const parser = new CsvRecordParser((r) => out.push(r), options)
  parser.push(text)
  parser.end()
  return out
}
