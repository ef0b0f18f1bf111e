/**
 * Says whether an Electron binary is present, without triggering the electron package's
 * download-on-first-use (which cannot reach its server on our build machines).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export type ElectronBinary = Readonly<{ path: string }> | Readonly<{ missing: string }>

export function findElectronBinary(): ElectronBinary {
  const require = createRequire(import.meta.url)
  const dir = dirname(require.resolve('electron/package.json'))
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH']
  const pathFile = join(dir, 'path.txt')
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null
  const candidate = override
    ? join(override, relative ?? 'electron')
    : relative
      ? join(dir, 'dist', relative)
      : null
  if (candidate && existsSync(candidate)) return { path: candidate }
  return {
    missing:
      'No Electron binary on this machine (node_modules/electron has not downloaded one, and it cannot be downloaded here). ' +
      'These tests run where `npx electron --version` works, or with ELECTRON_OVERRIDE_DIST_PATH set.',
  }
}
