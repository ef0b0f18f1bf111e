/**
 * A workspace and a sandbox ready for a migration, prepared the way an operator does it: the
 * mortgage export staged, the target audited, the proposed mapping confirmed, the schema plan
 * applied (columns, source-id keys, connection roles, one BPF per pipeline), and a fallback owner
 * chosen for records without one.
 */
import { join } from 'node:path'
import { systemClock } from '../../../electron/engine/clock'
import { confirmStoredMapping } from '../../../electron/engine/plan/mapping-store'
import type { MappingDocument } from '../../../electron/engine/plan/mapping/model'
import {
  applyPlan,
  mappingFor,
  runTargetAudit,
  setOwnerDecisions,
} from '../../../electron/engine/plan/planner'
import { stageExport } from '../../../electron/engine/source/leaf360/staging/stage-export'
import { connectTarget, type TargetConnection } from '../../../electron/engine/target/dataverse/connect'
import { loadTargetProfile, type TargetProfile } from '../../../electron/engine/target/dataverse/profile'
import { Workspace } from '../../../electron/engine/workspace/workspace'
import type { SandboxOptions } from '../../../electron/sandbox/index'
import { startTestSandbox, type TestSandbox } from '../sandbox'
import { OWNER_EMAILS, writeMortgageExport, type MortgageExportOptions } from './mortgage-export'

export type MigrationFixture = Readonly<{
  dir: string
  workspacePath: string
  exportRoot: string
  workspace: Workspace
  sandbox: TestSandbox
  profile: TargetProfile
  mapping: MappingDocument
  /** A connection with `users` application users (each call makes a new one). */
  connect: (users?: number) => TargetConnection
  close: () => Promise<void>
}>

/** The people a fixture's sandbox seeds: the export's two owners, and a fallback owner. */
export const FIXTURE_USERS = [
  { email: OWNER_EMAILS[0], firstName: 'Ann', lastName: 'Lee' },
  { email: OWNER_EMAILS[1], firstName: 'Bob', lastName: 'Ray' },
  { email: 'fallback@lender.example', firstName: 'Fran', lastName: 'Fallback' },
] as const

/** Stages the export into a new workspace under `dir`, starts a sandbox and prepares its schema. */
export async function prepareMigration(
  dir: string,
  options: Readonly<{ export?: MortgageExportOptions; sandbox?: SandboxOptions; exportRoot?: string }> = {},
): Promise<MigrationFixture> {
  const exportRoot = options.exportRoot ?? writeMortgageExport(join(dir, 'export'), options.export)
  const workspacePath = join(dir, 'migration.leafbridge')
  const workspace = Workspace.create(workspacePath, { appVersion: 'test' })
  const sandbox = await startTestSandbox({
    users: FIXTURE_USERS,
    keyActivationMs: 20,
    maxUploadFileSize: 6_000_000,
    ...options.sandbox,
  })
  try {
    await stageExport(workspace, exportRoot, {})
    const profile = loadTargetProfile(sandbox.profileFile)
    const connection = connectTarget(profile, { users: 1 })
    try {
      await runTargetAudit(workspace, connection.primary, profile.url, systemClock)
      const proposed = mappingFor(workspace, systemClock)
      const confirmed = confirmStoredMapping(workspace, proposed.version, new Date().toISOString())
      await applyPlan(workspace, connection.primary, profile.url, systemClock)
      setOwnerDecisions(workspace, systemClock, { fallbackEmail: FIXTURE_USERS[2].email })
      return {
        dir,
        workspacePath,
        exportRoot,
        workspace,
        sandbox,
        profile,
        mapping: confirmed.document,
        connect: (users = 1) => connectTarget(profile, { users }),
        close: async () => {
          if (workspace.isOpen) workspace.close()
          await sandbox.close()
        },
      }
    } finally {
      await connection.close()
    }
  } catch (error) {
    workspace.close()
    await sandbox.close()
    throw error
  }
}
