/**
 * The issue 5 "done when" on the demo export: the generator's tiny export (seed 1) staged, then
 * audit, plan and apply against the sandbox with MSAL tokens; a second apply creates nothing; the
 * owner preflight lists the demo's disabled and unknown owners.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../electron/engine/clock'
import {
  applyPlan,
  ownersReportOf,
  runTargetAudit,
  schemaPlanOf,
  setLicenceTier,
} from '../../../electron/engine/plan/planner'
import { generateExport } from '../../../electron/engine/source/leaf360/generator/index'
import { stageExport } from '../../../electron/engine/source/leaf360/staging/stage-export'
import { connectTarget } from '../../../electron/engine/target/dataverse/connect'
import { loadTargetProfile } from '../../../electron/engine/target/dataverse/profile'
import { OWNER_COLUMNS } from '../../../electron/engine/plan/source-facts'
import { StagingRepository } from '../../../electron/engine/workspace/staging-repository'
import { Workspace } from '../../../electron/engine/workspace/workspace'
import type { SeedUser } from '../../../electron/sandbox/environment'
import { useSandbox } from '../../support/sandbox'
import { useTempDirs } from '../../support/temp-dir'

const domain = 'lakeshoremortgage.com'
/** Dynamics users for the demo portal: most loan officers enabled, Dana disabled, the ISA's jlee@ absent. */
const DEMO_USERS: ReadonlyArray<SeedUser> = [
  { email: `avery.admin@${domain}`, firstName: 'Avery', lastName: 'Admin' },
  { email: `sarah.olson@${domain}`, firstName: 'Sarah', lastName: 'Olson' },
  { email: `Marcus.Reed@${domain}`, firstName: 'Marcus', lastName: 'Reed' },
  { email: `dana.whitfield@${domain}`, firstName: 'Dana', lastName: 'Whitfield', disabled: true },
  { email: `priya.shah@${domain}`, firstName: 'Priya', lastName: 'Shah' },
  { email: `kevin.brandt@${domain}`, firstName: 'Kevin', lastName: 'Brandt' },
  { email: `jordan.lee@${domain}`, firstName: 'Jordan', lastName: 'Lee' },
  { email: `natalie.thomas@${domain}`, firstName: 'Natalie', lastName: 'Thomas' },
]

/** Live (not archived) staged records per object, counted straight from the workspace. */
const stagedCounts = (workspace: Workspace): Record<string, number> =>
  Object.fromEntries(
    new StagingRepository(workspace)
      .query<{ object: string; n: number }>(
        `SELECT object, count(*) AS n FROM staged_record
         WHERE archived = 0 AND import_id = (SELECT max(import_id) FROM staged_record) GROUP BY object`,
      )
      .map((r) => [r.object, r.n]),
  )

describe('planning the demo export', () => {
  const sandbox = useSandbox({ users: DEMO_USERS, keyActivationMs: 300 })
  const tempDir = useTempDirs()

  it('plans and applies the demo, creates nothing the second time, and lists its disabled and unknown owners', async () => {
    const dir = tempDir()
    const root = join(dir, 'export')
    await generateExport({ out: root, profile: 'tiny', seed: 1 })
    const workspace = Workspace.create(join(dir, 'demo'), { appVersion: 'test' })
    const profile = loadTargetProfile(sandbox().profileFile)
    const connection = connectTarget(profile, { users: 1 })
    try {
      await stageExport(workspace, root, {})
      setLicenceTier(workspace, 'enterprise', systemClock)
      await runTargetAudit(workspace, connection.primary, profile.url, systemClock)
      const plan = schemaPlanOf(workspace, systemClock)
      expect(plan.warnings.filter((w) => w.severity === 'blocker')).toEqual([])
      expect(plan.processes.map((p) => p.name)).toEqual(['Purchase (Leaf360)', 'Refinance (Leaf360)'])
      expect(plan.columns.filter((c) => c.purpose === 'custom-property').length).toBeGreaterThan(20)
      expect(plan.warnings.map((w) => w.code)).toContain('attachments-over-limit')

      const first = await applyPlan(workspace, connection.primary, profile.url, systemClock)
      expect(first.created).toBeGreaterThan(plan.columns.length)
      const second = await applyPlan(workspace, connection.primary, profile.url, systemClock)
      expect(second.created).toBe(0)
      expect(schemaPlanOf(workspace, systemClock).counts).toMatchObject({ create: 0, conflict: 0 })

      const owners = ownersReportOf(workspace, systemClock)
      const disabled = owners.owners.find((o) => o.status === 'disabled')
      expect(disabled).toMatchObject({ email: `dana.whitfield@${domain}` })
      // Her contacts, deals and activities are counted, and they block the run until settled.
      expect(disabled!.records).toBeGreaterThan(0)
      expect(disabled!.recordsByObject['contacts']).toBeGreaterThan(0)
      expect(owners.blockedRecords).toBeGreaterThanOrEqual(disabled!.records)
      // Every live record of an owned object is someone's or nobody's, once.
      const owned = owners.owners.reduce((n, o) => n + o.records, 0) + owners.unownedRecords
      const live = Object.entries(stagedCounts(workspace))
        .filter(([object]) => object in OWNER_COLUMNS)
        .reduce((n, [, c]) => n + c, 0)
      expect(owned).toBe(live)
      expect(owners.owners.find((o) => o.defined && o.status === 'unmatched')).toMatchObject({
        email: `jlee@${domain}`,
      })
      expect(owners.owners.find((o) => o.email === `marcus.reed@${domain}`)?.status).toBe('matched')
      expect(owners.owners.filter((o) => !o.defined).length).toBeGreaterThan(0)
      expect(owners.ready).toBe(false)
    } finally {
      await connection.close()
      workspace.close()
    }
  })
})
