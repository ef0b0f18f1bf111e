import type { JobSnapshot } from '@shared/jobs'

const percent = (done: number, total: number | null) =>
  total && total > 0 ? Math.min(100, (done / total) * 100) : null

/** A job's progress as the engine reported it: bar, counts, rate, and its end state. */
export function JobProgress({ job, onCancel }: { job: JobSnapshot; onCancel?: () => void }) {
  const p = job.progress
  const pct = p ? percent(p.done, p.total) : null
  return (
    <div className="job" data-testid="job-progress" data-job-state={job.state}>
      <div className="job-head">
        <span>{job.label}</span>
        <span className={`job-state job-state-${job.state}`}>{job.state}</span>
      </div>
      <progress className="bar" max={100} value={job.state === 'finished' ? 100 : (pct ?? undefined)} />
      <div className="job-figures muted">
        {p && (
          <span>
            {p.phase ? `${p.phase}: ` : ''}
            {p.done.toLocaleString()}
            {p.total !== null ? ` of ${p.total.toLocaleString()}` : ''} {p.unit}
            {p.rate !== null && p.rate > 0 ? ` · ${Math.round(p.rate).toLocaleString()}/s` : ''}
          </span>
        )}
        {job.state === 'running' && onCancel && (
          <button type="button" className="link" onClick={onCancel} data-testid="job-cancel">
            Cancel
          </button>
        )}
      </div>
      {job.error && <p className="error-text">{job.error.message}</p>}
    </div>
  )
}
