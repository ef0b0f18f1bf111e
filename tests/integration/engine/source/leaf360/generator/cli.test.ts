import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createCliContext } from '../../../../../../electron/cli/context'
import type { Io } from '../../../../../../electron/cli/output'
import { runCli } from '../../../../../../electron/cli/program'
import { useTempDirs } from '../../../../../support/temp-dir'
import { readManifest } from './export-files'

function memoryIo(): Io & { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), stderrIsTty: false }
}

describe('leafbridge generate-export', () => {
  const tempDir = useTempDirs('leafbridge-gen-cli-')

  it('prints one JSON document describing what it wrote, progress on stderr', async () => {
    const io = memoryIo()
    const ctx = createCliContext(io)
    const out = join(tempDir(), 'export.zip')
    const code = await runCli(
      [
        'generate-export',
        '--out',
        out,
        '--profile',
        'tiny',
        '--seed',
        '8',
        '--flavour',
        'ui',
        '--zip',
        '--json',
      ],
      ctx,
    )
    await ctx.dispose()
    expect(code).toBe(0)
    const doc = JSON.parse(io.out.join('')) as Record<string, unknown>
    expect(doc).toMatchObject({ out, zip: true, flavour: 'ui', profile: 'tiny', seed: 8 })
    expect(typeof doc['bytes']).toBe('number')
    expect(typeof doc['peakRssMb']).toBe('number')
    expect((doc['objectCounts'] as Record<string, number>)['activities']).toBeGreaterThan(0)
    expect(Object.keys(doc['defects'] as object).length).toBeGreaterThan(30)
    expect(io.err.join('')).toMatch(/generate-export 100% Done/)
  })

  it('writes a delta of a folder export with the flavour of its base', async () => {
    const dir = tempDir()
    const io = memoryIo()
    const ctx = createCliContext(io)
    expect(
      await runCli(
        ['generate-export', '--out', join(dir, 'a'), '--profile', 'tiny', '--flavour', 'ui', '--quiet'],
        ctx,
      ),
    ).toBe(0)
    expect(
      await runCli(
        [
          'generate-export',
          '--out',
          join(dir, 'b'),
          '--delta-of',
          join(dir, 'a'),
          '--changes',
          '0.2',
          '--quiet',
          '--json',
        ],
        ctx,
      ),
    ).toBe(0)
    await ctx.dispose()
    const doc = JSON.parse(io.out.at(-1) ?? '{}') as { flavour: string; delta: Record<string, number> }
    expect(doc.flavour).toBe('ui')
    expect(doc.delta['contacts/changed']).toBeGreaterThan(0)
    expect(readManifest(join(dir, 'b')).previous_export_id).toBe(readManifest(join(dir, 'a')).export_id)
  })

  it('exits 2 on a usage error and 1 when the output exists', async () => {
    const io = memoryIo()
    const ctx = createCliContext(io)
    const dir = tempDir()
    expect(await runCli(['generate-export', '--out', join(dir, 'x'), '--defects', 'lots'], ctx)).toBe(2)
    expect(
      await runCli(
        ['generate-export', '--out', join(dir, 'x'), '--profile', 'tiny', '--hostile-zip', '--json'],
        ctx,
      ),
    ).toBe(2)
    expect(await runCli(['generate-export', '--out', dir, '--profile', 'tiny', '--quiet'], ctx)).toBe(0)
    expect(await runCli(['generate-export', '--out', dir, '--profile', 'tiny', '--quiet'], ctx)).toBe(1)
    await ctx.dispose()
  })
})
