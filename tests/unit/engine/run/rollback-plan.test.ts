import { describe, expect, it } from 'vitest'
import {
  type JournalEntry,
  planRollback,
  recordKey,
  recordUrl,
  restoreBodies,
  stepKey,
} from '../../../../electron/engine/run/rollback-plan'

let seq = 0
const entry = (over: Partial<JournalEntry> & Pick<JournalEntry, 'table' | 'sourceKey'>): JournalEntry => ({
  seq: ++seq,
  phase: 'accounts',
  step: 'load',
  entitySet: `${over.table}s`,
  operation: 'upsert',
  targetId: `id-${over.sourceKey}`,
  existed: false,
  beforeImage: null,
  request: { method: 'PATCH', path: `${over.table}s(x)`, body: {} },
  outcome: { status: 'applied', verdict: 'ok', targetId: null },
  ...over,
})

describe('planRollback', () => {
  it('deletes what the run created, newest first, so children go before their parents', () => {
    const plan = planRollback([
      entry({ table: 'account', sourceKey: 'company-1' }),
      entry({ table: 'contact', sourceKey: 'contact-1', phase: 'contacts' }),
      entry({ table: 'phonecall', sourceKey: 'call-1', phase: 'activities' }),
    ])
    expect(plan.steps.map((s) => [s.kind, s.sourceKey])).toEqual([
      ['delete', 'call-1'],
      ['delete', 'contact-1'],
      ['delete', 'company-1'],
    ])
    expect(plan.tables).toEqual({
      account: { delete: 1, restore: 0, reopen: 0 },
      contact: { delete: 1, restore: 0, reopen: 0 },
      phonecall: { delete: 1, restore: 0, reopen: 0 },
    })
    expect(plan.steps[0]!.address).toEqual({ id: 'id-call-1' })
  })

  it('keeps a record in its creation place when a later phase changed its state', () => {
    const plan = planRollback([
      entry({ table: 'phonecall', sourceKey: 'call-1', targetId: 'pc-1', phase: 'activities' }),
      entry({ table: 'annotation', sourceKey: 'note-1', targetId: 'an-1', phase: 'activities' }),
      entry({
        table: 'phonecall',
        sourceKey: 'call-1',
        phase: 'status',
        step: 'complete',
        operation: 'update',
        existed: true,
        targetId: 'pc-1',
        beforeImage: { statecode: 0, statuscode: 1 },
      }),
    ])
    // The note on the call goes first, though the call's completion is the newest intent.
    expect(plan.steps.map((s) => s.sourceKey)).toEqual(['note-1', 'call-1'])
  })

  it('restores before-images before any delete, oldest value of each column winning', () => {
    const plan = planRollback([
      entry({ table: 'account', sourceKey: 'company-9' }),
      entry({
        table: 'contact',
        sourceKey: 'contact-7',
        existed: true,
        beforeImage: { firstname: 'Ann', lastname: 'Old', _parentcustomerid_value: null },
      }),
      entry({
        table: 'contact',
        sourceKey: 'contact-7',
        step: 'parent-link',
        operation: 'update',
        existed: true,
        beforeImage: { firstname: 'Changed by the first write', description: null },
      }),
    ])
    expect(plan.steps.map((s) => s.kind)).toEqual(['restore', 'delete'])
    expect(plan.steps[0]!.body).toEqual({
      firstname: 'Ann',
      lastname: 'Old',
      description: null,
      'parentcustomerid_account@odata.bind': null,
    })
    expect(plan.steps[0]!.undoes).toHaveLength(2)
  })

  it('ignores later changes of a record the run itself created: the delete undoes them all', () => {
    const plan = planRollback([
      entry({ table: 'account', sourceKey: 'company-1' }),
      entry({
        table: 'account',
        sourceKey: 'company-1',
        step: 'parent-link',
        operation: 'update',
        existed: true,
        beforeImage: { _parentaccountid_value: null },
      }),
    ])
    expect(plan.steps.map((s) => [s.kind, s.sourceKey])).toEqual([['delete', 'company-1']])
  })

  it('treats a record the id map says this run created as created, whatever a later intent says', () => {
    const plan = planRollback(
      [entry({ table: 'lead', sourceKey: 'contact-3', existed: true, beforeImage: { subject: 'x' } })],
      { createdByRun: new Set([recordKey('lead', 'contact-3')]) },
    )
    expect(plan.steps.map((s) => s.kind)).toEqual(['delete'])
  })

  it('reopens a pre-existing opportunity the run won and deletes the close activity it created', () => {
    const opp = '0a5e0000-0000-4000-8000-000000000005'
    const close = '0c105e00-0000-4000-8000-000000000005'
    const plan = planRollback([
      entry({
        table: 'opportunity',
        sourceKey: 'deal-5',
        phase: 'opportunities',
        existed: true,
        targetId: opp,
        beforeImage: { name: 'Old name', _customerid_value: null },
      }),
      // As phases.ts journals a Win: on the close activity it creates, with the opportunity's state.
      entry({
        table: 'opportunityclose',
        entitySet: 'opportunitycloses',
        sourceKey: 'deal-5#close',
        phase: 'status',
        step: 'close',
        operation: 'action',
        existed: false,
        targetId: close,
        beforeImage: { opportunityid: opp, statecode: 0, statuscode: 2 },
        request: {
          method: 'POST',
          path: 'WinOpportunity',
          body: {
            Status: 3,
            OpportunityClose: { activityid: close, 'opportunityid@odata.bind': `/opportunities(${opp})` },
          },
        },
      }),
    ])
    expect(plan.steps.map((s) => [s.kind, s.table, s.address])).toEqual([
      ['reopen', 'opportunity', { id: opp }],
      ['restore', 'opportunity', { id: opp }],
      ['delete', 'opportunityclose', { id: close }],
    ])
    expect(plan.steps[0]!.body).toEqual({ statecode: 0, statuscode: 2 })
    expect(plan.steps[1]!.body).toEqual({ name: 'Old name', 'customerid_account@odata.bind': null })
    expect(plan.steps[0]!.sourceKey).toBe('deal-5')
  })

  it('only deletes an opportunity the run created and closed, with its close activity and BPF instance', () => {
    const opp = '0a5e0000-0000-4000-8000-000000000006'
    const plan = planRollback([
      entry({ table: 'opportunity', sourceKey: 'deal-6', targetId: opp }),
      entry({
        table: 'opportunitysalesprocess',
        entitySet: 'opportunitysalesprocesses',
        sourceKey: 'deal-6#bpf',
        targetId: 'bpf-6',
      }),
      entry({
        table: 'opportunityclose',
        entitySet: 'opportunitycloses',
        sourceKey: 'deal-6#close',
        operation: 'action',
        existed: false,
        targetId: 'close-6',
        beforeImage: { statecode: 0, statuscode: 1 },
        request: {
          method: 'POST',
          path: 'LoseOpportunity',
          body: {
            Status: 4,
            OpportunityClose: { activityid: 'close-6', 'opportunityid@odata.bind': `/opportunities(${opp})` },
          },
        },
      }),
    ])
    expect(plan.steps.map((s) => [s.kind, s.table])).toEqual([
      ['delete', 'opportunityclose'],
      ['delete', 'opportunitysalesprocess'],
      ['delete', 'opportunity'],
    ])
    expect(plan.warnings).toEqual([])
  })

  it('groups a record created by the run with its later steps by id (parent link, completion)', () => {
    const plan = planRollback([
      entry({ table: 'phonecall', sourceKey: 'call-1', targetId: 'PC-1' }),
      entry({
        table: 'phonecall',
        sourceKey: 'call-1',
        step: 'complete',
        operation: 'update',
        existed: true,
        targetId: 'pc-1',
        beforeImage: { statecode: 0, statuscode: 1 },
      }),
    ])
    expect(plan.steps.map((s) => [s.kind, s.address])).toEqual([['delete', { id: 'pc-1' }]])
  })

  it('warns when a close left no close activity id', () => {
    const plan = planRollback([
      entry({
        table: 'opportunity',
        sourceKey: 'deal-7',
        operation: 'action',
        existed: true,
        targetId: null,
        beforeImage: { statecode: 0, statuscode: 1 },
        request: { method: 'POST', path: 'LoseOpportunity', body: { Status: 4, OpportunityClose: {} } },
      }),
    ])
    expect(plan.warnings.map((w) => w.code)).toEqual(['close-activity-unknown'])
  })

  it('undoes intents without an outcome and retriable failures, but not records Dataverse refused', () => {
    const plan = planRollback([
      entry({ table: 'contact', sourceKey: 'contact-1', outcome: null, targetId: null }),
      entry({
        table: 'contact',
        sourceKey: 'contact-2',
        outcome: { status: 'failed', verdict: 'retriable', targetId: null },
      }),
      entry({
        table: 'contact',
        sourceKey: 'contact-3',
        outcome: { status: 'failed', verdict: 'skippable', targetId: null },
      }),
    ])
    expect(plan.steps.map((s) => [s.sourceKey, s.uncertain])).toEqual([
      ['contact-2', true],
      ['contact-1', true],
    ])
    // Without an id the delete goes by the alternate key.
    expect(plan.steps[1]!.address).toEqual({ key: 'contact-1' })
    expect(recordUrl(plan.steps[1]!, 'lb_sourceid')).toBe("contacts(lb_sourceid='contact-1')")
  })

  it('leaves out steps an earlier attempt of the same rollback already applied', () => {
    const entries = [
      entry({ table: 'account', sourceKey: 'company-1' }),
      entry({ table: 'account', sourceKey: 'company-2' }),
    ]
    const plan = planRollback(entries, { settled: new Set([stepKey('delete', 'account', 'company-2')]) })
    expect(plan.steps.map((s) => s.sourceKey)).toEqual(['company-1'])
    // The counts still describe the whole rollback.
    expect(plan.tables['account']).toEqual({ delete: 2, restore: 0, reopen: 0 })
  })

  it('warns about a changed record without a before-image instead of guessing', () => {
    const plan = planRollback([
      entry({ table: 'account', sourceKey: 'company-4', existed: true, beforeImage: null }),
    ])
    expect(plan.steps).toEqual([])
    expect(plan.warnings.map((w) => w.code)).toEqual(['no-before-image'])
  })

  it('gives the same plan for the journal in any order', () => {
    const entries = [
      entry({ table: 'account', sourceKey: 'a' }),
      entry({ table: 'contact', sourceKey: 'b', existed: true, beforeImage: { lastname: 'x' } }),
      entry({ table: 'task', sourceKey: 'c' }),
    ]
    expect(planRollback([...entries].reverse())).toEqual(planRollback(entries))
  })
})

describe('restoreBodies', () => {
  it('rebinds lookups through their navigation property and leaves out what Dataverse writes itself', () => {
    const bodies = restoreBodies('contact', 'contactid', {
      '@odata.etag': 'W/"1"',
      contactid: 'c-1',
      lastname: 'Reyes',
      'lastname@OData.Community.Display.V1.FormattedValue': 'Reyes',
      _parentcustomerid_value: 'acc-1',
      '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
      _ownerid_value: 'user-1',
      '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
      modifiedon: '2024-01-01T00:00:00Z',
      overriddencreatedon: null,
      statecode: 0,
    })
    expect(bodies).toEqual({
      state: { statecode: 0 },
      columns: {
        lastname: 'Reyes',
        'parentcustomerid_account@odata.bind': '/accounts(acc-1)',
        'ownerid@odata.bind': '/systemusers(user-1)',
      },
    })
  })

  it('uses the annotated navigation property of a table it does not know', () => {
    const bodies = restoreBodies('lb_bpf_refi', null, {
      businessprocessflowinstanceid: 'bpf-1',
      _activestageid_value: 'stage-1',
      '_activestageid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'processstage',
      '_activestageid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 'activestageid',
      traversedpath: 'stage-0,stage-1',
    })
    expect(bodies.columns).toEqual({
      'activestageid@odata.bind': '/processstages(stage-1)',
      traversedpath: 'stage-0,stage-1',
    })
  })
})
