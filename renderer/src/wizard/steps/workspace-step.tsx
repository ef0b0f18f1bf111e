/**
 * Step 1: create or open the workspace file, then see what it holds.
 */
import { useState, type FormEvent } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { ErrorBanner } from '../../components/error-banner'
import { JobProgress } from '../../components/progress-bar'
import { WorkspaceSummaryCard } from '../../components/workspace-summary'
import { useAppStore } from '../../store'

function PathForm(props: {
  idPrefix: string
  title: string
  hint: string
  placeholder: string
  submitLabel: string
  busy: boolean
  nativeDialogs: boolean
  browseLabel: string
  onBrowse: () => Promise<string | null>
  onSubmit: (path: string) => Promise<unknown>
}) {
  const [path, setPath] = useState('')
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (path.trim() !== '') void props.onSubmit(path.trim())
  }
  return (
    <form className="card" onSubmit={submit} data-testid={`${props.idPrefix}-form`}>
      <h2>{props.title}</h2>
      <p className="muted">{props.hint}</p>
      <label className="field">
        <span>Workspace file</span>
        <input
          type="text"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          placeholder={props.placeholder}
          spellCheck={false}
          autoComplete="off"
          data-testid={`${props.idPrefix}-path`}
        />
      </label>
      <div className="actions">
        {props.nativeDialogs && (
          <button
            type="button"
            onClick={() => void props.onBrowse().then((p) => (p === null ? undefined : props.onSubmit(p)))}
            disabled={props.busy}
          >
            {props.browseLabel}
          </button>
        )}
        <button
          type="submit"
          className="primary"
          disabled={props.busy || path.trim() === ''}
          data-testid={`${props.idPrefix}-submit`}
        >
          {props.submitLabel}
        </button>
      </div>
    </form>
  )
}

export function WorkspaceStep() {
  const summary = useAppStore((s) => s.workspace.summary)
  const busy = useAppStore((s) => s.workspace.busy)
  const error = useAppStore((s) => s.workspace.error)
  const nativeDialogs = useAppStore((s) => s.app.info?.capabilities.nativeDialogs ?? false)
  const backupJob = useAppStore((s) =>
    s.workspace.backupJobId ? (s.jobs.byId[s.workspace.backupJobId] ?? null) : null,
  )
  const {
    createWorkspace,
    openWorkspace,
    closeWorkspace,
    backupWorkspace,
    pickPath,
    clearWorkspaceError,
    cancelJob,
  } = useAppStore(
    useShallow((s) => ({
      createWorkspace: s.createWorkspace,
      openWorkspace: s.openWorkspace,
      closeWorkspace: s.closeWorkspace,
      backupWorkspace: s.backupWorkspace,
      pickPath: s.pickPath,
      clearWorkspaceError: s.clearWorkspaceError,
      cancelJob: s.cancelJob,
    })),
  )
  const [backupPath, setBackupPath] = useState('')

  return (
    <div className="step-body" data-testid="workspace-step">
      {error && <ErrorBanner error={error} onDismiss={clearWorkspaceError} />}
      {summary === null ? (
        <div className="grid-2">
          <PathForm
            idPrefix="workspace-create"
            title="Start a new migration"
            hint="A workspace is one file that holds everything about this migration: staged data, decisions, the journal of every write. Keep it somewhere backed up."
            placeholder="/path/to/acme-mortgage.leafbridge"
            submitLabel="Create workspace"
            busy={busy}
            nativeDialogs={nativeDialogs}
            browseLabel="Choose where to save…"
            onBrowse={() => pickPath('workspace-create')}
            onSubmit={createWorkspace}
          />
          <PathForm
            idPrefix="workspace-open"
            title="Continue a migration"
            hint="Open an existing .leafbridge file. Older workspaces are upgraded when opened; one made by a newer Leafbridge is refused, untouched."
            placeholder="/path/to/acme-mortgage.leafbridge"
            submitLabel="Open workspace"
            busy={busy}
            nativeDialogs={nativeDialogs}
            browseLabel="Browse…"
            onBrowse={() => pickPath('workspace-open')}
            onSubmit={openWorkspace}
          />
        </div>
      ) : (
        <>
          <WorkspaceSummaryCard summary={summary} />
          <section className="card">
            <h2>Back up</h2>
            <p className="muted">
              Writes a consistent copy of the live workspace (SQLite online backup), never a raw file copy.
            </p>
            <div className="inline-form">
              <input
                type="text"
                value={backupPath}
                onChange={(e) => setBackupPath(e.target.value)}
                placeholder={summary.path.replace(/\.leafbridge$/, '') + '-backup.leafbridge'}
                spellCheck={false}
                data-testid="workspace-backup-path"
              />
              <button
                type="button"
                disabled={backupPath.trim() === '' || backupJob?.state === 'running'}
                onClick={() => void backupWorkspace(backupPath.trim())}
                data-testid="workspace-backup-submit"
              >
                Back up
              </button>
            </div>
            {backupJob && <JobProgress job={backupJob} onCancel={() => void cancelJob(backupJob.jobId)} />}
          </section>
          <div className="actions">
            <button
              type="button"
              onClick={() => void closeWorkspace()}
              disabled={busy}
              data-testid="workspace-close"
            >
              Close workspace
            </button>
          </div>
        </>
      )}
    </div>
  )
}
