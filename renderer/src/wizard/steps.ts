/**
 * The wizard as data: a union of steps and pure functions that say where the operator may go.
 * Tested without React (STYLE.md §6).
 */
import type { FeatureId } from '@shared/dto/app'

export type WizardStep =
  | { readonly kind: 'workspace' }
  | { readonly kind: 'source' }
  | { readonly kind: 'target' }
  | { readonly kind: 'audit' }
  | { readonly kind: 'schema-plan' }
  | { readonly kind: 'mapping' }
  | { readonly kind: 'owners' }
  | { readonly kind: 'sample-diff' }
  | { readonly kind: 'migrate' }
  | { readonly kind: 'cutover' }
  | { readonly kind: 'verify-reports' }
  | { readonly kind: 'rollback' }

export type StepKind = WizardStep['kind']

export type StepInfo = Readonly<{ kind: StepKind; label: string; feature: FeatureId; summary: string }>

/** The operator's path, in order (the brief's migration approach). */
export const STEPS: ReadonlyArray<StepInfo> = [
  {
    kind: 'workspace',
    label: 'Workspace',
    feature: 'workspace',
    summary: 'Create or open the file that holds this migration.',
  },
  {
    kind: 'source',
    label: 'Source',
    feature: 'source',
    summary: 'Stage a Leaf360 export and see its data quality.',
  },
  {
    kind: 'target',
    label: 'Target',
    feature: 'target',
    summary: 'Connect to the Dynamics 365 Sales environment.',
  },
  {
    kind: 'audit',
    label: 'Audit',
    feature: 'audit',
    summary: 'Compare what the export holds with what the target has.',
  },
  {
    kind: 'schema-plan',
    label: 'Schema plan',
    feature: 'schema-plan',
    summary: 'Columns, keys, connection roles and process flows to create.',
  },
  {
    kind: 'mapping',
    label: 'Mapping',
    feature: 'mapping',
    summary: 'Confirm how every object, field and value lands.',
  },
  {
    kind: 'owners',
    label: 'Owners',
    feature: 'owners',
    summary: 'Match loan officers to Dynamics users by e-mail.',
  },
  {
    kind: 'sample-diff',
    label: 'Sample & diff',
    feature: 'sample-diff',
    summary: 'Migrate a sample and compare every field.',
  },
  { kind: 'migrate', label: 'Migrate', feature: 'migrate', summary: 'Run the full migration in phases.' },
  {
    kind: 'cutover',
    label: 'Cutover',
    feature: 'cutover',
    summary: 'Pick up what changed in Leaf360 during cutover.',
  },
  {
    kind: 'verify-reports',
    label: 'Verify & reports',
    feature: 'verify-reports',
    summary: 'Read back every record and write the reports.',
  },
  {
    kind: 'rollback',
    label: 'Rollback',
    feature: 'rollback',
    summary: 'Take the target back to where it was.',
  },
]

/** What the step functions need to know about the world. */
export type WizardFacts = Readonly<{
  features: ReadonlyArray<FeatureId>
  workspaceOpen: boolean
  /** The last connection test of the target succeeded. */
  targetConnected?: boolean
  /** An export is staged in the workspace. */
  sourceStaged?: boolean
  /** The target audit has run. */
  auditDone?: boolean
  /** The schema setup plan has nothing left to create. */
  schemaApplied?: boolean
  mappingConfirmed?: boolean
  /** Every record would have a valid, enabled owner. */
  ownersReady?: boolean
  /** The latest migration run finished. */
  migrationDone?: boolean
}>

export const INITIAL_STEP: WizardStep = { kind: 'workspace' }

const indexOf = (kind: StepKind): number => STEPS.findIndex((s) => s.kind === kind)

export const stepInfo = (kind: StepKind): StepInfo => STEPS[indexOf(kind)]!

const stepOf = (kind: StepKind): WizardStep => ({ kind }) as WizardStep

/** Does this build have the step's backend? A step without one is shown as "not available yet". */
export const hasBackend = (kind: StepKind, facts: WizardFacts): boolean =>
  facts.features.includes(stepInfo(kind).feature)

/** Can the operator open this step now? Every step but the first needs an open workspace. */
export function isReachable(kind: StepKind, facts: WizardFacts): boolean {
  if (!hasBackend(kind, facts)) return false
  return kind === 'workspace' || facts.workspaceOpen
}

/** Has the operator done what this step asks, so the next may start? */
export function isComplete(step: WizardStep, facts: WizardFacts): boolean {
  switch (step.kind) {
    case 'workspace':
      return facts.workspaceOpen
    case 'source':
      return facts.sourceStaged === true
    case 'target':
      return facts.targetConnected === true
    case 'audit':
      return facts.auditDone === true
    case 'schema-plan':
      return facts.schemaApplied === true
    case 'mapping':
      return facts.mappingConfirmed === true
    case 'owners':
      return facts.ownersReady === true
    case 'migrate':
      return facts.migrationDone === true
    default:
      return false
  }
}

/** The step after `step`, if any. */
export function following(step: WizardStep): WizardStep | null {
  const next = STEPS[indexOf(step.kind) + 1]
  return next ? stepOf(next.kind) : null
}

export function canAdvance(step: WizardStep, facts: WizardFacts): boolean {
  const next = following(step)
  return next !== null && isComplete(step, facts) && isReachable(next.kind, facts)
}

/** Moves forward when allowed; otherwise stays. */
export function next(step: WizardStep, facts: WizardFacts): WizardStep {
  const after = following(step)
  return after !== null && canAdvance(step, facts) ? after : step
}

/** Moves back one step (the first step stays). */
export function back(step: WizardStep): WizardStep {
  const previous = STEPS[indexOf(step.kind) - 1]
  return previous ? stepOf(previous.kind) : step
}

/** Jumping from the step list: allowed to any reachable step. */
export function goTo(current: WizardStep, kind: StepKind, facts: WizardFacts): WizardStep {
  return isReachable(kind, facts) ? stepOf(kind) : current
}

/** If the world changed under the current step (the workspace was closed), fall back to the first step. */
export function settle(step: WizardStep, facts: WizardFacts): WizardStep {
  return isReachable(step.kind, facts) ? step : INITIAL_STEP
}
