import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { type RunningSandbox, startSandbox } from '../../electron/sandbox/index'
import { type ServedApp, startServe } from '../support/serve'

let app: ServedApp
let sandbox: RunningSandbox
let dir: string

test.beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leafbridge-e2e-target-'))
  sandbox = await startSandbox({ limits: 'off', filesDir: dir })
  app = await startServe(['--workspace', join(dir, 'acme.leafbridge')], dir)
})

test.afterEach(async () => {
  await app.stop()
  await sandbox.close()
  rmSync(dir, { recursive: true, force: true })
})

test('connects to the sandbox with a profile file and passes the connection test', async ({
  page,
}, testInfo) => {
  const profile = join(dir, 'sandbox-profile.json')
  writeFileSync(profile, JSON.stringify(sandbox.profile))
  await page.goto(app.url)
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-app-state', 'ready')
  await page.getByTestId('step-nav-target').click()
  await page.getByTestId('target-profile-path').fill(profile)
  await page.getByTestId('target-profile-submit').click()
  await expect(page.getByTestId('target-summary-client')).toHaveText(sandbox.clientId)
  await expect(page.getByTestId('target-summary-secret')).toHaveAttribute('data-secret-state', 'in-profile')
  await page.getByTestId('target-test').click()
  await expect(page.getByTestId('target-check')).toHaveAttribute('data-check-ok', 'true')
  await expect(page.getByTestId('target-check-version')).toContainText('9.')
  // The page never holds the secret.
  expect(await page.content()).not.toContain(sandbox.clientSecret)
  await page.screenshot({ path: testInfo.outputPath('target-step.png'), fullPage: true })
})

test('enters a connection by hand, keeps the secret write-only, and explains a failed sign-in', async ({
  page,
}) => {
  await page.goto(app.url)
  await page.getByTestId('step-nav-target').click()
  await page.getByTestId('target-url').fill(sandbox.url)
  await page.getByTestId('target-tenant').fill(sandbox.tenantId)
  await page.getByTestId('target-client').fill(sandbox.clientId)
  await page.getByTestId('target-authority').fill(sandbox.authority)
  await page.getByTestId('target-save').click()
  await expect(page.getByTestId('target-summary-secret')).toHaveAttribute('data-secret-state', 'missing')
  await expect(page.getByTestId('target-test')).toBeDisabled()
  await page.getByTestId('target-secret').fill('wrong-secret')
  await page.getByTestId('target-secret-save').click()
  await expect(page.getByTestId('target-summary-secret')).toHaveAttribute('data-secret-state', 'session')
  await expect(page.getByTestId('target-secret')).toHaveValue('')
  await page.getByTestId('target-test').click()
  await expect(page.getByTestId('target-check')).toHaveAttribute('data-check-ok', 'false')
})
