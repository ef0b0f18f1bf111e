import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createSecretStore, type SafeStorageLike } from '../../../electron/main/secret-store'
import { useTempDirs } from '../../support/temp-dir'

/** Electron's safeStorage cannot run here; this stand-in reverses bytes so the file never holds the plain text. */
const reversing: SafeStorageLike = {
  isEncryptionAvailable: () => true,
  encryptString: (s) => Buffer.from(s, 'utf8').reverse(),
  decryptString: (b) => Buffer.from(b).reverse().toString('utf8'),
}

describe('desktop secret store', () => {
  const tempDir = useTempDirs()

  it('keeps only encrypted secrets on disk and reads them back by key', async () => {
    const dir = tempDir()
    const store = createSecretStore(reversing, dir)!
    await store.store('leafbridge/ws/app@https://org', 'sup3r-s3cret')
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain('sup3r-s3cret')
    expect(await store.load('leafbridge/ws/app@https://org')).toBe('sup3r-s3cret')
    expect(await store.load('other')).toBeNull()
  })

  it('offers no store where the OS has no protected storage, so secrets stay in memory', () => {
    expect(createSecretStore({ ...reversing, isEncryptionAvailable: () => false }, tempDir())).toBeNull()
  })
})
