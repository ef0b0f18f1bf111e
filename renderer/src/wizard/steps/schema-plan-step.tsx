/**
 * Step 5: the schema setup plan — every column, alternate key, connection role and business process
 * flow the target needs, with warnings; export it for the admin, or apply it after a confirmation
 * that says exactly what will be created.
 */
import { useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { PlanItemState, SchemaPlan } from '@shared/dto/plan'
import { ErrorBanner } from '../../components/error-banner'
import { JobProgress } from '../../components/progress-bar'
import { useAppStore } from '../../store'
import { ExportForm } from './audit-step'

const STATE_TEXT: Readonly<Record<PlanItemState, string>> = {
  create: 'to create',
  exists: 'exists',
  conflict: 'conflict',
}

const CATEGORY = ['Qualify', 'Develop', 'Propose', 'Close']

/** What apply would create, in words, for the confirmation. */
export function applySummary(plan: SchemaPlan): ReadonlyArray<string> {
  const lines: string[] = []
  if (plan.publisher.state === 'create')
    lines.push(`the publisher ${plan.publisher.uniqueName} (prefix ${plan.publisher.prefix}_)`)
  if (plan.solution.state === 'create') lines.push(`the solution ${plan.solution.uniqueName}`)
  const columns = plan.columns.filter((c) => c.state === 'create')
  const byTable = new Map<string, number>()
  for (const c of columns) byTable.set(c.table, (byTable.get(c.table) ?? 0) + 1)
  if (columns.length > 0)
    lines.push(`${columns.length} columns (${[...byTable].map(([t, n]) => `${n} on ${t}`).join(', ')})`)
  const keys = plan.alternateKeys.filter((k) => k.state === 'create')
  if (keys.length > 0) lines.push(`${keys.length} alternate keys on ${keys.map((k) => k.table).join(', ')}`)
  const roles = plan.connectionRoles.filter((r) => r.state === 'create')
  if (roles.length > 0) lines.push(`${roles.length} connection roles: ${roles.map((r) => r.name).join(', ')}`)
  for (const p of plan.processes.filter((x) => x.state === 'create'))
    lines.push(`the business process flow ${p.name} with ${p.stages.length} stages`)
  return lines
}

function ColumnsTable({ plan }: { plan: SchemaPlan }) {
  const tables = [...new Set(plan.columns.map((c) => c.table))]
  const [table, setTable] = useState('all')
  const rows = table === 'all' ? plan.columns : plan.columns.filter((c) => c.table === table)
  return (
    <section className="card">
      <h2>Columns ({plan.columns.length})</h2>
      <label className="field">
        <span>Table</span>
        <select value={table} onChange={(e) => setTable(e.target.value)} data-testid="plan-column-table">
          <option value="all">All tables</option>
          {tables.map((t) => (
            <option key={t} value={t}>
              {t} ({plan.columns.filter((c) => c.table === t).length})
            </option>
          ))}
        </select>
      </label>
      <table className="table" data-testid="plan-columns">
        <thead>
          <tr>
            <th>Table</th>
            <th>Schema name</th>
            <th>Display name</th>
            <th>Type</th>
            <th>Length / precision</th>
            <th>From</th>
            <th>Plan</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={`${c.table}.${c.logicalName}`} data-state={c.state}>
              <td>{c.table}</td>
              <td>{c.schemaName}</td>
              <td>{c.displayName}</td>
              <td title={c.options?.map((o) => `${o.value} ${o.label}`).join('\n')}>
                {c.type}
                {c.options ? ` (${c.options.length} options)` : ''}
              </td>
              <td className="num">{c.maxLength ?? c.precision ?? ''}</td>
              <td>{c.sources.join(', ') || c.purpose}</td>
              <td>{STATE_TEXT[c.state]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function PlanView({ plan }: { plan: SchemaPlan }) {
  return (
    <>
      <section className="card" data-testid="plan-summary">
        <h2>
          Solution {plan.solution.uniqueName} · publisher {plan.publisher.uniqueName} ({plan.publisher.prefix}
          _)
        </h2>
        <dl className="facts">
          <dt>To create</dt>
          <dd data-testid="plan-count-create">{plan.counts.create}</dd>
          <dt>Already there</dt>
          <dd data-testid="plan-count-exists">{plan.counts.exists}</dd>
          <dt>Conflicts</dt>
          <dd>{plan.counts.conflict}</dd>
          <dt>Custom tables</dt>
          <dd>
            {plan.customTables.existing} existing + {plan.customTables.planned} planned
            {plan.customTables.limit !== null ? ` (limit ${plan.customTables.limit})` : ''}
          </dd>
          <dt>Mapping version</dt>
          <dd>{plan.mappingVersion ?? '—'}</dd>
        </dl>
        {plan.warnings.length > 0 && (
          <ul className="log" data-testid="plan-warnings">
            {plan.warnings.map((w, i) => (
              <li
                key={`${w.code}-${i}`}
                className={
                  w.severity === 'blocker' ? 'log-error' : w.severity === 'warning' ? 'log-warn' : ''
                }
                data-severity={w.severity}
              >
                <strong>{w.severity}</strong>: {w.message}
              </li>
            ))}
          </ul>
        )}
      </section>
      <ColumnsTable plan={plan} />
      <div className="grid-2">
        <section className="card">
          <h2>Alternate keys</h2>
          <table className="table" data-testid="plan-keys">
            <tbody>
              {plan.alternateKeys.map((k) => (
                <tr key={k.table}>
                  <td>{k.table}</td>
                  <td>{k.keyAttributes.join(', ')}</td>
                  <td>{k.status ?? STATE_TEXT[k.state]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="card">
          <h2>Connection roles</h2>
          <table className="table" data-testid="plan-roles">
            <tbody>
              {plan.connectionRoles.map((r) => (
                <tr key={r.name}>
                  <td>{r.name}</td>
                  <td>↔ {r.matches}</td>
                  <td>{STATE_TEXT[r.state]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      {plan.processes.map((p) => (
        <section className="card" key={p.uniqueName} data-testid={`plan-process-${p.pipelineId}`}>
          <h2>
            {p.name} · {STATE_TEXT[p.state]}
          </h2>
          <p className="muted">
            Business process flow on opportunity ({p.uniqueName}); definition {p.definitionFile}
            {p.absorbs.length > 0 ? `; also takes the deals of ${p.absorbs.join(', ')}` : ''}.
          </p>
          <ol>
            {p.stages.map((s) => (
              <li key={s.stageId}>
                {s.name}{' '}
                <span className="muted">
                  ({CATEGORY[s.category] ?? s.category}, {s.probability} %, {s.deals} deals)
                </span>
              </li>
            ))}
          </ol>
        </section>
      ))}
    </>
  )
}

export function SchemaPlanStep() {
  const { status, plan, error, applyJobId, undoJobId } = useAppStore(
    useShallow((s) => ({
      status: s.plan.status,
      plan: s.plan.schema,
      error: s.plan.error,
      applyJobId: s.plan.applyJobId,
      undoJobId: s.plan.undoJobId,
    })),
  )
  const applyJob = useAppStore((s) => (applyJobId ? (s.jobs.byId[applyJobId] ?? null) : null))
  const undoJob = useAppStore((s) => (undoJobId ? (s.jobs.byId[undoJobId] ?? null) : null))
  const apply = useAppStore((s) => s.applySchemaPlan)
  const undo = useAppStore((s) => s.undoSchemaPlan)
  const clearError = useAppStore((s) => s.clearPlanError)
  const [confirming, setConfirming] = useState<'apply' | 'undo' | null>(null)
  const running = applyJob?.state === 'running' || undoJob?.state === 'running'
  const blockers = plan?.warnings.filter((w) => w.severity === 'blocker') ?? []
  const summary = plan ? applySummary(plan) : []
  return (
    <div className="step-body" data-testid="schema-plan-step">
      {error && <ErrorBanner error={error} onDismiss={clearError} />}
      {status !== null && status.auditedAt === null && (
        <p className="error-text">
          Audit the target first (Audit step): the plan compares the export with it.
        </p>
      )}
      {plan && (
        <section className="card">
          <h2>Apply or export</h2>
          <p className="muted">
            Export the plan for your Dynamics admin (Markdown, HTML, XLSX, JSON and one XML definition per
            process), or let Leafbridge create what is missing, inside the solution, through the Web API.
          </p>
          <ExportForm what="schema-plan" label="Export plan" testId="plan-export" />
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={running || summary.length === 0 || blockers.length > 0}
              onClick={() => setConfirming('apply')}
              data-testid="plan-apply"
            >
              {summary.length === 0 ? 'Nothing to create' : 'Apply…'}
            </button>
            <button
              type="button"
              disabled={running || status?.lastApply == null}
              onClick={() => setConfirming('undo')}
              data-testid="plan-undo"
            >
              Remove what Leafbridge created…
            </button>
          </div>
          {blockers.length > 0 && <p className="error-text">Settle the blockers below before applying.</p>}
          {confirming === 'apply' && (
            <div className="banner" role="dialog" aria-label="Confirm apply" data-testid="plan-confirm">
              <div>
                <strong>This creates in {status?.targetProfile?.url ?? 'the target'}:</strong>
                <ul data-testid="plan-confirm-list">
                  {summary.map((l) => (
                    <li key={l}>{l}</li>
                  ))}
                </ul>
                <p className="muted">
                  New alternate keys are built by Dataverse in the background; apply waits until they are
                  Active.
                </p>
                <div className="actions">
                  <button
                    type="button"
                    className="primary"
                    onClick={() => {
                      setConfirming(null)
                      void apply()
                    }}
                    data-testid="plan-confirm-yes"
                  >
                    Create {plan.counts.create} components
                  </button>
                  <button type="button" onClick={() => setConfirming(null)} data-testid="plan-confirm-no">
                    Cancel
                  </button>
                </div>
              </div>
            </div>
          )}
          {confirming === 'undo' && (
            <div
              className="banner banner-error"
              role="dialog"
              aria-label="Confirm removal"
              data-testid="plan-undo-confirm"
            >
              <div>
                <strong>Remove the columns, keys, connection roles and processes Leafbridge created?</strong>
                <p>
                  Data already loaded into those columns is lost with them. Components that existed before are
                  kept.
                </p>
                <div className="actions">
                  <button
                    type="button"
                    onClick={() => {
                      setConfirming(null)
                      void undo()
                    }}
                    data-testid="plan-undo-yes"
                  >
                    Remove them
                  </button>
                  <button type="button" onClick={() => setConfirming(null)}>
                    Cancel
                  </button>
                </div>
              </div>
            </div>
          )}
          {applyJob && <JobProgress job={applyJob} />}
          {applyJob?.state === 'finished' && (
            <p data-testid="plan-applied">
              Applied: {(applyJob.result as { created: number }).created} created,{' '}
              {(applyJob.result as { existing: number }).existing} already there.
            </p>
          )}
          {undoJob && <JobProgress job={undoJob} />}
        </section>
      )}
      {plan && <PlanView plan={plan} />}
    </div>
  )
}
