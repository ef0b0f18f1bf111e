/**
 * `leafbridge sandbox` as an operator or a script runs it (issue 4, "CLI contract"): it prints its
 * URL, writes the target profile, serves the Web API to MSAL tokens, and stops cleanly on SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent, fetch } from 'undici'
import { describe, expect, it } from 'vitest'
import { ConfidentialClientApplication } from '@azure/msal-node'
import { sandboxNetworkClient } from '../../support/sandbox'
import { CLI, REPO_ROOT } from '../../support/serve'
import { useTempDirs } from '../../support/temp-dir'

describe('leafbridge sandbox', () => {
  const tempDir = useTempDirs('leafbridge-sandbox-cli-')

  it('prints its URL, writes the profile, answers MSAL-authenticated requests and exits 0 on SIGTERM', async () => {
    const dir = tempDir()
    const profileFile = join(dir, 'target.json')
    const child = spawn(
      process.execPath,
      [
        CLI,
        'sandbox',
        '--port',
        '0',
        '--profile-out',
        profileFile,
        '--state',
        join(dir, 'state.sqlite'),
        '--limits',
        'off',
        '--json',
      ],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const printed = await new Promise<{ url: string; profileFile: string }>((resolve, reject) => {
      let stdout = ''
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        try {
          resolve(JSON.parse(stdout) as { url: string; profileFile: string })
        } catch {
          // not the whole document yet
        }
      })
      child.once('exit', (code) => reject(new Error(`sandbox exited with ${String(code)}: ${stderr}`)))
    })
    expect(printed.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(printed.profileFile).toBe(profileFile)
    const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as Record<string, string>
    expect(Object.keys(profile)).toEqual(
      expect.arrayContaining([
        'url',
        'authority',
        'tenantId',
        'clientId',
        'clientSecret',
        'caCertFile',
        'adminKey',
      ]),
    )
    const ca = readFileSync(profile['caCertFile'] ?? '', 'utf8')
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: profile['clientId'] ?? '',
        clientSecret: profile['clientSecret'] ?? '',
        authority: profile['authority'] ?? '',
        knownAuthorities: [new URL(profile['authority'] ?? '').host],
      },
      system: { networkClient: sandboxNetworkClient(ca) },
    })
    const token = await cca.acquireTokenByClientCredential({ scopes: [`${profile['url'] ?? ''}/.default`] })
    const dispatcher = new Agent({ connect: { ca } })
    const who = await fetch(`${profile['url'] ?? ''}/api/data/v9.2/WhoAmI`, {
      headers: { authorization: `Bearer ${token?.accessToken ?? ''}` },
      dispatcher,
    })
    expect(who.status).toBe(200)
    const stats = await fetch(`${profile['url'] ?? ''}/_sandbox/stats`, {
      headers: { 'x-sandbox-admin-key': profile['adminKey'] ?? '' },
      dispatcher,
    })
    expect(stats.status).toBe(200)
    await dispatcher.close()
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
  })

  it('exits 2 on a malformed option', () => {
    const result = spawnSync(process.execPath, [CLI, 'sandbox', '--faults', 'explode=1'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('unknown fault')
  })
})
