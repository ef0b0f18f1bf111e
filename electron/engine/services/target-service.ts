/**
 * Handlers for the target domain: the connection settings, the write-only secret, a profile file,
 * and the connection test (a job: sign in, WhoAmI, RetrieveVersion).
 */
import type { TargetCheck } from '../../shared/dto/target'
import type { TargetChannels } from '../../shared/ipc/domains/target'
import type { EngineContext } from '../context'
import { AppError } from '../errors'
import { connectTarget } from '../target/dataverse/connect'
import { loadTargetProfile } from '../target/dataverse/profile'
import {
  lastTargetCheck,
  readTargetConnection,
  recordTargetCheck,
  writeTargetConnection,
} from '../workspace/target-repository'
import type { HandlersFor } from './handlers'

const defaultAuthority = (tenantId: string) => `https://login.microsoftonline.com/${tenantId}`

export function targetHandlers(ctx: EngineContext): HandlersFor<TargetChannels> {
  const now = () => new Date(ctx.clock.now()).toISOString()
  const view = async () => {
    const ws = ctx.workspaces.require()
    const v = await ctx.target.view(ws)
    if (v === null)
      throw new AppError({ code: 'no-target', kind: 'bug', message: 'The target connection was not saved.' })
    return v
  }
  return {
    'target:get-connection': async () => ctx.target.view(ctx.workspaces.require()),
    'target:set-connection': async (req) => {
      const ws = ctx.workspaces.require()
      writeTargetConnection(ws, {
        url: req.url,
        authority: req.authority ?? defaultAuthority(req.tenantId),
        tenantId: req.tenantId,
        clientId: req.clientId,
        authMode: req.authMode,
        caCertFile: req.caCertFile ?? null,
        profileFile: null,
        updatedAt: now(),
      })
      ws.logActivity('target-set', `Target environment set to ${req.url} (application ${req.clientId}).`)
      return view()
    },
    'target:set-secret': async ({ clientSecret }) => {
      const ws = ctx.workspaces.require()
      const row = readTargetConnection(ws)
      if (row === null) {
        throw new AppError({
          code: 'no-target',
          kind: 'fatal',
          message: 'Save the environment address and application first, then its secret.',
        })
      }
      if (row.profileFile !== null) {
        throw new AppError({
          code: 'target-from-profile',
          kind: 'fatal',
          message: `This connection comes from the profile file ${row.profileFile}, which holds its own secret. Enter the settings by hand to use another secret.`,
        })
      }
      await ctx.target.storeSecret(ws, clientSecret)
      ws.logActivity(
        'target-secret',
        `Client secret for application ${row.clientId} ${ctx.target.storage === 'memory' ? 'kept for this session' : 'stored with the operating system’s protection'}.`,
      )
      return view()
    },
    'target:use-profile-file': async ({ path }) => {
      const ws = ctx.workspaces.require()
      const profile = loadTargetProfile(path)
      writeTargetConnection(ws, {
        url: profile.url,
        authority: profile.authority,
        tenantId: profile.tenantId,
        clientId: profile.clientId,
        authMode: profile.authMode,
        caCertFile: profile.caCertFile ?? null,
        profileFile: path,
        updatedAt: now(),
      })
      ws.logActivity('target-set', `Target environment set from profile ${path} (${profile.url}).`)
      return view()
    },
    'target:test-connection': async () => {
      const ws = ctx.workspaces.require()
      const profile = await ctx.target.profile(ws)
      return ctx.jobs.start('target-check', `Test the connection to ${profile.url}`, async (job) => {
        const started = ctx.clock.monotonic()
        const connection = connectTarget(profile, {
          logger: ctx.logger,
          users: 1,
          onDeviceCode: (m) => job.log('info', m.text),
        })
        const base = { at: now(), url: profile.url }
        try {
          job.log('info', `Signing in to ${profile.authority} as application ${profile.clientId}.`)
          const who = await connection.primary.whoAmI()
          job.log('info', `Signed in: user ${who.UserId}.`)
          const version = await connection.primary.json<{ Version?: string }>(
            { method: 'GET', path: 'RetrieveVersion' },
            'RetrieveVersion',
          )
          const check: TargetCheck = {
            ...base,
            ok: true,
            userId: who.UserId,
            organizationId: who.OrganizationId,
            businessUnitId: who.BusinessUnitId,
            version: version.Version ?? null,
            dopHint: connection.primary.dopHint,
            elapsedMs: Math.round(ctx.clock.monotonic() - started),
            error: null,
          }
          recordTargetCheck(ws, check)
          job.log(
            'info',
            `Dataverse ${check.version ?? '(version unknown)'}; recommended parallelism ${check.dopHint ?? 'not sent'}.`,
          )
          return check
        } catch (error) {
          const check: TargetCheck = {
            ...base,
            ok: false,
            userId: null,
            organizationId: null,
            businessUnitId: null,
            version: null,
            dopHint: null,
            elapsedMs: Math.round(ctx.clock.monotonic() - started),
            error: error instanceof Error ? error.message : String(error),
          }
          recordTargetCheck(ws, check)
          throw error
        } finally {
          await connection.close()
        }
      })
    },
    'target:get-last-check': () => lastTargetCheck(ctx.workspaces.require()),
  }
}
