/**
 * The planning steps in the browser against `leafbridge serve` and the sandbox: audit, schema plan
 * with a confirmed apply, the mapping, and the owners with a fallback picked. Screenshots of each.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { type RunningSandbox, startSandbox } from '../../electron/sandbox/index'
import { type ServedApp, startServe } from '../support/serve'
import { PLAN_USERS, stagePlanFixture } from '../integration/plan/plan-fixture'

let app: ServedApp
let sandbox: RunningSandbox
let dir: string

test.beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leafbridge-e2e-plan-'))
  sandbox = await startSandbox({ limits: 'off', filesDir: dir, users: PLAN_USERS, keyActivationMs: 300 })
  const staged = await stagePlanFixture(dir)
  const workspace = staged.workspace.path
  staged.close()
  app = await startServe(['--workspace', workspace], dir)
})

test.afterEach(async () => {
  await app.stop()
  await sandbox.close()
  rmSync(dir, { recursive: true, force: true })
})

test('audits the target, applies the schema plan after confirming, confirms the mapping and settles owners', async ({
  page,
}, testInfo) => {
  const profile = join(dir, 'sandbox-profile.json')
  writeFileSync(profile, JSON.stringify(sandbox.profile))
  await page.setViewportSize({ width: 1400, height: 1000 })
  await page.goto(app.url)
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-app-state', 'ready')
  await page.getByTestId('step-nav-target').click()
  await page.getByTestId('target-profile-path').fill(profile)
  await page.getByTestId('target-profile-submit').click()
  await expect(page.getByTestId('target-summary-client')).toHaveText(sandbox.clientId)

  // Audit
  await page.getByTestId('step-nav-audit').click()
  await page.getByTestId('audit-licence').selectOption('enterprise')
  await page.getByTestId('audit-run').click()
  await expect(page.getByTestId('audit-summary')).toBeVisible()
  await expect(page.getByTestId('audit-users')).toContainText('disabled')
  await expect(page.getByTestId('audit-tables')).toContainText('opportunity')
  await page.screenshot({ path: testInfo.outputPath('audit-step.png'), fullPage: true })

  // Schema plan: confirmation names what will be created; apply; then nothing is left to create.
  await page.getByTestId('step-nav-schema-plan').click()
  await expect(page.getByTestId('plan-summary')).toBeVisible()
  await expect(page.getByTestId('plan-columns')).toContainText('lb_LoanStatus')
  await expect(page.getByTestId('plan-process-default')).toContainText('Purchase (Leaf360)')
  await expect(page.getByTestId('plan-warnings')).toContainText('upload limit')
  await page.getByTestId('plan-apply').click()
  await expect(page.getByTestId('plan-confirm-list')).toContainText('columns')
  await expect(page.getByTestId('plan-confirm-list')).toContainText(
    'the business process flow Refinance (Leaf360)',
  )
  await page.screenshot({ path: testInfo.outputPath('schema-plan-confirm.png'), fullPage: false })
  await page.getByTestId('plan-confirm-yes').click()
  await expect(page.getByTestId('plan-applied')).toContainText('created', { timeout: 60_000 })
  await expect(page.getByTestId('plan-count-create')).toHaveText('0')
  await expect(page.getByTestId('plan-apply')).toHaveText('Nothing to create')
  await page.getByTestId('plan-export-dir').fill(join(dir, 'reports'))
  await page.getByTestId('plan-export').click()
  await expect(page.getByTestId('plan-export-files')).toContainText('schema-plan.xlsx')
  await page.screenshot({ path: testInfo.outputPath('schema-plan-step.png'), fullPage: true })

  // Mapping
  await page.getByTestId('step-nav-mapping').click()
  await expect(page.getByTestId('mapping-objects')).toContainText('Deals → Opportunities')
  await expect(page.getByTestId('mapping-loan-status')).toContainText('Referral Partner')
  await page.getByTestId('mapping-confirm').click()
  await expect(page.getByTestId('mapping-status')).toHaveText('confirmed')
  await page.screenshot({ path: testInfo.outputPath('mapping-step.png'), fullPage: true })

  // Owners: the disabled and unknown owners block until a fallback is chosen.
  await page.getByTestId('step-nav-owners').click()
  await expect(page.getByTestId('owners-summary')).toHaveAttribute('data-ready', 'false')
  await expect(page.getByTestId('owners-disabled')).toHaveText('1')
  await expect(page.getByTestId('owners-unmatched')).toHaveText('1')
  await expect(page.getByTestId('owners-table').locator('tr[data-status="disabled"]')).toContainText(
    'chris.ng@sandbox.example',
  )
  await expect(page.getByTestId('owners-table').locator('tr[data-status="unmatched"]')).toContainText(
    'pat.unknown@lender.example',
  )
  await page.screenshot({ path: testInfo.outputPath('owners-step-blocked.png'), fullPage: true })
  await page
    .getByTestId('owners-fallback')
    .selectOption({ label: 'Avery Admin <avery.admin@sandbox.example>' })
  await expect(page.getByTestId('owners-summary')).toHaveAttribute('data-ready', 'true')
  await page
    .getByTestId('owner-override-103')
    .selectOption({ label: 'Maria Gomez <maria.gomez@sandbox.example>' })
  await expect(page.getByTestId('owner-assigned-103')).toHaveText('Maria Gomez (override)')
  await expect(page.getByTestId('owner-assigned-102')).toHaveText('Avery Admin (fallback)')
  await page.getByTestId('owners-export-dir').fill(join(dir, 'reports'))
  await page.getByTestId('owners-export').click()
  await expect(page.getByTestId('owners-export-files')).toContainText('owners-preflight.csv')
  await page.screenshot({ path: testInfo.outputPath('owners-step.png'), fullPage: true })
})
