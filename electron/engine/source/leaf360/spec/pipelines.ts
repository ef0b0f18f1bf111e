/**
 * The standard pipelines and stages of EXPORT-FORMAT.md §6.2, with the Legacy 2021 crosswalk.
 *
 * `schema/pipelines.json` in a real export may relabel stages or add pipelines; these are the
 * values the generator writes and the defaults the mapping starts from.
 */

/** A stage outcome (§4.6). */
export type StageOutcome = 'open' | 'won' | 'lost'

/** A milestone group (§4.6, enum `milestone_group` of §6.8). */
export type MilestoneGroup =
  'lead' | 'pre_approval' | 'in_process' | 'closing' | 'closed_won' | 'closed_lost' | 'nurture'

/** One stage of one pipeline, as `pipelines.json` carries it (less the timestamps). */
export type StageSpec = Readonly<{
  stageId: string
  label: string
  displayOrder: number
  /** JSON number 0–1 (§5 prob). */
  probability: number
  isClosed: boolean
  outcome: StageOutcome
  milestoneGroup: MilestoneGroup
  archived: boolean
  /** Purchase slug of this stage (Refinance ids drop `refi_`; Legacy 2021 uses its own ids). */
  slug: string
}>

/** One pipeline with its stages in display order. */
export type PipelineSpec = Readonly<{
  pipelineId: string
  label: string
  displayOrder: number
  isDefault: boolean
  active: boolean
  archived: boolean
  stages: ReadonlyArray<StageSpec>
}>

/** Where a standard stage slug exists (§6.2 "Pipelines" column). */
type StageRow = readonly [
  slug: string,
  label: string,
  probability: number,
  group: MilestoneGroup,
  outcome: StageOutcome,
  pipelines: 'both' | 'purchase' | 'refi' | 'purchase-archived',
]

/** The §6.2 stage table, in order. */
const STAGE_ROWS: ReadonlyArray<StageRow> = [
  ['new_lead', 'New Lead', 0.02, 'lead', 'open', 'both'],
  ['contact_attempted', 'Contact Attempted', 0.03, 'lead', 'open', 'both'],
  ['contacted', 'Contacted / Consultation', 0.08, 'lead', 'open', 'both'],
  ['application_started', 'Application Started', 0.12, 'pre_approval', 'open', 'both'],
  ['pre_qualified', 'Pre-Qualified', 0.15, 'pre_approval', 'open', 'both'],
  ['pre_approval', 'Pre-Approval', 0.25, 'pre_approval', 'open', 'both'],
  ['under_contract', 'Under Contract', 0.5, 'in_process', 'open', 'purchase'],
  ['application_locked', 'Application / Locked', 0.5, 'in_process', 'open', 'refi'],
  ['processing', 'Processing', 0.6, 'in_process', 'open', 'both'],
  ['appraisal', 'Appraisal', 0.65, 'in_process', 'open', 'purchase-archived'],
  ['underwriting', 'Underwriting', 0.7, 'in_process', 'open', 'both'],
  ['conditional_approval', 'Conditional Approval', 0.8, 'in_process', 'open', 'both'],
  ['clear_to_close', 'Clear to Close', 0.92, 'closing', 'open', 'both'],
  ['docs_out', 'Docs Out / Closing', 0.96, 'closing', 'open', 'both'],
  ['funded', 'Funded', 1.0, 'closed_won', 'won', 'both'],
  ['nurture', 'Nurture / On Hold', 0.02, 'nurture', 'open', 'both'],
  ['lost', 'Lost', 0, 'closed_lost', 'lost', 'both'],
  ['withdrawn', 'Withdrawn', 0, 'closed_lost', 'lost', 'both'],
  ['denied', 'Denied', 0, 'closed_lost', 'lost', 'both'],
]

/** One Legacy 2021 stage with the project's default crosswalk target (a Purchase slug). */
export type LegacyStageRow = Readonly<{
  stageId: string
  label: string
  probability: number
  group: MilestoneGroup
  outcome: StageOutcome
  crosswalk: string
}>

/** §6.2 Legacy 2021 stages (all archived) and their crosswalk, which is a mapping default, not export data. */
export const LEGACY_2021_STAGES: ReadonlyArray<LegacyStageRow> = [
  {
    stageId: 'l21_tbd',
    label: '(?) TBD',
    probability: 0.01,
    group: 'lead',
    outcome: 'open',
    crosswalk: 'new_lead',
  },
  {
    stageId: 'l21_app_sent',
    label: '(A) Loan App: Sent',
    probability: 0.1,
    group: 'pre_approval',
    outcome: 'open',
    crosswalk: 'application_started',
  },
  {
    stageId: 'l21_app_received',
    label: '(B) Loan App: Received',
    probability: 0.12,
    group: 'pre_approval',
    outcome: 'open',
    crosswalk: 'application_started',
  },
  {
    stageId: 'l21_prequalified',
    label: '(C) Pre-Qualified',
    probability: 0.15,
    group: 'pre_approval',
    outcome: 'open',
    crosswalk: 'pre_qualified',
  },
  {
    stageId: 'l21_preapproved',
    label: '(D) Pre-Approved',
    probability: 0.25,
    group: 'pre_approval',
    outcome: 'open',
    crosswalk: 'pre_approval',
  },
  {
    stageId: 'l21_contract',
    label: '01. Contract/Go',
    probability: 0.5,
    group: 'in_process',
    outcome: 'open',
    crosswalk: 'under_contract',
  },
  {
    stageId: 'l21_funded',
    label: '12. Funded',
    probability: 1.0,
    group: 'closed_won',
    outcome: 'won',
    crosswalk: 'funded',
  },
  {
    stageId: 'l21_lost_rate',
    label: 'z- Lost (rate/unknown)',
    probability: 0,
    group: 'closed_lost',
    outcome: 'lost',
    crosswalk: 'lost',
  },
  {
    stageId: 'l21_lost_cash',
    label: 'z- Lost (cash/relo/builder)',
    probability: 0,
    group: 'closed_lost',
    outcome: 'lost',
    crosswalk: 'lost',
  },
  {
    stageId: 'l21_junk',
    label: 'zz- Junk',
    probability: 0,
    group: 'closed_lost',
    outcome: 'lost',
    crosswalk: 'lost',
  },
]

const stagesFor = (pipeline: 'purchase' | 'refi'): ReadonlyArray<StageSpec> =>
  STAGE_ROWS.filter(([, , , , , where]) =>
    where === 'both' ? true : pipeline === 'purchase' ? where.startsWith('purchase') : where === 'refi',
  ).map(([slug, label, probability, group, outcome, where], displayOrder) => ({
    stageId: pipeline === 'refi' ? `refi_${slug}` : slug,
    label,
    displayOrder,
    probability,
    isClosed: outcome !== 'open',
    outcome,
    milestoneGroup: group,
    archived: where === 'purchase-archived',
    slug,
  }))

/** Id of the default Purchase pipeline (§6.2). */
export const PURCHASE_PIPELINE_ID = 'default'
/** Id of the Refinance pipeline (§6.2). */
export const REFI_PIPELINE_ID = 'refi'
/** Id of the archived Legacy 2021 pipeline (§6.2). */
export const LEGACY_PIPELINE_ID = 'legacy_2021'

/** The three standard pipelines of §6.2, in display order, stages included. */
export const STANDARD_PIPELINES: ReadonlyArray<PipelineSpec> = [
  {
    pipelineId: PURCHASE_PIPELINE_ID,
    label: 'Purchase',
    displayOrder: 0,
    isDefault: true,
    active: true,
    archived: false,
    stages: stagesFor('purchase'),
  },
  {
    pipelineId: REFI_PIPELINE_ID,
    label: 'Refinance',
    displayOrder: 1,
    isDefault: false,
    active: true,
    archived: false,
    stages: stagesFor('refi'),
  },
  {
    pipelineId: LEGACY_PIPELINE_ID,
    label: 'Legacy 2021',
    displayOrder: 2,
    isDefault: false,
    active: false,
    archived: true,
    stages: LEGACY_2021_STAGES.map((s, displayOrder) => ({
      stageId: s.stageId,
      label: s.label,
      displayOrder,
      probability: s.probability,
      isClosed: s.outcome !== 'open',
      outcome: s.outcome,
      milestoneGroup: s.group,
      archived: true,
      slug: s.stageId,
    })),
  },
]

/** Every standard stage by `stage_id` (unique across the portal, §4.6), with its pipeline id. */
export const STANDARD_STAGES: ReadonlyMap<string, StageSpec & Readonly<{ pipelineId: string }>> = new Map(
  STANDARD_PIPELINES.flatMap((p) =>
    p.stages.map((s) => [s.stageId, { ...s, pipelineId: p.pipelineId }] as const),
  ),
)

/** The Legacy 2021 crosswalk as `stage_id` → Purchase slug (§6.2). */
export const LEGACY_2021_CROSSWALK: ReadonlyMap<string, string> = new Map(
  LEGACY_2021_STAGES.map((s) => [s.stageId, s.crosswalk]),
)

/** The Purchase slug of a stage id: strips `refi_` (§6.1 "Refinance stages compare by slug"). */
export function stageSlug(stageId: string): string {
  return stageId.startsWith('refi_') ? stageId.slice('refi_'.length) : stageId
}
