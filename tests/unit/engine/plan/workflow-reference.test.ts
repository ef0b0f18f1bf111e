import { describe, expect, it } from 'vitest'
import { proposeMapping } from '../../../../electron/engine/plan/mapping-proposal'
import { buildWorkflowReference, targetsOf } from '../../../../electron/engine/plan/workflow-reference'
import { AUTOMATION } from '../../../integration/plan/plan-fixture'
import { facts } from './plan-inputs'

const mapping = proposeMapping(facts()).mapping

describe('buildWorkflowReference', () => {
  it('lists every automation with its trigger, actions, and the columns its fields now live in', () => {
    const ref = buildWorkflowReference(AUTOMATION, mapping, 'now')
    expect(ref.counts).toEqual({ workflow: 2, sequence: 1, 'lead-routing-rule': 1, 'sla-policy': 1 })
    const routing = ref.entries.find((e) => e.id === '3001')!
    expect(routing.trigger?.filters[0]).toMatchObject({
      property: 'contact.lead_status',
      operator: 'eq',
      value: 'NEW',
    })
    expect(routing.actions.map((a) => a.summary)).toEqual([
      'Rotate the owner among the eligible loan officers',
      'Set contact.loan_status to "contacted"',
    ])
    const loanStatus = routing.writes.find((w) => w.property === 'contact.loan_status')!
    expect(loanStatus.targets).toEqual(['contact.lb_loanstatus', 'lead.lb_loanstatus'])
    expect(routing.reads.map((r) => r.property)).toEqual([
      'contact.lead_status',
      'contact.loan_status',
      'contact.do_not_call',
    ])
    expect(routing.reads.find((r) => r.property === 'contact.do_not_call')!.targets).toEqual([
      'contact.donotphone',
      'lead.donotphone',
    ])
    const drip = ref.entries.find((e) => e.id === '3002')!
    expect(drip.templates[0]!.mergeTags.map((t) => [t.property, t.targets])).toEqual([
      ['contact.first_name', ['contact.firstname', 'lead.firstname']],
      ['deal.loan_type', ['opportunity.lb_loantype']],
    ])
  })

  it('says so when a property does not migrate', () => {
    expect(targetsOf(mapping, 'contact.favorite_pet')).toEqual([])
    expect(targetsOf(mapping, 'ticket.subject')).toEqual([])
  })
})
