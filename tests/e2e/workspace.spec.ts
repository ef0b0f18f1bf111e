import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { type ServedApp, startServe } from '../support/serve'

let app: ServedApp
let dir: string

test.beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leafbridge-e2e-'))
  app = await startServe([], dir)
})

test.afterEach(async () => {
  await app.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('creates a workspace in the wizard and shows its summary', async ({ page }, testInfo) => {
  await page.goto(app.url)
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-app-state', 'ready')
  // The token left the address bar once the page took it.
  expect(page.url()).not.toContain('token=')

  await expect(page.getByTestId('step-nav-source')).toBeDisabled()
  await expect(page.getByTestId('step-nav-cutover')).toContainText('not available yet')
  await expect(page.getByTestId('wizard-next')).toBeDisabled()

  const path = join(dir, 'acme-mortgage.leafbridge')
  await page.getByTestId('workspace-create-path').fill(path)
  await page.getByTestId('workspace-create-submit').click()

  const summary = page.getByTestId('workspace-summary')
  await expect(summary).toBeVisible()
  await expect(page.getByTestId('workspace-summary-path')).toHaveText(path)
  await expect(page.getByTestId('workspace-summary-schema')).toContainText(/^\d+ of \d+$/)
  await expect(page.getByTestId('workspace-summary-contents')).toContainText('Activity log entries')
  await expect(page.getByTestId('header-workspace')).toHaveText('acme-mortgage')
  await page.screenshot({ path: testInfo.outputPath('workspace-step.png'), fullPage: true })

  // After a reload the page keeps its session and the engine still holds the open workspace.
  await page.reload()
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-app-state', 'ready')
  await expect(page.getByTestId('workspace-summary-path')).toHaveText(path)
})

test('backs up the open workspace with a progress bar that ends finished', async ({ page }) => {
  await page.goto(app.url)
  await page.getByTestId('workspace-create-path').fill(join(dir, 'w.leafbridge'))
  await page.getByTestId('workspace-create-submit').click()
  await expect(page.getByTestId('workspace-summary')).toBeVisible()
  await page.getByTestId('workspace-backup-path').fill(join(dir, 'w-copy.leafbridge'))
  await page.getByTestId('workspace-backup-submit').click()
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-job-state', 'finished')
})

test('reopens an existing workspace and explains a refused one', async ({ page }) => {
  await page.goto(app.url)
  await page.getByTestId('workspace-open-path').fill(join(dir, 'missing.leafbridge'))
  await page.getByTestId('workspace-open-submit').click()
  await expect(page.getByTestId('error-banner')).toHaveAttribute('data-error-code', 'workspace-not-found')

  await page.getByTestId('workspace-create-path').fill(join(dir, 'again.leafbridge'))
  await page.getByTestId('workspace-create-submit').click()
  await expect(page.getByTestId('workspace-summary')).toBeVisible()
  await page.getByTestId('workspace-close').click()
  await page.getByTestId('workspace-open-path').fill(join(dir, 'again.leafbridge'))
  await page.getByTestId('workspace-open-submit').click()
  await expect(page.getByTestId('workspace-summary-path')).toHaveText(join(dir, 'again.leafbridge'))
})

test('without the token the page asks for the printed address, and the API refuses it', async ({ page }) => {
  await page.goto(app.origin + '/')
  await expect(page.locator('[data-app-state="no-session"]')).toBeVisible()
  const status = await page.evaluate(
    async () =>
      (
        await fetch('/api/app:get-info', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
  )
  expect(status).toBe(401)
})
