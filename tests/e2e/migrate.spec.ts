/**
 * The Migrate step in the browser against `leafbridge serve` and the sandbox: a run of the
 * mortgage fixture export cancelled while it loads, resumed from the step, and finished, with the
 * per-phase bars, the throughput chart, the summary per table, and one record that failed with
 * its reason in the error list. Screenshots of the running and the finished step.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { connectTarget } from '../../electron/engine/target/dataverse/connect'
import { loadTargetProfile } from '../../electron/engine/target/dataverse/profile'
import type { RunningSandbox } from '../../electron/sandbox/index'
import { type MigrationFixture, prepareMigration } from '../support/run/migration-fixture'
import { type ServedApp, startServe } from '../support/serve'

let app: ServedApp
let fixture: MigrationFixture
let sandbox: RunningSandbox
let dir: string
let profileFile: string

test.beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leafbridge-e2e-migrate-'))
  // The operator's earlier steps, done through the engine at full speed: stage, audit, mapping,
  // schema, owners. The test slows the sandbox while it watches and cancels the run.
  fixture = await prepareMigration(dir, { export: { scale: 4 } })
  fixture.workspace.close()
  sandbox = fixture.sandbox.sandbox
  profileFile = fixture.sandbox.profileFile
  app = await startServe(['--workspace', fixture.workspacePath], dir)
})

test.afterEach(async () => {
  await app.stop()
  await fixture.close()
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
