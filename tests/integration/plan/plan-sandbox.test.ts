/**
 * Planning against the real sandbox over HTTPS with MSAL tokens: audit, schema plan, apply (twice:
 * the second creates nothing), the owner preflight, the exported reports, and undo.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../../electron/engine/service'
import { prepareOwnerResolution } from '../../../electron/engine/plan/owners'
import { confirmedMappingDocument } from '../../../electron/engine/plan/mapping-store'
import { connectTarget } from '../../../electron/engine/target/dataverse/connect'
import { loadTargetProfile } from '../../../electron/engine/target/dataverse/profile'
import type {
  ApplyResult,
  ExportedFile,
  OwnersReport,
  SchemaPlan,
  TargetAudit,
  UndoResult,
} from '../../../electron/shared/dto/plan'
import type { JobRef } from '../../../electron/shared/jobs'
import { useSandbox } from '../../support/sandbox'
import { useTempDirs } from '../../support/temp-dir'
import { PLAN_USERS, stagePlanFixture } from './plan-fixture'

async function call<T>(engine: Engine, channel: string, request: unknown): Promise<T> {
  const result = await engine.dispatch(channel, request)
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`)
  return result.value as T
}

async function job<T>(engine: Engine, channel: string, request: unknown): Promise<T> {
  const { jobId } = await call<JobRef>(engine, channel, request)
  const end = await engine.jobs.wait(jobId)
  if (end.state !== 'finished') throw new Error(`${channel}: ${end.state}: ${end.error?.message}`)
  return end.result as T
}

describe('planning against the sandbox', () => {
  const sandbox = useSandbox({ users: PLAN_USERS, keyActivationMs: 300 })
  const tempDir = useTempDirs()

  it('audits, plans, applies once, creates nothing the second time, resolves owners and undoes', async () => {
    const dir = tempDir()
    const staged = await stagePlanFixture(dir)
    const path = staged.workspace.path
    staged.close()
    const engine = createEngine({ host: 'cli' })
    try {
      await call(engine, 'workspace:open', { path })
      await call(engine, 'target:use-profile-file', { path: sandbox().profileFile })

      const audit = await job<TargetAudit>(engine, 'plan:audit', {})
      expect(audit.environment.url).toBe(sandbox().sandbox.url)
      expect(audit.users.find((u) => u.email === 'chris.ng@sandbox.example')?.isDisabled).toBe(true)
      expect(audit.tables.find((t) => t.table === 'contact')?.bulk.upsertMultiple).toBe(true)
      expect(audit.licence.tier).toBe('unknown')

      const plan = await call<SchemaPlan>(engine, 'plan:get-schema-plan', {})
      expect(plan.counts.conflict).toBe(0)
      expect(plan.columns.length).toBeGreaterThan(100)
      expect(plan.columns.find((c) => c.schemaName === 'lb_CfZillowLeadId')).toMatchObject({
        table: 'opportunity',
        displayName: 'Zillow Lead ID',
      })
      expect(plan.processes.map((p) => p.name)).toEqual(['Purchase (Leaf360)', 'Refinance (Leaf360)'])
      expect(plan.warnings.map((w) => w.code)).toEqual(
        expect.arrayContaining(['attachments-over-limit', 'stage-archived-kept', 'licence-unknown']),
      )

      // Apply is refused without the operator's confirmation.
      const refused = await engine.dispatch('plan:apply-schema', {})
      expect(refused.ok).toBe(false)

      const first = await job<ApplyResult>(engine, 'plan:apply-schema', { confirm: true })
      expect(first.created).toBeGreaterThan(plan.columns.length)
      const second = await job<ApplyResult>(engine, 'plan:apply-schema', { confirm: true })
      expect(second.created).toBe(0)
      expect(second.existing).toBe(first.created + first.existing)

      // What apply made is in the environment: columns, Active keys, roles matched to each other, processes with stages.
      const s = sandbox()
      const attrs = (
        await s.request(
          'GET',
          "EntityDefinitions(LogicalName='opportunity')/Attributes?$select=LogicalName&$filter=IsCustomAttribute eq true",
        )
      ).json<{ value: Array<{ LogicalName: string }> }>()
      expect(attrs.value.map((a) => a.LogicalName)).toEqual(
        expect.arrayContaining([
          'lb_sourceid',
          'lb_loantype',
          'lb_cfzillowleadid',
          'lb_enteredunderwritingon',
        ]),
      )
      const key = (
        await s.request(
          'GET',
          "EntityDefinitions(LogicalName='contact')/Keys(LogicalName='lb_sourceidkey')",
          { headers: { Consistency: 'Strong' } },
        )
      ).json<{ EntityKeyIndexStatus: string; KeyAttributes: string[] }>()
      expect(key).toMatchObject({ EntityKeyIndexStatus: 'Active', KeyAttributes: ['lb_sourceid'] })
      const after = await call<SchemaPlan>(engine, 'plan:get-schema-plan', {})
      expect(after.counts.create).toBe(0)
      expect(after.alternateKeys.every((k) => k.status === 'Active')).toBe(true)
      const roles = (await call<TargetAudit>(engine, 'plan:get-audit', {})).connectionRoles
      expect(roles.find((r) => r.name === 'Referred By')?.reciprocal).toEqual(['Referred'])
      const processes = (await call<TargetAudit>(engine, 'plan:get-audit', {})).processes
      expect(processes.find((p) => p.name === 'Refinance (Leaf360)')?.stages.map((x) => x.name)).toEqual(
        plan.processes[1]!.stages.map((x) => x.name),
      )

      // Owners: the demo's disabled and unknown owners are listed, the run refused until a fallback is set.
      const owners = await call<OwnersReport>(engine, 'plan:get-owners', {})
      expect([owners.matched, owners.disabled, owners.unmatched]).toEqual([2, 1, 1])
      expect(owners.owners.find((o) => o.status === 'disabled')?.email).toBe('chris.ng@sandbox.example')
      expect(owners.owners.find((o) => o.status === 'unmatched')?.email).toBe('pat.unknown@lender.example')
      expect(owners.ready).toBe(false)
      const ws = engine.context.workspaces.require()
      const connection = connectTarget(loadTargetProfile(s.profileFile), { users: 1 })
      try {
        await expect(
          prepareOwnerResolution({ workspace: ws, client: connection.primary, clock: engine.context.clock }),
        ).rejects.toMatchObject({ code: 'owners-not-ready' })
        const ready = await call<OwnersReport>(engine, 'plan:set-owner-decisions', {
          fallbackEmail: 'AVERY.admin@sandbox.example',
        })
        expect(ready.ready).toBe(true)
        const resolution = await prepareOwnerResolution({
          workspace: ws,
          client: connection.primary,
          clock: engine.context.clock,
        })
        expect(resolution.userFor('102')).toBe(ready.fallback!.systemUserId)
        expect(resolution.userFor('101')).toBe(
          ready.owners.find((o) => o.ownerId === '101')!.match!.systemUserId,
        )
      } finally {
        await connection.close()
      }
      // A disabled user cannot be the fallback.
      const disabled = await engine.dispatch('plan:set-owner-decisions', {
        fallbackEmail: 'chris.ng@sandbox.example',
      })
      expect(disabled).toMatchObject({ ok: false, error: { code: 'owner-user-invalid' } })

      // The mapping the loader reads is the confirmed one.
      expect(() => confirmedMappingDocument(ws)).toThrow(
        expect.objectContaining({ code: 'mapping-not-confirmed' }),
      )
      const mapping = await call<{ version: number }>(engine, 'plan:get-mapping', {})
      await call(engine, 'plan:confirm-mapping', { version: mapping.version })
      expect(confirmedMappingDocument(ws).version).toBe(mapping.version)

      // Reports open as files.
      const out = join(dir, 'reports')
      const files = [
        ...(await call<ExportedFile[]>(engine, 'plan:export-schema-plan', { directory: out })),
        ...(await call<ExportedFile[]>(engine, 'plan:export-audit', { directory: out })),
        ...(await call<ExportedFile[]>(engine, 'plan:export-owners', { directory: out })),
        ...(await call<ExportedFile[]>(engine, 'plan:export-workflows', { directory: out })),
      ]
      for (const f of files.filter((x) => x.format === 'json'))
        expect(() => JSON.parse(readFileSync(f.path, 'utf8'))).not.toThrow()
      for (const f of files.filter((x) => x.format === 'xlsx')) {
        const book = new ExcelJS.Workbook()
        await book.xlsx.readFile(f.path)
        expect(book.worksheets.length).toBeGreaterThan(1)
      }
      expect(readFileSync(join(out, 'owners-preflight.csv'), 'utf8')).toMatch(
        /pat\.unknown@lender\.example,loan_officer,yes,unmatched/,
      )
      expect(readFileSync(join(out, 'schema-plan.html'), 'utf8')).toContain('lb_CfZillowLeadId')
      expect(readFileSync(join(out, 'bpf-refi.xml'), 'utf8')).toContain(
        '<UniqueName>lb_bpf_refi</UniqueName>',
      )
      const reference = JSON.parse(readFileSync(join(out, 'workflow-rebuild-reference.json'), 'utf8'))
      expect(reference.entries.map((e: { name: string }) => e.name)).toContain('New lead routing')

      // Undo removes what apply created that the sandbox can remove (keys, roles, processes).
      const undone = await job<UndoResult>(engine, 'plan:undo-schema', { confirm: true })
      expect(undone.removed).toBeGreaterThan(0)
      const gone = await s.request(
        'GET',
        "EntityDefinitions(LogicalName='contact')/Keys(LogicalName='lb_sourceidkey')",
      )
      expect(gone.status).toBe(404)
      const audited = await call<TargetAudit>(engine, 'plan:get-audit', {})
      expect(audited.connectionRoles.map((r) => r.name)).not.toContain('Referred By')
      expect(audited.processes.map((p) => p.name)).not.toContain('Purchase (Leaf360)')
    } finally {
      await engine.dispose()
    }
  })
})
