/**
 * The source channels through the service layer (dispatch): staging runs as a job with progress
 * and ends with the report; the profile and quarantine are read back a page at a time; the
 * quarantine exports to a CSV file; a cancelled staging leaves no rows behind.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createEngine } from '../../../../electron/engine/service'
import { stageExport } from '../../../../electron/engine/source/leaf360/staging/stage-export'
import { StagingRepository } from '../../../../electron/engine/workspace/staging-repository'
import { Workspace } from '../../../../electron/engine/workspace/workspace'
import type { JobEvent } from '../../../../electron/shared/jobs'
import type { QuarantinePage, SourceProfile, StageReport } from '../../../../electron/shared/dto/source'
import { apiContactsWithDuplicates, writeExport } from '../../../support/leaf360-fixture'
import { useTempDirs } from '../../../support/temp-dir'

describe('source service', () => {
  const tempDir = useTempDirs()

  it('stages as a job with progress, then serves the profile, quarantine pages and a quarantine CSV', async () => {
    const dir = tempDir()
    const root = writeExport(join(dir, 'export'), {
      flavour: 'api',
      files: { 'data/contacts.csv': apiContactsWithDuplicates(30) },
    })
    const engine = createEngine({ host: 'cli' })
    const events: JobEvent[] = []
    engine.onJobEvent((e) => events.push(e))
    try {
      expect((await engine.dispatch('workspace:create', { path: join(dir, 'w') })).ok).toBe(true)
      expect(await engine.dispatch('source:get-profile', {})).toEqual({ ok: true, value: null })
      const started = await engine.dispatch('source:stage', { path: root })
      expect(started.ok).toBe(true)
      const { jobId } = (started as { value: { jobId: string } }).value
      const end = await engine.jobs.wait(jobId as `job-${string}`)
      expect(end.state).toBe('finished')
      expect(end.jobKind).toBe('stage-export')
      expect(events.some((e) => e.kind === 'progress' && e.unit === 'rows')).toBe(true)
      const report = end.result as StageReport
      expect(report.quarantineReasons['duplicate_row']).toBe(30)

      const profile = (await engine.dispatch('source:get-profile', {})) as { ok: true; value: SourceProfile }
      expect(profile.value.importId).toBe(report.importId)

      const page1 = (await engine.dispatch('source:list-quarantine', { offset: 0, limit: 20 })) as {
        ok: true
        value: QuarantinePage
      }
      const page2 = (await engine.dispatch('source:list-quarantine', { offset: 20, limit: 20 })) as {
        ok: true
        value: QuarantinePage
      }
      expect(page1.value.total).toBe(30)
      expect(page1.value.rows).toHaveLength(20)
      expect(page2.value.rows).toHaveLength(10)
      expect(page2.value.rows[0]!.quarantineId).toBeGreaterThan(page1.value.rows[19]!.quarantineId)
      const filtered = (await engine.dispatch('source:list-quarantine', { reason: 'missing_id' })) as {
        ok: true
        value: QuarantinePage
      }
      expect(filtered.value.total).toBe(0)

      const csv = join(dir, 'quarantine.csv')
      expect(await engine.dispatch('source:export-quarantine-csv', { destination: csv })).toEqual({
        ok: true,
        value: { path: csv, rows: 30 },
      })
      const lines = readFileSync(csv, 'utf8').trimEnd().split('\r\n')
      expect(lines).toHaveLength(31)
      expect(lines[1]).toMatch(/,contacts,data\/contacts\.csv,\d+,\d+,\d+,duplicate_row,D21,/)
      const again = await engine.dispatch('source:export-quarantine-csv', { destination: csv })
      expect(again).toMatchObject({ ok: false, error: { code: 'destination-exists' } })
    } finally {
      await engine.dispose()
    }
  })

  it('a cancelled staging leaves no staged or quarantined rows, and records the import as cancelled', async () => {
    const dir = tempDir()
    const root = writeExport(join(dir, 'export'), {
      flavour: 'api',
      files: { 'data/contacts.csv': apiContactsWithDuplicates(50) },
    })
    const workspace = Workspace.create(join(dir, 'w'), { appVersion: 'test' })
    try {
      const controller = new AbortController()
      const error = await stageExport(workspace, root, {
        signal: controller.signal,
        onProgress: (p) => p.rowsDone > 0 && controller.abort(),
      }).catch((e: unknown) => e)
      expect((error as { code?: string }).code).toBe('cancelled')
      const repo = new StagingRepository(workspace)
      expect(repo.getImport(1)?.status).toBe('cancelled')
      const counts = Object.fromEntries(workspace.summary().contents.map((c) => [c.key, c.count]))
      expect(counts).toMatchObject({ imports: 1, 'staged-records': 0, 'quarantined-rows': 0 })
    } finally {
      workspace.close()
    }
  })
})
