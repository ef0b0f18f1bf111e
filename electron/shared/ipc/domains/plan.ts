/**
 * Channels for planning (issue 5): the target audit, the schema setup plan (view, export, apply,
 * undo), the mapping (view, propose, confirm), owners (preflight, decisions, export) and the
 * workflow rebuild reference. Apply and undo take an explicit confirmation.
 */
import { z } from 'zod'
import type {
  ExportedFile,
  MappingSummary,
  OwnersReport,
  PlanStatus,
  SchemaPlan,
  TargetAudit,
} from '../../dto/plan'
import { LICENCE_TIERS } from '../../dto/plan'
import type { JobRef } from '../../jobs'
import type { ChannelsOf } from '../domain'
import { emptyRequestSchema, filePathSchema } from '../schemas'

const directory = z.object({ directory: filePathSchema }).strict()
const confirmation = z
  .object({
    /** The operator saw what will change and said yes. */
    confirm: z.literal(true, 'confirm the change first'),
  })
  .strict()
const systemUserId = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F-]{36}$/, 'a systemuser id is a GUID')

export const planRequests = {
  'plan:get-status': emptyRequestSchema,
  'plan:set-licence-tier': z.object({ tier: z.enum(LICENCE_TIERS) }).strict(),
  /** Audits the target of the workspace (a job; its result is the TargetAudit). */
  'plan:audit': emptyRequestSchema,
  'plan:get-audit': emptyRequestSchema,
  'plan:export-audit': directory,
  'plan:get-schema-plan': emptyRequestSchema,
  'plan:export-schema-plan': directory,
  /** Creates what the plan lists (a job; its result is the ApplyResult). */
  'plan:apply-schema': confirmation,
  /** Removes what Leafbridge's applies created (a job; its result is the UndoResult). */
  'plan:undo-schema': confirmation,
  'plan:get-mapping': emptyRequestSchema,
  'plan:propose-mapping': emptyRequestSchema,
  'plan:confirm-mapping': z.object({ version: z.number().int().positive() }).strict(),
  'plan:get-owners': emptyRequestSchema,
  'plan:set-owner-decisions': z
    .object({
      /** null clears the fallback. */
      fallbackSystemUserId: systemUserId.nullable().optional(),
      fallbackEmail: z.string().trim().min(3).max(320).optional(),
      /** A null systemUserId removes that owner's override. */
      overrides: z
        .array(
          z
            .object({ ownerId: z.string().trim().min(1).max(64), systemUserId: systemUserId.nullable() })
            .strict(),
        )
        .max(10_000)
        .optional(),
    })
    .strict(),
  'plan:export-owners': directory,
  'plan:export-workflows': directory,
} as const

export type PlanChannels = ChannelsOf<
  typeof planRequests,
  {
    'plan:get-status': PlanStatus
    'plan:set-licence-tier': PlanStatus
    'plan:audit': JobRef
    'plan:get-audit': TargetAudit | null
    'plan:export-audit': ReadonlyArray<ExportedFile>
    'plan:get-schema-plan': SchemaPlan
    'plan:export-schema-plan': ReadonlyArray<ExportedFile>
    'plan:apply-schema': JobRef
    'plan:undo-schema': JobRef
    'plan:get-mapping': MappingSummary | null
    'plan:propose-mapping': MappingSummary
    'plan:confirm-mapping': MappingSummary
    'plan:get-owners': OwnersReport
    'plan:set-owner-decisions': OwnersReport
    'plan:export-owners': ReadonlyArray<ExportedFile>
    'plan:export-workflows': ReadonlyArray<ExportedFile>
  }
>

export const planMethods = {
  getPlanStatus: 'plan:get-status',
  setLicenceTier: 'plan:set-licence-tier',
  auditTarget: 'plan:audit',
  getTargetAudit: 'plan:get-audit',
  exportTargetAudit: 'plan:export-audit',
  getSchemaPlan: 'plan:get-schema-plan',
  exportSchemaPlan: 'plan:export-schema-plan',
  applySchemaPlan: 'plan:apply-schema',
  undoSchemaPlan: 'plan:undo-schema',
  getMapping: 'plan:get-mapping',
  proposeMapping: 'plan:propose-mapping',
  confirmMapping: 'plan:confirm-mapping',
  getOwners: 'plan:get-owners',
  setOwnerDecisions: 'plan:set-owner-decisions',
  exportOwners: 'plan:export-owners',
  exportWorkflowReference: 'plan:export-workflows',
} as const
