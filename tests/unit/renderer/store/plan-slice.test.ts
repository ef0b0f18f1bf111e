import { describe, expect, it } from 'vitest'
import { isPlanStepComplete } from '../../../../renderer/src/store/plan-slice'
import type { AppStore } from '../../../../renderer/src/store'

type Plan = AppStore['plan']
const base: Plan = {
  status: null,
  audit: null,
  schema: null,
  mapping: null,
  owners: null,
  busy: false,
  error: null,
  auditJobId: null,
  applyJobId: null,
  undoJobId: null,
  exported: {},
}
const state = (plan: Partial<Plan>) => ({ plan: { ...base, ...plan } })

describe('isPlanStepComplete', () => {
  it('says a planning step is done only when its decision is made', () => {
    expect(isPlanStepComplete('audit', state({}))).toBe(false)
    expect(isPlanStepComplete('audit', state({ audit: {} as Plan['audit'] }))).toBe(true)
    const counts = (create: number, conflict = 0) =>
      ({ counts: { create, exists: 10, conflict } }) as unknown as Plan['schema']
    expect(isPlanStepComplete('schema-plan', state({ schema: counts(3) }))).toBe(false)
    expect(isPlanStepComplete('schema-plan', state({ schema: counts(0, 1) }))).toBe(false)
    expect(isPlanStepComplete('schema-plan', state({ schema: counts(0) }))).toBe(true)
    expect(isPlanStepComplete('mapping', state({ mapping: { status: 'proposed' } as Plan['mapping'] }))).toBe(
      false,
    )
    expect(
      isPlanStepComplete('mapping', state({ mapping: { status: 'confirmed' } as Plan['mapping'] })),
    ).toBe(true)
    expect(isPlanStepComplete('owners', state({ owners: { ready: false } as Plan['owners'] }))).toBe(false)
    expect(isPlanStepComplete('owners', state({ owners: { ready: true } as Plan['owners'] }))).toBe(true)
    expect(isPlanStepComplete('migrate', state({}))).toBe(false)
  })
})
