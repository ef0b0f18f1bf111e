/**
 * The worker thread of staging: reads and validates data files (file-producer.ts) and posts the
 * serialised rows to the main thread, which is the workspace's single writer. At most
 * MAX_OUTSTANDING row batches are in flight, so memory stays bounded when the writer is slower.
 */
import { parentPort } from 'node:worker_threads'
import { AppError, toAppErrorData } from '../../../errors'
import { openExportSource, type ExportSource } from '../reader/export-source'
import { produceDataFile, toPostable, type ProduceTask, type ProducerMessage } from './file-producer'

/** Messages the main thread sends. */
export type ToWorker =
  | Readonly<{ t: 'init'; location: string; binaries: ReadonlyArray<readonly [string, number]> }>
  | Readonly<{ t: 'task'; task: ProduceTask }>
  | Readonly<{ t: 'credit' }>
  | Readonly<{ t: 'close' }>

/** Messages the worker sends: the producer's, plus readiness, completion and errors. */
export type FromWorker =
  | ProducerMessage
  | Readonly<{ t: 'ready' }>
  | Readonly<{ t: 'done' }>
  | Readonly<{ t: 'error'; error: ReturnType<typeof toAppErrorData>; isAppError: boolean }>

/** Row batches the worker may post before the writer acknowledges one. */
export const MAX_OUTSTANDING = 8

const port = parentPort
if (port !== null) {
  let source: ExportSource | null = null
  let binaries = new Map<string, number>()
  let outstanding = 0
  let wake: (() => void) | null = null
  const post = (m: FromWorker) => port.postMessage(m)
  const emit = async (m: ProducerMessage) => {
    if (m.t !== 'rows') return post(m)
    // The strings are cloned, the numbers' buffer moves (file-producer.ts RowBatch).
    const batch = toPostable(m.batch)
    port.postMessage({ t: 'rows', batch } satisfies FromWorker, [batch.ints.buffer as ArrayBuffer])
    outstanding++
    while (outstanding >= MAX_OUTSTANDING) await new Promise<void>((resolve) => (wake = resolve))
  }
  port.on('message', (m: ToWorker) => {
    switch (m.t) {
      case 'init':
        binaries = new Map(m.binaries)
        openExportSource(m.location).then(
          (s) => {
            source = s
            post({ t: 'ready' })
          },
          (error: unknown) =>
            post({ t: 'error', error: toAppErrorData(error), isAppError: error instanceof AppError }),
        )
        return
      case 'credit':
        outstanding--
        if (wake !== null && outstanding < MAX_OUTSTANDING) {
          const w = wake
          wake = null
          w()
        }
        return
      case 'task':
        if (source === null) {
          post({
            t: 'error',
            error: toAppErrorData(new Error('the worker has no export open')),
            isAppError: false,
          })
          return
        }
        produceDataFile(source, binaries, m.task, emit).then(
          () => post({ t: 'done' }),
          (error: unknown) =>
            post({ t: 'error', error: toAppErrorData(error), isAppError: error instanceof AppError }),
        )
        return
      case 'close':
        void (source?.close() ?? Promise.resolve()).finally(() => port.close())
        return
    }
  })
}
