/**
 * Planning as the engine reports it: the target audit, the schema plan and its apply/undo jobs, the
 * mapping, and the owner preflight. Data loads when the operator enters one of the planning steps
 * (a store subscription, not a component effect) and again when a planning job ends.
 */
import type {
  ExportedFile,
  MappingSummary,
  OwnersReport,
  PlanStatus,
  SchemaPlan,
  TargetAudit,
  LicenceTier,
} from '@shared/dto/plan'
import type { JobId } from '@shared/jobs'
import type { AppErrorData, Result } from '@shared/result'
import type { StepKind } from '../wizard/steps'
import type { AppStore } from './index'
import { jobEnded } from './jobs-slice'
import type { SliceCreator } from './types'

/** The steps this slice serves. */
export const PLAN_STEPS: ReadonlySet<StepKind> = new Set<StepKind>([
  'audit',
  'schema-plan',
  'mapping',
  'owners',
])

export type PlanSlice = {
  plan: Readonly<{
    status: PlanStatus | null
    audit: TargetAudit | null
    schema: SchemaPlan | null
    mapping: MappingSummary | null
    owners: OwnersReport | null
    busy: boolean
    error: AppErrorData | null
    auditJobId: JobId | null
    applyJobId: JobId | null
    undoJobId: JobId | null
    /** The files the last export wrote, by what was exported. */
    exported: Readonly<Record<string, ReadonlyArray<ExportedFile>>>
  }>
  /** Loads what `kind` shows (status first). */
  loadPlanStep: (kind: StepKind) => Promise<void>
  setLicenceTier: (tier: LicenceTier) => Promise<void>
  runTargetAudit: () => Promise<void>
  applySchemaPlan: () => Promise<void>
  undoSchemaPlan: () => Promise<void>
  exportPlanReport: (
    what: 'schema-plan' | 'audit' | 'owners' | 'workflows',
    directory: string,
  ) => Promise<void>
  proposeMapping: () => Promise<void>
  confirmMapping: (version: number) => Promise<void>
  setFallbackOwner: (systemUserId: string | null) => Promise<void>
  setOwnerOverride: (ownerId: string, systemUserId: string | null) => Promise<void>
  clearPlanError: () => void
}

const EMPTY: PlanSlice['plan'] = {
  status: null,
  audit: null,
  schema: null,
  mapping: null,
  owners: null,
  busy: false,
  error: null,
  auditJobId: null,
  applyJobId: null,
  undoJobId: null,
  exported: {},
}

/** Is the planning step done, so the wizard may move on? (For the wizard's rules.) */
export function isPlanStepComplete(kind: StepKind, s: Pick<AppStore, 'plan'>): boolean {
  switch (kind) {
    case 'audit':
      return s.plan.audit !== null
    case 'schema-plan':
      return (
        s.plan.schema !== null && s.plan.schema.counts.create === 0 && s.plan.schema.counts.conflict === 0
      )
    case 'mapping':
      return s.plan.mapping?.status === 'confirmed'
    case 'owners':
      return s.plan.owners?.ready === true
    default:
      return false
  }
}

export const createPlanSlice: SliceCreator<PlanSlice> = (api) => (set, get, store) => {
  const patch = (p: Partial<PlanSlice['plan']>) => set((s) => ({ plan: { ...s.plan, ...p } }))
  const fail = (error: AppErrorData) => patch({ busy: false, error })
  /** Runs a call, keeping `busy` and the error; returns the value or null. */
  const attempt = async <T>(call: Promise<Result<T>>): Promise<T | null> => {
    patch({ busy: true, error: null })
    const result = await call
    if (!result.ok) {
      fail(result.error)
      return null
    }
    patch({ busy: false })
    return result.value
  }
  const loadStatus = async () => {
    const status = await api.getPlanStatus({})
    if (status.ok) patch({ status: status.value })
    return status.ok ? status.value : null
  }
  const loaders: Partial<Record<StepKind, () => Promise<void>>> = {
    audit: async () => {
      const audit = await api.getTargetAudit({})
      if (audit.ok) patch({ audit: audit.value })
      else fail(audit.error)
    },
    'schema-plan': async () => {
      if (get().plan.status?.auditedAt == null) return patch({ schema: null })
      const plan = await api.getSchemaPlan({})
      if (plan.ok) patch({ schema: plan.value })
      else fail(plan.error)
    },
    mapping: async () => {
      const current = await api.getMapping({})
      const mapping = current.ok && current.value === null ? await api.proposeMapping({}) : current
      if (mapping.ok) patch({ mapping: mapping.value })
      else fail(mapping.error)
    },
    owners: async () => {
      if (get().plan.status?.auditedAt == null) return patch({ owners: null })
      // The fallback and override pickers list the audited users.
      if (get().plan.audit === null) await loaders.audit?.()
      const owners = await api.getOwners({})
      if (owners.ok) patch({ owners: owners.value })
      else fail(owners.error)
    },
  }
  const runJob = async (
    start: Promise<Result<{ jobId: JobId }>>,
    key: 'auditJobId' | 'applyJobId' | 'undoJobId',
    reload: ReadonlyArray<StepKind>,
  ) => {
    patch({ error: null })
    const started = await start
    if (!started.ok) return fail(started.error)
    patch({ [key]: started.value.jobId })
    const job = await jobEnded(store, started.value.jobId)
    if (job.error) patch({ error: job.error })
    await loadStatus()
    for (const kind of reload) await loaders[kind]?.()
  }

  // Entering a planning step loads it; another workspace clears what was shown.
  store.subscribe((s, previous) => {
    if (s.workspace.summary?.path !== previous.workspace.summary?.path) {
      set({ plan: EMPTY })
      if (PLAN_STEPS.has(s.wizard.step.kind) && s.workspace.summary)
        void get().loadPlanStep(s.wizard.step.kind)
      return
    }
    if (s.wizard.step.kind !== previous.wizard.step.kind && PLAN_STEPS.has(s.wizard.step.kind))
      void get().loadPlanStep(s.wizard.step.kind)
  })

  return {
    plan: EMPTY,
    loadPlanStep: async (kind) => {
      if (get().workspace.summary === null) return
      await loadStatus()
      await loaders[kind]?.()
    },
    setLicenceTier: async (tier) => {
      const status = await attempt(api.setLicenceTier({ tier }))
      if (status === null) return
      patch({ status })
      await loaders.audit?.()
      if (get().plan.schema !== null) await loaders['schema-plan']?.()
    },
    runTargetAudit: () => runJob(api.auditTarget({}), 'auditJobId', ['audit']),
    applySchemaPlan: () => runJob(api.applySchemaPlan({ confirm: true }), 'applyJobId', ['schema-plan']),
    undoSchemaPlan: () => runJob(api.undoSchemaPlan({ confirm: true }), 'undoJobId', ['schema-plan']),
    exportPlanReport: async (what, directory) => {
      const call =
        what === 'schema-plan'
          ? api.exportSchemaPlan({ directory })
          : what === 'audit'
            ? api.exportTargetAudit({ directory })
            : what === 'owners'
              ? api.exportOwners({ directory })
              : api.exportWorkflowReference({ directory })
      const files = await attempt(call)
      if (files !== null) patch({ exported: { ...get().plan.exported, [what]: files } })
    },
    proposeMapping: async () => {
      const mapping = await attempt(api.proposeMapping({}))
      if (mapping !== null) patch({ mapping })
      await loadStatus()
    },
    confirmMapping: async (version) => {
      const mapping = await attempt(api.confirmMapping({ version }))
      if (mapping !== null) patch({ mapping })
      await loadStatus()
    },
    setFallbackOwner: async (systemUserId) => {
      const owners = await attempt(api.setOwnerDecisions({ fallbackSystemUserId: systemUserId }))
      if (owners !== null) patch({ owners })
    },
    setOwnerOverride: async (ownerId, systemUserId) => {
      const owners = await attempt(api.setOwnerDecisions({ overrides: [{ ownerId, systemUserId }] }))
      if (owners !== null) patch({ owners })
    },
    clearPlanError: () => patch({ error: null }),
  }
}
