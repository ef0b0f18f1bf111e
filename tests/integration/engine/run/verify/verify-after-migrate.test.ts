import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../../../../electron/engine/clock'
import { previewRollback, rollbackMigration } from '../../../../../electron/engine/run/rollback'
import { runMigration } from '../../../../../electron/engine/run/run-migration'
import { verifyLatestRun } from '../../../../../electron/engine/run/verify-pass'
import { RollbackRepository } from '../../../../../electron/engine/workspace/rollback-repository'
import { type MigrationFixture, prepareMigration } from '../../../../support/run/migration-fixture'
import { useTempDirs } from '../../../../support/temp-dir'

/**
 * The real loader's run of the mortgage fixture export (every phase: accounts with parents,
 * contacts and leads, deals with BPF instances, every activity type, attachments small, chunked
 * and oversized, connections, Win/Lose and completed activities), then verify and rollback.
 */
describe('verify and rollback after a real migration run', () => {
  const tempDir = useTempDirs()
  let fx: MigrationFixture
  let beforeRun: ReturnType<MigrationFixture['sandbox']['sandbox']['stateHash']>

  beforeAll(async () => {
    const { mkdtempSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    fx = await prepareMigration(mkdtempSync(join(tmpdir(), 'leafbridge-verify-')))
    beforeRun = fx.sandbox.sandbox.stateHash()
    const connection = fx.connect()
    try {
      const summary = await runMigration({ workspace: fx.workspace, connection, clock: systemClock })
      expect(summary.status).toBe('finished')
    } finally {
      await connection.close()
    }
  })
  afterAll(async () => {
    await fx?.close()
  })

  it('verifies every loaded record with zero mismatches and writes every report', async () => {
    const out = tempDir()
    const report = await verifyLatestRun({
      workspace: fx.workspace,
      profile: fx.profile,
      clock: systemClock,
      outDir: out,
    })
    const wrong = report.sample
      .slice(0, 10)
      .map((m) => `${m.table} ${m.sourceKey} ${m.column}: ${m.expected} / ${m.actual}`)
    expect(wrong).toEqual([])
    expect(report.mismatches).toBe(0)
    for (const r of report.reconciliation) {
      expect(r.loaded + r.failed + r.skipped + r.notLoaded, r.table).toBe(r.expected)
      expect(r.verified, r.table).toBe(r.loaded)
    }
    expect(report.tables['contact']!.verified).toBeGreaterThan(0)
    expect(report.tables['annotation']!.verified).toBeGreaterThan(0)
    for (const f of report.files) expect(existsSync(f.path)).toBe(true)
    const names = report.files.map((f) => f.path.slice(out.length + 1)).sort()
    expect(names).toEqual([
      'data-dictionary.csv',
      'data-dictionary.html',
      'data-dictionary.json',
      'data-dictionary.md',
      'data-dictionary.xlsx',
      'duplicates.csv',
      'duplicates.html',
      'duplicates.json',
      'duplicates.xlsx',
      'mismatches.csv',
      'oversized-files.csv',
      'oversized-files.html',
      'oversized-files.json',
      'oversized-files.xlsx',
      'reconciliation.csv',
      'reconciliation.html',
      'reconciliation.json',
      'reconciliation.md',
      'reconciliation.xlsx',
    ])
    // The fixture's one file over the 6 MB upload limit is in the manifest, with its SHA-256.
    const manifest = JSON.parse(readFileSync(join(out, 'oversized-files.json'), 'utf8')) as {
      files: Array<{ reason: string; details: { sha256: string | null } }>
    }
    expect(manifest.files.filter((f) => f.reason === 'oversized-file')).toHaveLength(1)
    expect(manifest.files[0]!.details.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(readFileSync(join(out, 'data-dictionary.csv'), 'utf8')).toContain('lb_loanstatus')
  })

  it('finds a field changed in Dataverse after the run', async () => {
    const contact = (
      await fx.sandbox.request(
        'GET',
        'contacts?$select=contactid,lastname,lb_sourceid&$filter=lb_sourceid ne null&$top=1',
      )
    ).json<{ value: Array<{ contactid: string; lastname: string; lb_sourceid: string }> }>().value[0]!
    const changed = await fx.sandbox.request('PATCH', `contacts(${contact.contactid})`, {
      body: { lastname: `${contact.lastname} (edited)` },
    })
    expect(changed.status).toBe(204)
    const report = await verifyLatestRun({
      workspace: fx.workspace,
      profile: fx.profile,
      clock: systemClock,
      outDir: tempDir(),
    })
    expect(report.mismatches).toBe(1)
    expect(report.sample[0]).toMatchObject({
      table: 'contact',
      sourceKey: contact.lb_sourceid,
      column: 'lastname',
      expected: contact.lastname,
      actual: `${contact.lastname} (edited)`,
    })
    await fx.sandbox.request('PATCH', `contacts(${contact.contactid})`, {
      body: { lastname: contact.lastname },
    })
  })

  it('rolls the whole run back: the state hash is the one before the run', async () => {
    const now = () => new Date().toISOString()
    const preview = previewRollback(new RollbackRepository(fx.workspace, now), fx.profile.url)
    expect(preview.total).toBeGreaterThan(0)
    expect(preview.tables['opportunity']!.delete).toBeGreaterThan(0)
    const connection = fx.connect()
    try {
      const result = await rollbackMigration({
        repo: new RollbackRepository(fx.workspace, now),
        client: connection.primary,
        targetUrl: fx.profile.url,
      })
      expect(result.failures).toEqual([])
      // Children first: no delete found its record already gone with a parent.
      expect(result.alreadyAbsent).toBe(0)
    } finally {
      await connection.close()
    }
    const after = fx.sandbox.sandbox.stateHash()
    expect(after.tables).toEqual(beforeRun.tables)
    expect(after.data).toBe(beforeRun.data)
  })
})
