/**
 * The proposed mapping for one staged export (issue 5 items 4–5): the default mortgage template
 * tailored to the export's pipelines and custom properties, with every value the export holds
 * covered — mapped, or added as `unmapped` for the operator (never dropped) — and the loan_status
 * routing table (contact or lead, usual stage, lead status) derived from the split rule.
 */
import type { LoanStatusRoute, MappingSummary } from '../../shared/dto/plan'
import { ENUMS, LOAN_STATUS_USUAL_STAGES } from '../source/leaf360/spec/enums'
import type { FieldMapping, MappingDocument, ValueMap } from './mapping/model'
import { defaultMortgageTemplate } from './mapping/template'
import { type ValueCoverageIssue, coverValues } from './mapping/value-maps'
import type { OptionField, SourceFacts, ValueCount } from './source-facts'

/** Every field the mapping reads through a value map, with its source object. */
export function optionFieldsOf(doc: MappingDocument): ReadonlyArray<OptionField> {
  const out: OptionField[] = []
  for (const o of doc.objects) {
    for (const f of o.fields) {
      if (f.transform.kind !== 'option' || f.source === null || f.source.startsWith('$')) continue
      const field: OptionField = { object: o.source.object, field: f.source, valueMap: f.transform.valueMap }
      if (
        !out.some(
          (x) => x.object === field.object && x.field === field.field && x.valueMap === field.valueMap,
        )
      )
        out.push(field)
    }
  }
  return out
}

/** The fields to count before a mapping exists (those of the default template). */
export const TEMPLATE_OPTION_FIELDS: ReadonlyArray<OptionField> = optionFieldsOf(defaultMortgageTemplate())

/** Values seen per value map, summed over every field that uses it. */
export function seenValuesByMap(
  doc: MappingDocument,
  facts: Pick<SourceFacts, 'values'>,
): ReadonlyMap<string, ReadonlyArray<ValueCount>> {
  const byMap = new Map<string, Map<string, number>>()
  for (const f of optionFieldsOf(doc)) {
    const seen = facts.values[`${f.object}.${f.field}`] ?? []
    const acc = byMap.get(f.valueMap) ?? new Map<string, number>()
    for (const v of seen) acc.set(v.value, (acc.get(v.value) ?? 0) + v.count)
    byMap.set(f.valueMap, acc)
  }
  return new Map([...byMap].map(([k, m]) => [k, [...m].map(([value, count]) => ({ value, count }))]))
}

export type ProposalOptions = Readonly<{
  prefix?: string
  optionValueBase?: number
  maxUploadFileSize?: number
}>

/** The proposed mapping for `facts`, with the values the maps did not know. */
export function proposeMapping(
  facts: SourceFacts,
  options: ProposalOptions = {},
): Readonly<{ mapping: MappingDocument; issues: ReadonlyArray<ValueCoverageIssue> }> {
  const template = defaultMortgageTemplate({
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(options.optionValueBase ? { optionValueBase: options.optionValueBase } : {}),
    ...(options.maxUploadFileSize ? { maxUploadFileSize: options.maxUploadFileSize } : {}),
    pipelines: facts.pipelines,
    customProperties: facts.customProperties,
  })
  const seen = seenValuesByMap(template, facts)
  const issues: ValueCoverageIssue[] = []
  const valueMaps: ValueMap[] = template.valueMaps.map((m) => {
    const covered = coverValues(m, seen.get(m.name) ?? [])
    issues.push(...covered.issues)
    return covered.map
  })
  return { mapping: { ...withSourceOwner(template), valueMaps }, issues }
}

/**
 * Adds "Leaf360 Owner" (the original owner's name) beside every ownerid: the original user column
 * of the brief's "original created/modified time and user" — Leaf360 exports no created-by user, and
 * a record routed to the fallback owner must still say whose it was.
 */
export function withSourceOwner(doc: MappingDocument): MappingDocument {
  return {
    ...doc,
    objects: doc.objects.map((o) => {
      const owner = o.fields.find((f) => f.transform.kind === 'owner')
      const schemaName = `${doc.prefix}_SourceOwner`
      if (o.target.kind !== 'table' || owner === undefined || owner.source === null) return o
      if (o.fields.some((f) => f.custom?.schemaName === schemaName)) return o
      const field: FieldMapping = {
        id: `${schemaName.toLowerCase()}<-${owner.source}`,
        source: owner.source,
        target: schemaName.toLowerCase(),
        type: 'string',
        transform: { kind: 'owner-name' },
        custom: {
          schemaName,
          displayName: 'Leaf360 Owner',
          description: 'The record owner in Leaf360, kept when the record goes to another Dynamics user.',
          type: 'string',
          maxLength: 200,
        },
        verify: true,
        status: 'mapped',
      }
      const at = o.fields.indexOf(owner) + 1
      return { ...o, fields: [...o.fields.slice(0, at), field, ...o.fields.slice(at)] }
    }),
  }
}

/** Lead statecode/statuscode for a loan_status that becomes a lead ([lead] statuscode table, WEB-API-NOTES §14). */
const LEAD_STATUS: Readonly<Record<string, { statecode: number; statuscode: number; label: string }>> = {
  new_lead: { statecode: 0, statuscode: 1, label: 'Open · New' },
  attempted_contact: { statecode: 0, statuscode: 2, label: 'Open · Contacted' },
  contacted: { statecode: 0, statuscode: 2, label: 'Open · Contacted' },
  nurture: { statecode: 0, statuscode: 2, label: 'Open · Contacted' },
  pre_qualified: { statecode: 0, statuscode: 2, label: 'Open · Contacted' },
  pre_approved: { statecode: 0, statuscode: 2, label: 'Open · Contacted' },
  application: { statecode: 0, statuscode: 2, label: 'Open · Contacted' },
  in_process: { statecode: 0, statuscode: 2, label: 'Open · Contacted' },
  clear_to_close: { statecode: 0, statuscode: 2, label: 'Open · Contacted' },
  lost: { statecode: 2, statuscode: 4, label: 'Disqualified · Lost' },
  withdrawn: { statecode: 2, statuscode: 6, label: 'Disqualified · No Longer Interested' },
  denied: { statecode: 2, statuscode: 4, label: 'Disqualified · Lost' },
  do_not_contact: { statecode: 2, statuscode: 5, label: 'Disqualified · Cannot Contact' },
}

/**
 * loan_status → table, usual stage and lead status. Statuses named in `leadStatuses` become leads
 * only for contacts without deals (the split rule); `neverLead` and every other status stay contacts.
 */
export function loanStatusRouting(
  doc: MappingDocument,
  seen: ReadonlyArray<ValueCount>,
): ReadonlyArray<LoanStatusRoute> {
  const rule = doc.settings.leadSplit
  // Usual stages are Purchase slugs; Refinance-only ones (application_locked) exist as refi_<slug>.
  const stageLabel = new Map(doc.stages.map((s) => [s.stageId.replace(/^refi_/, ''), s.label]))
  for (const s of doc.stages) if (s.pipelineId === 'default') stageLabel.set(s.stageId, s.label)
  const counts = new Map(seen.map((s) => [s.value, s.count]))
  const known = ENUMS.loan_status.map((o) => o.value as string)
  const values = [...known, ...seen.map((s) => s.value).filter((v) => !known.includes(v))]
  return values.map((value) => {
    const option = ENUMS.loan_status.find((o) => o.value === value)
    const usual = (LOAN_STATUS_USUAL_STAGES as Record<string, { stages: ReadonlyArray<string> }>)[value]
    const lead = !rule.neverLead.includes(value) && rule.leadStatuses.includes(value)
    const table: LoanStatusRoute['table'] = lead ? 'contact-or-lead' : 'contact'
    const status: LoanStatusRoute['status'] = option === undefined ? 'unmapped' : 'mapped'
    return {
      value,
      label: option?.label ?? value,
      count: counts.get(value) ?? 0,
      table,
      usualStages: (usual?.stages ?? []).map((s) => stageLabel.get(s) ?? s),
      leadStatus: lead ? (LEAD_STATUS[value] ?? { statecode: 0, statuscode: 1, label: 'Open · New' }) : null,
      status,
      note:
        option === undefined
          ? 'Not a Leaf360 loan status: these contacts stay contacts with no Loan Status until you map the value.'
          : lead
            ? 'Becomes a lead when the contact has no deals; a contact with deals stays a contact.'
            : rule.neverLead.includes(value)
              ? 'Always a contact (never a lead).'
              : 'Stays a contact.',
    }
  })
}

/** A stored mapping as the Mapping step shows it. */
export function summariseMapping(
  stored: Readonly<{
    version: number
    status: 'proposed' | 'confirmed'
    createdAt: string
    confirmedAt: string | null
    document: MappingDocument
  }>,
  facts: Pick<SourceFacts, 'values'> | null,
): MappingSummary {
  const doc = stored.document
  const seen = facts ? seenValuesByMap(doc, facts) : new Map<string, ReadonlyArray<ValueCount>>()
  const valueMaps = doc.valueMaps.map((m) => {
    const counts = new Map((seen.get(m.name) ?? []).map((v) => [v.value, v.count]))
    return {
      name: m.name,
      from: m.from,
      to: m.to,
      entries: m.entries.map((e) => ({
        source: e.source,
        option: e.option,
        label: e.label,
        status: e.status,
        count: counts.get(e.source) ?? 0,
      })),
      unmapped: m.entries.filter((e) => e.status === 'unmapped').length,
    }
  })
  return {
    version: stored.version,
    status: stored.status,
    createdAt: stored.createdAt,
    confirmedAt: stored.confirmedAt,
    name: doc.name,
    prefix: doc.prefix,
    objects: doc.objects.map((o) => ({
      id: o.id,
      label: o.label,
      briefRows: o.briefRows,
      source: o.source.object,
      target:
        o.target.kind === 'table'
          ? `${o.target.table} (${o.target.phase})`
          : o.target.kind === 'schema'
            ? `schema: ${o.target.what}`
            : `document: ${o.target.what}`,
      status: stored.status === 'confirmed' ? 'confirmed' : o.status,
      fields: o.fields.length,
      fieldsToReview: o.fields.filter((f) => f.status !== 'mapped').length,
      notes: o.notes,
    })),
    valueMaps,
    stages: doc.stages.map((s) => ({
      pipelineLabel: s.pipelineLabel,
      stageId: s.stageId,
      label: s.label,
      bpfStage: s.bpfStage,
      probability: s.probability,
      salesstage: s.salesstage,
      outcome: s.outcome,
      status: s.status,
    })),
    loanStatusRouting: loanStatusRouting(doc, seen.get('loan_status') ?? []),
    unmappedValues: valueMaps.reduce((n, m) => n + m.unmapped, 0),
  }
}
