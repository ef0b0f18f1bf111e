import { describe, expect, it } from 'vitest'
import {
  loanStatusRouting,
  optionFieldsOf,
  proposeMapping,
  summariseMapping,
} from '../../../../electron/engine/plan/mapping-proposal'
import { mappingDocumentSchema } from '../../../../electron/engine/plan/mapping/model'
import { facts } from './plan-inputs'

describe('proposeMapping', () => {
  it('covers every value the export holds: known values mapped, the rest added as unmapped, none dropped', () => {
    const f = facts({
      values: {
        'contacts.loan_status': [
          { value: 'pre_approved', count: 12 },
          { value: 'gone_fishing', count: 2 },
        ],
        'contacts.lead_source': [{ value: 'tiktok', count: 1 }],
        'deals.lead_source': [{ value: 'tiktok', count: 4 }],
      },
    })
    const { mapping, issues } = proposeMapping(f)
    expect(mappingDocumentSchema.safeParse(mapping).success).toBe(true)
    const loanStatus = mapping.valueMaps.find((m) => m.name === 'loan_status')!
    expect(loanStatus.entries.find((e) => e.source === 'pre_approved')).toMatchObject({ status: 'mapped' })
    expect(loanStatus.entries.find((e) => e.source === 'gone_fishing')).toMatchObject({
      status: 'unmapped',
      option: null,
    })
    expect(issues).toContainEqual({ map: 'lead_source', value: 'tiktok', count: 5 })
    const summary = summariseMapping(
      { version: 3, status: 'proposed', createdAt: 'now', confirmedAt: null, document: mapping },
      f,
    )
    expect(summary.unmappedValues).toBe(2)
    expect(
      summary.valueMaps
        .find((m) => m.name === 'loan_status')!
        .entries.find((e) => e.source === 'pre_approved')!.count,
    ).toBe(12)
    expect(summary.objects.map((o) => o.id)).toContain('opportunities')
  })

  it('turns custom properties into Cf columns with their label and type', () => {
    const { mapping } = proposeMapping(
      facts({
        customProperties: [
          {
            object: 'deals',
            name: 'zillow_lead_id',
            label: 'Zillow Lead ID',
            targetType: 'int',
            archived: false,
          },
          { object: 'contacts', name: 'lo_notes_2', label: 'LO Notes 2', targetType: 'memo', archived: true },
        ],
      }),
    )
    const deal = mapping.objects
      .find((o) => o.id === 'opportunities')!
      .fields.find((f) => f.source === 'zillow_lead_id')!
    expect(deal.custom).toMatchObject({
      schemaName: 'lb_CfZillowLeadId',
      displayName: 'Zillow Lead ID',
      type: 'int',
    })
    const note = mapping.objects
      .find((o) => o.id === 'contacts')!
      .fields.find((f) => f.source === 'lo_notes_2')!
    expect(note.status).toBe('needs-review')
  })

  it('reads every option-mapped field with its source object', () => {
    const fields = optionFieldsOf(proposeMapping(facts()).mapping)
    expect(fields).toContainEqual({ object: 'contacts', field: 'loan_status', valueMap: 'loan_status' })
    expect(fields).toContainEqual({ object: 'deals', field: 'loan_type', valueMap: 'loan_type' })
    expect(fields).toContainEqual({ object: 'tasks', field: 'priority', valueMap: 'task_priority' })
  })
})

describe('loanStatusRouting', () => {
  it('routes early statuses to leads (contacts without deals), keeps partners contacts, and flags unknown values', () => {
    const { mapping } = proposeMapping(facts())
    const routes = loanStatusRouting(mapping, [
      { value: 'new_lead', count: 4 },
      { value: 'mystery', count: 1 },
    ])
    const by = Object.fromEntries(routes.map((r) => [r.value, r]))
    expect(by['new_lead']).toMatchObject({
      table: 'contact-or-lead',
      count: 4,
      leadStatus: { statecode: 0, statuscode: 1 },
      usualStages: ['New Lead'],
    })
    expect(by['referral_partner']).toMatchObject({ table: 'contact', leadStatus: null })
    expect(by['pre_approved']).toMatchObject({ table: 'contact', usualStages: ['Pre-Approval'] })
    expect(by['mystery']).toMatchObject({ status: 'unmapped', count: 1 })
  })
})
