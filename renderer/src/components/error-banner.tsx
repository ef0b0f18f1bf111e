import type { AppErrorData } from '@shared/result'

/** An error as the operator should read it: the message first, the code for support. */
export function ErrorBanner({ error, onDismiss }: { error: AppErrorData; onDismiss?: () => void }) {
  return (
    <div className="banner banner-error" role="alert" data-testid="error-banner" data-error-code={error.code}>
      <span>{error.message}</span>
      <span className="banner-code">{error.code}</span>
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  )
}
