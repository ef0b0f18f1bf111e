/**
 * `npm run demo:regenerate`: rewrites the committed demo export (issue 3 item 6) from fixed options
 * (electron/engine/source/leaf360/generator/demo.ts): resources/demo-export/ (api folder, every
 * defect kind of its flavour) and resources/demo-export-ui.zip (ui flavour). The output is
 * byte-identical on every run; a test regenerates it and compares.
 */
import { readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateExport } from '../electron/engine/source/leaf360/generator'
import { DEMO_OPTIONS, DEMO_PATHS } from '../electron/engine/source/leaf360/generator/demo'

const repo = fileURLToPath(new URL('..', import.meta.url))
const api = join(repo, DEMO_PATHS.api)
const ui = join(repo, DEMO_PATHS.ui)
rmSync(api, { recursive: true, force: true })
rmSync(ui, { force: true })
const a = await generateExport({ ...DEMO_OPTIONS, out: api, flavour: 'api' })
const u = await generateExport({ ...DEMO_OPTIONS, out: ui, flavour: 'ui', zip: true })
const owners = readFileSync(join(api, 'data', 'owners.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
process.stdout.write(
  [
    `resources/demo-export/        ${a.bytes.toLocaleString('en-US')} bytes, defects ${Object.keys(a.defects).sort().join(' ')}`,
    `resources/demo-export-ui.zip  ${statSync(ui).size.toLocaleString('en-US')} bytes, defects ${Object.keys(u.defects).sort().join(' ')}`,
    'owners (owner_id,email,first_name,last_name,role,…,is_active):',
    ...owners.map((o) => `  ${o}`),
    '',
  ].join('\n'),
)
