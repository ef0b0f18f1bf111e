import { describe, expect, it } from 'vitest'
import {
  LEGACY_2021_CROSSWALK,
  STANDARD_PIPELINES,
  STANDARD_STAGES,
  stageSlug,
} from '../../../../../../electron/engine/source/leaf360/spec/pipelines'

describe('§6.2 pipelines and stages', () => {
  it('has Purchase, Refinance and the archived Legacy 2021 in display order', () => {
    expect(
      STANDARD_PIPELINES.map((p) => [
        p.pipelineId,
        p.label,
        p.displayOrder,
        p.isDefault,
        p.active,
        p.archived,
      ]),
    ).toEqual([
      ['default', 'Purchase', 0, true, true, false],
      ['refi', 'Refinance', 1, false, true, false],
      ['legacy_2021', 'Legacy 2021', 2, false, false, true],
    ])
  })

  it('puts under_contract and the archived appraisal only in Purchase, application_locked only in Refinance', () => {
    const [purchase, refi, legacy] = STANDARD_PIPELINES
    expect(purchase?.stages).toHaveLength(18)
    expect(refi?.stages).toHaveLength(17)
    expect(legacy?.stages).toHaveLength(10)
    expect(purchase?.stages.find((s) => s.stageId === 'appraisal')?.archived).toBe(true)
    expect(purchase?.stages.some((s) => s.stageId === 'application_locked')).toBe(false)
    expect(refi?.stages.some((s) => s.stageId === 'refi_under_contract')).toBe(false)
    expect(refi?.stages.find((s) => s.stageId === 'refi_application_locked')?.probability).toBe(0.5)
    expect(legacy?.stages.every((s) => s.archived)).toBe(true)
  })

  it('derives is_closed from the outcome and keeps the spec probabilities', () => {
    const funded = STANDARD_STAGES.get('refi_funded')
    expect(funded).toMatchObject({
      outcome: 'won',
      isClosed: true,
      probability: 1,
      milestoneGroup: 'closed_won',
      pipelineId: 'refi',
    })
    expect(STANDARD_STAGES.get('nurture')).toMatchObject({
      outcome: 'open',
      isClosed: false,
      probability: 0.02,
    })
    expect(STANDARD_STAGES.get('docs_out')?.label).toBe('Docs Out / Closing')
    expect(STANDARD_STAGES.get('l21_lost_cash')?.label).toBe('z- Lost (cash/relo/builder)')
  })

  it('keeps stage ids unique across the portal and crosswalks every Legacy 2021 stage to a Purchase slug', () => {
    expect(STANDARD_STAGES.size).toBe(45)
    for (const target of LEGACY_2021_CROSSWALK.values())
      expect(STANDARD_STAGES.get(target)?.pipelineId).toBe('default')
    expect(LEGACY_2021_CROSSWALK.get('l21_app_received')).toBe('application_started')
    expect(stageSlug('refi_clear_to_close')).toBe('clear_to_close')
  })
})
