/**
 * The Migrate step in the browser against `leafbridge serve` and the sandbox: a run of the
 * mortgage fixture export cancelled while it loads, resumed from the step, and finished, with the
 * per-phase bars, the throughput chart, the summary per table, and one record that failed with
 * its reason in the error list. Screenshots of the running and the finished step.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { systemClock } from '../../electron/engine/clock'
import { confirmStoredMapping } from '../../electron/engine/plan/mapping-store'
import { applyPlan, mappingFor, runTargetAudit, setOwnerDecisions } from '../../electron/engine/plan/planner'
import { stageExport } from '../../electron/engine/source/leaf360/staging/stage-export'
import { connectTarget } from '../../electron/engine/target/dataverse/connect'
import { loadTargetProfile } from '../../electron/engine/target/dataverse/profile'
import { Workspace } from '../../electron/engine/workspace/workspace'
import { type RunningSandbox, startSandbox } from '../../electron/sandbox/index'
import { OWNER_EMAILS, writeMortgageExport } from '../support/run/mortgage-export'
import { type ServedApp, startServe } from '../support/serve'

let app: ServedApp
let sandbox: RunningSandbox
let dir: string
let profileFile: string

const USERS = [
  { email: OWNER_EMAILS[0], firstName: 'Ann', lastName: 'Lee' },
  { email: OWNER_EMAILS[1], firstName: 'Bob', lastName: 'Ray' },
  { email: 'fallback@lender.example', firstName: 'Fran', lastName: 'Fallback' },
]

test.beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leafbridge-e2e-migrate-'))
  // The setup runs at full speed; the test slows the sandbox while it watches and cancels the run.
  sandbox = await startSandbox({
    limits: 'off',
    filesDir: dir,
    users: USERS,
    keyActivationMs: 20,
    maxUploadFileSize: 6_000_000,
  })
  profileFile = join(dir, 'sandbox-profile.json')
  writeFileSync(profileFile, JSON.stringify(sandbox.profile))
  // The operator's earlier steps, done through the engine: stage, audit, mapping, schema, owners.
  const workspace = Workspace.create(join(dir, 'migration.leafbridge'), { appVersion: 'test' })
  await stageExport(workspace, writeMortgageExport(join(dir, 'export'), { scale: 4 }), {})
  const profile = loadTargetProfile(profileFile)
  const connection = connectTarget(profile, { users: 1 })
  try {
    await runTargetAudit(workspace, connection.primary, profile.url, systemClock)
    confirmStoredMapping(workspace, mappingFor(workspace, systemClock).version, new Date().toISOString())
    await applyPlan(workspace, connection.primary, profile.url, systemClock)
    setOwnerDecisions(workspace, systemClock, { fallbackEmail: 'fallback@lender.example' })
  } finally {
    await connection.close()
    workspace.close()
  }
  app = await startServe(['--workspace', join(dir, 'migration.leafbridge')], dir)
})

test.afterEach(async () => {
  await app.stop()
  await sandbox.close()
  rmSync(dir, { recursive: true, force: true })
})

test('runs the migration phase by phase, cancels it, resumes it to the end, and lists the failed record', async ({
  page,
}, testInfo) => {
  test.setTimeout(300_000)
  await page.setViewportSize({ width: 1400, height: 1100 })
  await page.goto(app.url)
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-app-state', 'ready')
  await page.getByTestId('step-nav-target').click()
  await page.getByTestId('target-profile-path').fill(profileFile)
  await page.getByTestId('target-profile-submit').click()
  await expect(page.getByTestId('target-summary-client')).toHaveText(sandbox.clientId)

  await page.getByTestId('step-nav-migrate').click()
  await expect(page.getByTestId('migrate-step')).toBeVisible()
  await expect(page.getByTestId('migrate-phase-accounts')).toHaveAttribute('data-state', 'pending')

  // Start against a slow Dynamics (every response held 1.5 s, so the contacts take many seconds
  // whatever the machine's load); cancel once the accounts are in and the contacts are loading.
  sandbox.setLatency('1500')
  await page.getByTestId('migrate-start').click()
  await expect(page.getByTestId('migrate-phase-accounts')).toHaveAttribute('data-state', 'done', {
    timeout: 120_000,
  })
  await page.getByTestId('job-cancel').click()
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-job-state', 'cancelled', {
    timeout: 60_000,
  })
  await expect(page.getByTestId('migrate-latest')).toHaveAttribute('data-status', 'cancelled')
  await expect(page.getByTestId('migrate-phase-contacts')).not.toHaveAttribute('data-state', 'done')
  await page.screenshot({ path: testInfo.outputPath('migrate-cancelled.png'), fullPage: true })
  sandbox.setLatency('20')

  // A household company disappears from Dynamics meanwhile: what binds to it later fails with the reason.
  const connection = connectTarget(loadTargetProfile(profileFile), { users: 1 })
  try {
    const gone = await connection.primary.send({
      method: 'DELETE',
      path: "accounts(lb_sourceid='company-7000023')",
    })
    expect(gone.status).toBe(204)
  } finally {
    await connection.close()
  }

  // Resume to the end.
  await page.getByTestId('migrate-resume').click()
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-job-state', 'finished', {
    timeout: 120_000,
  })
  await expect(page.getByTestId('migrate-latest')).toHaveAttribute('data-status', 'finished')
  for (const phase of [
    'accounts',
    'contacts',
    'leads',
    'opportunities',
    'activities',
    'attachments',
    'connections',
    'status',
  ]) {
    await expect(page.getByTestId(`migrate-phase-${phase}`)).toHaveAttribute('data-state', 'done')
  }
  await expect(page.getByTestId('migrate-tables')).toContainText('opportunity')
  await expect(page.getByTestId('migrate-throughput')).toBeVisible()
  await expect(
    page.getByTestId('migrate-failures').locator('tr[data-verdict="skippable"]').first(),
  ).toBeVisible()
  await page.screenshot({ path: testInfo.outputPath('migrate-finished.png'), fullPage: true })
})
