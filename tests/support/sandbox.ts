/**
 * The sandbox for tests: a real HTTPS sandbox on port 0 with a temporary SQLite state file and
 * limits off by default, a target profile file written beside it, and a small client that signs in
 * with MSAL Node (configured as electron/sandbox/README.md documents) and sends Web API requests
 * over undici with the sandbox's CA trusted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkRequestOptions,
} from '@azure/msal-node'
import { Agent, fetch } from 'undici'
import { afterAll, beforeAll } from 'vitest'
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../electron/sandbox/index'

/** A response as tests look at it. */
export type SandboxResponse = Readonly<{
  status: number
  headers: Readonly<Record<string, string>>
  text: string
  json: <T = Record<string, unknown>>() => T
}>

/** Options of one request. */
export type RequestOptions = Readonly<{
  body?: unknown
  /** Send the body as is (for `$batch`). */
  rawBody?: string
  headers?: Readonly<Record<string, string>>
  /** Which application registration signs the request (0 = the profile's own). */
  app?: number
  /** Override the bearer token (or '' for none). */
  token?: string
}>

/** An MSAL network client that trusts the sandbox CA (MSAL's documented `system.networkClient` option). */
export function sandboxNetworkClient(caCertPem: string): INetworkModule {
  const dispatcher = new Agent({ connect: { ca: caCertPem } })
  const send = async <T>(url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions) => {
    const response = await fetch(url, {
      method,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      dispatcher,
    })
    const headers: Record<string, string> = {}
    response.headers.forEach((value, key) => {
      headers[key] = value
    })
    return { headers, body: (await response.json()) as T, status: response.status }
  }
  return {
    sendGetRequestAsync: (url, options) => send(url, 'GET', options),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  }
}

/** A confidential client for one of the sandbox's app registrations, configured as the README says. */
export function msalClient(sandbox: RunningSandbox, app = 0): ConfidentialClientApplication {
  const registration =
    app === 0
      ? { clientId: sandbox.clientId, clientSecret: sandbox.clientSecret }
      : sandbox.profile.applicationUsers[app - 1]
  if (registration === undefined) throw new Error(`The sandbox has no application user ${app}.`)
  return new ConfidentialClientApplication({
    auth: {
      clientId: registration.clientId,
      clientSecret: registration.clientSecret,
      authority: sandbox.authority,
      knownAuthorities: [new URL(sandbox.authority).host],
    },
    system: { networkClient: sandboxNetworkClient(sandbox.caCertPem) },
  })
}

/** A running test sandbox with its profile file and a client. */
export type TestSandbox = Readonly<{
  sandbox: RunningSandbox
  dir: string
  profileFile: string
  stateFile: string
  /** `https://…/api/data/v9.2/` */
  api: string
  token: (app?: number) => Promise<string>
  request: (method: string, path: string, options?: RequestOptions) => Promise<SandboxResponse>
  admin: (method: string, path: string, body?: unknown) => Promise<SandboxResponse>
  close: () => Promise<void>
}>

/** Starts a sandbox for a test: port 0, temp state file, limits off unless asked. */
export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'leafbridge-sandbox-test-'))
  const stateFile = join(dir, 'sandbox.sqlite')
  const sandbox = await startSandbox({
    port: 0,
    stateFile,
    limits: 'off',
    keyActivationMs: 100,
    filesDir: dir,
    ...options,
  })
  const profileFile = join(dir, 'target.json')
  writeFileSync(profileFile, JSON.stringify(sandbox.profile, null, 2))
  const dispatcher = new Agent({ connect: { ca: sandbox.caCertPem } })
  const tokens = new Map<number, string>()
  const token = async (app = 0) => {
    const cached = tokens.get(app)
    if (cached !== undefined) return cached
    const result = await msalClient(sandbox, app).acquireTokenByClientCredential({
      scopes: [`${sandbox.url}/.default`],
    })
    if (result === null) throw new Error('MSAL returned no token')
    tokens.set(app, result.accessToken)
    return result.accessToken
  }
  const api = `${sandbox.url}/api/data/v9.2/`
  const toResponse = async (response: Awaited<ReturnType<typeof fetch>>): Promise<SandboxResponse> => {
    const headers: Record<string, string> = {}
    response.headers.forEach((value, key) => {
      headers[key] = value
    })
    const text = await response.text()
    return { status: response.status, headers, text, json: <T>() => JSON.parse(text) as T }
  }
  const request = async (method: string, path: string, opts: RequestOptions = {}) => {
    const bearer = opts.token ?? (await token(opts.app ?? 0))
    const headers: Record<string, string> = {
      accept: 'application/json',
      'odata-maxversion': '4.0',
      'odata-version': '4.0',
      ...(bearer === '' ? {} : { authorization: `Bearer ${bearer}` }),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.headers ?? {}),
    }
    const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body))
    const url = path.startsWith('https://') ? path : `${api}${path}`
    return toResponse(
      await fetch(url, { method, headers, ...(body === undefined ? {} : { body }), dispatcher }),
    )
  }
  const admin = async (method: string, path: string, body?: unknown) =>
    toResponse(
      await fetch(`${sandbox.url}${path}`, {
        method,
        headers: { 'x-sandbox-admin-key': sandbox.adminKey, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        dispatcher,
      }),
    )
  return {
    sandbox,
    dir,
    profileFile,
    stateFile,
    api,
    token,
    request,
    admin,
    close: async () => {
      await sandbox.close()
      await dispatcher.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Starts one sandbox for a test file (beforeAll) and closes it after (afterAll). */
export function useSandbox(options: SandboxOptions = {}): () => TestSandbox {
  let current: TestSandbox | null = null
  beforeAll(async () => {
    current = await startTestSandbox(options)
  })
  afterAll(async () => {
    await current?.close()
  })
  return () => {
    if (current === null) throw new Error('The sandbox is not started yet (use it inside a test).')
    return current
  }
}
