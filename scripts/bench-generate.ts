/**
 * `npm run bench:generate -- [--profile tiny|small|medium|large] [--flavour api|ui] [--contacts N]`:
 * generates one export into a temporary folder and prints wall time, CPU time, peak RSS, rows and
 * bytes; its last line is one JSON object with the figures. The export is deleted afterwards unless
 * `--keep DIR` names where to write it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateExport, type ProfileName } from '../electron/engine/source/leaf360/generator'

const args = process.argv.slice(2)
const option = (name: string) => {
  const i = args.indexOf(name)
  return i === -1 ? undefined : args[i + 1]
}
const profile = (option('--profile') ?? 'large') as ProfileName
const flavour = (option('--flavour') ?? 'api') as 'api' | 'ui'
const contacts = option('--contacts') === undefined ? undefined : Number(option('--contacts'))
const keep = option('--keep')
const dir = keep ?? mkdtempSync(join(tmpdir(), 'leafbridge-bench-generate-'))
const out = join(dir, 'export')
const cpu0 = process.cpuUsage()
const result = await generateExport({
  out,
  profile,
  flavour,
  contacts,
  seed: 42,
  onProgress: (f, m) => process.stderr.write(`${Math.round(f * 100)}% ${m}\n`),
})
const cpu = process.cpuUsage(cpu0)
const rows = Object.values(result.objectCounts).reduce((a, b) => a + b, 0)
const engagements = ['calls', 'emails', 'meetings', 'notes', 'tasks', 'sms', 'activities'].reduce(
  (n, o) => n + (result.objectCounts[o] ?? 0),
  0,
)
const figures = {
  profile,
  flavour,
  rows,
  engagements,
  attachments: result.objectCounts['attachments'] ?? 0,
  binaries: result.binaries.files,
  bytes: result.bytes,
  seconds: Math.round(result.elapsedMs / 100) / 10,
  cpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
  rowsPerSec: Math.round(rows / (result.elapsedMs / 1000)),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  defectLines: Object.values(result.defects).reduce((a, b) => a + b, 0),
}
if (keep === undefined) rmSync(dir, { recursive: true, force: true })
process.stdout.write(
  `generated ${rows.toLocaleString('en-US')} rows (${engagements.toLocaleString('en-US')} engagements, ${figures.attachments.toLocaleString('en-US')} attachments) ` +
    `in ${figures.seconds} s (CPU ${figures.cpuSeconds} s), ${figures.rowsPerSec.toLocaleString('en-US')} rows/s, peak RSS ${figures.peakRssMb} MB, ${result.bytes.toLocaleString('en-US')} bytes\n` +
    JSON.stringify(figures) +
    '\n',
)
