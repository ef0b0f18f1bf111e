import { readFileSync } from 'node:fs'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MismatchView, VerifyReport } from '../../../../../electron/shared/dto/verify'
import type { ObjectMapping } from '../../../../../electron/engine/plan/mapping/model'
import { writeReconciliationReports } from '../../../../../electron/engine/reports/reconciliation'
import { verifyRun } from '../../../../../electron/engine/run/verify'
import { VerifyRepository } from '../../../../../electron/engine/workspace/verify-repository'
import type { Workspace } from '../../../../../electron/engine/workspace/workspace'
import { type TestSandbox, startTestSandbox } from '../../../../support/sandbox'
import { useTempDirs } from '../../../../support/temp-dir'
import {
  type FixtureTarget,
  type ManualRun,
  fixtureRecords,
  migrateByHand,
  openWorkspace,
  prepareTarget,
  smallMapping,
} from './target-fixture'

let ts: TestSandbox
let target: FixtureTarget | null = null

beforeAll(async () => {
  ts = await startTestSandbox()
})
afterAll(async () => {
  await target?.connection.close()
  await ts?.close()
})

/** An empty environment with the source-id columns and keys, as after the schema plan. */
async function freshTarget(): Promise<FixtureTarget> {
  await target?.connection.close()
  ts.sandbox.reset()
  target = await prepareTarget(ts, ['account', 'contact'])
  return target
}

const mapping = smallMapping()
const sources = fixtureRecords(3, 2)

async function verify(ws: Workspace, run: ManualRun, target: FixtureTarget) {
  const repo = new VerifyRepository(ws)
  const verifyId = repo.createPass(run.runId, ts.sandbox.url, new Date().toISOString())
  const byMapping = (m: ObjectMapping) =>
    run.records.filter((r) => m.target.kind === 'table' && r.table === m.target.table)
  const outcome = await verifyRun({
    client: target.client,
    mapping,
    runId: run.runId,
    verifyId,
    repo,
    expected: byMapping,
    expectedCount: (m) => byMapping(m).length,
    sourceCounts: {
      companies: { read: 4, staged: 3, quarantined: 1 },
      contacts: { read: 6, staged: 6, quarantined: 0 },
    },
    pageSize: 2,
  })
  return { repo, verifyId, outcome }
}

describe('verify against the sandbox', () => {
  const tempDir = useTempDirs()

  it('reads back every migrated record page by page and verifies every mapped field', async () => {
    const target = await freshTarget()
    const ws = openWorkspace(tempDir())
    const run = await migrateByHand(ws, target, mapping, sources)
    const { outcome } = await verify(ws, run, target)
    expect(outcome.mismatches).toBe(0)
    expect(
      outcome.reconciliation.map((r) => [
        r.table,
        r.source,
        r.quarantined,
        r.expected,
        r.loaded,
        r.verified,
        r.mismatches,
      ]),
    ).toEqual([
      ['account', 4, 1, 3, 3, 3, 0],
      ['contact', 6, 0, 6, 6, 6, 0],
    ])
    ws.close()
  })

  it('finds a value changed in Dataverse after the run and a record deleted there, and reports both', async () => {
    const target = await freshTarget()
    const ws = openWorkspace(tempDir())
    const run = await migrateByHand(ws, target, mapping, sources)
    const changed = await ts.request('PATCH', "contacts(lb_sourceid='contact-102')", {
      body: { lastname: 'Changed-in-Dynamics' },
    })
    expect(changed.status).toBe(204)
    const relinked = await ts.request('PATCH', "contacts(lb_sourceid='contact-201')", {
      body: { 'parentcustomerid_account@odata.bind': "/accounts(lb_sourceid='company-3')" },
    })
    expect(relinked.status).toBe(204)
    const removed = await ts.request('DELETE', "accounts(lb_sourceid='company-3')")
    expect(removed.status).toBe(204)

    const { repo, verifyId, outcome } = await verify(ws, run, target)
    const found = repo.mismatchPage(verifyId, 0, 100, null).rows
    // Deleting company-3 cascades to its contacts (parentcustomerid is parental), so they go missing too.
    expect(found.map((m) => [m.table, m.sourceKey, m.column, m.reason])).toEqual([
      ['account', 'company-3', 'lb_sourceid', 'missing-record'],
      ['contact', 'contact-102', 'lastname', 'value'],
      ['contact', 'contact-201', 'lb_sourceid', 'missing-record'],
      ['contact', 'contact-301', 'lb_sourceid', 'missing-record'],
      ['contact', 'contact-302', 'lb_sourceid', 'missing-record'],
    ])
    expect(found[1]).toMatchObject({ expected: 'Borrower1', actual: 'Changed-in-Dynamics' })
    expect(found[1]!.targetId).toMatch(/^[0-9a-f-]{36}$/)
    expect(outcome.mismatches).toBe(5)
    expect(outcome.reconciliation.find((r) => r.table === 'contact')).toMatchObject({
      expected: 6,
      loaded: 6,
      verified: 2,
      mismatched: 1,
      missing: 3,
      mismatches: 4,
    })

    // The reports say the same, in every format.
    const report: VerifyReport = {
      verifyId,
      runId: run.runId,
      runNo: 1,
      targetUrl: ts.sandbox.url,
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      tables: Object.fromEntries(outcome.reconciliation.map((r) => [r.table, r])),
      mismatches: outcome.mismatches,
      reconciliation: outcome.reconciliation,
      sample: outcome.sample,
      reportsDir: null,
      files: [],
    }
    const dir = tempDir()
    const files = await writeReconciliationReports(dir, report, () => repo.iterateMismatches(verifyId))
    expect(files.map((f) => `${f.report}.${f.format}`).sort()).toEqual([
      'mismatches.csv',
      'reconciliation.csv',
      'reconciliation.html',
      'reconciliation.json',
      'reconciliation.md',
      'reconciliation.xlsx',
    ])
    const path = (name: string) => files.find((f) => `${f.report}.${f.format}` === name)!.path
    const csv = readFileSync(path('mismatches.csv'), 'utf8').split('\r\n')
    expect(csv).toHaveLength(7)
    expect(csv[2]).toContain('contact-102,')
    expect(csv[2]).toContain(',Borrower1,Changed-in-Dynamics')
    const json = JSON.parse(readFileSync(path('reconciliation.json'), 'utf8')) as {
      mismatchList: MismatchView[]
      mismatches: number
    }
    expect(json.mismatches).toBe(5)
    expect(json.mismatchList).toHaveLength(5)
    expect(readFileSync(path('reconciliation.html'), 'utf8')).toContain('Changed-in-Dynamics')
    const book = new ExcelJS.Workbook()
    await book.xlsx.readFile(path('reconciliation.xlsx'))
    expect(book.worksheets.map((s) => s.name)).toEqual(['Summary', 'Reconciliation per table', 'Mismatches'])
    expect(book.getWorksheet('Mismatches')!.rowCount).toBe(6)
    ws.close()
  })
})
