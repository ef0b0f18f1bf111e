/**
 * Handlers for the plan domain: audit, schema plan, apply and undo (jobs), mapping, owners and the
 * workflow rebuild reference. The target is the workspace's (Target step or `target:use-profile-file`).
 */
import type { PlanStatus } from '../../shared/dto/plan'
import type { PlanChannels } from '../../shared/ipc/domains/plan'
import type { EngineContext } from '../context'
import { summariseMapping } from '../plan/mapping-proposal'
import { currentStoredMapping, confirmStoredMapping } from '../plan/mapping-store'
import { exportAudit, exportOwners, exportSchemaPlan, exportWorkflowReference } from '../plan/plan-reports'
import {
  applyPlan,
  lastApplyOf,
  licenceTierOf,
  mappingFor,
  ownersReportOf,
  proposeFor,
  requireAudit,
  runTargetAudit,
  schemaPlanOf,
  setLicenceTier,
  setOwnerDecisions,
  sourceFactsOf,
  undoPlan,
  workflowReferenceOf,
} from '../plan/planner'
import { connectTarget } from '../target/dataverse/connect'
import type { TargetProfile } from '../target/dataverse/profile'
import { latestAudit } from '../workspace/plan-repository'
import { readTargetConnection } from '../workspace/target-repository'
import type { Workspace } from '../workspace/workspace'
import { StagingRepository } from '../workspace/staging-repository'
import type { HandlersFor } from './handlers'

const hasStagedExport = (w: Workspace): boolean =>
  new StagingRepository(w).latestFinishedImport() !== undefined

export function planHandlers(ctx: EngineContext): HandlersFor<PlanChannels> {
  const ws = () => ctx.workspaces.require()
  /** Runs `work` with a connection to the workspace's target, closed afterwards. */
  const withTarget = async <T>(
    workspace: Workspace,
    onCode: (text: string) => void,
    work: (c: ReturnType<typeof connectTarget>, profile: TargetProfile) => Promise<T>,
  ): Promise<T> => {
    const profile = await ctx.target.profile(workspace)
    const connection = connectTarget(profile, {
      logger: ctx.logger,
      users: 1,
      onDeviceCode: (m) => onCode(m.text),
    })
    try {
      return await work(connection, profile)
    } finally {
      await connection.close()
    }
  }
  const status = (): PlanStatus => {
    const w = ws()
    const target = readTargetConnection(w)
    const audit = latestAudit(w)
    const mapping = currentStoredMapping(w)
    const applied = lastApplyOf(w)
    let ownersReady: boolean | null = null
    if (audit !== null) {
      try {
        ownersReady = ownersReportOf(w, ctx.clock).ready
      } catch {
        ownersReady = null
      }
    }
    return {
      targetProfile: target
        ? {
            url: target.url,
            clientId: target.clientId,
            authMode: target.authMode,
            file: target.profileFile ?? '',
          }
        : null,
      licenceTier: licenceTierOf(w),
      auditedAt: audit?.auditedAt ?? null,
      mapping: mapping ? { version: mapping.version, status: mapping.status } : null,
      lastApply: applied
        ? { at: applied.appliedAt, created: applied.created, existing: applied.existing }
        : null,
      ownersReady,
    }
  }
  return {
    'plan:get-status': () => status(),
    'plan:set-licence-tier': ({ tier }) => {
      setLicenceTier(ws(), tier, ctx.clock)
      return status()
    },
    'plan:audit': async () => {
      const w = ws()
      const profile = await ctx.target.profile(w)
      return ctx.jobs.start('plan-audit', `Audit ${profile.url}`, (job) =>
        withTarget(
          w,
          (t) => job.log('info', t),
          async (c) => {
            job.log('info', `Auditing ${profile.url} as application ${profile.clientId}.`)
            const audit = await runTargetAudit(w, c.primary, profile.url, ctx.clock, job)
            job.log(
              'info',
              `${audit.users.length} users, ${audit.columns.length} custom columns, ${audit.keys.length} keys.`,
            )
            // Read the staged export now, in the job, so the plan view that follows answers at once.
            if (hasStagedExport(w)) {
              job.progress({ done: 0, total: null, unit: 'records', phase: 'Reading the staged export' })
              sourceFactsOf(w, ctx.clock)
            }
            return requireAudit(w)
          },
        ),
      )
    },
    'plan:get-audit': () => {
      const w = ws()
      return latestAudit(w) === null ? null : requireAudit(w)
    },
    'plan:export-audit': ({ directory }) => exportAudit(directory, requireAudit(ws())),
    'plan:get-schema-plan': () => schemaPlanOf(ws(), ctx.clock),
    'plan:export-schema-plan': ({ directory }) => {
      const w = ws()
      return exportSchemaPlan(directory, schemaPlanOf(w, ctx.clock), lastApplyOf(w))
    },
    'plan:apply-schema': async () => {
      const w = ws()
      const profile = await ctx.target.profile(w)
      return ctx.jobs.start('schema-apply', `Apply the schema plan to ${profile.url}`, (job) =>
        withTarget(
          w,
          (t) => job.log('info', t),
          (c) => applyPlan(w, c.primary, profile.url, ctx.clock, job),
        ),
      )
    },
    'plan:undo-schema': async () => {
      const w = ws()
      const profile = await ctx.target.profile(w)
      return ctx.jobs.start('schema-undo', `Undo the schema changes in ${profile.url}`, (job) =>
        withTarget(
          w,
          (t) => job.log('info', t),
          (c) => undoPlan(w, c.primary, profile.url, ctx.clock, job),
        ),
      )
    },
    'plan:get-mapping': () => {
      const w = ws()
      const stored = currentStoredMapping(w)
      return stored === null ? null : summariseMapping(mappingFor(w, ctx.clock), sourceFactsOf(w, ctx.clock))
    },
    'plan:propose-mapping': () => {
      const w = ws()
      return summariseMapping(proposeFor(w, ctx.clock), sourceFactsOf(w, ctx.clock))
    },
    'plan:confirm-mapping': ({ version }) => {
      const w = ws()
      const confirmed = confirmStoredMapping(w, version, new Date(ctx.clock.now()).toISOString())
      return summariseMapping(confirmed, sourceFactsOf(w, ctx.clock))
    },
    'plan:get-owners': () => ownersReportOf(ws(), ctx.clock),
    'plan:set-owner-decisions': (req) =>
      setOwnerDecisions(ws(), ctx.clock, {
        ...(req.fallbackSystemUserId !== undefined ? { fallbackSystemUserId: req.fallbackSystemUserId } : {}),
        ...(req.fallbackEmail !== undefined ? { fallbackEmail: req.fallbackEmail } : {}),
        ...(req.overrides !== undefined ? { overrides: req.overrides } : {}),
      }),
    'plan:export-owners': ({ directory }) => exportOwners(directory, ownersReportOf(ws(), ctx.clock)),
    'plan:export-workflows': ({ directory }) =>
      exportWorkflowReference(directory, workflowReferenceOf(ws(), ctx.clock)),
  }
}
