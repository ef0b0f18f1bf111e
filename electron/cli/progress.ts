/**
 * Progress on stderr for jobs the CLI runs: a bar with rate and ETA redrawn in place on a terminal,
 * plain lines at most every few seconds otherwise (logs, CI).
 */
import type { JobEvent } from '../shared/jobs'
import type { Io } from './output'

const BAR_WIDTH = 28

const formatCount = (n: number) => (n >= 10_000 ? n.toLocaleString('en-US') : String(Math.round(n)))

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const r = s % 60
  const mm = String(m).padStart(2, '0')
  const ss = String(r).padStart(2, '0')
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`
}

/** One line describing a progress event: `phase [#####-----] 120/400 pages 35/s ETA 00:08`. */
export function renderProgressLine(event: Extract<JobEvent, { kind: 'progress' }>): string {
  const label = event.phase ? `${event.phase} ` : ''
  const rate = event.rate !== null && event.rate > 0 ? ` ${formatCount(event.rate)}/s` : ''
  if (event.total === null || event.total <= 0) {
    return `${label}${formatCount(event.done)} ${event.unit}${rate}`
  }
  const fraction = Math.min(1, event.done / event.total)
  const filled = Math.round(fraction * BAR_WIDTH)
  const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled)
  const eta =
    event.rate !== null && event.rate > 0 ? ` ETA ${formatEta((event.total - event.done) / event.rate)}` : ''
  return `${label}[${bar}] ${formatCount(event.done)}/${formatCount(event.total)} ${event.unit}${rate}${eta}`
}

/** Returns a job-event listener that draws progress for `jobId` on stderr. */
export function progressPrinter(io: Io, jobId: string, quiet = false): (event: JobEvent) => void {
  let lastPlainAt = 0
  let drawn = false
  return (event) => {
    if (event.jobId !== jobId || quiet) return
    if (event.kind === 'progress') {
      const line = renderProgressLine(event)
      if (io.stderrIsTty) {
        io.stderr(`\r\x1b[2K${line}`)
        drawn = true
      } else if (Date.now() - lastPlainAt >= 2_000 || (event.total !== null && event.done >= event.total)) {
        lastPlainAt = Date.now()
        io.stderr(line + '\n')
      }
      return
    }
    if (drawn) {
      io.stderr('\n')
      drawn = false
    }
    if (event.kind === 'log')
      io.stderr(`${event.level === 'info' ? '' : event.level + ': '}${event.message}\n`)
  }
}
