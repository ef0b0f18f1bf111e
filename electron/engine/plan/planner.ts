/**
 * Planning against one open workspace: the glue between the workspace (staged export, stored audit,
 * mapping versions, decisions), the target connection and the pure planning functions. The service
 * layer calls these; so does any host that needs a plan without the wizard.
 */
import type {
  ApplyResult,
  LicenceTier,
  OwnerDecisions,
  OwnersReport,
  SchemaPlan,
  TargetAudit,
  UndoResult,
} from '../../shared/dto/plan'
import type { Clock } from '../clock'
import { AppError } from '../errors'
import type { DataverseClient } from '../target/dataverse/client'
import type { WaitOptions } from '../target/dataverse/metadata'
import { applySchemaPlan, undoSchemaChanges } from '../target/dataverse/schema-apply'
import {
  changesToUndo,
  finishApply,
  lastApplyResult,
  latestAudit,
  readCachedFacts,
  readOwnerDecisions,
  readPlanSetting,
  recordChangeIntent,
  saveAudit,
  settleChange,
  startApply,
  writeCachedFacts,
  writeOwnerDecisions,
  writePlanSetting,
} from '../workspace/plan-repository'
import { StagingRepository } from '../workspace/staging-repository'
import type { Workspace } from '../workspace/workspace'
import { auditTarget, withLicenceTier } from './audit'
import { currentStoredMapping, storeProposedMapping, type StoredMapping } from './mapping-store'
import { TEMPLATE_OPTION_FIELDS, optionFieldsOf, proposeMapping } from './mapping-proposal'
import { matchOwners, userForEmail } from './owners'
import { DEFAULT_PUBLISHER, type PublisherSettings, blockersOf, computeSchemaPlan } from './schema-plan'
import { FACTS_VERSION, type SourceFacts, planningImport, readSourceFacts } from './source-facts'
import { type WorkflowReference, buildWorkflowReference } from './workflow-reference'

const iso = (clock: Clock) => new Date(clock.now()).toISOString()

/** What a long planning step may report while it works (a job's context fits). */
export type Progress = Readonly<{
  progress?: (p: Readonly<{ done: number; total?: number | null; unit: string; phase?: string }>) => void
  log?: (level: 'info' | 'warn' | 'error', message: string) => void
  throwIfCancelled?: () => void
}>

// ---- settings --------------------------------------------------------------------------------------

/** The licence tier the operator stated ('unknown' until then). */
export const licenceTierOf = (ws: Workspace): LicenceTier =>
  readPlanSetting<LicenceTier>(ws, 'licence-tier') ?? 'unknown'

export function setLicenceTier(ws: Workspace, tier: LicenceTier, clock: Clock): void {
  writePlanSetting(ws, 'licence-tier', tier, iso(clock))
  ws.logActivity('licence-tier', `Licence tier set to ${tier}.`)
}

/** The publisher and solution settings (Leafbridge's defaults until the operator names their own). */
export const publisherSettingsOf = (ws: Workspace): PublisherSettings =>
  readPlanSetting<PublisherSettings>(ws, 'publisher') ?? DEFAULT_PUBLISHER

export function setPublisherSettings(ws: Workspace, settings: PublisherSettings, clock: Clock): void {
  writePlanSetting(ws, 'publisher', settings, iso(clock))
}

// ---- facts and mapping -----------------------------------------------------------------------------

/** The staged export's facts, read once per import and cached in the workspace. */
export function sourceFactsOf(ws: Workspace, clock: Clock): SourceFacts {
  const repo = new StagingRepository(ws)
  const importId = planningImport(repo)
  const cached = readCachedFacts<SourceFacts>(ws, importId)
  const mapping = currentStoredMapping(ws)
  const fields = [...TEMPLATE_OPTION_FIELDS, ...(mapping ? optionFieldsOf(mapping.document) : [])]
  if (
    cached !== null &&
    cached.factsVersion === FACTS_VERSION &&
    fields.every((f) => cached.values[`${f.object}.${f.field}`] !== undefined)
  )
    return cached
  const facts = readSourceFacts(repo, importId, fields)
  writeCachedFacts(ws, importId, facts, iso(clock))
  return facts
}

/** The current mapping, proposing one from the template and the staged export when there is none. */
export function mappingFor(ws: Workspace, clock: Clock): StoredMapping {
  const current = currentStoredMapping(ws)
  const facts = sourceFactsOf(ws, clock)
  if (current !== null && current.importId === facts.importId) return current
  return proposeFor(ws, clock, facts)
}

/** Stores a fresh proposal for the staged export (the operator asked, or the export changed). */
export function proposeFor(
  ws: Workspace,
  clock: Clock,
  facts: SourceFacts = sourceFactsOf(ws, clock),
): StoredMapping {
  const audit = latestAudit(ws)
  const { mapping, issues } = proposeMapping(
    facts,
    audit ? { maxUploadFileSize: audit.maxUploadFileSize } : {},
  )
  return storeProposedMapping(
    ws,
    mapping,
    facts.importId,
    iso(clock),
    issues.length > 0 ? `${issues.length} values seen in the export are not in the value maps.` : null,
  )
}

// ---- audit -------------------------------------------------------------------------------------------

/** Audits the target and stores the audit. */
export async function runTargetAudit(
  ws: Workspace,
  client: DataverseClient,
  url: string,
  clock: Clock,
  progress: Progress = {},
): Promise<TargetAudit> {
  const audit = await auditTarget(client, {
    clock,
    url,
    licenceTier: licenceTierOf(ws),
    onStep: (done, total, step) => progress.progress?.({ done, total, unit: 'steps', phase: step }),
    ...(progress.throwIfCancelled ? { throwIfCancelled: progress.throwIfCancelled } : {}),
  })
  saveAudit(ws, audit)
  ws.logActivity(
    'target-audited',
    `Target ${url} audited: ${audit.users.length} users, ${audit.columns.length} custom columns.`,
  )
  return audit
}

/** The stored audit with the current licence answer, or `no-audit`. */
export function requireAudit(ws: Workspace): TargetAudit {
  const audit = latestAudit(ws)
  if (audit === null) {
    throw new AppError({
      code: 'no-audit',
      kind: 'fatal',
      message:
        'The target has not been audited yet. Run the audit (Audit step or `leafbridge audit --target`) first.',
    })
  }
  return withLicenceTier(audit, licenceTierOf(ws))
}

// ---- schema plan -------------------------------------------------------------------------------------------

/** The schema setup plan of the open workspace (current mapping, stored audit, staged export). */
export function schemaPlanOf(ws: Workspace, clock: Clock): SchemaPlan {
  const audit = requireAudit(ws)
  const mapping = mappingFor(ws, clock)
  return computeSchemaPlan({
    mapping: mapping.document,
    mappingVersion: mapping.version,
    facts: sourceFactsOf(ws, clock),
    audit,
    publisher: publisherSettingsOf(ws),
    now: iso(clock),
  })
}

/** The last apply's result, or null. */
export const lastApplyOf = (ws: Workspace): ApplyResult | null => lastApplyResult<ApplyResult>(ws)

/**
 * Applies the plan to the target. Audits first, so the plan sees the environment as it is now;
 * refuses while the plan has blockers. The caller has the operator's confirmation.
 */
export async function applyPlan(
  ws: Workspace,
  client: DataverseClient,
  url: string,
  clock: Clock,
  progress: Progress = {},
  keyWait?: WaitOptions,
): Promise<ApplyResult> {
  progress.log?.('info', 'Auditing the target before applying.')
  await runTargetAudit(ws, client, url, clock, progress)
  const plan = schemaPlanOf(ws, clock)
  const blockers = blockersOf(plan)
  if (blockers.length > 0) {
    throw new AppError({
      code: 'plan-has-blockers',
      kind: 'fatal',
      message: `The schema plan has ${blockers.length} blocker${blockers.length === 1 ? '' : 's'}; settle ${blockers.length === 1 ? 'it' : 'them'} before applying: ${blockers.map((b) => b.message).join(' ')}`,
      details: { blockers: blockers.map((b) => b.code) },
    })
  }
  const applyId = startApply(ws, url, iso(clock))
  try {
    const result = await applySchemaPlan({
      client,
      plan,
      now: () => iso(clock),
      journal: {
        intent: (kind, table, name, details) =>
          recordChangeIntent(ws, {
            applyId,
            url,
            kind,
            table,
            name,
            ...(details ? { details } : {}),
            at: iso(clock),
          }),
        settle: (id, state, targetId) => settleChange(ws, id, state, targetId, iso(clock)),
      },
      log: (m) => progress.log?.('info', m),
      progress: (done, total, phase) => progress.progress?.({ done, total, unit: 'steps', phase }),
      ...(progress.throwIfCancelled ? { throwIfCancelled: progress.throwIfCancelled } : {}),
      ...(keyWait ? { keyWait } : {}),
    })
    finishApply(ws, applyId, 'finished', result, iso(clock))
    ws.logActivity(
      'schema-applied',
      `Schema plan applied to ${url}: ${result.created} created, ${result.existing} already there.`,
    )
    // The audit after apply is what the plan view and the loader see next.
    await runTargetAudit(ws, client, url, clock)
    return result
  } catch (error) {
    finishApply(
      ws,
      applyId,
      'failed',
      { error: error instanceof Error ? error.message : String(error) },
      iso(clock),
    )
    throw error
  }
}

/** Removes what Leafbridge's applies created in this target; the caller has the operator's confirmation. */
export async function undoPlan(
  ws: Workspace,
  client: DataverseClient,
  url: string,
  clock: Clock,
  progress: Progress = {},
): Promise<UndoResult> {
  const changes = changesToUndo(ws, url)
  const result = await undoSchemaChanges({
    client,
    changes,
    now: () => iso(clock),
    journal: { settle: (id, state, targetId) => settleChange(ws, id, state, targetId, iso(clock)) },
    log: (m) => progress.log?.('info', m),
  })
  ws.logActivity(
    'schema-undone',
    `Schema changes undone in ${url}: ${result.removed} removed, ${result.failed} failed.`,
  )
  await runTargetAudit(ws, client, url, clock)
  return result
}

// ---- owners --------------------------------------------------------------------------------------------------

/** The owner preflight from the stored audit's users and the stored decisions. */
export function ownersReportOf(ws: Workspace, clock: Clock): OwnersReport {
  const audit = requireAudit(ws)
  return matchOwners({
    facts: sourceFactsOf(ws, clock),
    users: audit.users,
    decisions: readOwnerDecisions(ws),
    now: iso(clock),
    auditedAt: audit.auditedAt,
  })
}

/** Sets the fallback owner (by systemuser id or e-mail) and overrides; checks each names an enabled user. */
export function setOwnerDecisions(
  ws: Workspace,
  clock: Clock,
  change: Readonly<{
    fallbackSystemUserId?: string | null
    fallbackEmail?: string
    overrides?: ReadonlyArray<Readonly<{ ownerId: string; systemUserId: string | null }>>
  }>,
): OwnersReport {
  const audit = requireAudit(ws)
  const enabled = (id: string, what: string) => {
    const u = audit.users.find((x) => x.systemUserId.toLowerCase() === id.toLowerCase())
    if (!u || u.isDisabled || u.isApplicationUser) {
      throw new AppError({
        code: 'owner-user-invalid',
        kind: 'fatal',
        message: `${what} must be an enabled Dynamics user; ${u ? `${u.fullName} is ${u.isDisabled ? 'disabled' : 'an application user'}` : `no user has the id ${id}`}.`,
      })
    }
    return u.systemUserId
  }
  let fallback: string | null | undefined = change.fallbackSystemUserId
  if (change.fallbackEmail !== undefined) {
    const u = userForEmail(audit.users, change.fallbackEmail)
    if (u === null) {
      throw new AppError({
        code: 'owner-user-invalid',
        kind: 'fatal',
        message: `No Dynamics user has the e-mail ${change.fallbackEmail}; the fallback owner must be an enabled user.`,
      })
    }
    fallback = u.systemUserId
  }
  if (fallback !== undefined && fallback !== null) fallback = enabled(fallback, 'The fallback owner')
  const overrides = (change.overrides ?? []).map((o) => ({
    ownerId: o.ownerId,
    systemUserId:
      o.systemUserId === null ? null : enabled(o.systemUserId, `The override for owner ${o.ownerId}`),
  }))
  writeOwnerDecisions(
    ws,
    { ...(fallback !== undefined ? { fallbackSystemUserId: fallback } : {}), overrides },
    iso(clock),
  )
  ws.logActivity('owner-decisions', 'Owner decisions changed.', {
    fallback: fallback ?? null,
    overrides: overrides.length,
  })
  return ownersReportOf(ws, clock)
}

/** The stored owner decisions. */
export const ownerDecisionsOf = (ws: Workspace): OwnerDecisions => readOwnerDecisions(ws)

// ---- workflows --------------------------------------------------------------------------------------------------

/** The workflow rebuild reference of the staged export, with columns from the current mapping. */
export function workflowReferenceOf(ws: Workspace, clock: Clock): WorkflowReference {
  const facts = sourceFactsOf(ws, clock)
  return buildWorkflowReference(facts.automation, mappingFor(ws, clock).document, iso(clock))
}
