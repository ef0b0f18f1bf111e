/**
 * Step 12: rollback — one click, after a confirmation that says exactly what will be undone, counted
 * per table: records the migration created are deleted (children first), records it changed get
 * their earlier values back. Progress while it runs; an interrupted rollback resumes.
 */
import { useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { RollbackPreview } from '@shared/dto/rollback'
import { ErrorBanner } from '../../components/error-banner'
import { JobProgress } from '../../components/progress-bar'
import { useAppStore } from '../../store'
import { rollbackTotals } from '../../store/rollback-slice'

/** The migrated tables in load order; process and close tables after. */
const ORDER = [
  'account',
  'contact',
  'lead',
  'opportunity',
  'phonecall',
  'email',
  'appointment',
  'task',
  'annotation',
  'connection',
]
const rank = (table: string) => {
  const i = ORDER.indexOf(table)
  return i < 0 ? ORDER.length : i
}

function PreviewTable({ preview }: { preview: RollbackPreview }) {
  const rows = Object.entries(preview.tables).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1))
  return (
    <table className="table" data-testid="rollback-tables">
      <thead>
        <tr>
          <th>Table</th>
          <th className="num">Delete</th>
          <th className="num">Restore</th>
          <th className="num">Reopen</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([table, c]) => (
          <tr key={table} data-table={table}>
            <td>{table}</td>
            <td className="num" data-testid={`rollback-delete-${table}`}>
              {c.delete.toLocaleString()}
            </td>
            <td className="num">{c.restore.toLocaleString()}</td>
            <td className="num">{c.reopen.toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The confirmation's sentence: what will be undone, in words. */
export function rollbackSentence(p: RollbackPreview): string {
  const t = rollbackTotals(p)
  const records = (n: number) => `${n.toLocaleString()} ${n === 1 ? 'record' : 'records'}`
  const parts = [
    t.delete > 0 ? `delete ${records(t.delete)} the migration created` : '',
    t.restore > 0 ? `restore the earlier values of ${records(t.restore)} it changed` : '',
    t.reopen > 0 ? `reopen ${records(t.reopen)} it closed` : '',
  ].filter(Boolean)
  return `This will ${parts.join(', ')} in ${p.targetUrl}, undoing ${p.runs.length === 1 ? 'run' : 'runs'} ${p.runs
    .map((r) => r.runNo)
    .join(', ')}.`
}

export function RollbackStep() {
  const { preview, result, error, jobId } = useAppStore(
    useShallow((s) => ({
      preview: s.rollback.preview,
      result: s.rollback.result,
      error: s.rollback.error,
      jobId: s.rollback.jobId,
    })),
  )
  const job = useAppStore((s) => (jobId ? (s.jobs.byId[jobId] ?? null) : null))
  const run = useAppStore((s) => s.runRollback)
  const cancel = useAppStore((s) => s.cancelJob)
  const clearError = useAppStore((s) => s.clearRollbackError)
  const [confirming, setConfirming] = useState(false)
  const running = job?.state === 'running'
  const nothing = preview !== null && preview.runs.length === 0
  return (
    <div className="step-body" data-testid="rollback-step">
      {error && <ErrorBanner error={error} onDismiss={clearError} />}
      {preview && (
        <section className="card" data-testid="rollback-preview" data-total={preview.total}>
          <h2>{nothing ? 'Nothing to roll back' : 'What a rollback undoes'}</h2>
          {nothing ? (
            <p className="muted" data-testid="rollback-nothing">
              No migration run against {preview.targetUrl} is left to undo.
            </p>
          ) : (
            <>
              <p className="muted">
                {preview.runs.length === 1 ? 'Run' : 'Runs'}{' '}
                {preview.runs.map((r) => `${r.runNo} (${r.status}, started ${r.startedAt})`).join(', ')},
                newest first.
                {preview.resumes
                  ? ` An interrupted rollback resumes: ${preview.alreadyDone.toLocaleString()} writes are already done.`
                  : ''}
              </p>
              <PreviewTable preview={preview} />
              {preview.warnings.length > 0 && (
                <ul className="log" data-testid="rollback-warnings">
                  {preview.warnings.slice(0, 20).map((w, i) => (
                    <li key={`${w.code}-${i}`} className="log-warn">
                      {w.message}
                    </li>
                  ))}
                </ul>
              )}
              <div className="actions">
                <button
                  type="button"
                  className="primary"
                  disabled={running || preview.total === 0}
                  onClick={() => setConfirming(true)}
                  data-testid="rollback-start"
                >
                  Roll back…
                </button>
              </div>
            </>
          )}
          {confirming && !nothing && (
            <div
              className="banner banner-error"
              role="dialog"
              aria-label="Confirm rollback"
              data-testid="rollback-confirm"
            >
              <div>
                <strong data-testid="rollback-confirm-text">{rollbackSentence(preview)}</strong>
                <PreviewTable preview={preview} />
                <p>Changes made in Dynamics since the run, to these records, are lost with them.</p>
                <div className="actions">
                  <button
                    type="button"
                    onClick={() => {
                      setConfirming(false)
                      void run()
                    }}
                    data-testid="rollback-confirm-yes"
                  >
                    Roll back {preview.total.toLocaleString()} writes
                  </button>
                  <button
                    type="button"
                    onClick={() => setConfirming(false)}
                    data-testid="rollback-confirm-no"
                  >
                    Cancel
                  </button>
                </div>
              </div>
            </div>
          )}
        </section>
      )}
      {job && (
        <section className="card">
          <JobProgress job={job} onCancel={() => void cancel(job.jobId)} />
          {result && (
            <p data-testid="rollback-result" data-failed={result.failed}>
              {result.failed === 0 ? 'Rolled back: ' : 'Rollback incomplete: '}
              {result.applied.toLocaleString()} writes undone, {result.alreadyAbsent.toLocaleString()} records
              already gone, {result.failed.toLocaleString()} failed.
              {result.failed > 0 ? ' Fix the cause and roll back again; it resumes where it stopped.' : ''}
            </p>
          )}
          {result && result.failures.length > 0 && (
            <ul className="log" data-testid="rollback-failures">
              {result.failures.slice(0, 50).map((f, i) => (
                <li key={`${f.sourceKey}-${i}`} className="log-error">
                  {f.kind} {f.table} {f.sourceKey}: {f.message}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  )
}
