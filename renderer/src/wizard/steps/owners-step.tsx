/**
 * Step 7: owners — every Leaf360 owner matched to a Dynamics user by e-mail, with the records each
 * owns; the fallback owner and per-owner overrides decide where the rest go. The run refuses to
 * start while any record would lack a valid, enabled owner.
 */
import { useShallow } from 'zustand/react/shallow'
import type { AuditUser, OwnerRow } from '@shared/dto/plan'
import { ErrorBanner } from '../../components/error-banner'
import { useAppStore } from '../../store'
import { ExportForm } from './audit-step'

const STATUS_TEXT: Readonly<Record<OwnerRow['status'], string>> = {
  matched: 'matched',
  disabled: 'matched, disabled',
  unmatched: 'unmatched',
}

function UserSelect({
  users,
  value,
  onChange,
  empty,
  testId,
  disabled,
}: {
  users: ReadonlyArray<AuditUser>
  value: string | null
  onChange: (id: string | null) => void
  empty: string
  testId: string
  disabled: boolean
}) {
  return (
    <select
      value={value ?? ''}
      onChange={(e) => onChange(e.target.value === '' ? null : e.target.value)}
      disabled={disabled}
      data-testid={testId}
    >
      <option value="">{empty}</option>
      {users.map((u) => (
        <option key={u.systemUserId} value={u.systemUserId}>
          {u.fullName} &lt;{u.email}&gt;
        </option>
      ))}
    </select>
  )
}

/** Owner ids that records use but owners.csv does not define (D11): listed apart, they follow the fallback. */
function OrphanOwners({ owners, fallback }: { owners: ReadonlyArray<OwnerRow>; fallback: string | null }) {
  const records = owners.reduce((n, o) => n + o.records, 0)
  return (
    <section className="card" data-testid="owners-orphans">
      <h2>
        {owners.length} owner ids not in owners.csv ({records.toLocaleString()} records)
      </h2>
      <p className={fallback ? 'muted' : 'error-text'}>
        {fallback
          ? `Their records go to the fallback owner, ${fallback}.`
          : 'Their records have no owner until you choose a fallback owner above.'}
      </p>
      <details>
        <summary>Show the ids</summary>
        <table className="table">
          <tbody>
            {owners.slice(0, 200).map((o) => (
              <tr key={o.ownerId}>
                <td>{o.ownerId}</td>
                <td>
                  {Object.entries(o.recordsByObject)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {owners.length > 200 && (
          <p className="muted">…and {owners.length - 200} more in the exported report.</p>
        )}
      </details>
    </section>
  )
}

export function OwnersStep() {
  const { status, owners, audit, error, busy } = useAppStore(
    useShallow((s) => ({
      status: s.plan.status,
      owners: s.plan.owners,
      audit: s.plan.audit,
      error: s.plan.error,
      busy: s.plan.busy,
    })),
  )
  const setFallback = useAppStore((s) => s.setFallbackOwner)
  const setOverride = useAppStore((s) => s.setOwnerOverride)
  const clearError = useAppStore((s) => s.clearPlanError)
  const people = (audit?.users ?? []).filter((u) => !u.isDisabled && !u.isApplicationUser)
  return (
    <div className="step-body" data-testid="owners-step">
      {error && <ErrorBanner error={error} onDismiss={clearError} />}
      {status !== null && status.auditedAt === null && (
        <p className="error-text">
          Audit the target first (Audit step): its users are what owners are matched to.
        </p>
      )}
      {owners && (
        <section
          className={`card check ${owners.ready ? 'check-ok' : 'check-failed'}`}
          data-testid="owners-summary"
          data-ready={owners.ready}
        >
          <h2>
            {owners.ready
              ? 'Every record has an owner'
              : `${owners.blockedRecords.toLocaleString()} records have no valid owner yet`}
          </h2>
          <dl className="facts">
            <dt>Matched</dt>
            <dd data-testid="owners-matched">{owners.matched}</dd>
            <dt>Matched but disabled</dt>
            <dd data-testid="owners-disabled">{owners.disabled}</dd>
            <dt>Unmatched</dt>
            <dd data-testid="owners-unmatched">{owners.unmatched}</dd>
            <dt>Records without an owner in Leaf360</dt>
            <dd>{owners.unownedRecords}</dd>
          </dl>
          <label className="field">
            <span>Fallback owner (gets every record no matched, enabled user can own)</span>
            <UserSelect
              users={people}
              value={owners.fallback?.systemUserId ?? null}
              onChange={(id) => void setFallback(id)}
              empty="No fallback owner"
              testId="owners-fallback"
              disabled={busy}
            />
          </label>
        </section>
      )}
      {owners && (
        <section className="card">
          <h2>Owners</h2>
          <table className="table" data-testid="owners-table">
            <thead>
              <tr>
                <th>Leaf360 owner</th>
                <th>E-mail</th>
                <th>Match</th>
                <th>Dynamics user</th>
                <th className="num">Records</th>
                <th>Records go to</th>
                <th>Override</th>
              </tr>
            </thead>
            <tbody>
              {owners.owners
                .filter((o) => o.defined)
                .map((o) => (
                  <tr
                    key={o.ownerId}
                    data-owner={o.ownerId}
                    data-status={o.status}
                    title={o.note ?? undefined}
                  >
                    <td>{o.name}</td>
                    <td>{o.email ?? '—'}</td>
                    <td>{STATUS_TEXT[o.status]}</td>
                    <td>{o.match ? o.match.name : '—'}</td>
                    <td className="num">{o.records.toLocaleString()}</td>
                    <td data-testid={`owner-assigned-${o.ownerId}`}>
                      {o.assignedTo ? (
                        `${o.assignedTo.name} (${o.assignedTo.via})`
                      ) : (
                        <span className="error-text">nobody</span>
                      )}
                    </td>
                    <td>
                      <UserSelect
                        users={people}
                        value={o.override?.systemUserId ?? null}
                        onChange={(id) => void setOverride(o.ownerId, id)}
                        empty="—"
                        testId={`owner-override-${o.ownerId}`}
                        disabled={busy}
                      />
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
      )}
      {owners && owners.owners.some((o) => !o.defined) && (
        <OrphanOwners
          owners={owners.owners.filter((o) => !o.defined)}
          fallback={owners.fallback?.name ?? null}
        />
      )}
      {owners && (
        <section className="card">
          <h2>Preflight report</h2>
          <ExportForm what="owners" label="Export preflight (CSV, XLSX, HTML)" testId="owners-export" />
        </section>
      )}
    </div>
  )
}
