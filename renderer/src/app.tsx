/**
 * The window: header, the step list, and the current step.
 */
import { ErrorBanner } from './components/error-banner'
import { useAppStore } from './store'
import { Wizard } from './wizard/wizard'

export function App() {
  const status = useAppStore((s) => s.app.status)
  const error = useAppStore((s) => s.app.error)
  const info = useAppStore((s) => s.app.info)
  const workspaceName = useAppStore((s) => s.workspace.summary?.name ?? null)
  return (
    <div className="app" data-app-state={status} data-testid="app-root">
      <header className="app-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Leafbridge</span>
          <span className="brand-tag">Leaf360 → Dynamics 365 Sales</span>
        </div>
        <div className="header-meta">
          {workspaceName !== null && (
            <span className="pill" data-testid="header-workspace">
              {workspaceName}
            </span>
          )}
          {info && (
            <span className="muted">
              {info.version} · {info.host === 'server' ? 'browser session' : 'desktop'}
            </span>
          )}
        </div>
      </header>
      {status === 'failed' && error && <ErrorBanner error={error} />}
      {status === 'loading' && <p className="loading">Connecting to the engine…</p>}
      {status === 'ready' && <Wizard />}
    </div>
  )
}

/** Shown in a browser that opened the server without the token-bearing URL. */
export function NoSession() {
  return (
    <div className="app" data-app-state="no-session">
      <main className="no-session">
        <h1>Open the address Leafbridge printed</h1>
        <p>
          This page needs the session token that <code>leafbridge serve</code> printed in its URL. Copy the
          whole address from the terminal, including the part after <code>#</code>, into this browser.
        </p>
      </main>
    </div>
  )
}
