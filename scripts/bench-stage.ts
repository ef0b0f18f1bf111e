/**
 * `npm run bench:stage`: stages a large generated export (≥ 1M rows in all) and, on the same
 * files, a plain csv-parse → better-sqlite3 insert as the baseline; prints rows/s and peak RSS of
 * each, and as its last line one JSON object:
 * `{"rows":N,"rowsPerSec":N,"peakRssMb":N,"baselineRowsPerSec":N,"ratio":N}`.
 *
 * Targets (issue 3 item 9): ratio ≥ 0.85 while doing full validation; peak RSS ≤ 256 MB.
 * Each side runs in its own child process, so each peak RSS (process.resourceUsage().maxRSS) is
 * its own. Staging runs as the app ships it: the engine bundled into plain JavaScript (esbuild, which
 * tsx brings), its worker entry beside it, in a Node process without the TypeScript loader (tsx
 * costs some 35 MB of RSS in each thread that loads it); --tsx runs it from the sources instead.
 * Options: --worker auto|always|never (reading in a worker thread), --heap MB (the staging
 * process's V8 heap; 0 for Node's default). The export is written by the project's generator (profile `large`, scaled to about
 * --rows N rows, default 1,000,000); --builtin uses the simple writer below instead; --keep DIR
 * reuses or keeps the export there; --cpu-prof DIR writes a CPU profile of each staging thread there.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { parse } from 'csv-parse'
import {
  DATA_FILES,
  ENUMS,
  STANDARD_PIPELINES,
  standardColumnsOf,
  type ColumnSpec,
} from '../electron/engine/source/leaf360/spec'

const self = fileURLToPath(import.meta.url)
const args = process.argv.slice(2)
const option = (name: string) => {
  const i = args.indexOf(name)
  return i === -1 ? undefined : args[i + 1]
}

// ---- the built-in writer: an api export with every standard column, about 1M rows -------------

/** A small deterministic PRNG (mulberry32), so every run writes the same export. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Counts = Readonly<Record<string, number>>

function plan(rows: number): Counts {
  const contacts = Math.round(rows * 0.1)
  return {
    owners: 40,
    teams: 5,
    contacts,
    companies: Math.round(contacts / 10),
    deals: Math.round(contacts * 0.35),
    calls: Math.round(rows * 0.15),
    emails: Math.round(rows * 0.3),
    notes: Math.round(rows * 0.1),
    tasks: Math.round(rows * 0.1),
    sms: Math.round(rows * 0.07),
  }
}

const SPARSE = new Set([
  'merged_into_id',
  'referred_by_contact_id',
  'referral_partner_contact_id',
  'referral_source',
  'parent_company_id',
  'parent_team_id',
  'deactivated_at',
  'lost_reason',
  'lost_date',
])

const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)

async function writeBuiltInExport(root: string, rows: number): Promise<void> {
  const counts = plan(rows)
  const random = rng(42)
  const pick = <T>(xs: ReadonlyArray<T>) => xs[Math.floor(random() * xs.length)]!
  const base = Date.UTC(2021, 0, 1)
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')
  const id = (object: string, i: number) => {
    const prefix = { owners: 1, teams: 2, contacts: 51, companies: 61, deals: 71 }[object] ?? 81
    return `${prefix}${String(i).padStart(9, '0')}`
  }
  const stages = STANDARD_PIPELINES[0]!.stages.filter((s) => !s.archived)
  const files: Array<{ path: string; object: string; rows: number }> = []
  mkdirSync(join(root, 'schema'), { recursive: true })
  mkdirSync(join(root, 'data', 'engagements'), { recursive: true })

  const value = (c: ColumnSpec, object: string, i: number, created: number): string => {
    if (c.name === 'created_at') return iso(created)
    if (c.name === 'updated_at') return iso(created + 86_400_000 * (1 + Math.floor(random() * 30)))
    if (c.name === 'archived') return random() < 0.02 ? 'true' : 'false'
    // Columns a portal rarely fills: merge targets, referral links, hierarchy, deactivation.
    if (SPARSE.has(c.name))
      return random() < 0.02 ? value({ ...c, name: `${c.name}_` }, object, i, created) : ''
    if (c.nullable && random() < 0.35) return ''
    switch (c.type) {
      case 'id':
        if (c.ref === 'contacts') return id('contacts', Math.floor(random() * counts.contacts!))
        if (c.ref === 'companies') return id('companies', Math.floor(random() * counts.companies!))
        if (c.ref === 'teams') return id('teams', Math.floor(random() * counts.teams!))
        if (c.ref === 'deals') return id('deals', Math.floor(random() * counts.deals!))
        if (c.ref === 'attachments') return ''
        return String(100000 + Math.floor(random() * 900000))
      case 'owner':
        return id('owners', Math.floor(random() * counts.owners!))
      case 'key':
        if (c.name === 'pipeline_id') return 'default'
        return pick(stages).stageId
      case 'email':
        return c.multi ? `a${i}@example.org;b${i}@example.org` : `user${object}${i}@example.org`
      case 'phone':
        return random() < 0.35
          ? `(763)555-${String(1000 + (i % 9000))}`
          : `+1763555${String(1000 + (i % 9000))}`
      case 'state':
        return pick(['MN', 'WI', 'IA', 'ND', 'SD'])
      case 'zip':
        return String(55000 + (i % 900))
      case 'int':
        return String(Math.floor(random() * 800))
      case 'decimal':
        return (random() * 1000).toFixed(2)
      case 'money':
        return (50_000 + Math.floor(random() * 900_000)).toFixed(2)
      case 'pct':
        return (3 + random() * 5).toFixed(3)
      case 'prob':
        return random().toFixed(2)
      case 'bool':
        return random() < 0.5 ? 'true' : 'false'
      case 'date':
        return iso(created).slice(0, 10)
      case 'datetime':
        return iso(created + Math.floor(random() * 86_400_000 * 10))
      case 'enum': {
        const options = ENUMS[c.enum!]
        return c.multi ? `${pick(options).value};${pick(options).value}` : pick(options).value
      }
      case 'string':
        if (c.body)
          return random() < 0.4
            ? `<p>Spoke with borrower ${i} about the rate.</p><p>Follow up<br>Friday</p>`
            : `Called ${i}; left a message.`
        if (c.name === 'first_name') return pick(['Jane', 'John', 'Maria', 'Wei', 'Amit', 'Olga', 'Sam'])
        if (c.name === 'last_name') return pick(['Doe', 'Smith', 'Garcia', 'Chen', 'Patel', 'Novak', 'Lee'])
        return `${c.name.replace(/_/g, ' ')} ${i % 1000}`
    }
  }

  const writeFile = async (object: string, path: string, n: number) => {
    const spec = DATA_FILES.find((f) => f.object === object)!
    const columns = standardColumnsOf(spec, 'api')
    const out = createWriteStream(join(root, path))
    const write = (s: string) =>
      out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', r))
    await write(columns.map((c) => c.name).join(',') + '\n')
    let buffer = ''
    for (let i = 0; i < n; i++) {
      const created = base + Math.floor(random() * 1_400 * 86_400_000)
      const own =
        object === 'owners' ||
        object === 'teams' ||
        object === 'contacts' ||
        object === 'companies' ||
        object === 'deals'
      const line = columns
        .map((c) =>
          c.name === spec.idColumn
            ? own
              ? id(object, i)
              : `9${String(files.length)}${String(i).padStart(9, '0')}`
            : csvField(value(c, object, i, created)),
        )
        .join(',')
      buffer += line + '\n'
      if (buffer.length > 1 << 16) {
        await write(buffer)
        buffer = ''
      }
    }
    await write(buffer)
    await new Promise<void>((r) => out.end(r))
    files.push({ path, object, rows: n })
  }

  for (const object of ['owners', 'teams', 'contacts', 'companies', 'deals']) {
    await writeFile(object, `data/${object}.csv`, counts[object]!)
  }
  for (const object of ['calls', 'emails', 'notes', 'tasks', 'sms']) {
    await writeFile(object, `data/engagements/${object}.csv`, counts[object]!)
  }
  const json = (path: string, content: unknown, object: string, n: number) => {
    const text = JSON.stringify(content)
    writeFileSync(join(root, path), text)
    files.push({ path, object, rows: n })
  }
  json(
    'schema/pipelines.json',
    {
      pipelines: STANDARD_PIPELINES.map((p) => ({
        pipeline_id: p.pipelineId,
        label: p.label,
        object_type: 'deals',
        display_order: p.displayOrder,
        is_default: p.isDefault,
        active: p.active,
        archived: p.archived,
        created_at: '2020-01-01T00:00:00Z',
        updated_at: '2020-01-01T00:00:00Z',
        stages: p.stages.map((s) => ({
          stage_id: s.stageId,
          label: s.label,
          display_order: s.displayOrder,
          probability: s.probability,
          is_closed: s.isClosed,
          outcome: s.outcome,
          milestone_group: s.milestoneGroup,
          sla_hours: null,
          archived: s.archived,
        })),
      })),
    },
    'pipelines',
    STANDARD_PIPELINES.length,
  )
  for (const o of ['contacts', 'companies', 'deals']) {
    json(
      `schema/property_definitions_${o}.json`,
      { object_type: o, properties: [] },
      `property_definitions_${o}`,
      0,
    )
  }
  const entries = []
  for (const f of files) {
    const bytes = readFileSync(join(root, f.path))
    entries.push({
      path: f.path,
      object: f.object,
      format: f.path.endsWith('.json') ? 'json' : 'csv',
      encoding: f.path.endsWith('.json') ? null : 'utf-8',
      rows: f.rows,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      part: null,
    })
  }
  const manifest = {
    format_version: '1.0',
    export_id: '0b7e2f10-2a4b-4c1d-8e9f-0a1b2c3d4e5f',
    portal_id: '4400123',
    source_system: 'Leaf360',
    flavour: 'api',
    export_kind: 'full',
    since: null,
    previous_export_id: null,
    exported_at: '2025-06-30T12:00:00Z',
    exported_by: 'bench@lender.example',
    timezone: 'America/Chicago',
    currency: 'USD',
    delimiter: ',',
    multi_value_separator: ';',
    datetime_format: 'iso8601_utc',
    date_format: 'YYYY-MM-DD',
    association_row_cap: 1000,
    max_rows_per_file: 1000000,
    includes_binaries: false,
    partial: false,
    object_counts: Object.fromEntries(entries.map((e) => [e.object, e.rows])),
    files: entries,
  }
  writeFileSync(join(root, 'manifest.json'), JSON.stringify(manifest, null, 2))
}

// ---- the staging build ------------------------------------------------------------------------

/**
 * Bundles the staging engine and its worker entry into `dir` (ESM, packages left to node_modules,
 * so `dir` must lie under the project) with a runner script; returns the runner's path.
 */
async function buildStaging(dir: string): Promise<string> {
  const { build } = await import('esbuild')
  const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..')
  const engine = (path: string) => JSON.stringify(join(repo, 'electron/engine', path))
  const entry = join(dir, 'bench-staging.ts')
  writeFileSync(
    entry,
    `export { Workspace } from ${engine('workspace/workspace')}\n` +
      `export { stageExport } from ${engine('source/leaf360/staging/stage-export')}\n`,
  )
  await build({
    entryPoints: {
      'bench-staging': entry,
      // producer-pool.ts starts ./stage-worker.js beside itself when it runs built.
      'stage-worker': join(repo, 'electron/engine/source/leaf360/staging/stage-worker.ts'),
    },
    outdir: dir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  })
  const runner = join(dir, 'run-staging.mjs')
  writeFileSync(runner, STAGING_RUNNER.join('\n'))
  return runner
}

/** The built side's runner: stages argv[2] into a new workspace argv[3], worker policy argv[4]. */
const STAGING_RUNNER = [
  "import { Workspace, stageExport } from './bench-staging.js'",
  'const [root, workspacePath, worker] = process.argv.slice(2)',
  "const workspace = Workspace.create(workspacePath, { appVersion: 'bench' })",
  'const started = performance.now()',
  'const report = await stageExport(workspace, root, { worker })',
  'const seconds = (performance.now() - started) / 1000',
  'workspace.close()',
  'const t = report.totals',
  'process.stderr.write(',
  '  `staging: ${t.read} rows read, ${t.staged} staged, ${t.quarantined} quarantined, ${t.skipped} skipped; worker ${report.readInWorker}\\n`,',
  ')',
  'const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024)',
  "process.stdout.write(JSON.stringify({ rows: t.read, seconds, peakRssMb }) + '\\n')",
  '',
]

// ---- the two measured sides -------------------------------------------------------------------

type Measured = { rows: number; seconds: number; peakRssMb: number }

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024)

/** Plain csv-parse into better-sqlite3: one table per file, one TEXT column per header cell. */
async function runBaseline(root: string, dbPath: string): Promise<Measured> {
  const db = new Database(dbPath)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as {
    files: Array<{ path: string; format: string }>
  }
  const started = performance.now()
  let rows = 0
  let fileIndex = 0
  for (const f of manifest.files) {
    if (f.format !== 'csv') continue
    const table = `t${fileIndex++}`
    let insert: Database.Statement | null = null
    let width = 0
    let inBatch = 0
    db.exec('BEGIN')
    for await (const record of createReadStream(join(root, f.path)).pipe(
      parse({ relax_column_count: true, relax_quotes: true, skip_records_with_error: true }),
    ) as AsyncIterable<string[]>) {
      if (insert === null) {
        width = record.length
        db.exec(`CREATE TABLE ${table} (${record.map((_, i) => `c${i} TEXT`).join(', ')})`)
        insert = db.prepare(`INSERT INTO ${table} VALUES (${record.map(() => '?').join(', ')})`)
        continue
      }
      // Rows with a wrong field count (D22) are fitted to the header: the baseline does no checking.
      insert.run(
        ...(record.length === width ? record : [...record, ...Array<string>(width).fill('')].slice(0, width)),
      )
      rows++
      if (++inBatch >= 20_000) {
        db.exec('COMMIT')
        db.exec('BEGIN')
        inBatch = 0
      }
    }
    db.exec('COMMIT')
  }
  const seconds = (performance.now() - started) / 1000
  db.close()
  return { rows, seconds, peakRssMb: peakRssMb() }
}

/** Leafbridge's staging, full validation included, into a new workspace. */
async function runStaging(root: string, workspacePath: string): Promise<Measured> {
  const { Workspace } = await import('../electron/engine/workspace/workspace')
  const { stageExport } = await import('../electron/engine/source/leaf360/staging/stage-export')
  const workspace = Workspace.create(workspacePath, { appVersion: 'bench' })
  const started = performance.now()
  const worker = (args[args.indexOf('--child-staging') + 3] ?? 'auto') as 'auto' | 'always' | 'never'
  const report = await stageExport(workspace, root, { worker })
  const seconds = (performance.now() - started) / 1000
  workspace.close()
  process.stderr.write(
    `staging: ${report.totals.read} rows read, ${report.totals.staged} staged, ${report.totals.quarantined} quarantined, ${report.totals.skipped} skipped; worker ${report.readInWorker}\n`,
  )
  return { rows: report.totals.read, seconds, peakRssMb: peakRssMb() }
}

/**
 * Runs one side in its own process. Staging runs with the V8 heap the engine host is meant to get
 * (--heap MB, default 128): V8 otherwise lets garbage pile up to far more than the live data,
 * which is small (see the report for the uncapped figure).
 */
function child(mode: 'baseline' | 'staging', root: string, dbPath: string, runner: string | null): Measured {
  const heap = option('--heap') ?? '128'
  const v8 = mode === 'staging' && heap !== '0' ? [`--max-old-space-size=${heap}`] : []
  // --cpu-prof DIR: a V8 CPU profile of each thread of the staging side, written into DIR.
  const profileDir = option('--cpu-prof')
  if (mode === 'staging' && profileDir !== undefined) v8.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`)
  const worker = option('--worker') ?? 'auto'
  const script =
    mode === 'staging' && runner !== null
      ? [runner, root, dbPath, worker]
      : [...process.execArgv, self, `--child-${mode}`, root, dbPath, worker]
  const result = spawnSync(process.execPath, [...v8, ...script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  if (result.status !== 0) throw new Error(`${mode} run failed (exit ${result.status})`)
  const last = result.stdout.trim().split('\n').pop() ?? '{}'
  return JSON.parse(last) as Measured
}

async function main(): Promise<void> {
  const childMode = args.find((a) => a.startsWith('--child-'))
  if (childMode !== undefined) {
    const [root, dbPath] = args.slice(args.indexOf(childMode) + 1)
    const measured =
      childMode === '--child-baseline' ? await runBaseline(root!, dbPath!) : await runStaging(root!, dbPath!)
    process.stdout.write(JSON.stringify(measured) + '\n')
    return
  }
  const rows = Number(option('--rows') ?? 1_000_000)
  const keep = option('--keep')
  const work = mkdtempSync(join(tmpdir(), 'leafbridge-bench-'))
  const build = join(fileURLToPath(new URL('..', import.meta.url)), 'node_modules', '.cache', basename(work))
  const root = keep ?? join(work, 'export')
  try {
    if (!existsSync(join(root, 'manifest.json'))) {
      process.stderr.write(
        `Generating an export of about ${rows.toLocaleString('en-US')} rows in ${root} …\n`,
      )
      if (args.includes('--builtin')) {
        await writeBuiltInExport(root, rows)
      } else {
        const { generateExport } = await import('../electron/engine/source/leaf360/generator')
        // The large profile writes about 90 rows per contact (engagements and their links dominate).
        await generateExport({
          out: root,
          profile: 'large',
          contacts: Math.ceil(rows / 88),
          seed: 42,
          flavour: 'api',
          canonical: false,
        })
      }
    }
    const size = statSync(join(root, 'manifest.json')).size
    process.stderr.write(`Export ready (${size} byte manifest). Baseline: csv-parse → better-sqlite3 …\n`)
    const baseline = child('baseline', root, join(work, 'baseline.db'), null)
    process.stderr.write(
      `baseline: ${baseline.rows} rows in ${baseline.seconds.toFixed(1)} s = ${Math.round(baseline.rows / baseline.seconds)} rows/s, peak RSS ${baseline.peakRssMb} MB\n`,
    )
    process.stderr.write('Leafbridge staging (full validation) …\n')
    let runner: string | null = null
    if (!args.includes('--tsx')) {
      // Under node_modules, so that the bundle's package imports resolve from there.
      mkdirSync(build, { recursive: true })
      runner = await buildStaging(build)
    }
    const staging = child('staging', root, join(work, 'bench.leafbridge'), runner)
    const rowsPerSec = Math.round(staging.rows / staging.seconds)
    const baselineRowsPerSec = Math.round(baseline.rows / baseline.seconds)
    process.stderr.write(
      `staging: ${staging.rows} rows in ${staging.seconds.toFixed(1)} s = ${rowsPerSec} rows/s, peak RSS ${staging.peakRssMb} MB\n`,
    )
    const result = {
      rows: staging.rows,
      rowsPerSec,
      peakRssMb: staging.peakRssMb,
      baselineRowsPerSec,
      ratio: Math.round((rowsPerSec / baselineRowsPerSec) * 100) / 100,
    }
    process.stdout.write(JSON.stringify(result) + '\n')
  } finally {
    rmSync(work, { recursive: true, force: true })
    rmSync(build, { recursive: true, force: true })
  }
}

await main()
