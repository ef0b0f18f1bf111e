/**
 * The contract every export reader passes (STYLE.md §9, one suite for every source): a folder or
 * a .zip, api or ui. Given a way to produce an export, it stages it into a fresh workspace and
 * checks the rules of EXPORT-FORMAT.md §1 and §2 that do not depend on the data.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { stageExport } from '../../../../../electron/engine/source/leaf360/staging/stage-export'
import { StagingRepository } from '../../../../../electron/engine/workspace/staging-repository'
import { Workspace } from '../../../../../electron/engine/workspace/workspace'
import type { StageReport } from '../../../../../electron/shared/dto/source'
import { useTempDirs } from '../../../../support/temp-dir'

/** An export to read, with what its maker knows about it. */
export type ContractExport = Readonly<{
  /** Folder or .zip to stage. */
  location: string
  /** The manifest's rows per export-relative path, when it has one. */
  manifestRows: Readonly<Record<string, number>> | null
  flavour: 'api' | 'ui'
  timezone?: string
}>

/** Runs the reader contract for exports made by `make` (called once per test with a fresh dir). */
export function exportReaderContract(name: string, make: (dir: string) => Promise<ContractExport>): void {
  describe(`export reader contract: ${name}`, () => {
    const tempDir = useTempDirs()

    async function staged() {
      const dir = tempDir()
      const ex = await make(dir)
      const workspace = Workspace.create(join(dir, 'w'), { appVersion: 'contract' })
      const report = await stageExport(workspace, ex.location, ex.timezone ? { timezone: ex.timezone } : {})
      return { ex, workspace, report, repo: new StagingRepository(workspace) }
    }

    it('accounts for every row of every file: read = staged + quarantined + skipped', async () => {
      const { report, workspace } = await staged()
      let read = 0
      for (const [file, c] of Object.entries(report.objects)) {
        expect(c.read, file).toBe(c.staged + c.quarantined + c.skipped)
        if (c.skipped > 0) expect(file).toMatch(/^data\/associations\//)
        read += c.read
      }
      expect(report.totals.read).toBe(read)
      expect(report.totals.read).toBe(
        report.totals.staged + report.totals.quarantined + report.totals.skipped,
      )
      workspace.close()
    })

    it('reads every file the manifest lists, with the rows it declares', async () => {
      const { ex, report, workspace } = await staged()
      if (ex.manifestRows !== null) {
        for (const [path, rows] of Object.entries(ex.manifestRows)) {
          expect(report.objects[path]?.read, path).toBe(rows)
        }
      }
      expect(report.flavour).toBe(ex.flavour)
      workspace.close()
    })

    it('stores what it staged in the workspace: records, quarantine and profile agree with the report', async () => {
      const { report, repo, workspace } = await staged()
      const stagedInDb = repo.stagedCounts(report.importId).reduce((n, r) => n + r.staged, 0)
      expect(stagedInDb).toBe(report.totals.staged + report.synthesised)
      expect(repo.quarantinePage(report.importId, 0, 1, null).total).toBe(report.totals.quarantined)
      const profile = repo.getProfile(report.importId) as { files: Array<{ path: string; read: number }> }
      expect(Object.fromEntries(profile.files.map((f) => [f.path, f.read]))).toEqual(
        Object.fromEntries(Object.entries(report.objects).map(([p, c]) => [p, c.read])),
      )
      expect(repo.getImport(report.importId)?.status).toBe('finished')
      workspace.close()
    })

    it('ignores a _truth/ folder entirely', async () => {
      const { report, repo, workspace } = await staged()
      const mentions = (text: string) => text.toLowerCase().includes('_truth')
      expect(Object.keys(report.objects).some(mentions)).toBe(false)
      expect(report.notes.some((n) => mentions(JSON.stringify(n)))).toBe(false)
      expect(repo.findings(report.importId).some((f) => mentions(JSON.stringify(f)))).toBe(false)
      workspace.close()
    })

    it('keeps ids as exact strings and never stores a float for money', async () => {
      const { report, repo, workspace } = await staged()
      for (const r of repo.stagedPage(report.importId, 'deals', 0, 200)) {
        const data = JSON.parse(r.data) as Record<string, unknown>
        expect(typeof data['id']).toBe('string')
        for (const key of ['amount', 'loan_amount', 'purchase_price']) {
          if (data[key] !== null && data[key] !== undefined) expect(data[key]).toMatch(/^-?\d+\.\d{2}$/)
        }
      }
      workspace.close()
    })
  })
}

/** The manifest's rows per path of an export folder. */
export function manifestRowsOf(root: string): Record<string, number> {
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as {
    files: Array<{ path: string; rows: number }>
  }
  return Object.fromEntries(manifest.files.map((f) => [f.path, f.rows]))
}

/** Summarises a report as the comparable staged content (tests comparing two containers). */
export const stagedSignature = (repo: StagingRepository, report: StageReport): string[] =>
  repo
    .query<{ k: string }>(
      "SELECT object || '/' || source_id || '/' || content_hash AS k FROM staged_record WHERE import_id = ? ORDER BY k",
      report.importId,
    )
    .map((r) => r.k)
