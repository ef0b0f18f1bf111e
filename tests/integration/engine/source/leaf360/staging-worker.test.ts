/**
 * Reading in the worker thread (batches packed across threads, a file's messages routed to its
 * run) stages exactly what reading in the main thread does.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateExport } from '../../../../../electron/engine/source/leaf360/generator'
import { stageExport } from '../../../../../electron/engine/source/leaf360/staging/stage-export'
import { Workspace } from '../../../../../electron/engine/workspace/workspace'

const work = mkdtempSync(join(tmpdir(), 'leafbridge-worker-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const QUERIES = {
  staged: `SELECT record_id, object, source_id, file, row, line, origin, archived, updated_at, data, raw,
      content_hash, warnings FROM staged_record ORDER BY record_id`,
  quarantined:
    'SELECT object, file, row, line, source_id, reason, defect, message, raw FROM quarantined_row ORDER BY quarantine_id',
  refs: 'SELECT record_id, column_name, target, target_id FROM staged_ref ORDER BY rowid',
  findings:
    'SELECT code, file, row, column_name, raw, reason, message FROM source_finding ORDER BY finding_id',
  files:
    'SELECT path, bytes, sha256, encoding, rows_read, staged, quarantined, skipped FROM source_file ORDER BY rowid',
}

async function stagedContent(location: string, worker: 'always' | 'never') {
  const workspace = Workspace.create(join(work, `w-${worker}-${Math.random()}`), { appVersion: 'test' })
  try {
    const report = await stageExport(workspace, location, { worker })
    const tables = Object.fromEntries(
      Object.entries(QUERIES).map(([name, sql]) => [name, workspace.database.prepare(sql).raw().all()]),
    )
    return { readInWorker: report.readInWorker, findings: report.findings, tables }
  } finally {
    workspace.close()
  }
}

describe('staging in the worker thread', () => {
  for (const zip of [false, true]) {
    it(`stages a ${zip ? 'zipped' : 'folder'} export exactly as the main thread does`, async () => {
      const out = join(work, zip ? 'export.zip' : 'export')
      const location = (await generateExport({ profile: 'tiny', seed: 11, flavour: 'api', out, zip })).out
      const inWorker = await stagedContent(location, 'always')
      const inThread = await stagedContent(location, 'never')
      expect(inWorker.readInWorker).toBe(true)
      expect(inThread.readInWorker).toBe(false)
      expect((inWorker.tables['staged'] as unknown[]).length).toBeGreaterThan(2_000)
      expect(inWorker.findings).toEqual(inThread.findings)
      for (const name of Object.keys(QUERIES))
        expect(inWorker.tables[name], name).toEqual(inThread.tables[name])
    })
  }
})
