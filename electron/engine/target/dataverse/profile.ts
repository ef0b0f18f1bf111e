/**
 * The target profile: how to reach one Dataverse environment. The same JSON shape for the local
 * sandbox (`leafbridge sandbox --profile-out`) and a real environment, passed as `--target FILE`.
 *
 * It may carry a client secret: it is read here, used by the token provider, and never copied into
 * the workspace, logs or reports (see `describeProfile`).
 */
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { z } from 'zod'
import { AppError } from '../../errors'

const applicationUserSchema = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) })

export const targetProfileSchema = z.object({
  /** Environment URL, e.g. https://contoso.crm.dynamics.com (no trailing /api/...). */
  url: z.url().transform((u) => u.replace(/\/+$/, '')),
  /** Token authority, e.g. https://login.microsoftonline.com/<tenant>. */
  authority: z.url().transform((u) => u.replace(/\/+$/, '')),
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  /** `client-secret` (application user) or `device-code` (an interactive operator sign-in). */
  authMode: z.enum(['client-secret', 'device-code']).default('client-secret'),
  /** A PEM file to trust in addition to the system roots (the sandbox's self-signed certificate). */
  caCertFile: z.string().min(1).optional(),
  /** Application users that may share a run's load, each with its own request budget (the profile's own client may be listed; it counts once). */
  applicationUsers: z.array(applicationUserSchema).default([]),
  /** Sandbox only: the key of its admin endpoints. */
  adminKey: z.string().optional(),
})

export type TargetProfile = z.infer<typeof targetProfileSchema>

/** Reads and checks a profile file; relative `caCertFile` paths are resolved against the file. */
export function loadTargetProfile(file: string): TargetProfile {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new AppError({
      code: 'target-profile-not-found',
      kind: 'fatal',
      message: `Cannot read the target profile ${file}. Pass the JSON file that describes your Dataverse environment (leafbridge sandbox writes one with --profile-out).`,
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new AppError({
      code: 'target-profile-invalid',
      kind: 'fatal',
      message: `${file} is not valid JSON.`,
    })
  }
  const parsed = targetProfileSchema.safeParse(json)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
    throw new AppError({
      code: 'target-profile-invalid',
      kind: 'fatal',
      message: `The target profile ${file} is not valid: ${issues}.`,
    })
  }
  const profile = parsed.data
  if (profile.authMode === 'client-secret' && !profile.clientSecret) {
    throw new AppError({
      code: 'target-profile-invalid',
      kind: 'fatal',
      message: `The target profile ${file} uses client-secret sign-in but has no clientSecret.`,
    })
  }
  if (profile.caCertFile && !isAbsolute(profile.caCertFile)) {
    return { ...profile, caCertFile: resolve(dirname(file), profile.caCertFile) }
  }
  return profile
}

/** The profile without its secrets: safe for logs, the workspace, reports and the renderer. */
export function describeProfile(profile: TargetProfile): Readonly<{
  url: string
  authority: string
  tenantId: string
  clientId: string
  authMode: TargetProfile['authMode']
  applicationUsers: number
}> {
  return {
    url: profile.url,
    authority: profile.authority,
    tenantId: profile.tenantId,
    clientId: profile.clientId,
    authMode: profile.authMode,
    applicationUsers: new Set([profile.clientId, ...profile.applicationUsers.map((u) => u.clientId)]).size,
  }
}

/** The Web API root of the environment. */
export const webApiBase = (profile: Pick<TargetProfile, 'url'>): string => `${profile.url}/api/data/v9.2/`
