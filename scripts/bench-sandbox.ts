/**
 * `npm run bench:sandbox`: how many records per second the sandbox itself sustains for
 * CreateMultiple with limits off, so load benchmarks measure the client, not the sandbox (issue 4,
 * "Speed": at least 5,000 records/s on a 2-core machine).
 *
 * The sandbox runs as `leafbridge sandbox` in its own process (as in real use); this process is the
 * client: MSAL tokens, undici over HTTPS, four application users, two requests in flight each,
 * 1,000 contacts per request. It measures once with a SQLite state file and once in memory. The
 * last stdout line is one JSON object; `recordsPerSec` is the state-file figure (the slower one).
 * `recordsPerSandboxCpuSecond` divides by the sandbox's own CPU time, which other load on a
 * shared machine does not change; the load average is printed beside it.
 *
 * Options: BENCH_RECORDS (default 60000), BENCH_BATCH (1000), BENCH_CONCURRENCY (per user, 2).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfidentialClientApplication, type INetworkModule } from '@azure/msal-node'
import { Agent, fetch } from 'undici'

const CLI = fileURLToPath(new URL('../bin/leafbridge.js', import.meta.url))
const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 60000)
const BATCH = Number(process.env['BENCH_BATCH'] ?? 1000)
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 2)

type Profile = Readonly<{
  url: string
  authority: string
  clientId: string
  clientSecret: string
  caCertFile: string
  adminKey: string
  applicationUsers: ReadonlyArray<{ clientId: string; clientSecret: string }>
}>

type Run = Readonly<{
  records: number
  seconds: number
  recordsPerSec: number
  requests: number
  sandboxRssMb: number | null
  /** CPU seconds the sandbox process used during the measurement (user + system). */
  sandboxCpuSeconds: number | null
  /** Records per CPU second of the sandbox: independent of other load on the machine. */
  recordsPerSandboxCpuSecond: number | null
}>

/** user + system CPU seconds of a process, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields =
      readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
        .split(') ')[1]
        ?.split(' ') ?? []
    // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), in clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return null
  }
}

function networkClient(ca: string): INetworkModule {
  const dispatcher = new Agent({ connect: { ca } })
  const send = async <T>(
    url: string,
    method: string,
    options?: { headers?: Record<string, string>; body?: string },
  ) => {
    const res = await fetch(url, {
      method,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      dispatcher,
    })
    const headers: Record<string, string> = {}
    res.headers.forEach((v, k) => {
      headers[k] = v
    })
    return { headers, body: (await res.json()) as T, status: res.status }
  }
  return {
    sendGetRequestAsync: (url, o) => send(url, 'GET', o),
    sendPostRequestAsync: (url, o) => send(url, 'POST', o),
  }
}

async function startCli(args: string[]): Promise<{ child: ChildProcess; profile: Profile }> {
  const child = spawn(
    process.execPath,
    [CLI, 'sandbox', '--port', '0', '--limits', 'off', '--json', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const printed = await new Promise<{ profileFile: string }>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      try {
        resolve(JSON.parse(out) as { profileFile: string })
      } catch {
        // not complete yet
      }
    })
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${String(code)}: ${stderr}`)))
  })
  return { child, profile: JSON.parse(readFileSync(printed.profileFile, 'utf8')) as Profile }
}

function contact(i: number): Record<string, unknown> {
  return {
    '@odata.type': 'Microsoft.Dynamics.CRM.contact',
    firstname: `First${i}`,
    lastname: `Borrower ${i}`,
    emailaddress1: `borrower${i}@example.com`,
    telephone1: `555-01${String(i % 100).padStart(2, '0')}`,
    address1_line1: `${i} Main Street`,
    address1_city: 'Springfield',
    address1_postalcode: String(10000 + (i % 89999)),
    jobtitle: 'Homeowner',
    description: 'Migrated from Leaf360 by the sandbox benchmark.',
    overriddencreatedon: '2021-06-01T12:00:00Z',
  }
}

async function measure(args: string[], label: string): Promise<Run> {
  const { child, profile } = await startCli(args)
  try {
    const ca = readFileSync(profile.caCertFile, 'utf8')
    const dispatcher = new Agent({ connect: { ca }, connections: 16 })
    const apps = [
      { clientId: profile.clientId, clientSecret: profile.clientSecret },
      ...profile.applicationUsers,
    ]
    const tokens = await Promise.all(
      apps.map(async (app) => {
        const cca = new ConfidentialClientApplication({
          auth: {
            clientId: app.clientId,
            clientSecret: app.clientSecret,
            authority: profile.authority,
            knownAuthorities: [new URL(profile.authority).host],
          },
          system: { networkClient: networkClient(ca) },
        })
        const result = await cca.acquireTokenByClientCredential({ scopes: [`${profile.url}/.default`] })
        if (result === null) throw new Error('no token')
        return result.accessToken
      }),
    )
    const url = `${profile.url}/api/data/v9.2/contacts/Microsoft.Dynamics.CRM.CreateMultiple`
    let next = 0
    let requests = 0
    const bodies = new Map<number, string>()
    const bodyFor = (start: number) => {
      const cached = bodies.get(start)
      if (cached !== undefined) return cached
      const text = JSON.stringify({ Targets: Array.from({ length: BATCH }, (_, k) => contact(start + k)) })
      bodies.set(start, text)
      return text
    }
    // Bodies are built before the clock starts, so the figure is the sandbox's, not JSON.stringify's.
    for (let start = 0; start < RECORDS; start += BATCH) bodyFor(start)
    const worker = async (token: string) => {
      for (;;) {
        const start = next
        if (start >= RECORDS) return
        next += BATCH
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: bodyFor(start),
          dispatcher,
        })
        const text = await res.text()
        if (res.status !== 200)
          throw new Error(`CreateMultiple answered ${res.status}: ${text.slice(0, 300)}`)
        requests++
      }
    }
    // Warm-up: one request per user, outside the measurement.
    const warm = RECORDS
    for (const token of tokens) {
      const body = JSON.stringify({ Targets: Array.from({ length: 100 }, (_, k) => contact(warm + k)) })
      await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
        dispatcher,
      }).then((r) => r.text())
    }
    const cpuBefore = cpuSeconds(child.pid)
    const started = performance.now()
    await Promise.all(tokens.flatMap((token) => Array.from({ length: CONCURRENCY }, () => worker(token))))
    const seconds = (performance.now() - started) / 1000
    const cpuAfter = cpuSeconds(child.pid)
    const cpu = cpuBefore === null || cpuAfter === null ? null : Number((cpuAfter - cpuBefore).toFixed(2))
    let rss: number | null = null
    try {
      const status = readFileSync(`/proc/${String(child.pid)}/status`, 'utf8')
      const match = /VmRSS:\s+(\d+) kB/.exec(status)
      rss = match === null ? null : Math.round(Number(match[1]) / 1024)
    } catch {
      rss = null
    }
    await dispatcher.close()
    const run: Run = {
      records: RECORDS,
      seconds: Number(seconds.toFixed(3)),
      recordsPerSec: Math.round(RECORDS / seconds),
      requests,
      sandboxRssMb: rss,
      sandboxCpuSeconds: cpu,
      recordsPerSandboxCpuSecond: cpu === null || cpu === 0 ? null : Math.round(RECORDS / cpu),
    }
    process.stderr.write(
      `${label}: ${run.records} records in ${run.seconds} s = ${run.recordsPerSec} records/s (sandbox CPU ${String(cpu)} s, load average ${loadavg()[0]?.toFixed(1) ?? '?'})\n`,
    )
    return run
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
}

const dir = mkdtempSync(join(tmpdir(), 'leafbridge-bench-sandbox-'))
try {
  const sqlite = await measure(
    ['--state', join(dir, 'bench.sqlite'), '--profile-out', join(dir, 'sqlite', 'target.json')],
    'CreateMultiple, SQLite state file',
  )
  const memory = await measure(
    ['--profile-out', join(dir, 'memory', 'target.json')],
    'CreateMultiple, in memory',
  )
  const result = {
    benchmark: 'sandbox-create-multiple',
    recordsPerSec: sqlite.recordsPerSec,
    target: 5000,
    meetsTarget: sqlite.recordsPerSec >= 5000,
    recordsPerRequest: BATCH,
    applicationUsers: 4,
    concurrencyPerUser: CONCURRENCY,
    stateFile: sqlite,
    inMemory: memory,
    cpus: cpus().length,
    loadAverage: loadavg()[0],
    node: process.version,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
