/**
 * The sandbox's tenant: its id, the application registrations (client id + secret, and a
 * certificate credential for the first), a public client for device-code sign-in, the token
 * signing key, the TLS certificate authority and server certificate, and the admin key.
 *
 * Made once and kept in the state file (settings under `identity.`), so a profile written for a
 * persistent sandbox stays valid across restarts (only the port may change).
 */
import { X509Certificate, generateKeyPairSync, randomBytes, createHash } from 'node:crypto'
import { generate } from 'selfsigned'
import { newGuid } from '../util/ids'

/** A certificate credential of an app registration (MSAL `clientCertificate`). */
export type CertificateCredential = Readonly<{
  certPem: string
  privateKeyPem: string
  thumbprintSha1: string
  thumbprintSha256: string
}>

/** An Entra ID app registration with its application user in the environment. */
export type AppRegistration = Readonly<{
  clientId: string
  clientSecret: string
  displayName: string
  /** Object id of the service principal (the token's `oid`). */
  servicePrincipalId: string
  /** The application user's systemuserid. */
  systemUserId: string
  certificate: CertificateCredential | null
}>

/** Everything secret or stable about one sandbox tenant. */
export type Identity = Readonly<{
  tenantId: string
  adminKey: string
  apps: ReadonlyArray<AppRegistration>
  /** A public client (no secret) allowed to use the device code flow. */
  publicClientId: string
  signing: Readonly<{ privateKeyPem: string; publicKeyPem: string; kid: string }>
  tls: Readonly<{ caCertPem: string; caKeyPem: string; certPem: string; keyPem: string }>
}>

/** Options for a new identity. */
export type IdentityOptions = Readonly<{ applicationUsers: number; certificateCredential: boolean }>

const secret = (): string => randomBytes(30).toString('base64url')

const thumbprints = (certPem: string): { sha1: string; sha256: string } => {
  const der = new X509Certificate(certPem).raw
  return {
    sha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
    sha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
  }
}

async function makeTls(): Promise<Identity['tls']> {
  const notAfterDate = new Date(Date.now() + 3650 * 24 * 3600 * 1000)
  const ca = await generate([{ name: 'commonName', value: 'Leafbridge Sandbox CA' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  })
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  })
  return { caCertPem: ca.cert, caKeyPem: ca.private, certPem: leaf.cert, keyPem: leaf.private }
}

async function makeCertificateCredential(name: string): Promise<CertificateCredential> {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const cert = await generate([{ name: 'commonName', value: name }], {
    keyPair: { privateKey: privateKeyPem, publicKey: publicKeyPem },
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 3650 * 24 * 3600 * 1000),
  })
  const prints = thumbprints(cert.cert)
  return { certPem: cert.cert, privateKeyPem, thumbprintSha1: prints.sha1, thumbprintSha256: prints.sha256 }
}

/** Makes a fresh tenant. */
export async function createIdentity(options: IdentityOptions): Promise<Identity> {
  const signingPair = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicKeyPem = signingPair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const kid = createHash('sha256').update(publicKeyPem).digest('base64url').slice(0, 27)
  const count = Math.max(1, Math.floor(options.applicationUsers))
  const apps: AppRegistration[] = []
  for (let i = 0; i < count; i++) {
    apps.push({
      clientId: newGuid(),
      clientSecret: secret(),
      displayName: `Leafbridge Loader ${i + 1}`,
      servicePrincipalId: newGuid(),
      systemUserId: newGuid(),
      certificate:
        i === 0 && options.certificateCredential
          ? await makeCertificateCredential('Leafbridge Loader 1')
          : null,
    })
  }
  return {
    tenantId: newGuid(),
    adminKey: randomBytes(32).toString('base64url'),
    apps,
    publicClientId: newGuid(),
    signing: {
      privateKeyPem: signingPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem,
      kid,
    },
    tls: await makeTls(),
  }
}
