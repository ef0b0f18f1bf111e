import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test'
import { API_METHODS } from '../../electron/shared/ipc/methods'
import { findElectronBinary } from '../support/electron-binary'
import { REPO_ROOT } from '../support/serve'

const binary = findElectronBinary()
if ('missing' in binary) {
  // Said once, in the run's output, so a skip is never silent.
  console.warn(`e2e-electron: skipping the desktop shell tests. ${binary.missing}`)
}
test.skip('missing' in binary, 'missing' in binary ? binary.missing : '')

let app: ElectronApplication
let page: Page
let userData: string

test.beforeAll(() => {
  // The shell needs better-sqlite3 built for Electron's ABI (npm start does the same).
  const built = spawnSync(process.execPath, ['scripts/electron-native.mjs'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  })
  if (built.status !== 0)
    throw new Error('scripts/electron-native.mjs could not provide the Electron build of better-sqlite3')
})

test.beforeEach(async () => {
  userData = mkdtempSync(join(tmpdir(), 'leafbridge-electron-'))
  app = await electron.launch({
    executablePath: 'path' in binary ? binary.path : '',
    args: [REPO_ROOT, `--user-data-dir=${userData}`],
    cwd: REPO_ROOT,
  })
  page = await app.firstWindow()
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-app-state', 'ready')
})

test.afterEach(async () => {
  await app.close()
  rmSync(userData, { recursive: true, force: true })
})

test('the window is isolated, sandboxed and without Node', async () => {
  const prefs = await app.evaluate(({ BrowserWindow }) => {
    const wc = BrowserWindow.getAllWindows()[0]!.webContents
    // Not in Electron's typings any more but present at run time; the page checks below stand alone.
    const last = (wc as unknown as { getLastWebPreferences?: () => Record<string, unknown> | null })
      .getLastWebPreferences
    const p = last?.call(wc) ?? {}
    return {
      contextIsolation: p['contextIsolation'],
      sandbox: p['sandbox'],
      nodeIntegration: p['nodeIntegration'],
      url: wc.getURL(),
    }
  })
  if (prefs.contextIsolation !== undefined) {
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false })
  }
  expect(prefs.url).toMatch(/^app:\/\/leafbridge\//)
  expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined')
  expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined')
})

test('the preload exposes the named methods and nothing else', async () => {
  const keys = await page.evaluate(() => Object.keys((globalThis as unknown as { api: object }).api).sort())
  expect(keys).toEqual([...Object.keys(API_METHODS), 'onJobEvent'].sort())
})

test('navigation away and new windows are refused', async () => {
  type PageGlobals = { location: { href: string }; open: (url: string) => unknown }
  await page.evaluate(() => {
    ;(globalThis as unknown as PageGlobals).location.href = 'https://example.com/'
  })
  expect(page.url()).toMatch(/^app:\/\/leafbridge\//)
  expect(
    await page.evaluate(() => (globalThis as unknown as PageGlobals).open('https://example.com/') === null),
  ).toBe(true)
  expect(app.windows()).toHaveLength(1)
})

test('the Workspace step creates a workspace through IPC and the utility-process engine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leafbridge-electron-ws-'))
  await page.getByTestId('workspace-create-path').fill(join(dir, 'desk.leafbridge'))
  await page.getByTestId('workspace-create-submit').click()
  await expect(page.getByTestId('workspace-summary-path')).toHaveText(join(dir, 'desk.leafbridge'))
  rmSync(dir, { recursive: true, force: true })
})
