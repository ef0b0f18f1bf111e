/**
 * Step 9: migrate — load the staged export into Dynamics in phases (accounts → status), with a
 * bar per phase, the live throughput, and every record that failed with its reason; cancel at any
 * moment and resume later (the journal makes the result the same as an uninterrupted run).
 */
import { useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { RUN_PHASES, type RunFailure, type RunPhase, type RunView } from '@shared/dto/run'
import type { JobSnapshot } from '@shared/jobs'
import { ErrorBanner } from '../../components/error-banner'
import { JobProgress } from '../../components/progress-bar'
import { useAppStore } from '../../store'
import { type PhaseBar, type ThroughputSample, phaseBars } from '../../store/run-slice'

const PHASE_LABEL: Readonly<Record<RunPhase, string>> = {
  accounts: 'Accounts (and parent links)',
  contacts: 'Contacts',
  leads: 'Leads',
  opportunities: 'Opportunities and their process stage',
  activities: 'Calls, e-mails, meetings, tasks, notes',
  attachments: 'Attachments',
  connections: 'Referral and company connections',
  status: 'Won, lost and completed',
}

function PhaseBars({ bars }: { bars: ReadonlyArray<PhaseBar> }) {
  return (
    <ol className="log phase-list" data-testid="migrate-phases">
      {bars.map((b) => (
        <li key={b.phase} data-phase={b.phase} data-state={b.state} data-testid={`migrate-phase-${b.phase}`}>
          <div className="job-head">
            <span>{PHASE_LABEL[b.phase]}</span>
            <span className={`job-state job-state-${b.state === 'done' ? 'finished' : b.state}`}>
              {b.state}
            </span>
          </div>
          <progress
            className="bar"
            max={Math.max(1, b.total)}
            value={b.state === 'pending' ? 0 : Math.min(b.done, Math.max(1, b.total))}
            aria-label={`${b.phase} progress`}
          />
          <span className="muted">
            {b.total > 0 ? `${b.done.toLocaleString()} of ${b.total.toLocaleString()} records` : ''}
          </span>
        </li>
      ))}
    </ol>
  )
}

/** The throughput of the run job over time, as the engine measured it (records per second). */
function ThroughputChart({ samples }: { samples: ReadonlyArray<ThroughputSample> }) {
  const width = 640
  const height = 140
  if (samples.length < 2) {
    return (
      <p className="muted" data-testid="migrate-throughput-empty">
        The throughput chart fills in while a run loads.
      </p>
    )
  }
  const maxT = Math.max(...samples.map((s) => s.t), 1)
  const maxRate = Math.max(...samples.map((s) => s.rate), 1)
  const points = samples
    .map(
      (s) =>
        `${((s.t / maxT) * (width - 40) + 36).toFixed(1)},${(height - 16 - (s.rate / maxRate) * (height - 28)).toFixed(1)}`,
    )
    .join(' ')
  const latest = samples[samples.length - 1]!
  return (
    <figure data-testid="migrate-throughput" data-samples={samples.length}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        height={height}
        role="img"
        aria-label="Records per second over time"
      >
        <line
          x1={36}
          y1={height - 16}
          x2={width - 4}
          y2={height - 16}
          stroke="currentColor"
          strokeOpacity={0.3}
        />
        <line x1={36} y1={8} x2={36} y2={height - 16} stroke="currentColor" strokeOpacity={0.3} />
        <text x={2} y={14} fontSize={10} fill="currentColor">
          {Math.round(maxRate).toLocaleString()}/s
        </text>
        <text x={2} y={height - 18} fontSize={10} fill="currentColor">
          0
        </text>
        <text x={width - 60} y={height - 2} fontSize={10} fill="currentColor">
          {Math.round(maxT)} s
        </text>
        <polyline points={points} fill="none" stroke="currentColor" strokeWidth={2} />
      </svg>
      <figcaption className="muted">
        Now {Math.round(latest.rate).toLocaleString()} records/s{latest.phase ? ` in ${latest.phase}` : ''}.
      </figcaption>
    </figure>
  )
}

function Summary({ run }: { run: RunView }) {
  const s = run.summary
  if (s === null) return null
  return (
    <section className="card" data-testid="migrate-summary" data-failed={s.records.failed}>
      <h2>
        Run {run.runNo}: {s.records.loaded.toLocaleString()} loaded, {s.records.failed.toLocaleString()}{' '}
        failed
      </h2>
      <p className="muted">
        {(s.elapsedMs / 1000).toFixed(1)} s at {s.recordsPerSecond.toLocaleString()} records/s
        {s.oversizedFiles > 0
          ? ` · ${s.oversizedFiles} files over the upload limit were not loaded (see the oversized-file manifest in Verify & reports)`
          : ''}
        . Verify reads every record back and compares it with the mapping.
      </p>
      <table className="table" data-testid="migrate-tables">
        <thead>
          <tr>
            <th>Table</th>
            <th className="num">Expected</th>
            <th className="num">Loaded</th>
            <th className="num">Failed</th>
            <th className="num">Skipped</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(s.tables).map(([table, t]) => (
            <tr key={table} data-table={table}>
              <td>{table}</td>
              <td className="num">{t.expected.toLocaleString()}</td>
              <td className="num">{t.loaded.toLocaleString()}</td>
              <td className="num">{t.failed.toLocaleString()}</td>
              <td className="num">{t.skipped.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function Failures({ failures, job }: { failures: ReadonlyArray<RunFailure>; job: JobSnapshot | null }) {
  const live = job?.state === 'running' ? job.logs.filter((l) => l.level !== 'info') : []
  if (failures.length === 0 && live.length === 0) {
    return (
      <section className="card">
        <h2>Errors</h2>
        <p className="muted" data-testid="migrate-no-failures">
          No record has failed.
        </p>
      </section>
    )
  }
  return (
    <section className="card">
      <h2>Errors</h2>
      {live.length > 0 && (
        <ul className="log" data-testid="migrate-live-errors">
          {live.slice(-20).map((l, i) => (
            <li key={`${l.at}-${i}`} className={`log-${l.level}`}>
              {l.message}
            </li>
          ))}
        </ul>
      )}
      {failures.length > 0 && (
        <table className="table" data-testid="migrate-failures">
          <thead>
            <tr>
              <th>Phase</th>
              <th>Record</th>
              <th>Verdict</th>
              <th>Code</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {failures.map((f) => (
              <tr key={f.seq} data-verdict={f.verdict}>
                <td>{f.phase}</td>
                <td title={f.table}>{f.sourceKey}</td>
                <td>{f.verdict}</td>
                <td>{f.code ?? (f.httpStatus !== null ? `HTTP ${f.httpStatus}` : '')}</td>
                <td>{f.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

export function MigrateStep() {
  const { latest, failures, jobId, samples, error } = useAppStore(
    useShallow((s) => ({
      latest: s.run.latest,
      failures: s.run.failures,
      jobId: s.run.jobId,
      samples: s.run.samples,
      error: s.run.error,
    })),
  )
  const job = useAppStore((s) => (jobId ? (s.jobs.byId[jobId] ?? null) : null))
  const start = useAppStore((s) => s.startRun)
  const resume = useAppStore((s) => s.resumeRun)
  const cancel = useAppStore((s) => s.cancelJob)
  const clearError = useAppStore((s) => s.clearRunError)
  const [phases, setPhases] = useState<ReadonlyArray<RunPhase>>(RUN_PHASES)
  const [users, setUsers] = useState('')
  const running = job?.state === 'running'
  const userCount = users.trim() === '' ? null : Number(users)
  const validUsers = userCount === null || (Number.isInteger(userCount) && userCount >= 1 && userCount <= 16)
  const bars = phaseBars(latest, job)
  const toggle = (p: RunPhase) =>
    setPhases((current) =>
      current.includes(p)
        ? current.filter((x) => x !== p)
        : RUN_PHASES.filter((x) => x === p || current.includes(x)),
    )
  return (
    <div className="step-body" data-testid="migrate-step">
      {error && <ErrorBanner error={error} onDismiss={clearError} />}
      <section className="card">
        <h2>Run the migration</h2>
        <p className="muted">
          Loads the staged export into Dynamics by alternate key, phase by phase. Every write is journaled
          before it is sent, so a cancelled or interrupted run resumes where it stopped and never creates a
          record twice.
        </p>
        <fieldset className="field" disabled={running}>
          <legend>Phases</legend>
          {RUN_PHASES.map((p) => (
            <label key={p} className="check-row">
              <input
                type="checkbox"
                checked={phases.includes(p)}
                onChange={() => toggle(p)}
                data-testid={`migrate-phase-toggle-${p}`}
              />
              <span>{PHASE_LABEL[p]}</span>
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>Application users sharing the load (empty: every one the target profile names)</span>
          <input
            type="number"
            min={1}
            max={16}
            value={users}
            onChange={(e) => setUsers(e.target.value)}
            disabled={running}
            data-testid="migrate-users"
          />
        </label>
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={running || phases.length === 0 || !validUsers}
            onClick={() => void start(phases, userCount)}
            data-testid="migrate-start"
          >
            {latest ? 'Start a new run' : 'Start the migration'}
          </button>
          {latest?.resumable && !running && (
            <button
              type="button"
              onClick={() => void resume(userCount)}
              disabled={!validUsers}
              data-testid="migrate-resume"
            >
              Resume run {latest.runNo}
            </button>
          )}
        </div>
        {latest && !running && (
          <p className="muted" data-testid="migrate-latest" data-status={latest.status}>
            Latest run {latest.runNo}: {latest.status}
            {latest.resumes > 0 ? `, resumed ${latest.resumes} time${latest.resumes === 1 ? '' : 's'}` : ''}
            {latest.error ? ` — ${latest.error.message}` : ''}
          </p>
        )}
        {job && <JobProgress job={job} onCancel={() => void cancel(job.jobId)} />}
      </section>
      <section className="card">
        <h2>Phases</h2>
        <PhaseBars bars={bars} />
      </section>
      <section className="card">
        <h2>Throughput</h2>
        <ThroughputChart samples={samples} />
      </section>
      <Failures failures={failures} job={job} />
      {latest && !running && <Summary run={latest} />}
    </div>
  )
}
