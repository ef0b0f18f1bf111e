/**
 * Staging generated exports (the generator's `_truth/` as oracle, EXPORT-FORMAT.md §10): both
 * flavours, folder and zip. Every row is staged, quarantined or (typed copies) skipped; every
 * injected defect is detected and handled where the truth says; a hostile archive is refused
 * whole; a later export of the portal is classified as its delta truth says.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../../../electron/engine/errors'
import { generateExport } from '../../../../../electron/engine/source/leaf360/generator'
import { stageExport } from '../../../../../electron/engine/source/leaf360/staging/stage-export'
import { StagingRepository } from '../../../../../electron/engine/workspace/staging-repository'
import { Workspace } from '../../../../../electron/engine/workspace/workspace'
import { checkDeltaTruth, checkTruth, readDeltaTruth, readTruth } from '../../../../support/truth-oracle'

const work = mkdtempSync(join(tmpdir(), 'leafbridge-generated-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

let n = 0
const fresh = (name: string) => join(work, `${name}-${++n}`)

async function stage(location: string, worker: 'auto' | 'always' = 'auto') {
  const workspace = Workspace.create(fresh('w'), { appVersion: 'test' })
  const report = await stageExport(workspace, location, { worker })
  return { workspace, report, repo: new StagingRepository(workspace) }
}

describe('generated exports', () => {
  for (const flavour of ['api', 'ui'] as const) {
    for (const zip of [false, true]) {
      it(`stages a tiny ${flavour} export (${zip ? 'zip' : 'folder'}): every row accounted for, every injected defect honoured`, async () => {
        // The same options write byte-identical exports, so the folder's truth is the zip's too.
        const options = { profile: 'tiny' as const, seed: 3, flavour }
        const folder = (await generateExport({ ...options, out: fresh(`${flavour}-folder`) })).out
        const location = zip
          ? (await generateExport({ ...options, out: `${fresh(flavour)}.zip`, zip: true })).out
          : folder
        const { workspace, report, repo } = await stage(location, zip ? 'always' : 'auto')
        try {
          expect(report.flavour).toBe(flavour)
          for (const [file, c] of Object.entries(report.objects)) {
            expect(c.read, file).toBe(c.staged + c.quarantined + c.skipped)
          }
          expect(report.totals.read).toBeGreaterThan(2_000)
          const { misses, undetectable } = checkTruth(repo, report.importId, readTruth(folder), flavour)
          expect(misses).toEqual([])
          // Injections that leave nothing to see are few (see truth-oracle.ts).
          expect(undetectable.length).toBeLessThan(20)
          const injected = new Set(readTruth(folder).map((l) => l.defect_id))
          for (const code of injected) {
            if (code === 'D09' || code === 'D18' || code === 'D23') continue
            expect(report.findings[code], code).toBeGreaterThan(0)
          }
        } finally {
          workspace.close()
        }
      })
    }
  }

  it('refuses a generated hostile zip whole, naming its entries, with nothing staged', async () => {
    const zip = (
      await generateExport({
        profile: 'tiny',
        seed: 4,
        flavour: 'api',
        zip: true,
        hostileZip: true,
        out: `${fresh('evil')}.zip`,
      })
    ).out
    const workspace = Workspace.create(fresh('w'), { appVersion: 'test' })
    try {
      const error = await stageExport(workspace, zip).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AppError)
      expect((error as AppError).code).toBe('unsafe-export')
      expect(((error as AppError).details!['entries'] as unknown[]).length).toBeGreaterThan(0)
      const counts = Object.fromEntries(workspace.summary().contents.map((c) => [c.key, c.count]))
      expect(counts).toMatchObject({ imports: 0, 'staged-records': 0, 'quarantined-rows': 0 })
    } finally {
      workspace.close()
    }
  })

  it('quarantines every row of a file without its id column, and rejects an automation file that does not parse', async () => {
    const folder = (
      await generateExport({
        profile: 'tiny',
        seed: 5,
        flavour: 'api',
        missingIdColumn: true,
        invalidJson: true,
        out: fresh('bad'),
      })
    ).out
    const { workspace, report } = await stage(folder)
    try {
      const enrollments = report.objects['automation/workflow_enrollments.csv']!
      expect(enrollments.read).toBeGreaterThan(0)
      expect(enrollments.quarantined).toBe(enrollments.read)
      expect(report.quarantineReasons['missing_id_column']).toBe(enrollments.read)
      expect(report.quarantineReasons['invalid_json']).toBe(1)
    } finally {
      workspace.close()
    }
  })

  it('classifies a later export of the portal as its delta truth says (new, changed, unchanged, gone)', async () => {
    const base = (
      await generateExport({ profile: 'tiny', seed: 11, flavour: 'api', defects: 0, out: fresh('base') })
    ).out
    const later = (await generateExport({ deltaOf: base, out: fresh('later') })).out
    const workspace = Workspace.create(fresh('w'), { appVersion: 'test' })
    try {
      const first = await stageExport(workspace, base)
      const second = await stageExport(workspace, later)
      const repo = new StagingRepository(workspace)
      const truth = readDeltaTruth(later)
      expect(truth.length).toBeGreaterThan(1_000)
      expect(checkDeltaTruth(repo, second.importId, truth)).toEqual([])
      const classes = new Set(truth.map((t) => t.expected))
      expect([...classes].sort()).toEqual(['changed', 'gone', 'new', 'unchanged'])
      expect(first.delta['contacts']?.['new']).toBe(first.objects['data/contacts.csv']?.staged)
    } finally {
      workspace.close()
    }
  })
})
