/**
 * `npm run bench:load`: the loader against the sandbox with realistic service-protection limits,
 * time-scaled (the window shrinks to 300/K s with its budgets, rates unchanged) so that the
 * one-user run takes about a minute, on a staged export of more than 50,000 records.
 *
 * It loads the same export four times into fresh sandboxes, each run in its own child process (so
 * each peak RSS is the loader's own; the sandbox, standing in for Dataverse, stays in this
 * process): with 1, 2 and 4 application users, and with a naive loader (one POST per record, one
 * at a time, on a sample). It prints records/s, the modeled limit of the sandbox's configuration
 * (electron/sandbox's `modeledRecordsPerSecond`: the request, execution-time and concurrency
 * limits with the latency model, per user, at 1,000 records per request), their ratio, and as its
 * last line one JSON object:
 * `{"records":N,"recordsPerSec":N,"modeledLimitPerSec":N,"ratioToLimit":N,"naivePerSec":N,"speedupVsNaive":N,"users":{"1":N,"2":N,"4":N},"peakRssMb":N}`.
 *
 * Each run starts from its own copy of the staged workspace, as a first migration does: a journal
 * and id map left by an earlier run, against another sandbox, would send every chunk to read the
 * target before writing.
 * Every write the run applied counts (records, BPF instances); parent links are updates and do not.
 * Each measured run starts one service-protection window after the setup (audit, schema, owners,
 * made as the first application user), so its budgets are fresh, as the modeled limit assumes.
 * Targets (issue 6 item 8): ratio ≥ 0.9 with one user, ≥ 0.85 × N with N users, ≥ 40× the naive
 * loader, peak RSS ≤ 512 MB. Options: --scale N (pattern repeats, default 3,000 ≈ 51k records),
 * --time-scale K (default 20), --latency BASE,PER (default 50,4.5), --naive N (default 300),
 * --configs naive,1,2,4 (which runs).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { systemClock } from '../electron/engine/clock'
import { buildRecord, toWebApiBody } from '../electron/engine/plan/mapping/build-record'
import { confirmStoredMapping, confirmedMappingDocument } from '../electron/engine/plan/mapping-store'
import { applyPlan, mappingFor, runTargetAudit, setOwnerDecisions } from '../electron/engine/plan/planner'
import { prepareOwnerResolution } from '../electron/engine/plan/owners'
import { runBuildContext } from '../electron/engine/run/build-context'
import { ownerResolverOf } from '../electron/engine/run/owners'
import { runMigration } from '../electron/engine/run/run-migration'
import { loadSourceView } from '../electron/engine/run/source-view'
import { readCapabilities } from '../electron/engine/run/target-capabilities'
import { stageExport } from '../electron/engine/source/leaf360/staging/stage-export'
import { connectTarget } from '../electron/engine/target/dataverse/connect'
import { loadTargetProfile } from '../electron/engine/target/dataverse/profile'
import { Workspace } from '../electron/engine/workspace/workspace'
import {
  modeledRecordsPerSecond,
  parseLatency,
  startSandbox,
  type RunningSandbox,
} from '../electron/sandbox/index'
import { FIXTURE_USERS } from '../tests/support/run/migration-fixture'
import { writeMortgageExport } from '../tests/support/run/mortgage-export'

const self = fileURLToPath(import.meta.url)
const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name)
  return i === -1 ? fallback : (args[i + 1] ?? fallback)
}
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024)

/**
 * The phases measured: the records (accounts with their parent links, contacts, leads,
 * opportunities with their BPF instances, activities and notes). Attachments (file bytes), the
 * connections and the closing actions are left out: the model counts records per request.
 */
const PHASES = ['accounts', 'contacts', 'leads', 'opportunities', 'activities'] as const

type ChildResult = Readonly<{ records: number; elapsedMs: number; peakRssMb: number; failed: number }>

// ---------------------------------------------------------------- child: one measured load

async function childRun(
  mode: 'run' | 'naive',
  workspacePath: string,
  profileFile: string,
  users: number,
  naive: number,
) {
  const workspace = Workspace.open(workspacePath, { appVersion: 'bench' })
  const profile = loadTargetProfile(profileFile)
  const connection = connectTarget(profile, { users })
  try {
    if (mode === 'run') {
      let last = 0
      const gc = (globalThis as { gc?: () => void }).gc
      const memory = process.env['LEAFBRIDGE_BENCH_MEMORY']
        ? setInterval(() => {
            gc?.()
            const m = process.memoryUsage()
            process.stderr.write(
              `  memory: rss ${Math.round(m.rss / 1048576)} MB, live heap ${Math.round(m.heapUsed / 1048576)} MB\n`,
            )
          }, 5000)
        : null
      const summary = await runMigration({
        workspace,
        connection,
        clock: systemClock,
        phases: [...PHASES],
        newRun: true,
        onProgress: (p) => {
          if (performance.now() - last < 10_000) return
          last = performance.now()
          process.stderr.write(`  ${p.phase} ${p.done}/${p.total}\n`)
        },
      })
      if (memory !== null) clearInterval(memory)
      const records = summary.records.loaded
      process.stderr.write(
        `  phases: ${summary.phases.map((p) => `${p.phase} ${p.seconds.toFixed(1)} s`).join(', ')}; users: ${JSON.stringify(summary.users)}\n`,
      )
      const result: ChildResult = {
        records,
        elapsedMs: summary.elapsedMs,
        peakRssMb: peakRssMb(),
        failed: summary.records.failed,
      }
      process.stdout.write(`${JSON.stringify(result)}\n`)
      return
    }
    // The naive loader: the same payloads, one POST per record, one at a time.
    const mapping = confirmedMappingDocument(workspace).document
    const view = loadSourceView(workspace, mapping)
    const capabilities = await readCapabilities(connection.primary, mapping.prefix, ['account', 'contact'])
    const owners = ownerResolverOf(
      await prepareOwnerResolution({ workspace, client: connection.primary, clock: systemClock }),
      view.owners,
    )
    const build = runBuildContext(mapping, view, capabilities, owners)
    const accounts = mapping.objects.find((o) => o.id === 'accounts')!
    const started = performance.now()
    let records = 0
    let failed = 0
    for (const source of view.records(accounts)) {
      if (records >= naive) break
      const record = buildRecord(accounts, source, build)
      const body = toWebApiBody(record, mapping.prefix, 'create')
      delete body['parentaccountid@odata.bind']
      const res = await connection.primary.send({ method: 'POST', path: 'accounts', body })
      if (res.verdict.kind === 'ok') records++
      else failed++
    }
    const result: ChildResult = {
      records,
      elapsedMs: performance.now() - started,
      peakRssMb: peakRssMb(),
      failed,
    }
    process.stdout.write(`${JSON.stringify(result)}\n`)
  } finally {
    await connection.close()
    workspace.close()
  }
}

function runChild(
  mode: 'run' | 'naive',
  workspacePath: string,
  profileFile: string,
  users: number,
  naive: number,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      // The loader's heap is capped well above its live set (≈ 100 MB here), so V8 collects
      // rather than letting garbage pile up in the resident size.
      [
        ...process.execArgv,
        '--max-old-space-size=256',
        ...(process.env['LEAFBRIDGE_BENCH_CPU_PROFILE']
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env['LEAFBRIDGE_BENCH_CPU_PROFILE']}`]
          : []),
        self,
        '--child',
        mode,
        workspacePath,
        profileFile,
        String(users),
        String(naive),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? ''
      if (code !== 0 || line === '') reject(new Error(`the ${mode} child exited ${code}: ${out.slice(-500)}`))
      else resolve(JSON.parse(line) as ChildResult)
    })
  })
}

// ---------------------------------------------------------------- parent

/** A fresh sandbox with the schema applied (limits off), restarted on the same state with the measured limits. */
async function preparedTarget(
  dir: string,
  workspace: Workspace,
  limited: Readonly<{ timeScale: number; latency: string }>,
): Promise<{ sandbox: RunningSandbox; profileFile: string }> {
  const stateFile = join(dir, 'sandbox.sqlite')
  const options = { stateFile, filesDir: dir, users: FIXTURE_USERS, keyActivationMs: 20, applicationUsers: 4 }
  const setup = await startSandbox({ ...options, limits: 'off' })
  const setupProfile = join(dir, 'setup.json')
  writeFileSync(setupProfile, JSON.stringify(setup.profile))
  const profile = loadTargetProfile(setupProfile)
  const connection = connectTarget(profile, { users: 1 })
  try {
    await runTargetAudit(workspace, connection.primary, profile.url, systemClock)
    const current = mappingFor(workspace, systemClock)
    if (current.status !== 'confirmed')
      confirmStoredMapping(workspace, current.version, new Date().toISOString())
    await applyPlan(workspace, connection.primary, profile.url, systemClock)
    setOwnerDecisions(workspace, systemClock, { fallbackEmail: FIXTURE_USERS[2].email })
  } finally {
    await connection.close()
    await setup.close()
  }
  const sandbox = await startSandbox({
    ...options,
    limits: 'realistic',
    timeScale: limited.timeScale,
    latency: limited.latency,
  })
  const profileFile = join(dir, 'target.json')
  writeFileSync(profileFile, JSON.stringify(sandbox.profile))
  // The workspace's target is the measured sandbox now (its audit and owner decisions go with it).
  const measured = loadTargetProfile(profileFile)
  const c = connectTarget(measured, { users: 1 })
  try {
    await runTargetAudit(workspace, c.primary, measured.url, systemClock)
    setOwnerDecisions(workspace, systemClock, { fallbackEmail: FIXTURE_USERS[2].email })
  } finally {
    await c.close()
  }
  return { sandbox, profileFile }
}

async function main(): Promise<void> {
  const scale = Number(option('--scale', '3000'))
  const timeScale = Number(option('--time-scale', '20'))
  const latencyText = option('--latency', '50,4.5')
  const naive = Number(option('--naive', '300'))
  const root = mkdtempSync(join(tmpdir(), 'leafbridge-bench-load-'))
  try {
    process.stderr.write(`Writing and staging the export (scale ${scale})…\n`)
    const exportRoot = writeMortgageExport(join(root, 'export'), { scale, largeFiles: false })
    const stagedPath = join(root, 'staged.leafbridge')
    const staged = Workspace.create(stagedPath, { appVersion: 'bench' })
    try {
      await stageExport(staged, exportRoot, {})
    } finally {
      staged.close()
    }

    const rows: Array<{ label: string; users: number; result: ChildResult; modeled: number }> = []
    let modeledPerUser = 0
    const wanted = option('--configs', 'naive,1,2,4').split(',')
    for (const config of [
      { key: 'naive', label: 'naive loader', users: 1, mode: 'naive' as const },
      { key: '1', label: 'loader, 1 user', users: 1, mode: 'run' as const },
      { key: '2', label: 'loader, 2 users', users: 2, mode: 'run' as const },
      { key: '4', label: 'loader, 4 users', users: 4, mode: 'run' as const },
    ].filter((c) => wanted.includes(c.key))) {
      const dir = mkdtempSync(join(root, 'target-'))
      const workspacePath = join(dir, 'bench.leafbridge')
      const source = Workspace.open(stagedPath, { appVersion: 'bench' })
      try {
        await source.backup(workspacePath)
      } finally {
        source.close()
      }
      const workspace = Workspace.open(workspacePath, { appVersion: 'bench' })
      const { sandbox, profileFile } = await preparedTarget(dir, workspace, {
        timeScale,
        latency: latencyText,
      })
      modeledPerUser = modeledRecordsPerSecond(
        sandbox.effectiveLimits,
        parseLatency(latencyText),
        1000,
        sandbox.effectiveLimits.maxConcurrent,
      )
      workspace.close()
      // The setup (audit, schema, owners) ran as the first application user moments ago: let its
      // charges age out, so each measured run starts with the fresh budgets the modeled limit assumes.
      await new Promise((resolve) => setTimeout(resolve, sandbox.effectiveLimits.windowMs))
      process.stderr.write(`Measuring the ${config.label}…\n`)
      let previous = 0
      const timeline = process.env['LEAFBRIDGE_BENCH_TIMELINE']
        ? setInterval(() => {
            const stats = sandbox.stats() as unknown as { users: Array<{ executionMs: number }> }
            const total = stats.users.reduce((n, u) => n + u.executionMs, 0)
            const rate =
              (total - previous) / 2 / (sandbox.effectiveLimits.executionMsPerSecond * config.users)
            previous = total
            process.stderr.write(`  budget use over the last 2 s: ${(rate * 100).toFixed(0)}%\n`)
          }, 2000)
        : null
      try {
        const result = await runChild(config.mode, workspacePath, profileFile, config.users, naive)
        if (timeline !== null) clearInterval(timeline)
        rows.push({
          label: config.label,
          users: config.users,
          result,
          modeled: modeledPerUser * config.users,
        })
        const stats = sandbox.stats() as unknown as {
          users: Array<{ requests: number; executionMs: number; throttled: Record<string, number> }>
        }
        const busy = stats.users.filter((u) => u.requests > 0)
        const executionMs = busy.reduce((n, u) => n + u.executionMs, 0)
        const throttled = busy.reduce((n, u) => n + Object.values(u.throttled).reduce((a, b) => a + b, 0), 0)
        const share =
          executionMs /
          (sandbox.effectiveLimits.executionMsPerSecond * config.users * (result.elapsedMs / 1000))
        process.stderr.write(
          `  sandbox: ${busy.reduce((n, u) => n + u.requests, 0)} requests, ${throttled} throttled, ${Math.round(executionMs).toLocaleString('en-US')} ms of execution charged = ${(share * 100).toFixed(0)}% of the users' budget over the run\n`,
        )
      } finally {
        await sandbox.close()
        rmSync(dir, { recursive: true, force: true })
      }
    }

    const rate = (r: ChildResult) => (r.records / r.elapsedMs) * 1000
    // With --configs a subset, the headline figures come from the runs made (the 1-user run, else
    // the first loader run); the naive figures stay 0 when it did not run.
    const loaderRows = rows.filter((r) => r.label !== 'naive loader')
    const naiveRow = rows.find((r) => r.label === 'naive loader')
    const one = loaderRows.find((r) => r.users === 1) ?? loaderRows[0] ?? rows[0]!
    const naiveRate = naiveRow === undefined ? 0 : rate(naiveRow.result)
    const speedup = naiveRate > 0 ? rate(one.result) / naiveRate : 0
    const perUsers = Object.fromEntries(loaderRows.map((r) => [String(r.users), Math.round(rate(r.result))]))
    const limits = `window ${(300 / timeScale).toFixed(1)} s, ${Math.ceil(6000 / timeScale)} requests and ${Math.round(1_200_000 / timeScale).toLocaleString('en-US')} ms of execution per window and user, 52 concurrent; latency ${latencyText} ms (base, per record)`
    const lines = [
      '',
      `Load benchmark: ${one.result.records.toLocaleString('en-US')} records (${PHASES.join(', ')}), sandbox with realistic limits time-scaled ×${timeScale} (${limits}).`,
      '',
      `  ${'run'.padEnd(18)} ${'records'.padStart(8)} ${'seconds'.padStart(8)} ${'records/s'.padStart(10)} ${'modeled/s'.padStart(10)} ${'ratio'.padStart(6)} ${'peak RSS'.padStart(9)}`,
      ...rows.map((r) => {
        const modeled = r.label === 'naive loader' ? '' : Math.round(r.modeled).toLocaleString('en-US')
        const ratio = r.label === 'naive loader' ? '' : (rate(r.result) / r.modeled).toFixed(3)
        return `  ${r.label.padEnd(18)} ${r.result.records.toLocaleString('en-US').padStart(8)} ${(r.result.elapsedMs / 1000).toFixed(1).padStart(8)} ${Math.round(rate(r.result)).toLocaleString('en-US').padStart(10)} ${modeled.padStart(10)} ${ratio.padStart(6)} ${`${r.result.peakRssMb} MB`.padStart(9)}`
      }),
      '',
      `Modeled limit per user: ${Math.round(modeledPerUser).toLocaleString('en-US')} records/s (min of requests/s × n, execution-ms/s ÷ (base + per × n) × n, concurrency ÷ (base + per × n) × n at n = 1,000); users add up.`,
      naiveRow === undefined
        ? 'The naive loader did not run (--configs).'
        : `Speed-up over the naive loader (one POST per record, one at a time, ${naiveRow.result.records} records): ${speedup.toFixed(1)}×.`,
      `Failed records: ${rows.reduce((n, r) => n + r.result.failed, 0)}.`,
      '',
    ]
    process.stderr.write(lines.join('\n'))
    const json = {
      records: one.result.records,
      recordsPerSec: Math.round(rate(one.result)),
      modeledLimitPerSec: Math.round(modeledPerUser),
      ratioToLimit: Number((rate(one.result) / (modeledPerUser * one.users)).toFixed(3)),
      naivePerSec: Number(naiveRate.toFixed(1)),
      speedupVsNaive: Number(speedup.toFixed(1)),
      users: perUsers,
      peakRssMb: Math.max(...rows.map((r) => r.result.peakRssMb)),
    }
    process.stdout.write(`${JSON.stringify(json)}\n`)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

const childAt = args.indexOf('--child')
if (childAt !== -1) {
  const [mode, workspacePath, profileFile, users, naive] = args.slice(childAt + 1)
  await childRun(mode as 'run' | 'naive', workspacePath!, profileFile!, Number(users), Number(naive))
} else {
  await main()
}
