/**
 * Byte sinks for generated files: every byte written is counted and hashed on the way (the manifest
 * needs `bytes` and `sha256`, §3), buffered in 64 KiB chunks, with backpressure surfaced as `drain`.
 */
import { createHash, type Hash } from 'node:crypto'
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { dirname } from 'node:path'

/** What a closed sink reports. */
export type SinkSummary = Readonly<{ bytes: number; sha256: string }>

/** A destination for bytes that counts and hashes them. */
export interface ByteSink {
  write(bytes: Buffer): void
  /** Resolves when buffered bytes may be written again without growing memory. */
  drain(): Promise<void>
  close(): Promise<SinkSummary>
}

const CHUNK = 64 * 1024

/** Writes to a file, creating its folder. */
export class FileSink implements ByteSink {
  readonly path: string
  readonly #stream: WriteStream
  readonly #hash: Hash = createHash('sha256')
  #bytes = 0
  #pending: Buffer[] = []
  #pendingBytes = 0

  constructor(path: string) {
    this.path = path
    mkdirSync(dirname(path), { recursive: true })
    this.#stream = createWriteStream(path)
  }

  write(bytes: Buffer): void {
    this.#hash.update(bytes)
    this.#bytes += bytes.length
    this.#pending.push(bytes)
    this.#pendingBytes += bytes.length
    if (this.#pendingBytes >= CHUNK) this.#flush()
  }

  #flush(): void {
    if (this.#pendingBytes === 0) return
    const chunk = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending)
    this.#pending = []
    this.#pendingBytes = 0
    this.#stream.write(chunk)
  }

  async drain(): Promise<void> {
    // writableNeedDrain, not a flag set at write time: the 'drain' event may already have fired.
    if (this.#stream.writableNeedDrain) await once(this.#stream, 'drain')
  }

  async close(): Promise<SinkSummary> {
    this.#flush()
    this.#stream.end()
    await once(this.#stream, 'finish')
    return { bytes: this.#bytes, sha256: this.#hash.digest('hex') }
  }
}

/** Counts and hashes without writing (a delta verifies a regenerated world against its manifest). */
export class HashSink implements ByteSink {
  readonly #hash: Hash = createHash('sha256')
  #bytes = 0

  write(bytes: Buffer): void {
    this.#hash.update(bytes)
    this.#bytes += bytes.length
  }

  async drain(): Promise<void> {}

  async close(): Promise<SinkSummary> {
    return { bytes: this.#bytes, sha256: this.#hash.digest('hex') }
  }
}
