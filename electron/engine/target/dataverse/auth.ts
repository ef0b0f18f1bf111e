/**
 * Tokens for the Dataverse Web API from Microsoft Entra ID through MSAL Node, or from the sandbox's
 * token endpoint, which MSAL talks to exactly as to Entra ID (the sandbox is listed as a known
 * authority and its CA is trusted through our own network client).
 *
 * Secrets stay inside this module's closure: a token provider exposes tokens, never the secret.
 */
import {
  ConfidentialClientApplication,
  type AccountInfo,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
  PublicClientApplication,
} from '@azure/msal-node'
import { AppError } from '../../errors'
import type { HttpTransport } from './http'
import type { TargetProfile } from './profile'

/** The engine's token port: the loader and the client ask it, the host decides how to sign in. */
export type TokenProvider = Readonly<{
  /** A bearer token for the environment; MSAL caches and renews it. */
  getToken: (options?: Readonly<{ forceRefresh?: boolean }>) => Promise<string>
  /** Which identity this is (client id), for logs. */
  identity: string
}>

/** MSAL's network port over our HTTP transport, so the sandbox's CA is trusted and nothing else changes. */
export function msalNetworkClient(http: HttpTransport): INetworkModule {
  const send = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> => {
    const res = await http.send({
      method,
      url,
      headers: options?.headers ?? {},
      ...(options?.body !== undefined ? { body: options.body } : {}),
      timeoutMs: 30_000,
    })
    let body: unknown = {}
    try {
      body = res.text === '' ? {} : JSON.parse(res.text)
    } catch {
      body = {}
    }
    return { status: res.status, headers: { ...res.headers }, body: body as T }
  }
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  }
}

const scopeFor = (profile: Pick<TargetProfile, 'url'>) => [`${profile.url}/.default`]

function msalAuthOptions(profile: TargetProfile, clientId: string) {
  return {
    clientId,
    authority: `${profile.authority}`,
    // A custom (non-login.microsoftonline.com) authority must be declared known, or MSAL refuses it.
    knownAuthorities: [new URL(profile.authority).host],
  }
}

const signInFailed = (clientId: string, error: unknown) =>
  new AppError(
    {
      code: 'sign-in-failed',
      kind: 'fatal',
      message: `Could not get a token for application ${clientId}: ${error instanceof Error ? error.message : String(error)}. Check the tenant, client id and secret in the target profile, and that the application user exists in the environment.`,
    },
    { cause: error },
  )

/** Client-credentials sign-in (an application user), one provider per client id. */
export function clientSecretTokenProvider(
  profile: TargetProfile,
  http: HttpTransport,
  credentials: Readonly<{ clientId: string; clientSecret: string }> = {
    clientId: profile.clientId,
    clientSecret: profile.clientSecret ?? '',
  },
): TokenProvider {
  const app = new ConfidentialClientApplication({
    auth: { ...msalAuthOptions(profile, credentials.clientId), clientSecret: credentials.clientSecret },
    system: { networkClient: msalNetworkClient(http) },
  })
  return {
    identity: credentials.clientId,
    getToken: async (options) => {
      try {
        const result = await app.acquireTokenByClientCredential({
          scopes: scopeFor(profile),
          skipCache: options?.forceRefresh === true,
        })
        if (!result?.accessToken) throw new Error('the authority returned no access token')
        return result.accessToken
      } catch (error) {
        throw signInFailed(credentials.clientId, error)
      }
    },
  }
}

/**
 * Device-code sign-in for an operator: `onCode` shows the code and the verification address
 * (the system browser does the rest); later calls renew silently.
 */
export function deviceCodeTokenProvider(
  profile: TargetProfile,
  http: HttpTransport,
  onCode: (message: Readonly<{ userCode: string; verificationUri: string; text: string }>) => void,
): TokenProvider {
  const app = new PublicClientApplication({
    auth: msalAuthOptions(profile, profile.clientId),
    system: { networkClient: msalNetworkClient(http) },
  })
  let account: AccountInfo | null = null
  return {
    identity: profile.clientId,
    getToken: async (options) => {
      try {
        if (account !== null) {
          const silent = await app.acquireTokenSilent({
            account,
            scopes: scopeFor(profile),
            forceRefresh: options?.forceRefresh === true,
          })
          if (silent?.accessToken) return silent.accessToken
        }
        const result = await app.acquireTokenByDeviceCode({
          scopes: scopeFor(profile),
          deviceCodeCallback: (r) =>
            onCode({ userCode: r.userCode, verificationUri: r.verificationUri, text: r.message }),
        })
        if (!result?.accessToken) throw new Error('the authority returned no access token')
        account = result.account
        return result.accessToken
      } catch (error) {
        throw signInFailed(profile.clientId, error)
      }
    },
  }
}

/** Every application user the profile names (the first is the profile's own), for parallel loads. */
export function applicationTokenProviders(
  profile: TargetProfile,
  http: HttpTransport,
): ReadonlyArray<TokenProvider> {
  if (profile.authMode !== 'client-secret') return []
  // The profile's own client may be listed among the application users too; it counts once.
  const others = profile.applicationUsers.filter(
    (u, i, all) => u.clientId !== profile.clientId && all.findIndex((x) => x.clientId === u.clientId) === i,
  )
  return [
    clientSecretTokenProvider(profile, http),
    ...others.map((u) => clientSecretTokenProvider(profile, http, u)),
  ]
}
