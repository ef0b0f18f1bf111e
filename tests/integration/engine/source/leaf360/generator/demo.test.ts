import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { generateExport } from '../../../../../../electron/engine/source/leaf360/generator'
import {
  DEMO_OPTIONS,
  DEMO_OWNER_SEEDING,
  DEMO_PATHS,
} from '../../../../../../electron/engine/source/leaf360/generator/demo'
import { useTempDirs } from '../../../../../support/temp-dir'
import { csvObjects, readDefects, sha256 } from './export-files'

const repo = fileURLToPath(new URL('../../../../../../', import.meta.url))

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort()
}

describe('the committed demo export', () => {
  const tempDir = useTempDirs('leafbridge-demo-')

  it('is exactly what npm run demo:regenerate writes (api folder and ui zip)', async () => {
    const dir = tempDir()
    await generateExport({ ...DEMO_OPTIONS, out: join(dir, 'api'), flavour: 'api' })
    await generateExport({ ...DEMO_OPTIONS, out: join(dir, 'ui.zip'), flavour: 'ui', zip: true })
    const committed = join(repo, DEMO_PATHS.api)
    expect(files(join(dir, 'api'))).toEqual(files(committed))
    for (const f of files(committed)) expect(sha256(join(dir, 'api', f)), f).toBe(sha256(join(committed, f)))
    expect(sha256(join(dir, 'ui.zip'))).toBe(sha256(join(repo, DEMO_PATHS.ui)))
  })

  it('holds every api defect kind, a deactivated owner and the owners resources/README.md lists', () => {
    const root = join(repo, DEMO_PATHS.api)
    const kinds = new Set(readDefects(root).map((l) => l.defect_id))
    for (let i = 1; i <= 43; i++) {
      const id = `D${String(i).padStart(2, '0')}`
      if (!['D32', 'D34', 'D41'].includes(id)) expect(kinds, id).toContain(id)
    }
    const owners = csvObjects(join(root, 'data', 'owners.csv'))
    const local = (o: Record<string, string>) => (o['email'] ?? '').split('@')[0]
    const readme = readFileSync(join(repo, 'resources', 'README.md'), 'utf8')
    for (const o of owners) expect(readme, o['email']).toContain(`| ${o['owner_id']} | ${o['email']} |`)
    for (const name of [
      ...DEMO_OWNER_SEEDING.enabled,
      ...DEMO_OWNER_SEEDING.disabled,
      ...DEMO_OWNER_SEEDING.unknown,
    ]) {
      expect(owners.map(local)).toContain(name)
    }
    expect(owners.find((o) => local(o) === DEMO_OWNER_SEEDING.disabled[0])?.['is_active']).toBe('false')
    const contacts = csvObjects(join(root, '_truth', 'canonical', 'data', 'contacts.csv'))
    expect(contacts.length).toBeGreaterThanOrEqual(250)
    expect(contacts.length).toBeLessThanOrEqual(400)
  })
})
