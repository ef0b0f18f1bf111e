/**
 * Step 11: verify and reports — read back every migrated record and compare every mapped field with
 * what the mapping says it must be; the reconciliation per table, every mismatch, and the report
 * files (reconciliation, mismatches, data dictionary, duplicates, oversized-file manifest).
 */
import { useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { MismatchPage, VerifyReport } from '@shared/dto/verify'
import { ErrorBanner } from '../../components/error-banner'
import { JobProgress } from '../../components/progress-bar'
import { useAppStore } from '../../store'
import { MISMATCH_PAGE } from '../../store/verify-slice'

const dash = (v: number | null) => (v === null ? '—' : v.toLocaleString())

function Reconciliation({ report }: { report: VerifyReport }) {
  return (
    <section className="card">
      <h2>
        Run {report.runNo} ·{' '}
        <span data-testid="verify-mismatch-count" data-mismatches={report.mismatches}>
          {report.mismatches === 0 ? 'no mismatches' : `${report.mismatches.toLocaleString()} mismatches`}
        </span>
      </h2>
      <p className="muted">
        Verified {report.finishedAt} against {report.targetUrl}. Source, staged and quarantined are the
        export’s rows of the objects that feed a table; expected are the records the mapping routes to it.
      </p>
      <table className="table" data-testid="verify-tables">
        <thead>
          <tr>
            <th>Table</th>
            <th className="num">Source</th>
            <th className="num">Staged</th>
            <th className="num">Quarantined</th>
            <th className="num">Expected</th>
            <th className="num">Loaded</th>
            <th className="num">Failed</th>
            <th className="num">Skipped</th>
            <th className="num">Verified</th>
            <th className="num">Mismatches</th>
          </tr>
        </thead>
        <tbody>
          {report.reconciliation.map((r) => (
            <tr key={r.table} data-table={r.table} data-mismatches={r.mismatches}>
              <td title={r.mappings.join(', ')}>
                {r.table}
                {r.sharedSource ? ' *' : ''}
              </td>
              <td className="num">{dash(r.source)}</td>
              <td className="num">{dash(r.staged)}</td>
              <td className="num">{dash(r.quarantined)}</td>
              <td className="num">{r.expected.toLocaleString()}</td>
              <td className="num">{r.loaded.toLocaleString()}</td>
              <td className="num">{r.failed.toLocaleString()}</td>
              <td className="num">{r.skipped.toLocaleString()}</td>
              <td className="num" data-testid={`verify-verified-${r.table}`}>
                {r.verified.toLocaleString()}
              </td>
              <td className="num">{r.mismatches.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.reconciliation.some((r) => r.sharedSource) && (
        <p className="muted">
          * Its Leaf360 objects also feed another table (contacts become contacts or leads), so their rows
          count in both.
        </p>
      )}
    </section>
  )
}

function Mismatches({ report, page }: { report: VerifyReport; page: MismatchPage | null }) {
  const table = useAppStore((s) => s.verify.table)
  const show = useAppStore((s) => s.showMismatches)
  const tables = report.reconciliation.filter((r) => r.mismatches > 0).map((r) => r.table)
  const offset = page?.offset ?? 0
  return (
    <section className="card">
      <h2>Mismatches</h2>
      {report.mismatches === 0 ? (
        <p data-testid="verify-no-mismatches">
          Every loaded record read back with every mapped field as expected.
        </p>
      ) : (
        <>
          <label className="field">
            <span>Table</span>
            <select
              value={table ?? ''}
              onChange={(e) => void show(e.target.value === '' ? null : e.target.value, 0)}
              data-testid="verify-mismatch-table"
            >
              <option value="">All tables</option>
              {tables.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
          <table className="table" data-testid="verify-mismatches">
            <thead>
              <tr>
                <th>Table</th>
                <th>Record</th>
                <th>Column</th>
                <th>Expected</th>
                <th>Actual</th>
              </tr>
            </thead>
            <tbody>
              {(page?.rows ?? []).map((m, i) => (
                <tr key={`${m.sourceKey}-${m.column}-${i}`} data-reason={m.reason}>
                  <td>{m.table}</td>
                  <td title={m.targetId ?? ''}>{m.sourceKey}</td>
                  <td title={m.field}>{m.column}</td>
                  <td>{m.expected}</td>
                  <td>{m.actual}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page && page.total > MISMATCH_PAGE && (
            <div className="actions">
              <button
                type="button"
                disabled={offset === 0}
                onClick={() => void show(table, Math.max(0, offset - MISMATCH_PAGE))}
                data-testid="verify-mismatch-previous"
              >
                Previous
              </button>
              <span className="muted">
                {offset + 1}–{Math.min(page.total, offset + MISMATCH_PAGE)} of {page.total.toLocaleString()}
              </span>
              <button
                type="button"
                disabled={offset + MISMATCH_PAGE >= page.total}
                onClick={() => void show(table, offset + MISMATCH_PAGE)}
                data-testid="verify-mismatch-next"
              >
                Next
              </button>
            </div>
          )}
        </>
      )}
    </section>
  )
}

const REPORT_LABEL: Readonly<Record<string, string>> = {
  reconciliation: 'Reconciliation',
  mismatches: 'Every mismatch',
  'data-dictionary': 'Data dictionary of migrated fields',
  duplicates: 'Duplicate report',
  'oversized-files': 'Oversized-file manifest',
}

function ReportFiles({ report }: { report: VerifyReport }) {
  const groups = [...new Set(report.files.map((f) => f.report))]
  return (
    <section className="card">
      <h2>Report files</h2>
      <p className="muted">
        In <code data-testid="verify-reports-dir">{report.reportsDir}</code>
      </p>
      <ul className="log" data-testid="verify-files">
        {groups.map((g) => (
          <li key={g}>
            <strong>{REPORT_LABEL[g] ?? g}</strong>:{' '}
            {report.files
              .filter((f) => f.report === g)
              .map((f) => f.path.split(/[/\\]/).pop())
              .join(', ')}
          </li>
        ))}
      </ul>
    </section>
  )
}

export function VerifyReportsStep() {
  const { latest, mismatches, error, jobId, busy } = useAppStore(
    useShallow((s) => ({
      latest: s.verify.latest,
      mismatches: s.verify.mismatches,
      error: s.verify.error,
      jobId: s.verify.jobId,
      busy: s.verify.busy,
    })),
  )
  const job = useAppStore((s) => (jobId ? (s.jobs.byId[jobId] ?? null) : null))
  const workspacePath = useAppStore((s) => s.workspace.summary?.path ?? '')
  const run = useAppStore((s) => s.runVerify)
  const cancel = useAppStore((s) => s.cancelJob)
  const clearError = useAppStore((s) => s.clearVerifyError)
  const [dir, setDir] = useState('')
  const running = job?.state === 'running'
  return (
    <div className="step-body" data-testid="verify-reports-step">
      {error && <ErrorBanner error={error} onDismiss={clearError} />}
      <section className="card">
        <h2>Verify the migration</h2>
        <p className="muted">
          Reads back every record of the latest run from Dynamics, only the mapped columns, and compares each
          field with the value the mapping computes from the export. The reports are written to the folder
          below.
        </p>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault()
            void run(dir)
          }}
        >
          <input
            type="text"
            value={dir}
            onChange={(e) => setDir(e.target.value)}
            placeholder={`${workspacePath.replace(/\.leafbridge$/, '')}-reports`}
            spellCheck={false}
            aria-label="Folder for the report files"
            data-testid="verify-out-dir"
          />
          <button type="submit" className="primary" disabled={busy || running} data-testid="verify-run">
            {latest ? 'Verify again' : 'Verify'}
          </button>
        </form>
        {job && <JobProgress job={job} onCancel={() => void cancel(job.jobId)} />}
      </section>
      {latest && <Reconciliation report={latest} />}
      {latest && <Mismatches report={latest} page={mismatches} />}
      {latest && <ReportFiles report={latest} />}
    </div>
  )
}
