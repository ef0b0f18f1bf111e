import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { generateExport } from '../../electron/engine/source/leaf360/generator'
import { type ServedApp, startServe } from '../support/serve'

let app: ServedApp
let dir: string

test.beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leafbridge-e2e-source-'))
  app = await startServe([], dir)
})

test.afterEach(async () => {
  await app.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('stages a ui zip export with a progress bar, shows its profile and quarantine, and exports the quarantine', async ({
  page,
}, testInfo) => {
  const zip = (
    await generateExport({
      profile: 'tiny',
      seed: 21,
      flavour: 'ui',
      zip: true,
      out: join(dir, 'export.zip'),
    })
  ).out
  await page.goto(app.url)
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-app-state', 'ready')
  await page.getByTestId('workspace-create-path').fill(join(dir, 'acme.leafbridge'))
  await page.getByTestId('workspace-create-submit').click()
  await expect(page.getByTestId('workspace-summary')).toBeVisible()

  await page.getByTestId('step-nav-source').click()
  await expect(page.getByTestId('source-step')).toBeVisible()
  await expect(page.getByTestId('wizard-next')).toBeDisabled()
  await page.getByTestId('source-path').fill(zip)
  await page.getByTestId('source-stage').click()

  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-job-state', 'finished', {
    timeout: 60_000,
  })
  await expect(page.getByTestId('source-summary')).toContainText('Screen (ui) export')
  await expect(page.getByTestId('source-totals')).toContainText('staged')
  await expect(page.getByTestId('source-files')).toContainText('data/owners.csv')
  await expect(page.getByTestId('finding-D03')).toBeVisible()
  await expect(page.getByTestId('dist-loan-status')).toBeVisible()

  const table = page.getByTestId('quarantine-table')
  await expect(table).toBeVisible()
  const total = Number(await table.getAttribute('data-total'))
  expect(total).toBeGreaterThan(0)
  await expect(page.getByTestId('quarantine-row').first()).not.toContainText('Loading')
  await page.screenshot({ path: testInfo.outputPath('source-step.png'), fullPage: true })

  const csv = join(dir, 'quarantine.csv')
  await page.getByTestId('quarantine-export-path').fill(csv)
  await page.getByTestId('quarantine-export').click()
  await expect(page.getByTestId('quarantine-exported')).toContainText(
    `Wrote ${total.toLocaleString('en-US')} rows`,
  )
  expect(existsSync(csv)).toBe(true)
  expect(readFileSync(csv, 'utf8').split('\r\n')[0]).toBe(
    'quarantine_id,object,file,row,line,source_id,reason,defect,message,raw',
  )

  // Staged: the operator may go on to the Target step.
  await expect(page.getByTestId('wizard-next')).toBeEnabled()
})

test('asks for the time zone when the export has no manifest, then stages it', async ({ page }) => {
  const folder = (
    await generateExport({ profile: 'tiny', seed: 22, flavour: 'ui', out: join(dir, 'export') })
  ).out
  rmSync(join(folder, 'manifest.json'))
  await page.goto(app.url)
  await page.getByTestId('workspace-create-path').fill(join(dir, 'w.leafbridge'))
  await page.getByTestId('workspace-create-submit').click()
  await page.getByTestId('step-nav-source').click()
  await page.getByTestId('source-path').fill(folder)
  await page.getByTestId('source-stage').click()
  await expect(page.getByTestId('error-banner')).toHaveAttribute('data-error-code', 'timezone-required')
  await page.getByTestId('source-timezone').fill('America/Chicago')
  await page.getByTestId('source-stage').click()
  await expect(page.getByTestId('source-summary')).toBeVisible({ timeout: 60_000 })
})
