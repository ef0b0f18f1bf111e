import { describe, expect, it } from 'vitest'
import {
  APP_ORIGIN,
  isAllowedExternalUrl,
  isAllowedNavigation,
  isTrustedFrameUrl,
  trustedOrigins,
} from '../../../electron/main/security'

describe('shell security rules', () => {
  const origins = trustedOrigins(undefined)

  it('trusts frames of the app protocol only (a missing frame fails)', () => {
    expect(isTrustedFrameUrl(`${APP_ORIGIN}/index.html`, origins)).toBe(true)
    expect(isTrustedFrameUrl('app://evil/index.html', origins)).toBe(false)
    expect(isTrustedFrameUrl('file:///etc/passwd', origins)).toBe(false)
    expect(isTrustedFrameUrl('https://example.com/', origins)).toBe(false)
    expect(isTrustedFrameUrl(null, origins)).toBe(false)
    expect(isTrustedFrameUrl('not a url', origins)).toBe(false)
  })

  it('adds the dev server origin only when one is given', () => {
    const dev = trustedOrigins('http://localhost:5173/')
    expect(isAllowedNavigation('http://localhost:5173/#x', dev)).toBe(true)
    expect(isAllowedNavigation('http://localhost:5173/', origins)).toBe(false)
  })

  it('opens only allowlisted https addresses in the system browser', () => {
    expect(
      isAllowedExternalUrl('https://learn.microsoft.com/power-apps/developer/data-platform/api-limits'),
    ).toBe(true)
    expect(isAllowedExternalUrl('http://learn.microsoft.com/')).toBe(false)
    expect(isAllowedExternalUrl('https://learn.microsoft.com.evil.example/')).toBe(false)
    expect(isAllowedExternalUrl('file:///C:/Windows/System32/calc.exe')).toBe(false)
    expect(isAllowedExternalUrl('javascript:alert(1)')).toBe(false)
  })
})
