/**
 * The export reader contract over folder and zip, api and ui, on hand-written fixtures that
 * carry a _truth/ folder, parts, a binary and typed association copies; plus the zip-only rules of
 * §2 (root folder or archive root; a tampered archive refused whole before anything is staged).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { stageExport } from '../../../../../electron/engine/source/leaf360/staging/stage-export'
import { AppError } from '../../../../../electron/engine/errors'
import { StagingRepository } from '../../../../../electron/engine/workspace/staging-repository'
import { Workspace } from '../../../../../electron/engine/workspace/workspace'
import { dataCsv, writeExport, type FixtureOptions } from '../../../../support/leaf360-fixture'
import { useTempDirs } from '../../../../support/temp-dir'
import { zipFolder } from '../../../../support/zip'
import { exportReaderContract, manifestRowsOf, stagedSignature } from './export-reader-contract'

const ROOT = 'leaf360_export_4400123_20250630T120000Z'

function richFixture(flavour: 'api' | 'ui'): FixtureOptions {
  const ui = flavour === 'ui'
  const contact = (id: string, first: string) => ({
    id,
    first_name: first,
    last_name: 'Doe',
    email: `${first.toLowerCase()}@example.org`,
    phone: '(763)555-0123',
    contact_type: ui ? 'Borrower' : 'borrower',
    created_at: ui ? '01/05/2023 04:00 AM' : '2023-01-05T10:00:00Z',
    updated_at: ui ? '01/05/2024 04:00 AM' : '2024-01-05T10:00:00Z',
    archived: 'false',
  })
  const att = {
    file_id: '3001',
    original_filename: 'paystub.pdf',
    stored_path: 'files/3001/paystub.pdf',
    mime_type: 'application/pdf',
    size_bytes: '8',
    uploaded_at: ui ? '01/05/2024 04:00 AM' : '2024-01-05T10:00:00Z',
    binary_present: ui ? 'Yes' : 'true',
    updated_at: ui ? '01/05/2024 04:00 AM' : '2024-01-05T10:00:00Z',
    archived: 'false',
  }
  const files: Record<string, string | Buffer> = {
    'data/contacts_part1.csv': dataCsv('contacts', flavour, [
      contact('5001', 'Jane'),
      contact('5002', 'Ann'),
    ]),
    'data/contacts_part2.csv': dataCsv('contacts', flavour, [contact('5003', 'Kim'), contact('5003', 'Kim')]),
    'data/attachments.csv': dataCsv('attachments', flavour, [att]),
    'files/3001/paystub.pdf': '%PDF-1.4',
    '_truth/defects.jsonl': '{"defect_id":"D21","file":"data/contacts_part2.csv","row":2}\n',
  }
  if (!ui) {
    const a = (f: string, fi: string, t: string, ti: string, type: string) => ({
      from_object_type: f,
      from_id: fi,
      to_object_type: t,
      to_id: ti,
      association_type_id: type,
      association_category: 'LEAF360_DEFINED',
      is_primary: 'false',
    })
    files['data/associations.csv'] = dataCsv('associations', 'api', [
      a('contact', '5001', 'deal', '9001', '200'),
      a('deal', '9001', 'contact', '5001', '201'),
    ])
    files['data/associations/contact_deal.csv'] = dataCsv('associations_contact_deal', 'api', [
      a('contact', '5001', 'deal', '9001', '200'),
    ])
  }
  return { flavour, files: { ...files, 'data/contacts.csv': null } }
}

async function folderExport(dir: string, flavour: 'api' | 'ui') {
  const root = writeExport(join(dir, ROOT), richFixture(flavour))
  return { location: root, manifestRows: manifestRowsOf(root), flavour }
}

async function zipExport(dir: string, flavour: 'api' | 'ui') {
  const root = writeExport(join(dir, 'src'), richFixture(flavour))
  const location = await zipFolder(root, join(dir, 'export.zip'), { rootFolder: ROOT })
  return { location, manifestRows: manifestRowsOf(root), flavour }
}

for (const flavour of ['api', 'ui'] as const) {
  exportReaderContract(`folder, ${flavour}`, (dir) => folderExport(dir, flavour))
  exportReaderContract(`zip, ${flavour}`, (dir) => zipExport(dir, flavour))
}

describe('export containers (§2)', () => {
  const tempDir = useTempDirs()

  async function stageAt(dir: string, location: string, worker: 'always' | 'never' = 'never') {
    const workspace = Workspace.create(join(dir, `w-${Math.random().toString(36).slice(2)}`), {
      appVersion: 't',
    })
    try {
      const report = await stageExport(workspace, location, { worker })
      return { report, signature: stagedSignature(new StagingRepository(workspace), report) }
    } finally {
      workspace.close()
    }
  }

  it('stages the same records from a folder, a zip with a root folder and a zip with manifest.json at its root', async () => {
    const dir = tempDir()
    const root = writeExport(join(dir, ROOT), richFixture('api'))
    const a = await stageAt(dir, root)
    const b = await stageAt(dir, await zipFolder(root, join(dir, 'rooted.zip'), { rootFolder: ROOT }))
    const c = await stageAt(dir, await zipFolder(root, join(dir, 'flat.zip')))
    expect(b.signature).toEqual(a.signature)
    expect(c.signature).toEqual(a.signature)
    expect(a.report.objects['data/contacts_part2.csv']).toEqual({
      read: 2,
      staged: 1,
      quarantined: 1,
      skipped: 0,
    })
    expect(a.report.objects['data/associations/contact_deal.csv']).toEqual({
      read: 1,
      staged: 0,
      quarantined: 0,
      skipped: 1,
    })
  })

  it('stages the same records, findings and counts when a worker thread reads and validates', async () => {
    const dir = tempDir()
    const root = writeExport(join(dir, ROOT), richFixture('api'))
    const zip = await zipFolder(root, join(dir, 'rooted.zip'), { rootFolder: ROOT })
    const inThread = await stageAt(dir, zip, 'never')
    const inWorker = await stageAt(dir, zip, 'always')
    expect([inThread.report.readInWorker, inWorker.report.readInWorker]).toEqual([false, true])
    expect(inWorker.signature).toEqual(inThread.signature)
    expect(inWorker.report.objects).toEqual(inThread.report.objects)
    expect(inWorker.report.findings).toEqual(inThread.report.findings)
  })

  it('refuses a tampered zip whole, naming every bad entry, before anything is staged', async () => {
    const dir = tempDir()
    const root = writeExport(join(dir, 'src'), richFixture('api'))
    const zip = await zipFolder(root, join(dir, 'evil.zip'), {
      rootFolder: ROOT,
      extra: [
        { name: `${ROOT}/../evil1.txt` },
        { name: '/etc/evil2.txt' },
        { name: 'C:/Windows/evil3.txt' },
        { name: `${ROOT}/files/1\\..\\..\\evil4` },
        { name: `${ROOT}/files/link.pdf`, content: '/etc/passwd', symlink: true },
      ],
    })
    const workspace = Workspace.create(join(dir, 'w'), { appVersion: 't' })
    let error: unknown
    try {
      await stageExport(workspace, zip)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('unsafe-export')
    const named = ((error as AppError).details!['entries'] as Array<{ name: string; reason: string }>).map(
      (e) => e.reason,
    )
    expect(named).toEqual([
      'parent-segment',
      'absolute-path',
      'drive-letter',
      'parent-segment',
      'symbolic-link',
    ])
    for (const bad of ['evil1', 'evil2', 'evil3', 'evil4', 'link.pdf'])
      expect((error as Error).message).toContain(bad)
    const summary = workspace.summary()
    expect(summary.contents.find((c) => c.key === 'imports')?.count).toBe(0)
    expect(summary.contents.find((c) => c.key === 'staged-records')?.count).toBe(0)
    workspace.close()
  })

  it('refuses an export missing a required file before staging, naming the file', async () => {
    const dir = tempDir()
    const root = writeExport(join(dir, 'x'), { flavour: 'api', files: { 'data/owners.csv': null } })
    const workspace = Workspace.create(join(dir, 'w'), { appVersion: 't' })
    await expect(stageExport(workspace, root)).rejects.toMatchObject({
      code: 'export-incomplete',
      message: /data\/owners\.csv/,
    })
    expect(workspace.summary().contents.find((c) => c.key === 'imports')?.count).toBe(0)
    workspace.close()
  })

  it('reads names case-insensitively with a note, and warns about files outside the layout without reading them', async () => {
    const dir = tempDir()
    const root = writeExport(join(dir, 'x'), { flavour: 'api' })
    mkdirSync(join(root, 'DATA'), { recursive: true })
    writeFileSync(join(root, 'DATA', 'Teams.csv'), dataCsv('teams', 'api', []))
    writeFileSync(join(root, 'data', 'scratch.csv'), 'a,b\n1,2\n')
    const workspace = Workspace.create(join(dir, 'w'), { appVersion: 't' })
    const report = await stageExport(workspace, root)
    expect(report.objects['DATA/Teams.csv']).toEqual({ read: 0, staged: 0, quarantined: 0, skipped: 0 })
    expect(report.notes.map((n) => n.reason)).toContain('name_case')
    expect(report.objects['data/scratch.csv']).toBeUndefined()
    expect(report.findings['D31']).toBeGreaterThanOrEqual(1)
    workspace.close()
  })

  it('without a manifest infers the flavour from the contacts header and requires the time zone', async () => {
    const dir = tempDir()
    const root = writeExport(join(dir, 'x'), { flavour: 'ui', manifest: null })
    const workspace = Workspace.create(join(dir, 'w'), { appVersion: 't' })
    await expect(stageExport(workspace, root)).rejects.toMatchObject({
      code: 'timezone-required',
      message: /--timezone/,
    })
    const report = await stageExport(workspace, root, { timezone: 'America/Denver' })
    expect(report).toMatchObject({ flavour: 'ui', flavourOrigin: 'inferred', timezone: 'America/Denver' })
    const deal = new StagingRepository(workspace).findStaged(report.importId, 'deals', '9001')!
    expect(JSON.parse(deal.data)['created_at']).toBe('2024-02-01T13:00:00Z')
    workspace.close()
  })
})
