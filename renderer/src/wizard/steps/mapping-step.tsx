/**
 * Step 6: the mapping — the default mortgage template's rows for this export with their status, the
 * loan_status routing, the value maps (every value the export holds, mapped or flagged) and the
 * stage map; confirm it so the run may use it. Full editing comes later.
 */
import { useShallow } from 'zustand/react/shallow'
import type { MappingSummary } from '@shared/dto/plan'
import { ErrorBanner } from '../../components/error-banner'
import { useAppStore } from '../../store'
import { ExportForm } from './audit-step'

const SALES_STAGE = ['Qualify', 'Develop', 'Propose', 'Close']

function Objects({ mapping }: { mapping: MappingSummary }) {
  return (
    <section className="card">
      <h2>Objects</h2>
      <table className="table" data-testid="mapping-objects">
        <thead>
          <tr>
            <th>Leaf360 → Dynamics 365 Sales</th>
            <th>Target</th>
            <th>Brief rows</th>
            <th className="num">Fields</th>
            <th className="num">To review</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {mapping.objects.map((o) => (
            <tr key={o.id} data-object={o.id}>
              <td title={o.notes.join('\n')}>{o.label}</td>
              <td>{o.target}</td>
              <td>{o.briefRows.join(', ')}</td>
              <td className="num">{o.fields}</td>
              <td className="num">{o.fieldsToReview}</td>
              <td>{o.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function LoanStatus({ mapping }: { mapping: MappingSummary }) {
  return (
    <section className="card">
      <h2>loan_status → contact or lead</h2>
      <table className="table" data-testid="mapping-loan-status">
        <thead>
          <tr>
            <th>Loan status</th>
            <th className="num">Contacts</th>
            <th>Lands in</th>
            <th>Usual deal stage</th>
            <th>Lead status</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {mapping.loanStatusRouting.map((r) => (
            <tr key={r.value} title={r.note}>
              <td>{r.label}</td>
              <td className="num">{r.count}</td>
              <td>{r.table === 'contact-or-lead' ? 'lead (contact if it has deals)' : 'contact'}</td>
              <td>{r.usualStages.join(', ') || '—'}</td>
              <td>{r.leadStatus?.label ?? '—'}</td>
              <td>{r.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function ValueMaps({ mapping }: { mapping: MappingSummary }) {
  return (
    <section className="card">
      <h2>Value maps</h2>
      {mapping.unmappedValues > 0 && (
        <p className="error-text" data-testid="mapping-unmapped">
          {mapping.unmappedValues} values in the export have no option yet; they load empty until mapped.
        </p>
      )}
      {mapping.valueMaps.map((m) => (
        <details key={m.name} data-testid={`value-map-${m.name}`}>
          <summary>
            {m.from} → {m.to} · {m.entries.length} values{m.unmapped > 0 ? ` · ${m.unmapped} unmapped` : ''}
          </summary>
          <table className="table">
            <tbody>
              {m.entries.map((e) => (
                <tr key={e.source} data-status={e.status}>
                  <td>{e.source}</td>
                  <td>{e.label}</td>
                  <td className="num">{e.option ?? '—'}</td>
                  <td className="num">{e.count}</td>
                  <td>{e.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
    </section>
  )
}

function Stages({ mapping }: { mapping: MappingSummary }) {
  return (
    <section className="card">
      <h2>Pipeline stages</h2>
      <table className="table" data-testid="mapping-stages">
        <thead>
          <tr>
            <th>Pipeline</th>
            <th>Stage</th>
            <th>Process stage</th>
            <th className="num">Probability %</th>
            <th>Sales stage</th>
            <th>Outcome</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {mapping.stages.map((s) => (
            <tr key={`${s.pipelineLabel}/${s.stageId}`}>
              <td>{s.pipelineLabel}</td>
              <td>{s.label}</td>
              <td>{s.bpfStage}</td>
              <td className="num">{s.probability}</td>
              <td>{SALES_STAGE[s.salesstage] ?? s.salesstage}</td>
              <td>{s.outcome}</td>
              <td>{s.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

export function MappingStep() {
  const { mapping, error, busy } = useAppStore(
    useShallow((s) => ({ mapping: s.plan.mapping, error: s.plan.error, busy: s.plan.busy })),
  )
  const confirm = useAppStore((s) => s.confirmMapping)
  const propose = useAppStore((s) => s.proposeMapping)
  const clearError = useAppStore((s) => s.clearPlanError)
  return (
    <div className="step-body" data-testid="mapping-step">
      {error && <ErrorBanner error={error} onDismiss={clearError} />}
      {mapping && (
        <section className="card" data-testid="mapping-summary" data-status={mapping.status}>
          <h2>
            {mapping.name} · version {mapping.version}{' '}
            <span className="pill" data-testid="mapping-status">
              {mapping.status}
            </span>
          </h2>
          <p className="muted">
            {mapping.status === 'confirmed'
              ? `Confirmed ${mapping.confirmedAt ? new Date(mapping.confirmedAt).toLocaleString() : ''}: the run uses this mapping.`
              : 'Proposed from the default mortgage template, the export’s pipelines and custom properties. Review the rows, then confirm.'}
          </p>
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={busy || mapping.status === 'confirmed'}
              onClick={() => void confirm(mapping.version)}
              data-testid="mapping-confirm"
            >
              Confirm mapping
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={() => void propose()}
              data-testid="mapping-propose"
            >
              Propose again from the template
            </button>
          </div>
        </section>
      )}
      {mapping && <Objects mapping={mapping} />}
      {mapping && <LoanStatus mapping={mapping} />}
      {mapping && <ValueMaps mapping={mapping} />}
      {mapping && <Stages mapping={mapping} />}
      {mapping && (
        <section className="card">
          <h2>Workflow rebuild reference</h2>
          <p className="muted">
            Leaf360 automations do not migrate. This reference (JSON and HTML) lists each workflow, sequence,
            routing rule and SLA with its trigger, actions and the Dataverse columns its fields now live in.
          </p>
          <ExportForm what="workflows" label="Export workflow reference" testId="workflows-export" />
        </section>
      )}
    </div>
  )
}
