/**
 * The wizard frame: the step list on the left, the current step on the right, back/next below.
 */
import { assertNever } from '@shared/assert-never'
import { useShallow } from 'zustand/react/shallow'
import { useAppStore } from '../store'
import { wizardFacts } from '../store/wizard-slice'
import { STEPS, type WizardStep, canAdvance, hasBackend, isReachable, stepInfo } from './steps'
import { AuditStep } from './steps/audit-step'
import { MappingStep } from './steps/mapping-step'
import { MigrateStep } from './steps/migrate-step'
import { OwnersStep } from './steps/owners-step'
import { RollbackStep } from './steps/rollback-step'
import { SchemaPlanStep } from './steps/schema-plan-step'
import { SourceStep } from './steps/source-step'
import { TargetStep } from './steps/target-step'
import { UnavailableStep } from './steps/unavailable-step'
import { VerifyReportsStep } from './steps/verify-reports-step'
import { WorkspaceStep } from './steps/workspace-step'

function StepBody({ step }: { step: WizardStep }) {
  switch (step.kind) {
    case 'workspace':
      return <WorkspaceStep />
    case 'source':
      return <SourceStep />
    case 'target':
      return <TargetStep />
    case 'audit':
      return <AuditStep />
    case 'schema-plan':
      return <SchemaPlanStep />
    case 'mapping':
      return <MappingStep />
    case 'owners':
      return <OwnersStep />
    case 'verify-reports':
      return <VerifyReportsStep />
    case 'rollback':
      return <RollbackStep />
    case 'migrate':
      return <MigrateStep />
    case 'sample-diff':
    case 'cutover':
      return <UnavailableStep kind={step.kind} />
    default:
      return assertNever(step, 'wizard step')
  }
}

export function Wizard() {
  const step = useAppStore((s) => s.wizard.step)
  const facts = useAppStore(useShallow(wizardFacts))
  const goTo = useAppStore((s) => s.goTo)
  const goNext = useAppStore((s) => s.goNext)
  const goBack = useAppStore((s) => s.goBack)
  const info = stepInfo(step.kind)
  const index = STEPS.findIndex((s) => s.kind === step.kind)
  return (
    <div className="wizard">
      <nav className="steps" aria-label="Migration steps">
        <ol>
          {STEPS.map((s, i) => {
            const available = hasBackend(s.kind, facts)
            const reachable = isReachable(s.kind, facts)
            return (
              <li key={s.kind}>
                <button
                  type="button"
                  className={`step-link${s.kind === step.kind ? ' current' : ''}`}
                  disabled={!reachable}
                  aria-current={s.kind === step.kind ? 'step' : undefined}
                  onClick={() => goTo(s.kind)}
                  data-testid={`step-nav-${s.kind}`}
                  data-available={available}
                >
                  <span className="step-number">{i + 1}</span>
                  <span className="step-label">{s.label}</span>
                  {!available && <span className="step-note">not available yet</span>}
                </button>
              </li>
            )
          })}
        </ol>
      </nav>
      <main className="step" data-testid={`step-${step.kind}`}>
        <header className="step-header">
          <p className="eyebrow">
            Step {index + 1} of {STEPS.length}
          </p>
          <h1>{info.label}</h1>
          <p className="muted">{info.summary}</p>
        </header>
        <StepBody step={step} />
        <footer className="step-footer">
          <button type="button" onClick={goBack} disabled={index === 0} data-testid="wizard-back">
            Back
          </button>
          <button
            type="button"
            className="primary"
            onClick={goNext}
            disabled={!canAdvance(step, facts)}
            data-testid="wizard-next"
          >
            Next
          </button>
        </footer>
      </main>
    </div>
  )
}
