import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  BRIEF_ROWS,
  logicalNameOf,
  mappingDocumentSchema,
} from '../../../../../electron/engine/plan/mapping/model'
import { TARGET_TABLES } from '../../../../../electron/engine/plan/mapping/target-tables'
import {
  customColumnsOf,
  defaultMortgageTemplate,
} from '../../../../../electron/engine/plan/mapping/template'
import { coverValues } from '../../../../../electron/engine/plan/mapping/value-maps'

type RawEntity = {
  base: string | null
  properties: Array<[string, string, string]>
  navigations: Array<[string, ...unknown[]]>
}

/** Names of properties and navigation properties of an entity type in the real CSDL, inheritance resolved. */
function csdlNames(): (entity: string) => { properties: Set<string>; navigations: Set<string> } {
  const raw = JSON.parse(
    readFileSync(new URL('../../../../../electron/sandbox/schema/crm-schema.json', import.meta.url), 'utf8'),
  ) as {
    schema: { entityTypes: Record<string, RawEntity> }
  }
  const types = raw.schema.entityTypes
  return (entity) => {
    const properties = new Set<string>()
    const navigations = new Set<string>()
    for (let name: string | null = entity; name; name = types[name]?.base ?? null) {
      for (const p of types[name]?.properties ?? []) properties.add(p[0])
      for (const n of types[name]?.navigations ?? []) navigations.add(String(n[0]))
    }
    return { properties, navigations }
  }
}

describe('default mortgage template', () => {
  const doc = defaultMortgageTemplate()

  it('is a valid mapping document covering all twelve rows of the brief', () => {
    expect(() => mappingDocumentSchema.parse(doc)).not.toThrow()
    const covered = new Set(doc.objects.flatMap((o) => o.briefRows))
    expect([...BRIEF_ROWS].filter((r) => !covered.has(r))).toEqual([])
  })

  it('maps what the brief and the issue name', () => {
    const field = (object: string, target: string) =>
      doc.objects.find((o) => o.id === object)?.fields.find((f) => f.target === target)
    expect(field('contacts', 'ownerid')).toMatchObject({ source: 'owner_id', transform: { kind: 'owner' } })
    expect(field('contacts', 'lb_loanstatus')).toMatchObject({
      source: 'loan_status',
      transform: { kind: 'option', valueMap: 'loan_status' },
    })
    expect(field('contacts', 'parentcustomerid')).toMatchObject({
      transform: { kind: 'lookup', object: 'companies', fallback: 'placeholder-account' },
    })
    expect(field('accounts', 'parentaccountid')).toMatchObject({ source: 'parent_company_id' })
    expect(field('opportunities', 'estimatedvalue')).toMatchObject({ source: 'loan_amount' })
    expect(field('opportunities', 'estimatedclosedate')).toMatchObject({ source: 'closedate' })
    expect(field('opportunities', 'name')).toMatchObject({ source: 'dealname' })
    expect(field('opportunities', 'lb_loanofficer')).toMatchObject({ transform: { kind: 'owner-name' } })
    expect(field('opportunities', 'closeprobability')).toMatchObject({
      transform: { kind: 'stage', attribute: 'probability' },
    })
    expect(field('opportunities', 'lb_loantype')?.custom?.type).toBe('option')
    expect(field('opportunities', 'lb_preapprovaldate')?.custom?.type).toBe('date')
    expect(field('accounts', 'lb_propertystreet')).toMatchObject({ source: 'property_address' })
    expect(doc.objects.find((o) => o.id === 'leads')?.source.select).toEqual({
      kind: 'lead-split',
      side: 'lead',
    })
    for (const id of [
      'phonecalls',
      'emails',
      'appointments',
      'tasks',
      'notes',
      'attachments',
      'connections',
    ]) {
      expect(doc.objects.find((o) => o.id === id)?.target.kind).toBe('table')
    }
  })

  it('gives every migrated table a source-id column and keeps custom schema names unique per table', () => {
    const columns = customColumnsOf(doc)
    const tables = new Set(doc.objects.flatMap((o) => (o.target.kind === 'table' ? [o.target.table] : [])))
    for (const t of tables)
      expect(columns.some((c) => c.table === t && c.column.schemaName === 'lb_SourceId')).toBe(true)
    const keys = columns.map((c) => `${c.table}.${logicalNameOf(c.column.schemaName)}`)
    expect(new Set(keys).size).toBe(keys.length)
    for (const c of columns)
      if (c.column.type === 'option')
        expect(doc.valueMaps.some((m) => m.name === c.column.optionSet)).toBe(true)
  })

  it('uses only columns and navigation properties that exist in the real CSDL', () => {
    const names = csdlNames()
    for (const t of Object.values(TARGET_TABLES)) {
      const { properties, navigations } = names(t.table)
      for (const column of Object.keys(t.columns))
        expect(properties.has(column), `${t.table}.${column}`).toBe(true)
      for (const byTarget of Object.values(t.lookups)) {
        for (const nav of Object.values(byTarget))
          expect(navigations.has(nav!), `${t.table}.${nav}`).toBe(true)
      }
      if (t.partiesNavigation) expect(navigations.has(t.partiesNavigation), t.partiesNavigation).toBe(true)
    }
  })

  it('numbers options from the publisher base and maps stages with probability and sales stage', () => {
    const loanType = doc.valueMaps.find((m) => m.name === 'loan_type')!
    expect(loanType.entries[0]).toEqual({
      source: 'conventional',
      option: 100_000_000,
      label: 'Conventional',
      status: 'mapped',
    })
    const funded = doc.stages.find((s) => s.stageId === 'funded')!
    expect(funded).toMatchObject({
      probability: 100,
      salesstage: 3,
      outcome: 'won',
      bpfStage: 'Funded',
      pipelineLabel: 'Purchase',
    })
    const legacy = doc.stages.find((s) => s.stageId === 'l21_contract')!
    expect(legacy).toMatchObject({ archived: true, crosswalkTo: 'under_contract', status: 'mapped' })
  })

  it('adds custom properties as columns, flagging archived ones', () => {
    const custom = defaultMortgageTemplate({
      customProperties: [
        {
          object: 'deals',
          name: 'zillow_lead_id',
          label: 'Zillow Lead ID',
          targetType: 'string',
          archived: false,
        },
        {
          object: 'contacts',
          name: 'loan_type_old',
          label: 'Loan Type (old)',
          targetType: 'string',
          archived: true,
        },
      ],
    })
    const deal = custom.objects
      .find((o) => o.id === 'opportunities')!
      .fields.find((f) => f.source === 'zillow_lead_id')
    expect(deal).toMatchObject({
      target: 'lb_cfzillowleadid',
      custom: { schemaName: 'lb_CfZillowLeadId', type: 'string' },
    })
    const old = custom.objects
      .find((o) => o.id === 'contacts')!
      .fields.find((f) => f.source === 'loan_type_old')
    expect(old?.status).toBe('needs-review')
  })

  it('gives custom properties that share a label (D43) distinct column display names', () => {
    const doc = defaultMortgageTemplate({
      customProperties: [
        {
          object: 'contacts',
          name: 'realtor_name',
          label: 'Realtor Name',
          targetType: 'string',
          archived: false,
        },
        {
          object: 'contacts',
          name: 'realtor_name_text',
          label: 'Realtor Name',
          targetType: 'string',
          archived: false,
        },
      ],
    })
    const names = doc.objects
      .find((o) => o.id === 'contacts')!
      .fields.filter((f) => f.source?.startsWith('realtor_name'))
      .map((f) => f.custom?.displayName)
    expect(names).toEqual(['Realtor Name (realtor_name)', 'Realtor Name (realtor_name_text)'])
  })

  it('keeps every value the export holds in the value map, flagging the unknown ones', () => {
    const map = defaultMortgageTemplate().valueMaps.find((m) => m.name === 'loan_type')!
    const { map: covered, issues } = coverValues(map, [
      { value: 'fha', count: 10 },
      { value: 'Portfolio ARM', count: 2 },
    ])
    expect(issues).toEqual([{ map: 'loan_type', value: 'Portfolio ARM', count: 2 }])
    expect(covered.entries.find((e) => e.source === 'Portfolio ARM')).toMatchObject({
      option: null,
      status: 'unmapped',
    })
    expect(covered.entries).toHaveLength(map.entries.length + 1)
  })
})
