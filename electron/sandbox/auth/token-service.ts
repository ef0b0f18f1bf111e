/**
 * The sandbox's Entra ID stand-in, on the same HTTPS server: OIDC discovery, JWKS, instance
 * discovery, the v2.0 token endpoint (client credentials with a secret or a certificate assertion,
 * device code, refresh token) and the device-code endpoint, shaped so MSAL Node talks to it exactly
 * as to login.microsoftonline.com (README, "MSAL configuration"). Tokens are RS256 JWTs whose
 * audience is the environment URL; the Web API accepts nothing else.
 *
 * Errors follow Entra's body: `{"error", "error_description": "AADSTS…", "error_codes", …}`.
 */
import {
  createPrivateKey,
  createPublicKey,
  randomBytes,
  randomUUID,
  timingSafeEqual,
  createHash,
  X509Certificate,
} from 'node:crypto'
import type { AppRegistration, Identity } from './identity'
import { decodeJwt, signJwt, verifySignature } from './jwt'

/** A response of the token service. */
export type AuthResponse = Readonly<{ status: number; headers: Record<string, string>; body: string }>

/** Who a valid access token speaks for. */
export type TokenSubject = Readonly<
  | { kind: 'app'; clientId: string; objectId: string }
  | { kind: 'user'; clientId: string; objectId: string; email: string }
>

/** A person who can sign in with the device code flow. */
export type DirectoryUser = Readonly<{ objectId: string; email: string; name: string; enabled: boolean }>

type DeviceCode = {
  deviceCode: string
  userCode: string
  clientId: string
  scope: string
  expiresAt: number
  approvedBy: DirectoryUser | null
  denied: boolean
}

/** Options of the token service. */
export type TokenServiceOptions = Readonly<{
  identity: Identity
  /** `https://127.0.0.1:port` */
  origin: () => string
  /** People who can sign in (the seeded enabled systemusers). */
  users: () => ReadonlyArray<DirectoryUser>
  tokenLifetimeSeconds: number
  /** Called when a device code is issued (the CLI prints how to approve it). */
  onDeviceCode?: (userCode: string, verificationUri: string) => void
  /** Approve every device code at once as the first enabled user. */
  autoApproveDeviceCodes: boolean
}>

const json = (status: number, body: unknown, headers: Record<string, string> = {}): AuthResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
})

const safeEqual = (a: string, b: string): boolean => {
  const x = createHash('sha256').update(a).digest()
  const y = createHash('sha256').update(b).digest()
  return timingSafeEqual(x, y)
}

const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ23456789'

/** The OAuth / OIDC endpoints of one sandbox. */
export class TokenService {
  readonly #options: TokenServiceOptions
  readonly #privateKey
  readonly #publicKey
  readonly #deviceCodes = new Map<string, DeviceCode>()
  readonly #refreshTokens = new Map<string, { clientId: string; user: DirectoryUser; scope: string }>()
  issued = 0

  constructor(options: TokenServiceOptions) {
    this.#options = options
    this.#privateKey = createPrivateKey(options.identity.signing.privateKeyPem)
    this.#publicKey = createPublicKey(options.identity.signing.publicKeyPem)
  }

  get #tenant(): string {
    return this.#options.identity.tenantId
  }

  /** `https://host:port/<tenant>/v2.0` */
  issuer(): string {
    return `${this.#options.origin()}/${this.#tenant}/v2.0`
  }

  /** Does this path belong to the token service? */
  owns(path: string): boolean {
    return (
      path === '/common/discovery/instance' ||
      path === '/devicelogin' ||
      path.startsWith(`/${this.#tenant}/`) ||
      path.startsWith('/common/') ||
      path.startsWith('/organizations/')
    )
  }

  /** Handles a token-service request. */
  handle(
    method: string,
    path: string,
    query: URLSearchParams,
    form: URLSearchParams,
    headers: Record<string, string | undefined>,
  ): AuthResponse {
    const origin = this.#options.origin()
    const tenantPath = `/${this.#tenant}`
    if (path === '/common/discovery/instance') return this.#instanceDiscovery(query)
    if (path === '/devicelogin') return this.#deviceLoginPage(method, form)
    const [, tenant = ''] = path.split('/')
    if (tenant !== this.#tenant) {
      return this.#error(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      )
    }
    const rest = path.slice(tenantPath.length)
    switch (rest) {
      case '/v2.0/.well-known/openid-configuration':
      case '/.well-known/openid-configuration':
        return json(200, {
          issuer: this.issuer(),
          authorization_endpoint: `${origin}${tenantPath}/oauth2/v2.0/authorize`,
          token_endpoint: `${origin}${tenantPath}/oauth2/v2.0/token`,
          device_authorization_endpoint: `${origin}${tenantPath}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${origin}${tenantPath}/oauth2/v2.0/logout`,
          jwks_uri: `${origin}${tenantPath}/discovery/v2.0/keys`,
          token_endpoint_auth_methods_supported: [
            'client_secret_post',
            'private_key_jwt',
            'client_secret_basic',
          ],
          response_modes_supported: ['query', 'fragment', 'form_post'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          request_uri_parameter_supported: false,
          claims_supported: [
            'sub',
            'iss',
            'aud',
            'exp',
            'iat',
            'nbf',
            'name',
            'oid',
            'tid',
            'preferred_username',
          ],
          tenant_region_scope: 'NA',
          cloud_instance_name: 'leafbridge.sandbox',
        })
      case '/discovery/v2.0/keys':
      case '/discovery/keys': {
        const jwk = this.#publicKey.export({ format: 'jwk' }) as Record<string, unknown>
        const kid = this.#options.identity.signing.kid
        return json(200, {
          keys: [
            {
              kty: 'RSA',
              use: 'sig',
              kid,
              x5t: kid,
              n: jwk['n'],
              e: jwk['e'],
              alg: 'RS256',
              issuer: this.issuer(),
            },
          ],
        })
      }
      case '/oauth2/v2.0/token':
        if (method !== 'POST')
          return this.#error(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.')
        return this.#token(form, headers)
      case '/oauth2/v2.0/devicecode':
        if (method !== 'POST')
          return this.#error(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.')
        return this.#deviceCode(form)
      default:
        return this.#error(
          404,
          'invalid_request',
          900144,
          `The endpoint '${path}' is not served by the Leafbridge sandbox.`,
        )
    }
  }

  /** Verifies an access token for the Web API; returns its subject or a reason. */
  verifyAccessToken(
    token: string,
  ): { ok: true; subject: TokenSubject; expiresAt: number } | { ok: false; reason: string } {
    const jwt = decodeJwt(token)
    if (jwt === null) return { ok: false, reason: 'The access token is not a JWT.' }
    if (jwt.header['alg'] !== 'RS256' || !verifySignature(jwt, this.#publicKey)) {
      return { ok: false, reason: 'The access token signature is invalid.' }
    }
    const claims = jwt.payload
    const now = Math.floor(Date.now() / 1000)
    if (typeof claims['exp'] !== 'number' || claims['exp'] <= now)
      return { ok: false, reason: 'The access token has expired.' }
    if (typeof claims['nbf'] === 'number' && claims['nbf'] > now + 300)
      return { ok: false, reason: 'The access token is not valid yet.' }
    const origin = this.#options.origin()
    if (claims['aud'] !== origin && claims['aud'] !== `${origin}/`) {
      return {
        ok: false,
        reason: `The access token's audience ${String(claims['aud'])} is not this environment (${origin}).`,
      }
    }
    if (claims['tid'] !== this.#tenant)
      return { ok: false, reason: 'The access token is for another tenant.' }
    const clientId = String(claims['appid'] ?? claims['azp'] ?? '')
    const objectId = String(claims['oid'] ?? '')
    const expiresAt = claims['exp'] * 1000
    if (claims['idtyp'] === 'app')
      return { ok: true, subject: { kind: 'app', clientId, objectId }, expiresAt }
    return {
      ok: true,
      subject: { kind: 'user', clientId, objectId, email: String(claims['upn'] ?? '') },
      expiresAt,
    }
  }

  /** Approves a pending device code as the given person (or the first enabled one). */
  approveDeviceCode(
    userCode: string,
    email?: string,
  ): { ok: true; user: DirectoryUser } | { ok: false; reason: string } {
    const code = [...this.#deviceCodes.values()].find((c) => c.userCode === userCode.trim().toUpperCase())
    if (code === undefined || code.expiresAt < Date.now())
      return { ok: false, reason: `No pending device code ${userCode}.` }
    const users = this.#options.users().filter((u) => u.enabled)
    const user =
      email === undefined ? users[0] : users.find((u) => u.email.toLowerCase() === email.toLowerCase())
    if (user === undefined)
      return {
        ok: false,
        reason: email === undefined ? 'No enabled user to sign in as.' : `No enabled user ${email}.`,
      }
    code.approvedBy = user
    return { ok: true, user }
  }

  /** Pending device codes (for the CLI and the admin API). */
  pendingDeviceCodes(): Array<{ userCode: string; clientId: string; expiresAt: string; approved: boolean }> {
    return [...this.#deviceCodes.values()]
      .filter((c) => c.expiresAt > Date.now())
      .map((c) => ({
        userCode: c.userCode,
        clientId: c.clientId,
        expiresAt: new Date(c.expiresAt).toISOString(),
        approved: c.approvedBy !== null,
      }))
  }

  #error(status: number, error: string, code: number, description: string): AuthResponse {
    const traceId = randomUUID()
    const correlationId = randomUUID()
    const timestamp = new Date()
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z')
    return json(status, {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${this.#options.origin()}/error?code=${code}`,
    })
  }

  #instanceDiscovery(query: URLSearchParams): AuthResponse {
    const host = new URL(this.#options.origin()).host
    void query
    return json(200, {
      tenant_discovery_endpoint: `${this.#options.origin()}/${this.#tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    })
  }

  #scopeResource(scope: string): string | null {
    const origin = this.#options.origin()
    for (const item of scope.split(/\s+/)) {
      if (
        item === `${origin}/.default` ||
        item === `${origin}//.default` ||
        item === `${origin}/user_impersonation`
      )
        return origin
    }
    return null
  }

  #app(clientId: string): AppRegistration | undefined {
    return this.#options.identity.apps.find((a) => a.clientId === clientId)
  }

  #token(form: URLSearchParams, headers: Record<string, string | undefined>): AuthResponse {
    const grant = form.get('grant_type') ?? ''
    let clientId = form.get('client_id') ?? ''
    let clientSecret = form.get('client_secret')
    const basic = headers['authorization']
    if (basic?.startsWith('Basic ')) {
      const decoded = Buffer.from(basic.slice(6), 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      clientId = decodeURIComponent(decoded.slice(0, colon))
      clientSecret = decodeURIComponent(decoded.slice(colon + 1))
    }
    switch (grant) {
      case 'client_credentials': {
        const app = this.#app(clientId)
        if (app === undefined) {
          return this.#error(
            400,
            'unauthorized_client',
            700016,
            `Application with identifier '${clientId}' was not found in the directory '${this.#tenant}'. This can happen if the application has not been installed by the administrator of the tenant.`,
          )
        }
        const assertion = form.get('client_assertion')
        let method: 'secret' | 'certificate'
        if (assertion !== null) {
          const reason = this.#checkAssertion(app, assertion, form.get('client_assertion_type'))
          if (reason !== null) return this.#error(401, 'invalid_client', 700027, reason)
          method = 'certificate'
        } else {
          if (clientSecret === null || clientSecret === '') {
            return this.#error(
              401,
              'invalid_client',
              7000218,
              "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )
          }
          if (!safeEqual(clientSecret, app.clientSecret)) {
            return this.#error(
              401,
              'invalid_client',
              7000215,
              `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
            )
          }
          method = 'secret'
        }
        const scope = form.get('scope') ?? ''
        if (scope === '')
          return this.#error(
            400,
            'invalid_request',
            900144,
            "The request body must contain the following parameter: 'scope'.",
          )
        const resource = this.#scopeResource(scope)
        if (resource === null) {
          return this.#error(
            400,
            'invalid_resource',
            500011,
            `The resource principal named ${scope.replace(/\/\.default$/, '')} was not found in the tenant named ${this.#tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
          )
        }
        return this.#issue(
          {
            appid: app.clientId,
            azp: app.clientId,
            appidacr: method === 'secret' ? '1' : '2',
            oid: app.servicePrincipalId,
            sub: app.servicePrincipalId,
            idtyp: 'app',
          },
          null,
          null,
        )
      }
      case 'device_code':
      case 'urn:ietf:params:oauth:grant-type:device_code': {
        const code = this.#deviceCodes.get(form.get('device_code') ?? '')
        if (code === undefined || code.clientId !== clientId) {
          return this.#error(
            400,
            'invalid_grant',
            70000,
            'The provided value for the device_code is not valid.',
          )
        }
        if (code.expiresAt < Date.now()) {
          this.#deviceCodes.delete(code.deviceCode)
          return this.#error(
            400,
            'expired_token',
            70020,
            'The provided value for the input parameter device_code has expired.',
          )
        }
        if (code.approvedBy === null) {
          return this.#error(
            400,
            'authorization_pending',
            70016,
            'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
          )
        }
        this.#deviceCodes.delete(code.deviceCode)
        return this.#issueForUser(code.clientId, code.approvedBy, code.scope)
      }
      case 'refresh_token': {
        const entry = this.#refreshTokens.get(form.get('refresh_token') ?? '')
        if (entry === undefined || entry.clientId !== clientId) {
          return this.#error(
            400,
            'invalid_grant',
            9002313,
            'Invalid request. Request is malformed or invalid.',
          )
        }
        return this.#issueForUser(entry.clientId, entry.user, form.get('scope') ?? entry.scope)
      }
      default:
        return this.#error(
          400,
          'unsupported_grant_type',
          70003,
          `The app requested an unsupported grant type '${grant}'.`,
        )
    }
  }

  #checkAssertion(app: AppRegistration, assertion: string, type: string | null): string | null {
    if (type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return 'The client_assertion_type is not supported.'
    if (app.certificate === null) return `The application '${app.clientId}' has no certificate credential.`
    const jwt = decodeJwt(assertion)
    if (jwt === null) return 'The client assertion is not a JWT.'
    const thumb256 = jwt.header['x5t#S256']
    const thumb1 = jwt.header['x5t']
    const expected256 = Buffer.from(app.certificate.thumbprintSha256, 'hex').toString('base64url')
    const expected1 = Buffer.from(app.certificate.thumbprintSha1, 'hex').toString('base64url')
    if (thumb256 !== expected256 && thumb1 !== expected1) {
      return `The certificate with identifier used to sign the client assertion is not registered on application '${app.clientId}'.`
    }
    if (!verifySignature(jwt, new X509Certificate(app.certificate.certPem).publicKey))
      return 'The client assertion signature is invalid.'
    const claims = jwt.payload
    const now = Math.floor(Date.now() / 1000)
    const tokenEndpoint = `${this.#options.origin()}/${this.#tenant}/oauth2/v2.0/token`
    if (claims['iss'] !== app.clientId || claims['sub'] !== app.clientId)
      return 'The client assertion iss and sub must be the client id.'
    if (claims['aud'] !== tokenEndpoint) return `The client assertion audience must be ${tokenEndpoint}.`
    if (typeof claims['exp'] !== 'number' || claims['exp'] < now) return 'The client assertion has expired.'
    return null
  }

  #issueForUser(clientId: string, user: DirectoryUser, scope: string): AuthResponse {
    const refresh = randomBytes(32).toString('base64url')
    this.#refreshTokens.set(refresh, { clientId, user, scope })
    return this.#issue(
      {
        appid: clientId,
        azp: clientId,
        oid: user.objectId,
        sub: user.objectId,
        upn: user.email,
        unique_name: user.email,
        name: user.name,
        scp: 'user_impersonation',
        idtyp: 'user',
      },
      { clientId, user },
      refresh,
    )
  }

  #issue(
    claims: Record<string, unknown>,
    user: { clientId: string; user: DirectoryUser } | null,
    refresh: string | null,
  ): AuthResponse {
    const now = Math.floor(Date.now() / 1000)
    const lifetime = this.#options.tokenLifetimeSeconds
    const origin = this.#options.origin()
    const kid = this.#options.identity.signing.kid
    const accessToken = signJwt(
      {
        aud: origin,
        iss: this.issuer(),
        iat: now,
        nbf: now,
        exp: now + lifetime,
        tid: this.#tenant,
        ver: '2.0',
        uti: randomBytes(16).toString('base64url'),
        ...claims,
      },
      this.#privateKey,
      kid,
    )
    this.issued++
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: `${origin}/.default`,
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    }
    if (user !== null) {
      body['id_token'] = signJwt(
        {
          aud: user.clientId,
          iss: this.issuer(),
          iat: now,
          nbf: now,
          exp: now + lifetime,
          oid: user.user.objectId,
          sub: user.user.objectId,
          tid: this.#tenant,
          preferred_username: user.user.email,
          name: user.user.name,
          ver: '2.0',
        },
        this.#privateKey,
        kid,
      )
      body['client_info'] = Buffer.from(
        JSON.stringify({ uid: user.user.objectId, utid: this.#tenant }),
      ).toString('base64url')
      body['scope'] = `${origin}/user_impersonation openid profile offline_access`
      if (refresh !== null) body['refresh_token'] = refresh
    }
    return json(200, body)
  }

  #deviceCode(form: URLSearchParams): AuthResponse {
    const clientId = form.get('client_id') ?? ''
    const known = clientId === this.#options.identity.publicClientId || this.#app(clientId) !== undefined
    if (!known) {
      return this.#error(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.#tenant}'.`,
      )
    }
    const scope = form.get('scope') ?? ''
    if (this.#scopeResource(scope) === null) {
      return this.#error(
        400,
        'invalid_scope',
        70011,
        `The provided value for the input parameter 'scope' is not valid. The scope '${scope}' does not name this environment.`,
      )
    }
    let userCode = ''
    const bytes = randomBytes(9)
    for (const b of bytes) userCode += USER_CODE_ALPHABET.charAt(b % USER_CODE_ALPHABET.length)
    const deviceCode = randomBytes(32).toString('base64url')
    const verification = `${this.#options.origin()}/devicelogin`
    const code: DeviceCode = {
      deviceCode,
      userCode,
      clientId,
      scope,
      expiresAt: Date.now() + 900_000,
      approvedBy: null,
      denied: false,
    }
    this.#deviceCodes.set(deviceCode, code)
    if (this.#options.autoApproveDeviceCodes) this.approveDeviceCode(userCode)
    this.#options.onDeviceCode?.(userCode, verification)
    return json(200, {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: verification,
      expires_in: 900,
      interval: 1,
      message: `To sign in, use a web browser to open the page ${verification} and enter the code ${userCode} to authenticate.`,
    })
  }

  #deviceLoginPage(method: string, form: URLSearchParams): AuthResponse {
    const page = (message: string) => ({
      status: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      },
      body: `<!doctype html><html><head><meta charset="utf-8"><title>Leafbridge sandbox sign-in</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto"><h1>Leafbridge sandbox sign-in</h1><p>${message}</p><form method="post" action="/devicelogin"><p><label>Code <input name="user_code" autofocus required></label></p><p><label>Sign in as <select name="email">${this.#options
        .users()
        .filter((u) => u.enabled)
        .map((u) => `<option>${u.email.replaceAll('<', '&lt;')}</option>`)
        .join('')}</select></label></p><p><button type="submit">Sign in</button></p></form></body></html>`,
    })
    if (method !== 'POST') return page('Enter the code your application shows.')
    const result = this.approveDeviceCode(form.get('user_code') ?? '', form.get('email') ?? undefined)
    return page(result.ok ? `Signed in as ${result.user.email}. You can close this window.` : result.reason)
  }
}
