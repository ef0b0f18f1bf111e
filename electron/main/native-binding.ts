/**
 * Where the Electron-ABI build of better-sqlite3 lives.
 *
 * node_modules keeps the build for plain Node (tests, CLI, server); `npm start` and `npm run package`
 * first run scripts/electron-native.mjs, which builds a copy for Electron's ABI into build/native/.
 * Packaged apps carry it as an extra resource. The engine host loads it through better-sqlite3's
 * `nativeBinding` option (LEAFBRIDGE_SQLITE_BINDING).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export type BindingLocation = Readonly<{
  isPackaged: boolean
  resourcesPath: string
  appPath: string
  electronVersion: string
  platform: string
  arch: string
}>

/** The folder name scripts/electron-native.mjs writes for one Electron version and platform. */
export const nativeFolderName = (electronVersion: string, platform: string, arch: string): string =>
  `electron-v${electronVersion}-${platform}-${arch}`

export function resolveNativeBinding(loc: BindingLocation): string {
  const file = loc.isPackaged
    ? join(loc.resourcesPath, 'native', 'better_sqlite3.node')
    : join(
        loc.appPath,
        'build',
        'native',
        nativeFolderName(loc.electronVersion, loc.platform, loc.arch),
        'better_sqlite3.node',
      )
  if (!existsSync(file)) {
    throw new Error(
      `The Electron build of better-sqlite3 is missing (${file}). Run \`npm start\` (it builds it with scripts/electron-native.mjs) or reinstall the app.`,
    )
  }
  return file
}
