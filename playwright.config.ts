import { defineConfig } from '@playwright/test'

/** Debian's Chromium; `npx playwright install` cannot download browsers on our machines. */
export const CHROMIUM_PATH = process.env['LEAFBRIDGE_CHROMIUM'] ?? '/usr/bin/chromium'

/**
 * End-to-end tiers. `e2e` drives Debian's Chromium against `leafbridge serve --port 0`;
 * `e2e-electron` drives the desktop shell and skips, saying why, where no Electron binary exists.
 */
export default defineConfig({
  outputDir: 'test-results/playwright',
  reporter: [['list']],
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  projects: [
    {
      name: 'e2e',
      testDir: 'tests/e2e',
      use: {
        browserName: 'chromium',
        headless: true,
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          chromiumSandbox: false,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
    { name: 'e2e-electron', testDir: 'tests/e2e-electron' },
  ],
})
