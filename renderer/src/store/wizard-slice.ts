/**
 * Where the operator is in the wizard. Moves go through the pure functions of wizard/steps.ts.
 */
import {
  type StepKind,
  type WizardFacts,
  type WizardStep,
  INITIAL_STEP,
  back,
  goTo,
  next,
  settle,
} from '../wizard/steps'
import type { AppStore } from './index'
import { isPlanStepComplete } from './plan-slice'
import { isSourceStaged } from './source-slice'
import type { SliceCreator } from './types'

export type WizardSlice = {
  wizard: Readonly<{ step: WizardStep }>
  goNext: () => void
  goBack: () => void
  goTo: (kind: StepKind) => void
  /** Re-checks the current step after the world changed (a workspace opened or closed). */
  settleWizard: () => void
}

/** The facts the wizard's rules need, derived from the store. */
export const wizardFacts = (s: AppStore): WizardFacts => ({
  features: s.app.info?.features ?? ['workspace'],
  workspaceOpen: s.workspace.summary !== null,
  sourceStaged: isSourceStaged(s),
  targetConnected: s.target.lastCheck?.ok === true,
  auditDone: isPlanStepComplete('audit', s),
  schemaApplied: isPlanStepComplete('schema-plan', s),
  mappingConfirmed: isPlanStepComplete('mapping', s),
  ownersReady: isPlanStepComplete('owners', s),
})

export const createWizardSlice: SliceCreator<WizardSlice> = () => (set, get) => ({
  wizard: { step: INITIAL_STEP },
  goNext: () => set((s) => ({ wizard: { step: next(s.wizard.step, wizardFacts(get())) } })),
  goBack: () => set((s) => ({ wizard: { step: back(s.wizard.step) } })),
  goTo: (kind) => set((s) => ({ wizard: { step: goTo(s.wizard.step, kind, wizardFacts(get())) } })),
  settleWizard: () => set((s) => ({ wizard: { step: settle(s.wizard.step, wizardFacts(get())) } })),
})
