/**
 * `leafbridge sandbox`: the local Dataverse for rehearsals, demos and tests (issue 4, "CLI
 * contract"). Prints its URL on stdout, writes the target profile JSON that every command talking
 * to Dynamics takes as `--target FILE`, and serves until Ctrl+C.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import {
  parseFaults,
  parseLatency,
  startSandbox,
  type LimitsConfig,
  type SandboxOptions,
  type SeedUser,
} from '../../sandbox/index'
import type { CliContext } from '../context'
import { EXIT_FAILED, EXIT_OK, printError, printValue } from '../output'
import type { CommandRunner } from '../program'
import { parsePort } from './serve'

type SandboxFlags = {
  port: number
  state?: string
  limits: string
  timeScale: number
  latency?: string
  faults?: string
  seed: number
  profileOut?: string
  users?: string
  applicationUsers: number
  approveDeviceCodes?: boolean
  json?: boolean
}

const positiveNumber =
  (name: string) =>
  (value: string): number => {
    const n = Number(value)
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} takes a positive number`)
    return n
  }

const wholeNumber =
  (name: string) =>
  (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} takes a whole number`)
    return n
  }

const checked =
  <T>(parse: (text: string) => T) =>
  (value: string): T => {
    try {
      return parse(value)
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message)
    }
  }

function readJsonFile(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown
  } catch (error) {
    throw new Error(`Could not read ${what} ${file}: ${(error as Error).message}`)
  }
}

function limitsOption(value: string): SandboxOptions['limits'] {
  if (value === 'realistic' || value === 'off') return value
  const parsed = readJsonFile(value, 'the limits file')
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(
      `The limits file ${value} must hold a JSON object such as {"maxRequests": 6000, "windowSeconds": 300}.`,
    )
  }
  return parsed as Partial<LimitsConfig>
}

function usersOption(file: string): ReadonlyArray<SeedUser> {
  const parsed = readJsonFile(file, 'the users file')
  const ok =
    Array.isArray(parsed) &&
    parsed.every(
      (u) =>
        u !== null &&
        typeof u === 'object' &&
        typeof (u as SeedUser).email === 'string' &&
        typeof (u as SeedUser).firstName === 'string' &&
        typeof (u as SeedUser).lastName === 'string',
    )
  if (!ok)
    throw new Error(
      `The users file ${file} must hold an array of {"email","firstName","lastName","disabled"}.`,
    )
  return parsed as SeedUser[]
}

/** Registers `leafbridge sandbox`. */
export function registerSandboxCommand(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('sandbox')
    .description(
      'run a local Dataverse (Web API v9.2, token endpoint, limits, faults) on 127.0.0.1 over HTTPS',
    )
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 0)
    .option('--state <file>', 'SQLite file that keeps the environment between runs (default: in memory)')
    .option(
      '--limits <mode>',
      'service-protection limits: realistic, off, or a JSON file of overrides',
      'realistic',
    )
    .option(
      '--time-scale <k>',
      'shorten the limit window K times, same rates',
      positiveNumber('--time-scale'),
      1,
    )
    .option('--latency <ms>', 'hold each response BASE_MS[,PER_RECORD_MS]', checked(parseLatency))
    .option(
      '--faults <spec>',
      'fault rates, e.g. 5xx=0.02,reset=0.01,timeout=0.005,slow=0.05',
      checked(parseFaults),
    )
    .option('--seed <n>', 'seed of the fault stream', wholeNumber('--seed'), 1)
    .option('--profile-out <file>', 'write the target profile JSON here')
    .option('--users <file>', 'seed these systemusers: JSON array of {email, firstName, lastName, disabled}')
    .option(
      '--application-users <n>',
      'number of application registrations (own budgets)',
      wholeNumber('--application-users'),
      4,
    )
    .option('--approve-device-codes', 'approve device-code sign-ins at once as the first enabled user')
    .option('--json', 'print one JSON document (url, profile file, profile) on stdout')
    .action(
      run(async (rawFlags: Record<string, unknown>) => {
        const flags = rawFlags as unknown as SandboxFlags & { latency?: unknown; faults?: unknown }
        let options: SandboxOptions
        try {
          const profileOut = flags.profileOut === undefined ? undefined : resolve(flags.profileOut)
          options = {
            port: flags.port,
            stateFile: flags.state === undefined ? null : resolve(flags.state),
            limits: limitsOption(flags.limits),
            timeScale: flags.timeScale,
            seed: flags.seed,
            applicationUsers: flags.applicationUsers === 0 ? 1 : flags.applicationUsers,
            autoApproveDeviceCodes: flags.approveDeviceCodes === true,
            filesDir:
              profileOut === undefined
                ? mkdtempSync(join(tmpdir(), 'leafbridge-sandbox-'))
                : dirname(profileOut),
            onDeviceCode: (userCode, uri) => {
              ctx.io.stderr(
                `Device code ${userCode} requested: approve it at ${uri}, or POST ${uri.replace(/\/devicelogin$/, '')}/_sandbox/device-codes/approve with {"userCode":"${userCode}"} and the x-sandbox-admin-key header.\n`,
              )
            },
            ...(flags.latency === undefined ? {} : { latency: flags.latency as SandboxOptions['latency'] }),
            ...(flags.faults === undefined ? {} : { faults: flags.faults as SandboxOptions['faults'] }),
            ...(flags.users === undefined ? {} : { users: usersOption(flags.users) }),
          }
        } catch (error) {
          printError(ctx.io, flags, {
            code: 'sandbox-bad-option',
            kind: 'fatal',
            message: (error as Error).message,
          })
          return EXIT_FAILED
        }
        let sandbox
        try {
          sandbox = await startSandbox(options)
        } catch (error) {
          printError(ctx.io, flags, {
            code: 'sandbox-start-failed',
            kind: 'fatal',
            message: `The sandbox could not start: ${(error as Error).message}. Check that the port is free and the state file is writable.`,
          })
          return EXIT_FAILED
        }
        const profileFile =
          flags.profileOut === undefined
            ? join(options.filesDir ?? tmpdir(), 'target.json')
            : resolve(flags.profileOut)
        writeFileSync(profileFile, JSON.stringify(sandbox.profile, null, 2) + '\n', { mode: 0o600 })
        printValue(
          ctx.io,
          flags,
          { url: sandbox.url, profileFile, profile: sandbox.profile },
          (v) => `Leafbridge sandbox is serving at ${v.url}`,
        )
        const limits = sandbox.effectiveLimits
        ctx.io.stderr(
          [
            `Target profile: ${profileFile}`,
            `Web API: ${sandbox.url}/api/data/v9.2/   token authority: ${sandbox.authority}`,
            `Limits: ${limits.enabled ? `${limits.maxRequests} requests and ${limits.maxExecutionMs} ms per ${limits.windowMs / 1000} s, ${limits.maxConcurrent} concurrent, per user` : 'off'}`,
            `Admin: GET ${sandbox.url}/_sandbox/state-hash | /_sandbox/stats, POST /_sandbox/reset (header x-sandbox-admin-key from the profile)`,
            'Press Ctrl+C to stop.',
            '',
          ].join('\n'),
        )
        await new Promise<void>((done) => {
          const stop = () => done()
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
        })
        await sandbox.close()
        return EXIT_OK
      }),
    )
}
