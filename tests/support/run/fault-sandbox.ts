/**
 * Restarts a fixture's sandbox from its state file with faults and service-protection limits on:
 * the schema and data so far stay, the faults start now (the schema was applied without them).
 */
import { connectTarget, type TargetConnection } from '../../../electron/engine/target/dataverse/connect'
import { targetProfileSchema } from '../../../electron/engine/target/dataverse/profile'
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../../electron/sandbox/index'
import { FIXTURE_USERS, type MigrationFixture } from './migration-fixture'

export type RestartedSandbox = Readonly<{
  sandbox: RunningSandbox
  connect: (users?: number) => TargetConnection
  close: () => Promise<void>
}>

/** Stops the fixture's sandbox and starts it again on the same state with `options`. */
export async function restartWithFaults(
  f: MigrationFixture,
  options: SandboxOptions,
): Promise<RestartedSandbox> {
  await f.sandbox.sandbox.close()
  const sandbox = await startSandbox({
    port: 0,
    stateFile: f.sandbox.stateFile,
    filesDir: f.sandbox.dir,
    users: FIXTURE_USERS,
    keyActivationMs: 20,
    maxUploadFileSize: 6_000_000,
    ...options,
  })
  const profile = targetProfileSchema.parse({ ...sandbox.profile, caCertFile: sandbox.caCertFile })
  return {
    sandbox,
    connect: (users = 1) => connectTarget(profile, { users }),
    close: () => sandbox.close(),
  }
}
