/**
 * MSAL Node against the sandbox's token endpoint, configured only as electron/sandbox/README.md
 * documents: client credentials with a secret and with a certificate, the device code flow, and
 * the Web API's 401 for a missing, foreign or expired token.
 */
import { readFileSync } from 'node:fs'
import { ConfidentialClientApplication, PublicClientApplication } from '@azure/msal-node'
import { afterAll, describe, expect, it } from 'vitest'
import {
  msalClient,
  sandboxNetworkClient,
  startTestSandbox,
  useSandbox,
  type TestSandbox,
} from '../../support/sandbox'

const CLIENT_CREDENTIALS =
  'https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow'
const DEVICE_CODE = 'https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code'

describe('sandbox sign-in with MSAL Node', () => {
  const sb = useSandbox()
  const others: TestSandbox[] = []
  afterAll(async () => {
    for (const other of others) await other.close()
  })

  it(`acquires a token with a client secret and calls WhoAmI as the application user (${CLIENT_CREDENTIALS})`, async () => {
    const result = await msalClient(sb().sandbox).acquireTokenByClientCredential({
      scopes: [`${sb().sandbox.url}/.default`],
    })
    expect(result?.tokenType).toBe('Bearer')
    expect(result?.expiresOn?.getTime()).toBeGreaterThan(Date.now())
    const who = await sb().request('GET', 'WhoAmI', { token: result?.accessToken ?? '' })
    expect(who.status).toBe(200)
    const user = await sb().request(
      'GET',
      `systemusers(${who.json<{ UserId: string }>().UserId})?$select=applicationid,fullname`,
    )
    expect(user.json()).toMatchObject({ applicationid: sb().sandbox.clientId })
  })

  it('gives each application registration its own systemuser', async () => {
    const ids = new Set<string>()
    for (let app = 0; app <= sb().sandbox.profile.applicationUsers.length; app++) {
      const who = await sb().request('GET', 'WhoAmI', { app })
      ids.add(who.json<{ UserId: string }>().UserId)
    }
    expect(ids.size).toBe(4)
  })

  it(`acquires a token with a certificate credential (${CLIENT_CREDENTIALS})`, async () => {
    const credential = sb().sandbox.profile.certificateCredential
    expect(credential).not.toBeNull()
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: credential?.clientId ?? '',
        authority: sb().sandbox.authority,
        knownAuthorities: [new URL(sb().sandbox.authority).host],
        clientCertificate: {
          thumbprintSha256: credential?.thumbprintSha256 ?? '',
          privateKey: readFileSync(credential?.privateKeyFile ?? '', 'utf8'),
        },
      },
      system: { networkClient: sandboxNetworkClient(sb().sandbox.caCertPem) },
    })
    const result = await cca.acquireTokenByClientCredential({ scopes: [`${sb().sandbox.url}/.default`] })
    expect((await sb().request('GET', 'WhoAmI', { token: result?.accessToken ?? '' })).status).toBe(200)
  })

  it(`refuses a wrong secret with Entra's invalid_client error (${CLIENT_CREDENTIALS})`, async () => {
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: sb().sandbox.clientId,
        clientSecret: 'not-the-secret',
        authority: sb().sandbox.authority,
        knownAuthorities: [new URL(sb().sandbox.authority).host],
      },
      system: { networkClient: sandboxNetworkClient(sb().sandbox.caCertPem) },
    })
    await expect(
      cca.acquireTokenByClientCredential({ scopes: [`${sb().sandbox.url}/.default`] }),
    ).rejects.toThrow(/AADSTS7000215/)
  })

  it(`signs a person in with the device code flow once the code is approved (${DEVICE_CODE})`, async () => {
    const pca = new PublicClientApplication({
      auth: {
        clientId: sb().sandbox.profile.publicClientId,
        authority: sb().sandbox.authority,
        knownAuthorities: [new URL(sb().sandbox.authority).host],
      },
      system: { networkClient: sandboxNetworkClient(sb().sandbox.caCertPem) },
    })
    const result = await pca.acquireTokenByDeviceCode({
      scopes: [`${sb().sandbox.url}/user_impersonation`],
      deviceCodeCallback: (response) => {
        expect(response.verificationUri).toBe(`${sb().sandbox.url}/devicelogin`)
        void sb().admin('POST', '/_sandbox/device-codes/approve', {
          userCode: response.userCode,
          email: 'maria.gomez@sandbox.example',
        })
      },
    })
    expect(result?.account?.username).toBe('maria.gomez@sandbox.example')
    const who = await sb().request('GET', 'WhoAmI', { token: result?.accessToken ?? '' })
    const user = await sb().request(
      'GET',
      `systemusers(${who.json<{ UserId: string }>().UserId})?$select=internalemailaddress`,
    )
    expect(user.json()).toMatchObject({ internalemailaddress: 'maria.gomez@sandbox.example' })
  })

  it('answers 401 with WWW-Authenticate to a request without a token, with a foreign token, or with an expired one', async () => {
    const none = await sb().request('GET', 'WhoAmI', { token: '' })
    expect(none.status).toBe(401)
    expect(none.headers['www-authenticate']).toContain(
      `authorization_uri=${sb().sandbox.authority}/oauth2/authorize`,
    )
    const other = await startTestSandbox({
      tokenLifetimeSeconds: 1,
      applicationUsers: 1,
      certificateCredential: false,
    })
    others.push(other)
    const foreign = await sb().request('GET', 'WhoAmI', { token: await other.token() })
    expect(foreign.status).toBe(401)
    const shortLived = await other.token()
    expect((await other.request('GET', 'WhoAmI', { token: shortLived })).status).toBe(200)
    await expect
      .poll(async () => (await other.request('GET', 'WhoAmI', { token: shortLived })).status, {
        timeout: 5000,
        interval: 200,
      })
      .toBe(401)
  })
})
