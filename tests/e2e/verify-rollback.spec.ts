/**
 * The Verify & reports and Rollback steps in the browser against `leafbridge serve` and the
 * sandbox, after a real migration run of the mortgage fixture export: verify (reconciliation per
 * table, zero mismatches, the report files), a value changed in Dynamics found by the next verify,
 * then a rollback confirmed from a dialog that counts what it undoes, back to the state hash
 * before the run. Screenshots of each.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { systemClock } from '../../electron/engine/clock'
import { runMigration } from '../../electron/engine/run/run-migration'
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
let beforeRun: ReturnType<RunningSandbox['stateHash']>

test.beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leafbridge-e2e-verify-'))
  // The operator's earlier steps, done through the engine: stage, audit, mapping, schema, owners, migrate.
  fixture = await prepareMigration(dir)
  sandbox = fixture.sandbox.sandbox
  profileFile = fixture.sandbox.profileFile
  beforeRun = sandbox.stateHash()
  const connection = fixture.connect(1)
  try {
    await runMigration({ workspace: fixture.workspace, connection, clock: systemClock })
  } finally {
    await connection.close()
    fixture.workspace.close()
  }
  app = await startServe(['--workspace', fixture.workspacePath], dir)
})

test.afterEach(async () => {
  await app.stop()
  await fixture.close()
  rmSync(dir, { recursive: true, force: true })
})

test('verifies the run, finds a value changed in Dynamics, and rolls the migration back after confirming', async ({
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1400, height: 1000 })
  await page.goto(app.url)
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-app-state', 'ready')
  await page.getByTestId('step-nav-target').click()
  await page.getByTestId('target-profile-path').fill(profileFile)
  await page.getByTestId('target-profile-submit').click()
  await expect(page.getByTestId('target-summary-client')).toHaveText(sandbox.clientId)

  // Verify & reports
  await page.getByTestId('step-nav-verify-reports').click()
  await expect(page.getByTestId('verify-reports-step')).toBeVisible()
  await page.getByTestId('verify-out-dir').fill(join(dir, 'reports'))
  await page.getByTestId('verify-run').click()
  await expect(page.getByTestId('verify-mismatch-count')).toHaveAttribute('data-mismatches', '0', {
    timeout: 60_000,
  })
  await expect(page.getByTestId('verify-tables')).toContainText('opportunity')
  await expect(page.getByTestId('verify-no-mismatches')).toBeVisible()
  await expect(page.getByTestId('verify-files')).toContainText('reconciliation.xlsx')
  await expect(page.getByTestId('verify-files')).toContainText('oversized-files.csv')
  await expect(page.getByTestId('verify-reports-dir')).toHaveText(join(dir, 'reports'))
  await page.screenshot({ path: testInfo.outputPath('verify-reports-step.png'), fullPage: true })

  // A value changed in Dynamics after the run: the next verify lists it.
  const contacts = await api('GET', 'contacts?$select=contactid,lastname&$filter=lb_sourceid ne null&$top=1')
  const contact = (contacts as { value: Array<{ contactid: string; lastname: string }> }).value[0]!
  await api('PATCH', `contacts(${contact.contactid})`, { lastname: 'Edited in Dynamics' })
  await page.getByTestId('verify-run').click()
  await expect(page.getByTestId('verify-mismatch-count')).toHaveAttribute('data-mismatches', '1', {
    timeout: 60_000,
  })
  await expect(page.getByTestId('verify-mismatches')).toContainText('Edited in Dynamics')
  await expect(page.getByTestId('verify-mismatches')).toContainText(contact.lastname)
  await expect(page.getByTestId('verify-tables').locator('tr[data-table="contact"]')).toHaveAttribute(
    'data-mismatches',
    '1',
  )
  await page.screenshot({ path: testInfo.outputPath('verify-reports-mismatch.png'), fullPage: true })

  // Rollback: the confirmation counts what will be undone, per table.
  await page.getByTestId('step-nav-rollback').click()
  await expect(page.getByTestId('rollback-tables')).toContainText('opportunity')
  const opportunities = await page.getByTestId('rollback-delete-opportunity').first().textContent()
  expect(Number(opportunities)).toBeGreaterThan(0)
  await page.getByTestId('rollback-start').click()
  await expect(page.getByTestId('rollback-confirm-text')).toContainText('delete')
  await expect(page.getByTestId('rollback-confirm-text')).toContainText(sandbox.url)
  await page.screenshot({ path: testInfo.outputPath('rollback-confirm.png'), fullPage: false })
  await page.getByTestId('rollback-confirm-yes').click()
  await expect(page.getByTestId('rollback-result')).toHaveAttribute('data-failed', '0', { timeout: 60_000 })
  await expect(page.getByTestId('rollback-nothing')).toBeVisible()
  await page.screenshot({ path: testInfo.outputPath('rollback-step.png'), fullPage: true })

  const after = sandbox.stateHash()
  expect(after.tables).toEqual(beforeRun.tables)
  expect(after.data).toBe(beforeRun.data)
})

/** A Web API call as someone editing in Dynamics (the sandbox's application, through the lead's client). */
async function api(method: 'GET' | 'PATCH', path: string, body?: unknown): Promise<unknown> {
  const connection = connectTarget(loadTargetProfile(profileFile), { users: 1 })
  try {
    return await connection.primary.json(
      { method, path, ...(body === undefined ? {} : { body }) },
      `${method} ${path}`,
    )
  } finally {
    await connection.close()
  }
}
