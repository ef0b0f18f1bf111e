import { describe, expect, it } from 'vitest'
import { proposeMapping } from '../../../../electron/engine/plan/mapping-proposal'
import { KEYED_TABLES } from '../../../../electron/engine/plan/mapping/target-tables'
import {
  blockersOf,
  computeSchemaPlan,
  processUniqueName,
} from '../../../../electron/engine/plan/schema-plan'
import type { TargetAudit } from '../../../../electron/shared/dto/plan'
import type { SourceFacts } from '../../../../electron/engine/plan/source-facts'
import { emptyAudit, facts } from './plan-inputs'

const planOf = (audit: TargetAudit = emptyAudit(), f: SourceFacts = facts()) =>
  computeSchemaPlan({
    mapping: proposeMapping(f).mapping,
    mappingVersion: 1,
    facts: f,
    audit,
    now: '2026-12-01T00:00:00.000Z',
  })

describe('computeSchemaPlan', () => {
  it('puts a source-id column with an alternate key and the original times on every migrated table', () => {
    const plan = planOf()
    for (const table of KEYED_TABLES) {
      const names = plan.columns.filter((c) => c.table === table).map((c) => c.schemaName)
      expect(names, table).toContain('lb_SourceId')
      expect(names, table).toContain('lb_SourceCreatedOn')
      expect(names, table).toContain('lb_SourceModifiedOn')
    }
    expect(plan.alternateKeys.map((k) => k.table).sort()).toEqual([...KEYED_TABLES].sort())
    expect(
      plan.alternateKeys.every((k) => k.keyAttributes.join() === 'lb_sourceid' && k.state === 'create'),
    ).toBe(true)
    expect(
      plan.columns.find((c) => c.table === 'contact' && c.schemaName === 'lb_SourceOwner'),
    ).toMatchObject({
      purpose: 'original-user',
      sources: ['contacts.owner_id'],
    })
  })

  it('gives choice columns the options of their value map and stage-entered columns to opportunity', () => {
    const plan = planOf()
    const loanType = plan.columns.find((c) => c.table === 'opportunity' && c.schemaName === 'lb_LoanType')!
    expect(loanType.type).toBe('option')
    expect(loanType.options?.map((o) => o.label)).toEqual([
      'Conventional',
      'FHA',
      'VA',
      'USDA',
      'Jumbo',
      'Non-QM / DSCR',
      'HELOC / Home Equity',
      'Other',
    ])
    expect(loanType.options?.[0]?.value).toBe(100_000_000)
    const entered = plan.columns.filter((c) => c.purpose === 'stage-entered')
    expect(entered.every((c) => c.table === 'opportunity' && c.type === 'datetime')).toBe(true)
    expect(entered.map((c) => c.schemaName)).toContain('lb_EnteredUnderwritingOn')
  })

  it('plans the referral and company-link connection role pairs, each matching the other', () => {
    const roles = planOf().connectionRoles
    expect(roles.map((r) => [r.name, r.matches])).toEqual([
      ['Referred By', 'Referred'],
      ['Referred', 'Referred By'],
      ['Associated Contact', 'Associated Company'],
      ['Associated Company', 'Associated Contact'],
    ])
  })

  it('plans one process per live pipeline with its stages in order, and folds the crosswalked archived pipeline in', () => {
    const plan = planOf()
    expect(plan.processes.map((p) => [p.pipelineId, p.uniqueName])).toEqual([
      ['default', processUniqueName('lb', 'default')],
      ['refi', 'lb_bpf_refi'],
    ])
    const purchase = plan.processes[0]!
    expect(purchase.stages[0]!.name).toBe('New Lead')
    expect(purchase.stages.map((s) => s.name)).not.toContain('Appraisal')
    expect(purchase.stages.find((s) => s.stageId === 'processing')).toMatchObject({
      deals: 1,
      probability: 60,
    })
    expect(purchase.absorbs).toEqual(['Legacy 2021'])
    expect(plan.warnings.map((w) => w.code)).toContain('pipeline-crosswalked')
  })

  it('gives an archived pipeline without a crosswalk its own process while it holds deals', () => {
    const old = {
      pipelineId: 'old',
      label: 'Old Loans',
      displayOrder: 9,
      isDefault: false,
      active: false,
      archived: true,
      stages: [
        {
          stageId: 'old_a',
          label: 'Started',
          displayOrder: 0,
          probability: 0.1,
          isClosed: false,
          outcome: 'open' as const,
          milestoneGroup: 'lead' as const,
          archived: true,
          slug: 'old_a',
        },
      ],
    }
    const f = facts({ pipelines: [...facts().pipelines, old], dealsByStage: { 'old/old_a': 3 } })
    const plan = planOf(emptyAudit(), f)
    expect(plan.processes.map((p) => p.pipelineId)).toEqual(['default', 'refi', 'old'])
    expect(plan.processes[2]!.stages.map((s) => s.name)).toEqual(['Started'])
    expect(plan.warnings.map((w) => w.code)).toContain('pipeline-archived-kept')
    const empty = planOf(emptyAudit(), facts({ pipelines: [...facts().pipelines, old], dealsByStage: {} }))
    expect(empty.processes.map((p) => p.pipelineId)).toEqual(['default', 'refi'])
  })

  it('keeps an archived stage that still holds deals, with a warning', () => {
    const plan = planOf(emptyAudit(), facts({ dealsByStage: { 'default/appraisal': 2 } }))
    expect(plan.processes[0]!.stages.map((s) => s.stageId)).toContain('appraisal')
    expect(plan.warnings.find((w) => w.code === 'stage-archived-kept')?.message).toMatch(/2 deals/)
  })

  it('marks what exists as existing and a same-named column of another type as a conflict that blocks apply', () => {
    const audit = emptyAudit({
      columns: [
        {
          table: 'contact',
          logicalName: 'lb_sourceid',
          schemaName: 'lb_SourceId',
          attributeType: 'String',
          maxLength: 100,
          format: null,
          displayName: 'Leaf360 Source Id',
        },
        {
          table: 'opportunity',
          logicalName: 'lb_loanamount',
          schemaName: 'lb_LoanAmount',
          attributeType: 'Decimal',
          maxLength: null,
          format: null,
          displayName: 'Loan Amount',
        },
        {
          table: 'contact',
          logicalName: 'new_loanstatus',
          schemaName: 'new_LoanStatus',
          attributeType: 'String',
          maxLength: 100,
          format: null,
          displayName: 'Loan Status',
        },
      ],
      keys: [
        {
          table: 'contact',
          logicalName: 'lb_sourceidkey',
          schemaName: 'lb_SourceIdKey',
          keyAttributes: ['lb_sourceid'],
          status: 'Active',
        },
      ],
    })
    const plan = planOf(audit)
    expect(plan.columns.find((c) => c.table === 'contact' && c.logicalName === 'lb_sourceid')?.state).toBe(
      'exists',
    )
    expect(plan.alternateKeys.find((k) => k.table === 'contact')).toMatchObject({
      state: 'exists',
      status: 'Active',
    })
    expect(
      plan.columns.find((c) => c.table === 'opportunity' && c.logicalName === 'lb_loanamount')?.state,
    ).toBe('conflict')
    expect(blockersOf(plan).map((w) => w.code)).toEqual(['column-type-collision'])
    expect(plan.warnings.find((w) => w.code === 'display-name-collision')?.message).toMatch(/new_loanstatus/)
  })

  it("blocks on Professional's 15 custom tables, counting each planned process as a table", () => {
    const customTables = Array.from({ length: 14 }, (_, i) => ({
      logicalName: `new_t${i}`,
      isBpfEntity: false,
    }))
    const plan = planOf(emptyAudit({ licence: { tier: 'professional', source: 'operator' }, customTables }))
    expect(plan.customTables).toEqual({ existing: 14, planned: 2, limit: 15 })
    expect(blockersOf(plan).map((w) => w.code)).toContain('professional-table-limit')
    const enterprise = planOf(emptyAudit({ customTables }))
    expect(blockersOf(enterprise)).toEqual([])
    const unknown = planOf(emptyAudit({ licence: { tier: 'unknown', source: 'not-stated' }, customTables }))
    expect(unknown.warnings.find((w) => w.code === 'licence-unknown')?.severity).toBe('warning')
  })

  it('warns about attachments over the upload limit, measured in Base64', () => {
    // 3,932,160 bytes is exactly 5,242,880 in Base64: at the limit, not over it.
    const largest = [
      { fileId: 'a', name: 'big.pdf', bytes: 3_932_161 },
      { fileId: 'b', name: 'edge.pdf', bytes: 3_932_160 },
    ]
    const plan = planOf(emptyAudit(), facts({ attachments: { count: 2, totalBytes: 7_864_321, largest } }))
    expect(plan.warnings.find((w) => w.code === 'attachments-over-limit')?.message).toMatch(
      /^1 attachment exceeds .*big\.pdf/,
    )
  })

  it('flags values the export holds that no option takes', () => {
    const f = facts({
      values: {
        'deals.loan_type': [
          { value: 'bridge', count: 3 },
          { value: 'fha', count: 9 },
        ],
      },
    })
    const plan = planOf(emptyAudit(), f)
    const loanType = plan.columns.find((c) => c.schemaName === 'lb_LoanType')!
    expect(loanType.options?.map((o) => o.label)).not.toContain('bridge')
    expect(plan.warnings.find((w) => w.code === 'values-unmapped')?.message).toMatch(/bridge/)
  })

  it('uses an existing publisher that owns the prefix, and blocks when the named publisher has another prefix', () => {
    const byPrefix = planOf(
      emptyAudit({ publishers: [{ uniqueName: 'contoso', prefix: 'lb', optionValuePrefix: 10000 }] }),
    )
    expect(byPrefix.publisher).toMatchObject({ uniqueName: 'contoso', state: 'exists' })
    const other = planOf(
      emptyAudit({ publishers: [{ uniqueName: 'leafbridge', prefix: 'cr5', optionValuePrefix: 10000 }] }),
    )
    expect(other.publisher.state).toBe('conflict')
    expect(blockersOf(other).map((w) => w.code)).toEqual(['publisher-prefix-mismatch'])
  })
})
