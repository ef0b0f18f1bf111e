/**
 * The shell's security decisions as pure functions, so they are tested under plain Node
 * (Electron security checklist: https://www.electronjs.org/docs/latest/tutorial/security,
 * items 13–15 navigation, new windows and openExternal; item 17 sender validation).
 */

/** The origin the renderer is served from in a built app (custom protocol, never file://, item 18). */
export const APP_ORIGIN = 'app://leafbridge'

/** Hosts `shell.openExternal` may open: Microsoft's documentation and portals only. */
const EXTERNAL_ALLOWLIST = [
  'learn.microsoft.com',
  'make.powerapps.com',
  'admin.powerplatform.microsoft.com',
  'portal.azure.com',
  'entra.microsoft.com',
]

const originOf = (url: string): string | null => {
  try {
    const parsed = new URL(url)
    // Custom-scheme URLs have an opaque origin ("null"): build it from scheme and host instead.
    return parsed.origin === 'null' ? `${parsed.protocol}//${parsed.host}` : parsed.origin
  } catch {
    return null
  }
}

/** The origins our own pages may come from: the app protocol, and the dev server when running `npm run dev`. */
export function trustedOrigins(devServerUrl: string | undefined): ReadonlySet<string> {
  const origins = new Set([APP_ORIGIN])
  const dev = devServerUrl ? originOf(devServerUrl) : null
  if (dev) origins.add(dev)
  return origins
}

/** May a frame at `url` call the API? (A missing frame fails.) */
export function isTrustedFrameUrl(url: string | null | undefined, origins: ReadonlySet<string>): boolean {
  if (!url) return false
  const origin = originOf(url)
  return origin !== null && origins.has(origin)
}

/** Navigation stays inside our own origin; everything else is blocked. */
export function isAllowedNavigation(url: string, origins: ReadonlySet<string>): boolean {
  return isTrustedFrameUrl(url, origins)
}

/** May this URL be opened in the system browser? https only, allowlisted hosts only. */
export function isAllowedExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url)
    return (
      parsed.protocol === 'https:' &&
      EXTERNAL_ALLOWLIST.some((h) => parsed.hostname === h || parsed.hostname.endsWith(`.${h}`))
    )
  } catch {
    return false
  }
}
