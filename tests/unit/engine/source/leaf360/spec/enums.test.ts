import { describe, expect, it } from 'vitest'
import {
  DERIVED_LABEL_ENUMS,
  ENUM_NAMES,
  ENUMS,
  LOAN_STATUS_LEGACY_SPELLINGS,
  LOAN_STATUS_USUAL_STAGES,
  deriveEnumLabel,
  enumLabel,
} from '../../../../../../electron/engine/source/leaf360/spec/enums'

describe('§6 enumerations', () => {
  it('derives labels by the §6 rule', () => {
    expect(deriveEnumLabel('left_voicemail')).toBe('Left Voicemail')
    expect(deriveEnumLabel('NOT_STARTED')).toBe('Not Started')
    expect(deriveEnumLabel('los_sync')).toBe('LOS Sync')
    expect(deriveEnumLabel('crm_ui')).toBe('CRM UI')
    expect(deriveEnumLabel('loan_officer_assistant')).toBe('Loan Officer Assistant')
    expect(deriveEnumLabel('isa')).toBe('ISA')
    expect(deriveEnumLabel('sms_integration')).toBe('SMS Integration')
  })

  it('keeps the labels the spec quotes instead of deriving them', () => {
    expect(enumLabel('lifecycle_stage', 'marketingqualifiedlead')).toBe('Marketing Qualified Lead')
    expect(enumLabel('amortization_type', 'arm')).toBe('ARM')
    expect(enumLabel('email_direction', 'EMAIL')).toBe('Outgoing Email')
    expect(enumLabel('email_direction', 'INCOMING_EMAIL')).toBe('Incoming Email')
    expect(enumLabel('hmda_action_taken', '5')).toBe('Closed for Incompleteness')
    expect(enumLabel('call_disposition', 'left_voicemail')).toBe('Left Voicemail')
  })

  it('transcribes the explicit tables of §6.1–§6.5 with their exact labels', () => {
    expect(enumLabel('loan_status', 'closed_funded')).toBe('Closed / Funded')
    expect(enumLabel('loan_type', 'non_qm')).toBe('Non-QM / DSCR')
    expect(enumLabel('property_type', 'condo_low_rise')).toBe('Condo 1–4 Stories')
    expect(enumLabel('lead_source', 'past_client')).toBe('Past Client / Repeat')
    expect(enumLabel('lost_reason', 'went_with_realtor_lender')).toBe("Went With Realtor's Lender")
    expect(enumLabel('doc_type', 'dd214_coe')).toBe('DD-214 / COE')
    expect(enumLabel('partner_type', 'cpa')).toBe('CPA')
  })

  it('has the value counts of the spec tables', () => {
    const counts = Object.fromEntries(ENUM_NAMES.map((n) => [n, ENUMS[n].length]))
    expect(counts).toMatchObject({
      loan_status: 16,
      loan_type: 8,
      loan_purpose: 6,
      occupancy: 3,
      property_type: 14,
      lead_source: 15,
      partner_type: 10,
      contact_type: 7,
      lost_reason: 15,
      doc_type: 22,
      role: 7,
      lifecycle_stage: 8,
      lead_status: 8,
      hmda_action_taken: 8,
      engagement_source: 8,
      call_disposition: 6,
      task_status: 5,
      enrollment_status: 4,
    })
    expect(ENUM_NAMES).toHaveLength(37)
    expect(DERIVED_LABEL_ENUMS.size).toBe(26)
  })

  it('has unique values and labels within each enumeration', () => {
    for (const name of ENUM_NAMES) {
      const values = ENUMS[name].map((o) => o.value)
      const labels = ENUMS[name].map((o) => o.label)
      expect(new Set(values).size, name).toBe(values.length)
      expect(new Set(labels).size, name).toBe(labels.length)
    }
  })

  it('maps every §6.1 legacy spelling to a loan_status value or to null for (?) TBD', () => {
    expect(LOAN_STATUS_LEGACY_SPELLINGS).toHaveLength(20)
    for (const { spelling, value } of LOAN_STATUS_LEGACY_SPELLINGS) {
      if (spelling === '(?) TBD') expect(value).toBeNull()
      else
        expect(
          ENUMS.loan_status.some((o) => o.value === value),
          spelling,
        ).toBe(true)
    }
  })

  it('gives every loan_status its usual stages for the D27 check', () => {
    expect(Object.keys(LOAN_STATUS_USUAL_STAGES).sort()).toEqual(ENUMS.loan_status.map((o) => o.value).sort())
    expect(LOAN_STATUS_USUAL_STAGES.in_process.stages).toEqual([
      'processing',
      'appraisal',
      'underwriting',
      'conditional_approval',
    ])
    expect(LOAN_STATUS_USUAL_STAGES.past_client.fundedAgeDays).toEqual({ min: 90 })
  })
})
