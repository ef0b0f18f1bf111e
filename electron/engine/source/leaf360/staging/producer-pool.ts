/**
 * Runs the reading half of staging (file-producer.ts) either in a worker thread, so reading and
 * validating overlap with the main thread's writing, or in the main thread (small exports, or a
 * host whose bundle has no worker entry). Both deliver the same messages in the same order.
 *
 * The worker entry is stage-worker.ts next to this module: run through tsx in a source checkout
 * (CLI, server mode, tests), or a built stage-worker.js beside the bundle when the host ships one.
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { AppError, CancelledError } from '../../../errors'
import type { ExportSource } from '../reader/export-source'
import { produceDataFile, type ProduceTask, type ProducerMessage } from './file-producer'
import type { FromWorker, ToWorker } from './stage-worker'

/** Runs producer tasks one at a time. */
export type Producer = Readonly<{
  /** `parallel` is true when a worker thread does the reading. */
  parallel: boolean
  /** Produces one file; `consume` is called for each message, in order, on the main thread. */
  run: (task: ProduceTask, consume: (m: ProducerMessage) => void) => Promise<void>
  close: () => Promise<void>
}>

/**
 * When to read in a worker: always, never, or auto — for exports of AUTO_WORKER_BYTES or more on a
 * machine with AUTO_WORKER_CORES or more. Since batches cross as cloned arrays and the worker
 * starts while the first files are read here, two cores are enough: bench:stage at 1M rows on a
 * shared two-core machine, built engine, ratio 0.40–0.54 with the worker against 0.37–0.44
 * without, peak RSS 239–246 MB against 193 MB.
 */
export type WorkerPolicy = 'always' | 'never' | 'auto'

/** Cores `auto` needs before it reads in a worker. */
export const AUTO_WORKER_CORES = 2

/** Exports smaller than this are read in the main thread: a worker's start-up would cost more. */
export const AUTO_WORKER_BYTES = 16 * 1024 * 1024

/** The worker entry to start, or null when this build has none. */
function workerEntry(): URL | null {
  const here = import.meta.url
  if (here.endsWith('.ts')) {
    // A source checkout run through tsx: start the worker through tsx as well.
    const target = new URL('./stage-worker.ts', here).href
    const tsx = import.meta.resolve('tsx/esm/api')
    const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(target)});`
    return new URL(`data:text/javascript,${encodeURIComponent(code)}`)
  }
  const built = new URL('./stage-worker.js', here)
  return existsSync(fileURLToPath(built)) ? built : null
}

/** A producer that reads in the calling thread. */
export function inThreadProducer(
  source: ExportSource,
  binaries: ReadonlyMap<string, number>,
  signal?: AbortSignal,
): Producer {
  return {
    parallel: false,
    run: (task, consume) => produceDataFile(source, binaries, task, consume, signal),
    close: async () => {},
  }
}

/** Starts a producer for one import. */
export async function createProducer(
  source: ExportSource,
  binaries: ReadonlyMap<string, number>,
  options: Readonly<{ policy: WorkerPolicy; exportBytes: number; signal?: AbortSignal }>,
): Promise<Producer> {
  const wanted =
    options.policy === 'always' ||
    (options.policy === 'auto' &&
      options.exportBytes >= AUTO_WORKER_BYTES &&
      availableParallelism() >= AUTO_WORKER_CORES &&
      process.env['LEAFBRIDGE_STAGE_WORKER'] !== '0')
  const entry = wanted ? workerEntry() : null
  if (entry === null) return inThreadProducer(source, binaries, options.signal)

  // A bounded heap: the worker holds one batch and its validator, and V8 would otherwise let garbage grow.
  const worker = new Worker(entry, {
    resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
  })
  const send = (m: ToWorker) => worker.postMessage(m)
  let handler: ((m: FromWorker) => void) | null = null
  let failure: ((e: unknown) => void) | null = null
  worker.on('message', (m: FromWorker) => handler?.(m))
  worker.on('error', (e) => failure?.(e))
  worker.on('exit', (code) => {
    if (code !== 0) failure?.(new Error(`the staging worker stopped (exit ${code})`))
  })
  const toError = (m: Extract<FromWorker, { t: 'error' }>) =>
    m.isAppError ? new AppError(m.error) : new Error(m.error.message)

  await new Promise<void>((resolve, reject) => {
    handler = (m) => {
      if (m.t === 'ready') resolve()
      else if (m.t === 'error') reject(toError(m))
    }
    failure = reject
    send({ t: 'init', location: source.location, binaries: [...binaries] })
  })

  return {
    parallel: true,
    run: (task, consume) =>
      new Promise<void>((resolve, reject) => {
        const abort = () => {
          void worker.terminate()
          reject(new CancelledError())
        }
        if (options.signal?.aborted) return abort()
        options.signal?.addEventListener('abort', abort, { once: true })
        const settle = (error: unknown | null) => {
          options.signal?.removeEventListener('abort', abort)
          handler = null
          failure = null
          if (error === null) resolve()
          else {
            void worker.terminate()
            reject(error)
          }
        }
        failure = (e) => settle(e)
        handler = (m) => {
          if (m.t === 'done') return settle(null)
          if (m.t === 'error') return settle(toError(m))
          if (m.t === 'ready') return
          try {
            // Credit first: the worker reads on while this batch is written.
            if (m.t === 'rows') send({ t: 'credit' })
            consume(m)
          } catch (error) {
            return settle(error)
          }
        }
        send({ t: 'task', task: { ...task, hashInWriter: true } })
      }),
    close: async () => {
      send({ t: 'close' })
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          void worker.terminate().then(() => resolve())
        }, 2_000)
        worker.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
      })
    },
  }
}
