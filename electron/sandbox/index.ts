/**
 * The local Dataverse: `startSandbox(options)` starts an HTTPS server that speaks the Dataverse Web
 * API v9.2 with its own Entra-like token endpoint, service-protection limits, latency model and
 * fault injection, persisted in SQLite when given a state file. The loader, planner and verifier
 * talk to it only over HTTPS with MSAL Node tokens, exactly as to a real environment; the target
 * profile it returns is what `--target FILE` reads. See README.md beside this file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIdentity, type Identity } from './auth/identity'
import { TokenService, type DirectoryUser } from './auth/token-service'
import { DEFAULT_BULK_TABLES, DEFAULT_USERS, Environment, type SeedUser, type StateHash } from './environment'
import {
  NO_FAULTS,
  effectiveLimits,
  parseFaults,
  parseLatency,
  resolveLimits,
  type EffectiveLimits,
  type FaultsConfig,
  type LatencyConfig,
  type LimitsConfig,
} from './limits/config'
import { FaultInjector } from './limits/faults'
import { ServiceProtection } from './limits/service-protection'
import { listen, statistics, type ListeningServer, type ServerParts } from './https-server'
import { openSqlitePersistence, type LoadedState, type Persistence } from './store/persistence'

export type { SeedUser, StateHash } from './environment'
export type { EffectiveLimits, FaultsConfig, LatencyConfig, LimitsConfig } from './limits/config'
export { parseFaults, parseLatency, resolveLimits, effectiveLimits } from './limits/config'

/** How to start a sandbox (mirrors the `leafbridge sandbox` flags). */
export type SandboxOptions = Readonly<{
  /** 0 (the default) picks a free port. */
  port?: number
  /** SQLite state file; omitted or null keeps everything in memory. */
  stateFile?: string | null
  /** `realistic` (default), `off`, or overrides of the documented limits. */
  limits?: 'realistic' | 'off' | Partial<LimitsConfig>
  /** K: the limit window is 300/K seconds with budgets / K (same rates). Default 1. */
  timeScale?: number
  /** Held time per response: `{ baseMs, perRecordMs }` or `"BASE[,PER_RECORD]"`. Default 0. */
  latency?: LatencyConfig | string
  /** Fault rates, as an object or as the CLI's `5xx=0.02,reset=0.01,…`. Default none. */
  faults?: Partial<FaultsConfig> | string
  /** Seed of the fault stream (default 1). */
  seed?: number
  /** People to seed as systemusers (default DEFAULT_USERS; some disabled). */
  users?: ReadonlyArray<SeedUser>
  /** Application registrations, each its own systemuser and service-protection budget (default 4). */
  applicationUsers?: number
  /** Give the first app registration a certificate credential (default true). */
  certificateCredential?: boolean
  /** Tables registered for CreateMultiple/UpdateMultiple/UpsertMultiple (default DEFAULT_BULK_TABLES). */
  bulkTables?: ReadonlyArray<string>
  /** organization.maxuploadfilesize, bytes of Base64 (default 5,242,880). */
  maxUploadFileSize?: number
  /** Real ms from POST …/Keys to Active before time scaling (default 4,000). */
  keyActivationMs?: number
  /** Access token lifetime, seconds (default 3,600). */
  tokenLifetimeSeconds?: number
  /** Where to write the CA certificate (and certificate credential) files; default a temp dir. */
  filesDir?: string
  /** Approve every device code at once as the first enabled person (demos, tests). */
  autoApproveDeviceCodes?: boolean
  /** Called when a client asks for a device code. */
  onDeviceCode?: (userCode: string, verificationUri: string) => void
  /** Parse this CSDL instead of the committed derived schema. */
  csdlFile?: string
}>

/** An application registration in the profile. */
export type ProfileApplicationUser = Readonly<{
  clientId: string
  clientSecret: string
  systemUserId: string
}>

/** The target profile JSON (`--target FILE`). */
export type SandboxProfile = Readonly<{
  kind: 'leafbridge-sandbox'
  /** Environment URL; the Web API is `${url}/api/data/v9.2/`, the MSAL scope `${url}/.default`. */
  url: string
  authority: string
  tenantId: string
  clientId: string
  clientSecret: string
  caCertFile: string
  adminKey: string
  /**
   * The other application registrations (the profile's own `clientId` is the first), each its own
   * systemuser with its own service-protection budget.
   */
  applicationUsers: ReadonlyArray<ProfileApplicationUser>
  /** A public client for the device code flow. */
  publicClientId: string
  /** The first app registration's certificate credential, for MSAL `clientCertificate`. */
  certificateCredential: Readonly<{
    clientId: string
    thumbprintSha256: string
    privateKeyFile: string
    certificateFile: string
  }> | null
}>

/** A running sandbox. */
export type RunningSandbox = Readonly<{
  url: string
  authority: string
  tenantId: string
  clientId: string
  clientSecret: string
  caCertFile: string
  caCertPem: string
  adminKey: string
  profile: SandboxProfile
  /** Business-data and metadata hashes (as `GET /_sandbox/state-hash`). */
  stateHash: () => StateHash
  /** Statistics and effective configuration (as `GET /_sandbox/stats`). */
  stats: () => Record<string, unknown>
  /** Empties and re-seeds the environment (as `POST /_sandbox/reset`). */
  reset: () => void
  /** Approves a device code as a seeded person (as `POST /_sandbox/device-codes/approve`). */
  approveDeviceCode: (userCode: string, email?: string) => boolean
  /**
   * Changes the latency model from the next response on (a slower or faster network and server
   * mid-run; tests use it to hold a run long enough to cancel it, then let it finish).
   */
  setLatency: (latency: LatencyConfig | string) => void
  /** The environment, for in-process inspection by tests. */
  environment: Environment
  effectiveLimits: EffectiveLimits
  close: () => Promise<void>
}>

const IDENTITY_SETTING = 'identity.json'

/**
 * Records per second one user can sustain under the limits, for `recordsPerRequest` records per
 * request with the latency model, and `concurrency` requests in flight:
 * min(requests/s × n, execution-ms/s ÷ (base + per × n) × n, concurrency ÷ (base + per × n) s × n).
 */
export function modeledRecordsPerSecond(
  limits: EffectiveLimits,
  latency: LatencyConfig,
  recordsPerRequest: number,
  concurrency: number,
): number {
  const n = Math.max(1, recordsPerRequest)
  const costMs = latency.baseMs + latency.perRecordMs * n
  const byConcurrency =
    costMs > 0 ? (Math.min(concurrency, limits.maxConcurrent) * 1000 * n) / costMs : Infinity
  if (!limits.enabled) return byConcurrency
  const byRequests = limits.requestsPerSecond * n
  const byExecution = costMs > 0 ? (limits.executionMsPerSecond / costMs) * n : Infinity
  return Math.min(byRequests, byExecution, byConcurrency)
}

function loadIdentity(loaded: LoadedState | null): Identity | null {
  const saved = loaded?.kv.find(([k]) => k === IDENTITY_SETTING)?.[1]
  return saved === undefined ? null : (JSON.parse(saved) as Identity)
}

/** Starts a sandbox. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const persistence: Persistence | null =
    options.stateFile === undefined || options.stateFile === null
      ? null
      : openSqlitePersistence(options.stateFile)
  const loaded = persistence?.load() ?? null
  const identity =
    loadIdentity(loaded) ??
    (await createIdentity({
      applicationUsers: options.applicationUsers ?? 4,
      certificateCredential: options.certificateCredential ?? true,
    }))
  const timeScale = options.timeScale ?? 1
  const limits = effectiveLimits(resolveLimits(options.limits), timeScale)
  // One mutable model the server reads on every response, so setLatency() applies at once.
  const latency: { baseMs: number; perRecordMs: number } = {
    ...(typeof options.latency === 'string'
      ? parseLatency(options.latency)
      : (options.latency ?? { baseMs: 0, perRecordMs: 0 })),
  }
  const faults: FaultsConfig =
    typeof options.faults === 'string'
      ? parseFaults(options.faults)
      : { ...NO_FAULTS, ...(options.faults ?? {}) }
  const seed = options.seed ?? 1
  const keyActivationMs = (options.keyActivationMs ?? 4000) / timeScale
  const bulkTables = options.bulkTables ?? DEFAULT_BULK_TABLES
  const env = new Environment(
    identity,
    {
      users: options.users ?? DEFAULT_USERS,
      bulkTables,
      maxUploadFileSize: options.maxUploadFileSize ?? 5_242_880,
      keyActivationMs,
      ...(options.csdlFile === undefined ? {} : { csdlFile: options.csdlFile }),
    },
    persistence,
    loaded,
  )
  env.store.setSetting(IDENTITY_SETTING, JSON.stringify(identity))

  let origin = ''
  const people = (): DirectoryUser[] =>
    [...env.store.rows('systemuser').values()]
      .filter(
        (u) =>
          typeof u['internalemailaddress'] === 'string' &&
          u['internalemailaddress'] !== '' &&
          u['applicationid'] == null,
      )
      .map((u) => ({
        objectId: String(u['azureactivedirectoryobjectid'] ?? ''),
        email: String(u['internalemailaddress']),
        name: String(u['fullname'] ?? ''),
        enabled: u['isdisabled'] !== true,
      }))
  const tokens = new TokenService({
    identity,
    origin: () => origin,
    users: people,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    autoApproveDeviceCodes: options.autoApproveDeviceCodes ?? false,
    ...(options.onDeviceCode === undefined ? {} : { onDeviceCode: options.onDeviceCode }),
  })
  const limiter = new ServiceProtection(limits)
  const injector = new FaultInjector(faults, seed)
  const describe = () => ({
    configuration: {
      limits,
      latency,
      faults,
      seed,
      timeScale,
      keyActivationMs,
      bulkTables,
      applicationUsers: identity.apps.length,
      stateFile: options.stateFile ?? null,
    },
    modeledLimit: {
      formula:
        'per user: min(requestsPerSecond x n, executionMsPerSecond / (baseMs + perRecordMs x n) x n, min(concurrency, maxConcurrent) x 1000 / (baseMs + perRecordMs x n) x n) records/s for n records per request; users add up',
      requestsPerSecond: limits.requestsPerSecond,
      executionMsPerSecond: limits.executionMsPerSecond,
      maxConcurrent: limits.maxConcurrent,
      recordsPerSecondPerUserAt1000PerRequest: modeledRecordsPerSecond(
        limits,
        latency,
        1000,
        limits.maxConcurrent,
      ),
    },
  })

  let filesDir = options.filesDir
  let ownsFilesDir = false
  if (filesDir === undefined) {
    filesDir = mkdtempSync(join(tmpdir(), 'leafbridge-sandbox-'))
    ownsFilesDir = true
  } else mkdirSync(filesDir, { recursive: true })
  const caCertFile = join(filesDir, 'sandbox-ca.pem')
  writeFileSync(caCertFile, identity.tls.caCertPem)
  const firstApp = identity.apps[0]
  if (firstApp === undefined) throw new Error('The sandbox identity has no application registration.')
  let certificateCredential: SandboxProfile['certificateCredential'] = null
  if (firstApp.certificate !== null) {
    const privateKeyFile = join(filesDir, 'loader-1.key.pem')
    const certificateFile = join(filesDir, 'loader-1.cert.pem')
    writeFileSync(privateKeyFile, firstApp.certificate.privateKeyPem, { mode: 0o600 })
    writeFileSync(certificateFile, firstApp.certificate.certPem)
    certificateCredential = {
      clientId: firstApp.clientId,
      thumbprintSha256: firstApp.certificate.thumbprintSha256,
      privateKeyFile,
      certificateFile,
    }
  }

  const parts: ServerParts = {
    env,
    identity,
    tokens,
    limiter,
    faults: injector,
    latency,
    describe,
    onReset: () => {},
  }
  let listening: ListeningServer
  try {
    listening = await listen(parts, options.port ?? 0, (o) => {
      origin = o
    })
  } catch (error) {
    env.close()
    persistence?.close()
    if (ownsFilesDir) rmSync(filesDir, { recursive: true, force: true })
    throw error
  }

  const profile: SandboxProfile = {
    kind: 'leafbridge-sandbox',
    url: origin,
    authority: `${origin}/${identity.tenantId}`,
    tenantId: identity.tenantId,
    clientId: firstApp.clientId,
    clientSecret: firstApp.clientSecret,
    caCertFile,
    adminKey: identity.adminKey,
    applicationUsers: identity.apps.slice(1).map((a) => ({
      clientId: a.clientId,
      clientSecret: a.clientSecret,
      systemUserId: a.systemUserId,
    })),
    publicClientId: identity.publicClientId,
    certificateCredential,
  }
  let closed = false
  return {
    url: origin,
    authority: profile.authority,
    tenantId: identity.tenantId,
    clientId: firstApp.clientId,
    clientSecret: firstApp.clientSecret,
    caCertFile,
    caCertPem: identity.tls.caCertPem,
    adminKey: identity.adminKey,
    profile,
    stateHash: () => env.stateHash(),
    stats: () => statistics(parts, listening.counters),
    reset: () => {
      env.reset()
      limiter.clear()
      injector.restart()
      listening.resetCounters()
    },
    approveDeviceCode: (userCode, email) => tokens.approveDeviceCode(userCode, email).ok,
    setLatency: (next) => {
      Object.assign(latency, typeof next === 'string' ? parseLatency(next) : next)
    },
    environment: env,
    effectiveLimits: limits,
    close: async () => {
      if (closed) return
      closed = true
      await listening.close()
      env.close()
      persistence?.close()
      if (ownsFilesDir) rmSync(filesDir, { recursive: true, force: true })
    },
  }
}
