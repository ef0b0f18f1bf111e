import { describe, expect, it } from 'vitest'
import { FEATURE_IDS } from '@shared/dto/app'
import {
  INITIAL_STEP,
  STEPS,
  type WizardFacts,
  back,
  canAdvance,
  goTo,
  hasBackend,
  isReachable,
  next,
  settle,
} from '../../../../renderer/src/wizard/steps'

const onlyWorkspace: WizardFacts = { features: ['workspace'], workspaceOpen: false }

describe('wizard steps', () => {
  it('lists the twelve steps of the operator path in order, one per feature', () => {
    expect(STEPS.map((s) => s.kind)).toEqual([
      'workspace',
      'source',
      'target',
      'audit',
      'schema-plan',
      'mapping',
      'owners',
      'sample-diff',
      'migrate',
      'cutover',
      'verify-reports',
      'rollback',
    ])
    expect(STEPS.map((s) => s.feature)).toEqual([...FEATURE_IDS])
  })

  it('cannot advance from the workspace step until a workspace is open', () => {
    const all: WizardFacts = { features: [...FEATURE_IDS], workspaceOpen: false }
    expect(canAdvance(INITIAL_STEP, all)).toBe(false)
    expect(next(INITIAL_STEP, all)).toEqual(INITIAL_STEP)
    const open = { ...all, workspaceOpen: true }
    expect(canAdvance(INITIAL_STEP, open)).toBe(true)
    expect(next(INITIAL_STEP, open)).toEqual({ kind: 'source' })
  })

  it('never advances into a step whose backend does not exist', () => {
    const facts: WizardFacts = { features: ['workspace'], workspaceOpen: true }
    expect(hasBackend('source', facts)).toBe(false)
    expect(canAdvance(INITIAL_STEP, facts)).toBe(false)
    expect(next(INITIAL_STEP, facts)).toEqual(INITIAL_STEP)
    expect(goTo(INITIAL_STEP, 'migrate', facts)).toEqual(INITIAL_STEP)
  })

  it('needs an open workspace for every step but the first', () => {
    const facts: WizardFacts = { features: [...FEATURE_IDS], workspaceOpen: false }
    expect(isReachable('workspace', facts)).toBe(true)
    for (const s of STEPS.slice(1)) expect(isReachable(s.kind, facts)).toBe(false)
    expect(isReachable('rollback', { ...facts, workspaceOpen: true })).toBe(true)
  })

  it('completes the target step only after a successful connection test', () => {
    const facts: WizardFacts = { features: [...FEATURE_IDS], workspaceOpen: true }
    expect(canAdvance({ kind: 'target' }, facts)).toBe(false)
    expect(canAdvance({ kind: 'target' }, { ...facts, targetConnected: false })).toBe(false)
    expect(next({ kind: 'target' }, { ...facts, targetConnected: true })).toEqual({ kind: 'audit' })
  })

  it('advances through the planning steps only as each is done', () => {
    const facts: WizardFacts = { features: [...FEATURE_IDS], workspaceOpen: true }
    expect(canAdvance({ kind: 'audit' }, facts)).toBe(false)
    expect(next({ kind: 'audit' }, { ...facts, auditDone: true })).toEqual({ kind: 'schema-plan' })
    expect(canAdvance({ kind: 'schema-plan' }, { ...facts, schemaApplied: true })).toBe(true)
    expect(canAdvance({ kind: 'mapping' }, { ...facts, mappingConfirmed: true })).toBe(true)
    expect(canAdvance({ kind: 'owners' }, { ...facts, ownersReady: false })).toBe(false)
    expect(canAdvance({ kind: 'source' }, { ...facts, sourceStaged: true })).toBe(true)
  })

  it('goes back one step and stays at the first', () => {
    expect(back({ kind: 'audit' })).toEqual({ kind: 'target' })
    expect(back(INITIAL_STEP)).toEqual(INITIAL_STEP)
  })

  it('falls back to the workspace step when the workspace closes under a later step', () => {
    const facts: WizardFacts = { features: [...FEATURE_IDS], workspaceOpen: false }
    expect(settle({ kind: 'mapping' }, facts)).toEqual(INITIAL_STEP)
    expect(settle({ kind: 'mapping' }, { ...facts, workspaceOpen: true })).toEqual({ kind: 'mapping' })
    expect(settle(INITIAL_STEP, onlyWorkspace)).toEqual(INITIAL_STEP)
  })
})
