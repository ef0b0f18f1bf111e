/**
 * Compact JWS (RFC 7515) signing and verification with Node's crypto: RS256 for the tokens the
 * sandbox issues, RS256 and PS256 for client assertions MSAL signs with a certificate.
 */
import { createPublicKey, sign, verify, constants, type KeyObject } from 'node:crypto'

/** A decoded, not yet verified, JWT. */
export type DecodedJwt = Readonly<{
  header: Record<string, unknown>
  payload: Record<string, unknown>
  signingInput: string
  signature: Buffer
}>

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url')

/** Signs claims as an RS256 JWT with `kid` in the header. */
export function signJwt(
  payload: Record<string, unknown>,
  privateKey: KeyObject | string,
  kid: string,
): string {
  const header = { typ: 'JWT', alg: 'RS256', kid, x5t: kid }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
  const signature = sign('sha256', Buffer.from(input), privateKey)
  return `${input}.${b64url(signature)}`
}

/** Splits and decodes a JWT; null if it is not one. */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split('.')
  if (parts.length !== 3) return null
  const [h = '', p = '', s = ''] = parts
  try {
    return {
      header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>,
      payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>,
      signingInput: `${h}.${p}`,
      signature: Buffer.from(s, 'base64url'),
    }
  } catch {
    return null
  }
}

/** Verifies an RS256 or PS256 signature against a public key (PEM, certificate or KeyObject). */
export function verifySignature(jwt: DecodedJwt, key: KeyObject | string): boolean {
  const publicKey = typeof key === 'string' ? createPublicKey(key) : key
  const data = Buffer.from(jwt.signingInput)
  switch (jwt.header['alg']) {
    case 'RS256':
      return verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, jwt.signature)
    case 'PS256':
      return verify(
        'sha256',
        data,
        {
          key: publicKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        },
        jwt.signature,
      )
    default:
      return false
  }
}
