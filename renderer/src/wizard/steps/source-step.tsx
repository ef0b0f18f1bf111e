/**
 * Step 2: stage a Leaf360 export (a folder or its .zip) with a progress bar, then its profile —
 * counts, data-quality findings with examples — and the quarantined rows in a virtualized table
 * that exports to CSV. Staging a later export of the same portal classifies the delta.
 */
import { useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { ErrorBanner } from '../../components/error-banner'
import { JobProgress } from '../../components/progress-bar'
import { QuarantineTable } from '../../components/quarantine-table'
import { SourceProfileView } from '../../components/source-profile'
import { useAppStore } from '../../store'

function StageForm({ again }: { again: boolean }) {
  const stage = useAppStore((s) => s.stageSourceExport)
  const pick = useAppStore((s) => s.pickSourcePath)
  const busy = useAppStore((s) => s.source.busy)
  const needsZone = useAppStore((s) => s.source.error?.code === 'timezone-required')
  const nativeDialogs = useAppStore((s) => s.app.info?.capabilities.nativeDialogs ?? false)
  const [path, setPath] = useState('')
  const [timezone, setTimezone] = useState('')
  const browse = async (purpose: 'source-folder' | 'source-zip') => {
    const chosen = await pick(purpose)
    if (chosen !== null) setPath(chosen)
  }
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault()
        if (path.trim() !== '') void stage(path.trim(), timezone.trim() || undefined)
      }}
      data-testid="source-stage-form"
    >
      <h2>{again ? 'Stage a later export' : 'Stage the Leaf360 export'}</h2>
      <p className="muted">
        {again
          ? 'A later export of the same portal is compared with what is staged: each record is new, changed, unchanged or gone.'
          : 'Choose the export folder or its .zip, as Leaf360 delivered it. Every row is staged or quarantined with a reason; nothing is changed in the export.'}
      </p>
      <label className="field">
        <span>Export folder or .zip</span>
        <input
          type="text"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          placeholder="/path/to/leaf360_export_4400123_20250630T120000Z.zip"
          spellCheck={false}
          data-testid="source-path"
        />
      </label>
      {nativeDialogs && (
        <div className="actions">
          <button
            type="button"
            onClick={() => void browse('source-folder')}
            data-testid="source-browse-folder"
          >
            Choose folder…
          </button>
          <button type="button" onClick={() => void browse('source-zip')} data-testid="source-browse-zip">
            Choose .zip…
          </button>
        </div>
      )}
      {needsZone && (
        <label className="field">
          <span>Time zone of the portal (IANA name)</span>
          <input
            type="text"
            value={timezone}
            onChange={(e) => setTimezone(e.target.value)}
            placeholder="America/Chicago"
            spellCheck={false}
            data-testid="source-timezone"
          />
        </label>
      )}
      <div className="actions">
        <button
          type="submit"
          className="primary"
          disabled={busy || path.trim() === ''}
          data-testid="source-stage"
        >
          Stage export
        </button>
      </div>
    </form>
  )
}

function QuarantineSection() {
  const { profile, quarantine, exported } = useAppStore(
    useShallow((s) => ({
      profile: s.source.profile,
      quarantine: s.source.quarantine,
      exported: s.source.exported,
    })),
  )
  const { ensureRows, filter, exportCsv, pick } = useAppStore(
    useShallow((s) => ({
      ensureRows: s.ensureQuarantineRows,
      filter: s.filterQuarantine,
      exportCsv: s.exportQuarantineCsv,
      pick: s.pickSourcePath,
    })),
  )
  const nativeDialogs = useAppStore((s) => s.app.info?.capabilities.nativeDialogs ?? false)
  const workspacePath = useAppStore((s) => s.workspace.summary?.path ?? '')
  const [destination, setDestination] = useState(
    () => workspacePath.replace(/\.leafbridge$/, '') + '-quarantine.csv',
  )
  if (profile === null) return null
  const reasons = Object.entries(profile.quarantineReasons)
  return (
    <section className="card" data-testid="source-quarantine">
      <h2>Quarantined rows</h2>
      <p className="muted">
        Rows not staged, each with its file, row, reason and raw text. Fix them in Leaf360 and export again,
        or keep this list with the migration's records.
      </p>
      <div className="inline-form">
        <label>
          Reason{' '}
          <select
            value={quarantine.reason ?? ''}
            onChange={(e) => void filter(e.target.value === '' ? null : e.target.value)}
            data-testid="quarantine-reason"
          >
            <option value="">All ({reasons.reduce((t, [, c]) => t + c, 0).toLocaleString()})</option>
            {reasons.map(([reason, count]) => (
              <option key={reason} value={reason}>
                {reason} ({count.toLocaleString()})
              </option>
            ))}
          </select>
        </label>
      </div>
      <QuarantineTable
        total={quarantine.total}
        rows={quarantine.rows}
        onNeedRow={(i) => void ensureRows(i)}
      />
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault()
          if (destination.trim() !== '') void exportCsv(destination.trim())
        }}
        data-testid="quarantine-export-form"
      >
        <input
          type="text"
          value={destination}
          onChange={(e) => setDestination(e.target.value)}
          spellCheck={false}
          aria-label="CSV file for the quarantined rows"
          data-testid="quarantine-export-path"
        />
        {nativeDialogs && (
          <button
            type="button"
            onClick={() => void pick('quarantine-csv').then((p) => p !== null && setDestination(p))}
            data-testid="quarantine-export-browse"
          >
            Choose…
          </button>
        )}
        <button type="submit" disabled={destination.trim() === ''} data-testid="quarantine-export">
          Export to CSV
        </button>
      </form>
      {exported && (
        <p className="muted" data-testid="quarantine-exported">
          Wrote {exported.rows.toLocaleString()} rows to {exported.path}.
        </p>
      )}
    </section>
  )
}

/** The Source step. */
export function SourceStep() {
  const { profile, error, stageJobId } = useAppStore(
    useShallow((s) => ({
      profile: s.source.profile,
      error: s.source.error,
      stageJobId: s.source.stageJobId,
    })),
  )
  const job = useAppStore((s) => (stageJobId ? (s.jobs.byId[stageJobId] ?? null) : null))
  const cancel = useAppStore((s) => s.cancelJob)
  const clearError = useAppStore((s) => s.clearSourceError)
  return (
    <div className="step-body" data-testid="source-step">
      {error && <ErrorBanner error={error} onDismiss={clearError} />}
      {job && <JobProgress job={job} onCancel={() => void cancel(job.jobId)} />}
      {profile !== null && <SourceProfileView profile={profile} />}
      <QuarantineSection />
      <StageForm again={profile !== null} />
    </div>
  )
}
