/**
 * Step 3: the Dynamics 365 Sales environment — its address and application (or a profile file,
 * such as the one `leafbridge sandbox` writes), the client secret (write-only), and a connection test.
 */
import { useState, type FormEvent } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { AuthMode, TargetConnectionView } from '@shared/dto/target'
import { ErrorBanner } from '../../components/error-banner'
import { JobProgress } from '../../components/progress-bar'
import { useAppStore } from '../../store'

const SECRET_TEXT: Readonly<Record<TargetConnectionView['secret'], string>> = {
  stored: 'Stored, protected by the operating system',
  session: 'Kept in memory for this session only',
  'in-profile': 'In the profile file (keep that file safe)',
  missing: 'Not entered yet',
  'not-needed': 'Not needed (an operator signs in with a device code)',
}

function ConnectionForm({ initial }: { initial: TargetConnectionView | null }) {
  const save = useAppStore((s) => s.saveTargetConnection)
  const busy = useAppStore((s) => s.target.busy)
  const [url, setUrl] = useState(initial?.url ?? '')
  const [tenantId, setTenantId] = useState(initial?.tenantId ?? '')
  const [clientId, setClientId] = useState(initial?.clientId ?? '')
  const [authMode, setAuthMode] = useState<AuthMode>(initial?.authMode ?? 'client-secret')
  const [authority, setAuthority] = useState(
    initial && !initial.authority.startsWith('https://login.microsoftonline.com/') ? initial.authority : '',
  )
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void save({
      url: url.trim(),
      tenantId: tenantId.trim(),
      clientId: clientId.trim(),
      authMode,
      ...(authority.trim() !== '' ? { authority: authority.trim() } : {}),
    })
  }
  return (
    <form className="card" onSubmit={submit} data-testid="target-connection-form">
      <h2>Environment and application</h2>
      <p className="muted">
        The environment URL is the address of your Dynamics 365 Sales organization. The application is the app
        registration of an application user in that environment (or a public client for device-code sign-in).
      </p>
      <label className="field">
        <span>Environment URL</span>
        <input
          type="text"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://contoso.crm.dynamics.com"
          spellCheck={false}
          data-testid="target-url"
        />
      </label>
      <div className="grid-2">
        <label className="field">
          <span>Tenant (directory) ID</span>
          <input
            type="text"
            value={tenantId}
            onChange={(e) => setTenantId(e.target.value)}
            spellCheck={false}
            data-testid="target-tenant"
          />
        </label>
        <label className="field">
          <span>Client (application) ID</span>
          <input
            type="text"
            value={clientId}
            onChange={(e) => setClientId(e.target.value)}
            spellCheck={false}
            data-testid="target-client"
          />
        </label>
      </div>
      <fieldset className="field radio-row">
        <span>Sign-in</span>
        <label>
          <input
            type="radio"
            checked={authMode === 'client-secret'}
            onChange={() => setAuthMode('client-secret')}
          />{' '}
          Application user with a client secret
        </label>
        <label>
          <input
            type="radio"
            checked={authMode === 'device-code'}
            onChange={() => setAuthMode('device-code')}
          />{' '}
          An operator signs in with a device code
        </label>
      </fieldset>
      <label className="field">
        <span>Authority (leave empty for Microsoft Entra ID)</span>
        <input
          type="text"
          value={authority}
          onChange={(e) => setAuthority(e.target.value)}
          placeholder="https://login.microsoftonline.com/<tenant>"
          spellCheck={false}
          data-testid="target-authority"
        />
      </label>
      <div className="actions">
        <button
          type="submit"
          className="primary"
          disabled={busy || url.trim() === '' || tenantId.trim() === '' || clientId.trim() === ''}
          data-testid="target-save"
        >
          Save connection
        </button>
      </div>
    </form>
  )
}

function SecretForm({ connection }: { connection: TargetConnectionView }) {
  const saveSecret = useAppStore((s) => s.saveTargetSecret)
  const busy = useAppStore((s) => s.target.busy)
  const [secret, setSecret] = useState('')
  if (connection.authMode !== 'client-secret' || connection.profileFile !== null) return null
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault()
        void saveSecret(secret).then((ok) => ok && setSecret(''))
      }}
      data-testid="target-secret-form"
    >
      <h2>Client secret</h2>
      <p className="muted">
        {connection.secretStorage === 'os-protected'
          ? 'The secret is encrypted by the operating system and kept on this computer, never in the workspace. It cannot be shown again.'
          : 'In a browser session the secret is kept in memory by leafbridge serve only, never on disk; enter it again after a restart, or use a profile file.'}
      </p>
      <div className="inline-form">
        <input
          type="password"
          value={secret}
          onChange={(e) => setSecret(e.target.value)}
          autoComplete="new-password"
          placeholder={
            connection.secret === 'missing' ? 'Paste the client secret' : 'Enter a new secret to replace it'
          }
          data-testid="target-secret"
        />
        <button type="submit" disabled={busy || secret === ''} data-testid="target-secret-save">
          Save secret
        </button>
      </div>
    </form>
  )
}

function ProfileForm() {
  const chooseProfile = useAppStore((s) => s.useTargetProfileFile)
  const busy = useAppStore((s) => s.target.busy)
  const [path, setPath] = useState('')
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault()
        if (path.trim() !== '') void chooseProfile(path.trim())
      }}
      data-testid="target-profile-form"
    >
      <h2>Or use a target profile file</h2>
      <p className="muted">
        A JSON profile, such as the one <code>leafbridge sandbox --profile-out</code> writes for offline
        rehearsal.
      </p>
      <div className="inline-form">
        <input
          type="text"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          placeholder="/path/to/target-profile.json"
          spellCheck={false}
          data-testid="target-profile-path"
        />
        <button type="submit" disabled={busy || path.trim() === ''} data-testid="target-profile-submit">
          Use profile
        </button>
      </div>
    </form>
  )
}

export function TargetStep() {
  const { connection, lastCheck, error, testJobId } = useAppStore(
    useShallow((s) => ({
      connection: s.target.connection,
      lastCheck: s.target.lastCheck,
      error: s.target.error,
      testJobId: s.target.testJobId,
    })),
  )
  const testJob = useAppStore((s) => (testJobId ? (s.jobs.byId[testJobId] ?? null) : null))
  const test = useAppStore((s) => s.testTargetConnection)
  const clearError = useAppStore((s) => s.clearTargetError)
  const [editing, setEditing] = useState(false)
  const canTest = connection !== null && connection.secret !== 'missing' && testJob?.state !== 'running'
  return (
    <div className="step-body" data-testid="target-step">
      {error && <ErrorBanner error={error} onDismiss={clearError} />}
      {connection === null || editing ? (
        <>
          <ConnectionForm initial={connection} />
          <ProfileForm />
        </>
      ) : (
        <>
          <section className="card" data-testid="target-summary">
            <h2>{connection.url}</h2>
            <dl className="facts">
              <dt>Tenant</dt>
              <dd>{connection.tenantId}</dd>
              <dt>Application</dt>
              <dd data-testid="target-summary-client">{connection.clientId}</dd>
              <dt>Sign-in</dt>
              <dd>
                {connection.authMode === 'client-secret' ? 'Application user (client secret)' : 'Device code'}
              </dd>
              <dt>Authority</dt>
              <dd>{connection.authority}</dd>
              <dt>Secret</dt>
              <dd data-testid="target-summary-secret" data-secret-state={connection.secret}>
                {SECRET_TEXT[connection.secret]}
              </dd>
              {connection.profileFile && (
                <>
                  <dt>Profile file</dt>
                  <dd>{connection.profileFile}</dd>
                </>
              )}
              {connection.applicationUsers > 1 && (
                <>
                  <dt>Application users</dt>
                  <dd>{connection.applicationUsers} (the load can be shared between them)</dd>
                </>
              )}
            </dl>
            <div className="actions">
              <button type="button" onClick={() => setEditing(true)} data-testid="target-edit">
                Change
              </button>
              <button
                type="button"
                className="primary"
                disabled={!canTest}
                onClick={() => void test()}
                data-testid="target-test"
              >
                Test connection
              </button>
            </div>
          </section>
          <SecretForm connection={connection} />
          {testJob && <JobProgress job={testJob} />}
          {testJob && testJob.logs.length > 0 && (
            <ul className="log" data-testid="target-test-log">
              {testJob.logs.map((l, i) => (
                <li key={i} className={`log-${l.level}`}>
                  {l.message}
                </li>
              ))}
            </ul>
          )}
          {lastCheck && (
            <section
              className={`card check ${lastCheck.ok ? 'check-ok' : 'check-failed'}`}
              data-testid="target-check"
              data-check-ok={lastCheck.ok}
            >
              <h2>{lastCheck.ok ? 'Connected' : 'Connection failed'}</h2>
              {lastCheck.ok ? (
                <dl className="facts">
                  <dt>Signed in as</dt>
                  <dd>{lastCheck.userId}</dd>
                  <dt>Organization</dt>
                  <dd>{lastCheck.organizationId}</dd>
                  <dt>Version</dt>
                  <dd data-testid="target-check-version">{lastCheck.version}</dd>
                  <dt>Recommended parallelism</dt>
                  <dd>{lastCheck.dopHint ?? 'not sent'}</dd>
                  <dt>Took</dt>
                  <dd>{lastCheck.elapsedMs} ms</dd>
                </dl>
              ) : (
                <p className="error-text">{lastCheck.error}</p>
              )}
            </section>
          )}
        </>
      )}
    </div>
  )
}
