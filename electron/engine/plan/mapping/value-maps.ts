/**
 * Value maps: every Leaf360 enumeration value the mapping writes → a Dataverse option value, and
 * every pipeline stage → a BPF stage, probability, sales stage and outcome. Built from the format's
 * enumerations and the export's own pipelines, then checked against the values the profile saw:
 * every value seen appears, mapped or flagged for the operator; none is dropped silently.
 */
import type { EnumName } from '../../source/leaf360/spec/enums'
import { ENUMS } from '../../source/leaf360/spec/enums'
import type { MilestoneGroup, PipelineSpec } from '../../source/leaf360/spec/pipelines'
import { LEGACY_2021_CROSSWALK } from '../../source/leaf360/spec/pipelines'
import type { StageMapEntry, ValueMap, ValueMapEntry } from './model'

/** The value maps of the default template: name → (Leaf360 enumeration, Dataverse column). */
export const OPTION_VALUE_MAPS: ReadonlyArray<Readonly<{ name: string; enumName: EnumName; to: string }>> = [
  { name: 'loan_status', enumName: 'loan_status', to: 'contact.lb_loanstatus' },
  { name: 'loan_type', enumName: 'loan_type', to: 'opportunity.lb_loantype, contact.lb_loantypeinterest' },
  { name: 'loan_purpose', enumName: 'loan_purpose', to: 'opportunity.lb_loanpurpose' },
  { name: 'occupancy', enumName: 'occupancy', to: 'opportunity.lb_occupancy' },
  { name: 'property_type', enumName: 'property_type', to: 'opportunity.lb_propertytype' },
  {
    name: 'lead_source',
    enumName: 'lead_source',
    to: 'contact.lb_leadsource, lead.lb_leadsource, opportunity.lb_leadsource',
  },
  { name: 'contact_type', enumName: 'contact_type', to: 'contact.lb_contacttype' },
  { name: 'partner_type', enumName: 'partner_type', to: 'contact.lb_partnertype' },
  { name: 'company_type', enumName: 'company_type', to: 'account.lb_companytype' },
  { name: 'lost_reason', enumName: 'lost_reason', to: 'opportunity.lb_lostreason' },
  { name: 'lock_status', enumName: 'lock_status', to: 'opportunity.lb_lockstatus' },
  { name: 'amortization_type', enumName: 'amortization_type', to: 'opportunity.lb_amortizationtype' },
  { name: 'channel', enumName: 'channel', to: 'opportunity.lb_channel' },
  { name: 'hmda_action_taken', enumName: 'hmda_action_taken', to: 'opportunity.lb_hmdaactiontaken' },
  { name: 'sms_consent', enumName: 'sms_consent', to: 'contact.lb_smsconsent' },
  { name: 'doc_type', enumName: 'doc_type', to: 'annotation.lb_doctype' },
]

/** task priority → Dataverse's standard task.prioritycode (0 Low, 1 Normal, 2 High). */
export const TASK_PRIORITY_MAP: ValueMap = {
  name: 'task_priority',
  from: 'task_priority',
  to: 'task.prioritycode',
  entries: [
    { source: 'LOW', option: 0, label: 'Low', status: 'mapped' },
    { source: 'MEDIUM', option: 1, label: 'Normal', status: 'mapped' },
    { source: 'HIGH', option: 2, label: 'High', status: 'mapped' },
  ],
}

/** One option map for an enumeration: values in format order, numbered from the publisher's base. */
export function optionValueMap(
  name: string,
  enumName: EnumName,
  to: string,
  optionValueBase: number,
): ValueMap {
  return {
    name,
    from: enumName,
    to,
    entries: ENUMS[enumName].map((o, i) => ({
      source: o.value,
      option: optionValueBase + i,
      label: o.label,
      status: 'mapped',
    })),
  }
}

/** opportunity.salesstage (0 Qualify, 1 Develop, 2 Propose, 3 Close) by milestone group. */
const SALES_STAGE: Readonly<Record<MilestoneGroup, number>> = {
  lead: 0,
  nurture: 0,
  pre_approval: 1,
  in_process: 2,
  closing: 3,
  closed_won: 3,
  closed_lost: 3,
}

/**
 * The stage map of the export's pipelines: each stage becomes a stage of its pipeline's BPF,
 * probability from the stage configuration (brief: "probability weights per stage from your existing
 * Leaf360 stage configuration"), archived stages crosswalked where the format says so.
 */
export function stageMap(pipelines: ReadonlyArray<PipelineSpec>): StageMapEntry[] {
  return pipelines.flatMap((p) =>
    p.stages.map((s) => {
      const crosswalk = LEGACY_2021_CROSSWALK.get(s.stageId) ?? null
      return {
        pipelineId: p.pipelineId,
        stageId: s.stageId,
        label: s.label,
        pipelineLabel: p.label,
        bpfStage: s.label,
        probability: Math.round(s.probability * 100),
        salesstage: SALES_STAGE[s.milestoneGroup],
        outcome: s.outcome,
        archived: s.archived,
        crosswalkTo: crosswalk,
        status: s.archived && crosswalk === null ? 'needs-review' : 'mapped',
      } satisfies StageMapEntry
    }),
  )
}

/** A value map finding: a value the export holds that the map does not take. */
export type ValueCoverageIssue = Readonly<{ map: string; value: string; count: number }>

/**
 * Adds every value the profile saw but the map lacks, as `unmapped` entries for the operator to
 * decide (kept, never dropped), and returns them as issues.
 */
export function coverValues(
  map: ValueMap,
  seen: ReadonlyArray<Readonly<{ value: string; count: number }>>,
): { map: ValueMap; issues: ReadonlyArray<ValueCoverageIssue> } {
  const known = new Set(map.entries.map((e) => e.source))
  const missing = seen.filter((s) => !known.has(s.value))
  const added: ValueMapEntry[] = missing.map((s) => ({
    source: s.value,
    option: null,
    label: s.value,
    status: 'unmapped',
    note: `Seen ${s.count} times in the export but not a Leaf360 value; choose an option or add one.`,
  }))
  return {
    map: { ...map, entries: [...map.entries, ...added] },
    issues: missing.map((s) => ({ map: map.name, value: s.value, count: s.count })),
  }
}

/** Looks up an option value; undefined when the source value is not in the map at all. */
export function optionFor(map: ValueMap, source: string): ValueMapEntry | undefined {
  return map.entries.find((e) => e.source === source)
}
