/**
 * Byte sinks for generated files: every byte written is counted and hashed on the way (the manifest
 * needs `bytes` and `sha256`, §3), buffered in 64 KiB chunks, with backpressure surfaced as `drain`.
 *
 * Text is gathered as a string and encoded once per chunk, not once per row: a Buffer per row is
 * garbage the heap grows on, and RSS follows.
 */
import { createHash, type Hash } from 'node:crypto'
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { dirname } from 'node:path'
import type { Encoding } from '../../spec/value-types'
import { encodeText } from './encoding'

/** What a closed sink reports. */
export type SinkSummary = Readonly<{ bytes: number; sha256: string }>

/** A destination for bytes that counts and hashes them. */
export interface ByteSink {
  write(bytes: Buffer): void
  /** Appends text to be encoded with `encoding` (the same encoding for the whole sink). */
  writeText(text: string, encoding: Encoding): void
  /** Resolves when buffered bytes may be written again without growing memory. */
  drain(): Promise<void>
  close(): Promise<SinkSummary>
}

const CHUNK = 64 * 1024

/** Shared chunking and hashing of both sinks. */
abstract class HashingSink implements ByteSink {
  readonly #hash: Hash = createHash('sha256')
  #bytes = 0
  #text = ''
  #encoding: Encoding = 'utf-8'

  protected abstract emit(chunk: Buffer): void

  #flushText(): void {
    if (this.#text === '') return
    const bytes = encodeText(this.#text, this.#encoding)
    this.#text = ''
    this.#hash.update(bytes)
    this.#bytes += bytes.length
    this.emit(bytes)
  }

  write(bytes: Buffer): void {
    this.#flushText()
    this.#hash.update(bytes)
    this.#bytes += bytes.length
    this.emit(bytes)
  }

  writeText(text: string, encoding: Encoding): void {
    this.#encoding = encoding
    this.#text += text
    if (this.#text.length >= CHUNK / 2) this.#flushText()
  }

  async drain(): Promise<void> {}

  protected finishText(): void {
    this.#flushText()
  }

  protected summary(): SinkSummary {
    return { bytes: this.#bytes, sha256: this.#hash.digest('hex') }
  }

  abstract close(): Promise<SinkSummary>
}

/** Writes to a file, creating its folder. */
export class FileSink extends HashingSink {
  readonly path: string
  readonly #stream: WriteStream
  #pending: Buffer[] = []
  #pendingBytes = 0

  constructor(path: string) {
    super()
    this.path = path
    mkdirSync(dirname(path), { recursive: true })
    this.#stream = createWriteStream(path)
  }

  protected emit(chunk: Buffer): void {
    this.#pending.push(chunk)
    this.#pendingBytes += chunk.length
    if (this.#pendingBytes >= CHUNK) this.#flush()
  }

  #flush(): void {
    if (this.#pendingBytes === 0) return
    const chunk = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending)
    this.#pending = []
    this.#pendingBytes = 0
    this.#stream.write(chunk)
  }

  override async drain(): Promise<void> {
    // writableNeedDrain, not a flag set at write time: the 'drain' event may already have fired.
    if (this.#stream.writableNeedDrain) await once(this.#stream, 'drain')
  }

  async close(): Promise<SinkSummary> {
    this.finishText()
    this.#flush()
    this.#stream.end()
    await once(this.#stream, 'finish')
    return this.summary()
  }
}

/** Counts and hashes without writing (a delta verifies a regenerated world against its manifest). */
export class HashSink extends HashingSink {
  protected emit(): void {}

  async close(): Promise<SinkSummary> {
    this.finishText()
    return this.summary()
  }
}
