/**
 * The Electron shell: lifecycle, the one window and its security, the IPC transport, and the engine
 * host in a utility process (off the UI thread; STYLE.md §4). No business logic lives here.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  BrowserWindow,
  app,
  dialog,
  ipcMain,
  net,
  protocol,
  safeStorage,
  session,
  shell,
  utilityProcess,
  type UtilityProcess,
} from 'electron'
import type { PickPathPurpose } from '../shared/ipc/schemas'
import { CONTENT_SECURITY_POLICY } from '../server/security'
import { resolveStatic } from '../server/static-files'
import { createEngineClient, type EngineClient } from './engine-client'
import { registerIpc } from './ipc'
import { resolveNativeBinding } from './native-binding'
import { createSecretStore } from './secret-store'
import {
  APP_ORIGIN,
  isAllowedExternalUrl,
  isAllowedNavigation,
  isTrustedFrameUrl,
  trustedOrigins,
} from './security'

const here = import.meta.dirname
const rendererDir = join(here, '../renderer')
const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL']
const origins = trustedOrigins(devServerUrl)
const trustedWebContents = new Set<number>()

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
])

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows()
    if (win) {
      if (win.isMinimized()) win.restore()
      win.focus()
    }
  })
  void app.whenReady().then(start)
}

let engine: EngineClient | null = null
let engineProcess: UtilityProcess | null = null

function startEngine(nativeBinding: string): EngineClient {
  const secrets = createSecretStore(safeStorage, app.getPath('userData'))
  const child = utilityProcess.fork(join(here, 'engine-host.js'), [], {
    serviceName: 'Leafbridge engine',
    env: {
      ...process.env,
      LEAFBRIDGE_SQLITE_BINDING: nativeBinding,
      LEAFBRIDGE_PROTECTED_STORAGE: secrets ? '1' : '0',
    },
    stdio: 'inherit',
  })
  engineProcess = child
  const client = createEngineClient(
    { postMessage: (m) => child.postMessage(m), onMessage: (listener) => child.on('message', listener) },
    { pickPath, ...(secrets ? { secrets } : {}) },
  )
  client.onEvent((event) => {
    for (const win of BrowserWindow.getAllWindows()) {
      if (trustedWebContents.has(win.webContents.id)) win.webContents.send('job:event', event)
    }
  })
  child.on('exit', (code) => {
    client.hostExited(code)
    if (engine === client && !quitting) engine = startEngine(nativeBinding)
  })
  return client
}

async function pickPath(purpose: PickPathPurpose): Promise<string | null> {
  const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]
  if (purpose === 'source-folder' || purpose === 'source-zip') {
    // A Leaf360 export is a folder or its .zip; one dialog cannot offer both on Windows and Linux.
    const options: Electron.OpenDialogOptions =
      purpose === 'source-folder'
        ? { properties: ['openDirectory'] }
        : { properties: ['openFile'], filters: [{ name: 'Leaf360 export', extensions: ['zip'] }] }
    const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options)
    return r.canceled ? null : (r.filePaths[0] ?? null)
  }
  if (purpose === 'quarantine-csv') {
    const options: Electron.SaveDialogOptions = { filters: [{ name: 'CSV', extensions: ['csv'] }] }
    const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options)
    return r.canceled ? null : (r.filePath ?? null)
  }
  const filters = [{ name: 'Leafbridge workspace', extensions: ['leafbridge'] }]
  if (purpose === 'workspace-open') {
    const r = win
      ? await dialog.showOpenDialog(win, { properties: ['openFile'], filters })
      : await dialog.showOpenDialog({ properties: ['openFile'], filters })
    return r.canceled ? null : (r.filePaths[0] ?? null)
  }
  const r = win ? await dialog.showSaveDialog(win, { filters }) : await dialog.showSaveDialog({ filters })
  return r.canceled ? null : (r.filePath ?? null)
}

let quitting = false
app.on('before-quit', () => {
  quitting = true
  engineProcess?.postMessage({ type: 'shutdown' })
})

function hardenSessions(): void {
  // Checklist item 5: no permission is ever granted to web content.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAllowedNavigation(url, origins)) event.preventDefault()
    })
    contents.on('will-redirect', (event, url) => {
      if (!isAllowedNavigation(url, origins)) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternalUrl(url)) void shell.openExternal(url)
      return { action: 'deny' }
    })
  })
}

function serveRenderer(): void {
  // The renderer is served over app://, never file:// (checklist item 18), with the CSP as a header.
  protocol.handle('app', async (request) => {
    const url = new URL(request.url)
    const file = url.host === 'leafbridge' ? resolveStatic(rendererDir, url.pathname) : null
    if (file === null) return new Response('Not found', { status: 404 })
    const response = await net.fetch(pathToFileURL(file).toString())
    const headers = new Headers(response.headers)
    headers.set('content-security-policy', CONTENT_SECURITY_POLICY)
    headers.set('x-content-type-options', 'nosniff')
    return new Response(response.body, { status: response.status, headers })
  })
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Leafbridge',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
    },
  })
  trustedWebContents.add(win.webContents.id)
  win.on('closed', () => trustedWebContents.delete(win.webContents.id))
  win.once('ready-to-show', () => win.show())
  void win.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`)
  return win
}

async function start(): Promise<void> {
  hardenSessions()
  serveRenderer()
  let nativeBinding: string
  try {
    nativeBinding = resolveNativeBinding({
      isPackaged: app.isPackaged,
      resourcesPath: process.resourcesPath,
      appPath: app.getAppPath(),
      electronVersion: process.versions.electron,
      platform: process.platform,
      arch: process.arch,
    })
  } catch (error) {
    dialog.showErrorBox('Leafbridge cannot start', error instanceof Error ? error.message : String(error))
    app.quit()
    return
  }
  engine = startEngine(nativeBinding)
  registerIpc(ipcMain, {
    isTrustedSender: (id) => trustedWebContents.has(id),
    isTrustedFrameUrl: (url) => isTrustedFrameUrl(url, origins),
    invoke: async (channel, request) => {
      const current = engine
      if (current === null) throw new Error('engine not started')
      await current.ready
      return current.invoke(channel, request)
    },
  })
  createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
