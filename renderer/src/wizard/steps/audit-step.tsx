/**
 * Step 4: the target audit — what the Dynamics 365 Sales environment already has (users, custom
 * columns, keys, connection roles, process flows, limits), and the licence tier the operator states.
 */
import { useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { LICENCE_TIERS, type LicenceTier, type TargetAudit } from '@shared/dto/plan'
import { ErrorBanner } from '../../components/error-banner'
import { JobProgress } from '../../components/progress-bar'
import { useAppStore } from '../../store'

const TIER_LABEL: Readonly<Record<LicenceTier, string>> = {
  professional: 'Sales Professional (15 custom tables at most)',
  enterprise: 'Sales Enterprise or Premium',
  unknown: 'Not known yet',
}

/** A folder field and an Export button; lists the files written. */
export function ExportForm({
  what,
  label,
  testId,
}: {
  what: 'schema-plan' | 'audit' | 'owners' | 'workflows'
  label: string
  testId: string
}) {
  const workspacePath = useAppStore((s) => s.workspace.summary?.path ?? '')
  const exportReport = useAppStore((s) => s.exportPlanReport)
  const files = useAppStore((s) => s.plan.exported[what] ?? null)
  const busy = useAppStore((s) => s.plan.busy)
  const [dir, setDir] = useState(() => workspacePath.replace(/[/\\][^/\\]*$/, '') + '/reports')
  return (
    <div>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault()
          if (dir.trim() !== '') void exportReport(what, dir.trim())
        }}
        data-testid={`${testId}-form`}
      >
        <input
          type="text"
          value={dir}
          onChange={(e) => setDir(e.target.value)}
          spellCheck={false}
          aria-label="Folder for the report files"
          data-testid={`${testId}-dir`}
        />
        <button type="submit" disabled={busy || dir.trim() === ''} data-testid={testId}>
          {label}
        </button>
      </form>
      {files && (
        <ul className="log" data-testid={`${testId}-files`}>
          {files.map((f) => (
            <li key={f.path}>
              {f.path} ({f.bytes.toLocaleString()} bytes)
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

function AuditView({ audit }: { audit: TargetAudit }) {
  const disabled = audit.users.filter((u) => u.isDisabled).length
  return (
    <>
      <section className="card" data-testid="audit-summary">
        <h2>
          {audit.environment.organizationName || 'Environment'} · {audit.environment.url}
        </h2>
        <dl className="facts">
          <dt>Dataverse version</dt>
          <dd data-testid="audit-version">{audit.environment.version ?? 'unknown'}</dd>
          <dt>Signed in as</dt>
          <dd>{audit.environment.userId}</dd>
          <dt>Users</dt>
          <dd data-testid="audit-users">
            {audit.users.length} ({disabled} disabled)
          </dd>
          <dt>Custom tables</dt>
          <dd>{audit.customTables.length}</dd>
          <dt>Upload limit</dt>
          <dd>{audit.maxUploadFileSize.toLocaleString()} bytes (Base64)</dd>
          <dt>Audited</dt>
          <dd>{new Date(audit.auditedAt).toLocaleString()}</dd>
        </dl>
        {audit.notes.length > 0 && (
          <ul className="log">
            {audit.notes.map((n) => (
              <li key={n} className="log-warn">
                {n}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card">
        <h2>Tables Leafbridge writes</h2>
        <table className="table" data-testid="audit-tables">
          <thead>
            <tr>
              <th>Table</th>
              <th>Exists</th>
              <th>Custom columns</th>
              <th>Alternate keys</th>
              <th>Connections</th>
              <th>UpsertMultiple</th>
            </tr>
          </thead>
          <tbody>
            {audit.tables.map((t) => (
              <tr key={t.table}>
                <td>{t.table}</td>
                <td>{t.exists ? 'yes' : 'no'}</td>
                <td className="num">{audit.columns.filter((c) => c.table === t.table).length}</td>
                <td>
                  {audit.keys
                    .filter((k) => k.table === t.table)
                    .map((k) => `${k.logicalName} (${k.status})`)
                    .join(', ') || '—'}
                </td>
                <td>{t.isConnectionsEnabled === null ? '?' : t.isConnectionsEnabled ? 'enabled' : 'off'}</td>
                <td>{t.bulk.upsertMultiple ? 'yes' : 'no ($batch)'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <div className="grid-2">
        <section className="card">
          <h2>Connection roles</h2>
          <ul data-testid="audit-roles">
            {audit.connectionRoles.length === 0 && <li className="muted">None yet.</li>}
            {audit.connectionRoles.map((r) => (
              <li key={r.connectionRoleId}>
                {r.name}
                {r.reciprocal.length > 0 ? ` ↔ ${r.reciprocal.join(', ')}` : ''}
                {!r.active ? ' (inactive)' : ''}
              </li>
            ))}
          </ul>
        </section>
        <section className="card">
          <h2>Business process flows on opportunity</h2>
          <ul data-testid="audit-processes">
            {audit.processes.length === 0 && <li className="muted">None yet.</li>}
            {audit.processes.map((p) => (
              <li key={p.workflowId}>
                {p.name}: {p.stages.length} stages{p.active ? '' : ' (not activated)'}
              </li>
            ))}
          </ul>
        </section>
      </div>
      <section className="card">
        <h2>Users</h2>
        <table className="table" data-testid="audit-user-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>E-mail</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {audit.users
              .filter((u) => !u.isApplicationUser)
              .map((u) => (
                <tr key={u.systemUserId}>
                  <td>{u.fullName}</td>
                  <td>{u.email}</td>
                  <td>{u.isDisabled ? 'disabled' : 'enabled'}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </section>
    </>
  )
}

export function AuditStep() {
  const { status, audit, error, auditJobId, busy } = useAppStore(
    useShallow((s) => ({
      status: s.plan.status,
      audit: s.plan.audit,
      error: s.plan.error,
      auditJobId: s.plan.auditJobId,
      busy: s.plan.busy,
    })),
  )
  const job = useAppStore((s) => (auditJobId ? (s.jobs.byId[auditJobId] ?? null) : null))
  const runAudit = useAppStore((s) => s.runTargetAudit)
  const setTier = useAppStore((s) => s.setLicenceTier)
  const clearError = useAppStore((s) => s.clearPlanError)
  const running = job?.state === 'running'
  return (
    <div className="step-body" data-testid="audit-step">
      {error && <ErrorBanner error={error} onDismiss={clearError} />}
      <section className="card">
        <h2>Audit the target</h2>
        {status?.targetProfile ? (
          <p className="muted">
            Reads {status.targetProfile.url} as application {status.targetProfile.clientId}: nothing is
            written.
          </p>
        ) : (
          <p className="error-text">Choose the target environment in the Target step first.</p>
        )}
        <label className="field">
          <span>Licence</span>
          <select
            value={status?.licenceTier ?? 'unknown'}
            onChange={(e) => void setTier(e.target.value as LicenceTier)}
            disabled={busy}
            data-testid="audit-licence"
          >
            {LICENCE_TIERS.map((t) => (
              <option key={t} value={t}>
                {TIER_LABEL[t]}
              </option>
            ))}
          </select>
        </label>
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={!status?.targetProfile || running}
            onClick={() => void runAudit()}
            data-testid="audit-run"
          >
            {audit ? 'Audit again' : 'Audit the target'}
          </button>
        </div>
        {job && <JobProgress job={job} />}
      </section>
      {audit && <AuditView audit={audit} />}
      {audit && (
        <section className="card">
          <h2>Export the audit</h2>
          <ExportForm what="audit" label="Export audit" testId="audit-export" />
        </section>
      )}
    </div>
  )
}
