/**
 * Opens a connection to the environment a target profile describes: the HTTP transport, a token
 * provider per application user, and a client per user.
 */
import type { Clock } from '../../clock'
import type { Logger } from '../../logger'
import { type TokenProvider, applicationTokenProviders, deviceCodeTokenProvider } from './auth'
import { DataverseClient } from './client'
import { createHttpTransport } from './http'
import type { TargetProfile } from './profile'

export type TargetConnection = Readonly<{
  profile: TargetProfile
  /** One client per application user; the first is the profile's own identity. */
  clients: ReadonlyArray<DataverseClient>
  primary: DataverseClient
  close: () => Promise<void>
}>

export type ConnectOptions = Readonly<{
  clock?: Clock
  logger?: Logger
  /** Device-code sign-in: shows the code to the operator. */
  onDeviceCode?: (message: Readonly<{ userCode: string; verificationUri: string; text: string }>) => void
  /** Use at most this many application users (default: all the profile names). */
  users?: number
  /** Overrides token acquisition (tests against a real authority use the default). */
  tokens?: ReadonlyArray<TokenProvider>
}>

export function connectTarget(profile: TargetProfile, options: ConnectOptions = {}): TargetConnection {
  const http = createHttpTransport(profile.caCertFile ? { caCertFile: profile.caCertFile } : {})
  const providers =
    options.tokens ??
    (profile.authMode === 'device-code'
      ? [deviceCodeTokenProvider(profile, http, options.onDeviceCode ?? (() => {}))]
      : applicationTokenProviders(profile, http))
  const chosen = providers.slice(0, Math.max(1, options.users ?? providers.length))
  const clients = chosen.map(
    (tokens) =>
      new DataverseClient({
        profile,
        http,
        tokens,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      }),
  )
  return { profile, clients, primary: clients[0]!, close: () => http.close() }
}
