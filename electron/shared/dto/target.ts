/**
 * The target connection as the renderer may see it: everything but the secret.
 */

export type AuthMode = 'client-secret' | 'device-code'

/** Where the secret is: protected by the OS, held for this session only, in the chosen profile file, or absent. */
export type SecretState = 'stored' | 'session' | 'in-profile' | 'missing' | 'not-needed'

export type TargetConnectionView = Readonly<{
  url: string
  authority: string
  tenantId: string
  clientId: string
  authMode: AuthMode
  caCertFile: string | null
  /** The profile file the connection came from, when it came from one. */
  profileFile: string | null
  secret: SecretState
  /** Where a secret entered now would be kept. */
  secretStorage: 'os-protected' | 'memory'
  /** Further application users the profile names (load sharing). */
  applicationUsers: number
  updatedAt: string
}>

export type TargetCheck = Readonly<{
  ok: boolean
  at: string
  url: string
  userId: string | null
  organizationId: string | null
  businessUnitId: string | null
  version: string | null
  dopHint: number | null
  elapsedMs: number
  error: string | null
}>
