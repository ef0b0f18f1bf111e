/**
 * Client secrets on the desktop: encrypted with Electron's safeStorage (the OS keychain, DPAPI or
 * libsecret) and kept in a file in the app's user-data folder, never in the workspace.
 *
 * Takes safeStorage as a structural interface so it is tested under plain Node.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export type SafeStorageLike = Readonly<{
  isEncryptionAvailable: () => boolean
  encryptString: (plain: string) => Buffer
  decryptString: (encrypted: Buffer) => string
}>

export type SecretStore = Readonly<{
  store: (key: string, secret: string) => Promise<void>
  load: (key: string) => Promise<string | null>
}>

/** The store, or null when the OS offers no protected storage (then secrets stay in memory). */
export function createSecretStore(safeStorage: SafeStorageLike, userDataDir: string): SecretStore | null {
  if (!safeStorage.isEncryptionAvailable()) return null
  const file = join(userDataDir, 'secrets.json')
  const read = (): Record<string, string> =>
    existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {}
  return {
    store: async (key, secret) => {
      const all = read()
      all[key] = safeStorage.encryptString(secret).toString('base64')
      const temp = `${file}.tmp`
      writeFileSync(temp, JSON.stringify(all), { mode: 0o600 })
      renameSync(temp, file)
    },
    load: async (key) => {
      const encrypted = read()[key]
      return encrypted === undefined ? null : safeStorage.decryptString(Buffer.from(encrypted, 'base64'))
    },
  }
}
