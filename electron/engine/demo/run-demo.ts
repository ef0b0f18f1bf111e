/**
 * The headless demo (issue 6 item 6): the whole migration on the bundled demo export against a
 * local Dataverse, through the same service channels the wizard uses: create a workspace, stage
 * the export, connect, audit, confirm the proposed mapping, apply the schema plan, resolve owners
 * with a fallback, migrate, verify, and write every report. The sandbox is a port (`startTarget`)
 * the host provides, since the engine never imports it.
 *
 * The people the sandbox seeds make the owners step real (resources/README.md): most owners have a
 * Dynamics user with the same e-mail, one a disabled user, one none; records of owners without an
 * enabled user go to the fallback owner, the demo's migration admin.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { ApplyResult, ExportedFile, MappingSummary, OwnersReport } from '../../shared/dto/plan'
import type { RunSummary } from '../../shared/dto/run'
import type { StageReport } from '../../shared/dto/source'
import type { ReportFile, TableCounts, VerifyReport } from '../../shared/dto/verify'
import type { JobRef } from '../../shared/jobs'
import type { Result } from '../../shared/result'
import { AppError } from '../errors'
import type { Engine } from '../service'
import { defaultMappingFor } from '../run/run-migration'
import { DEMO_OWNER_SEEDING } from '../source/leaf360/generator/demo'
import { loadSourceView } from '../run/source-view'

/** A person the demo's environment knows. */
export type DemoUser = Readonly<{ email: string; firstName: string; lastName: string; disabled?: boolean }>

/** The environment the host started for the demo. */
export type DemoTarget = Readonly<{
  url: string
  /** The target profile file (`--target FILE` of the other commands). */
  profileFile: string
  /** Where the environment keeps its state, so it can be started again for inspection. */
  stateFile: string
  close: () => Promise<void>
}>

export type DemoOptions = Readonly<{
  engine: Engine
  /** Folder for the workspace, the target profile, the sandbox state and `reports/` (new or empty). */
  outDir: string
  /** The Leaf360 export to stage (folder or .zip), or a function that writes one into `dir` and says where. */
  exportPath: string | ((dir: string) => Promise<string>)
  /** Starts the environment in `dir`, seeded with `users`. */
  startTarget: (args: Readonly<{ dir: string; users: ReadonlyArray<DemoUser> }>) => Promise<DemoTarget>
  /** Monotonic milliseconds (timings). */
  now: () => number
  onStep?: (step: DemoStepName, message: string) => void
}>

export const DEMO_STEPS = [
  'workspace',
  'stage',
  'target',
  'audit',
  'mapping',
  'schema',
  'owners',
  'migrate',
  'verify',
  'reports',
] as const
export type DemoStepName = (typeof DEMO_STEPS)[number]

/** What the demo did; `tables` and `mismatches` have the shape of `leafbridge verify --json`. */
export type DemoResult = Readonly<{
  workspace: string
  target: string
  stateFile: string
  reportsDir: string
  targetUrl: string
  tables: Readonly<Record<string, TableCounts>>
  mismatches: number
  records: RunSummary['records']
  staged: StageReport['totals']
  owners: Readonly<{ matched: number; disabled: number; unmatched: number; fallback: string }>
  schema: Readonly<{ created: number; existing: number }>
  run: Readonly<{ runId: string; status: string; elapsedMs: number; recordsPerSecond: number }>
  steps: ReadonlyArray<Readonly<{ step: DemoStepName; seconds: number }>>
  elapsedMs: number
  files: ReadonlyArray<ReportFile>
  ok: boolean
}>

/** The demo's migration admin: the fallback owner of records whose owner has no enabled user. */
export const DEMO_ADMIN: DemoUser = {
  email: 'migration.admin@leafbridge-demo.example',
  firstName: 'Morgan',
  lastName: 'Admin',
}

/** Unwraps a Result, or throws its error as the engine's. */
function value<T>(result: Result<unknown>): T {
  if (!result.ok) throw new AppError(result.error)
  return result.value as T
}

/** An owner of the export with how many records name it. */
export type DemoOwner = Readonly<{
  ownerId: string
  email: string
  name: string
  active: boolean
  records: number
}>

/**
 * The people to seed, from the export's owners. For the bundled demo export, as resources/README.md
 * says (`DEMO_OWNER_SEEDING`): the listed owners get enabled users, the deactivated loan officer a
 * disabled one, one owner none. For another export the same shape by record counts: every active
 * owner gets an enabled user, except that of the active owners who own records (most first) the
 * last gets a disabled user and, with three or more, the one before it none. Then the demo's
 * migration admin, the fallback owner.
 */
export function demoUsers(owners: ReadonlyArray<DemoOwner>): ReadonlyArray<DemoUser> {
  const user = (o: DemoOwner, disabled: boolean): DemoUser => {
    const [first, ...rest] = o.name.split(' ')
    return {
      email: o.email,
      firstName: first || 'Leaf360',
      lastName: rest.join(' ') || o.ownerId,
      ...(disabled ? { disabled: true } : {}),
    }
  }
  const local = (o: DemoOwner) => o.email.split('@')[0] ?? ''
  const listed = (names: ReadonlyArray<string>) => owners.filter((o) => names.includes(local(o)))
  if (listed(DEMO_OWNER_SEEDING.enabled).length > 0) {
    return [
      ...listed(DEMO_OWNER_SEEDING.enabled).map((o) => user(o, false)),
      ...listed(DEMO_OWNER_SEEDING.disabled).map((o) => user(o, true)),
      DEMO_ADMIN,
    ]
  }
  const byId = (a: DemoOwner, b: DemoOwner) => (a.ownerId < b.ownerId ? -1 : a.ownerId > b.ownerId ? 1 : 0)
  const active = owners.filter((o) => o.active && o.email !== '').sort(byId)
  const owning = active.filter((o) => o.records > 0).sort((a, b) => b.records - a.records || byId(a, b))
  const disabled = owning.length >= 2 ? owning[owning.length - 1]!.ownerId : null
  const unknown = owning.length >= 3 ? owning[owning.length - 2]!.ownerId : null
  return [
    ...active.filter((o) => o.ownerId !== unknown).map((o) => user(o, o.ownerId === disabled)),
    DEMO_ADMIN,
  ]
}

/** Runs the demo; the target is closed at the end (its state stays in `outDir`). */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const { engine } = o
  const outDir = resolve(o.outDir)
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new AppError({
      code: 'demo-folder-not-empty',
      kind: 'fatal',
      message: `${outDir} is not empty. Choose a new folder for the demo (--out DIR); it will hold the workspace, the environment and the reports.`,
    })
  }
  mkdirSync(outDir, { recursive: true })
  const reportsDir = join(outDir, 'reports')
  const started = o.now()
  const steps: Array<{ step: DemoStepName; seconds: number }> = []
  let target: DemoTarget | null = null
  const step = async <T>(name: DemoStepName, message: string, work: () => Promise<T>): Promise<T> => {
    o.onStep?.(name, message)
    const t0 = o.now()
    const result = await work()
    steps.push({ step: name, seconds: Math.round((o.now() - t0) / 100) / 10 })
    return result
  }
  const job = async <T>(channel: string, request: unknown): Promise<T> => {
    const ref = value<JobRef>(await engine.dispatch(channel, request))
    const end = await engine.jobs.wait(ref.jobId)
    if (end.state === 'finished') return end.result as T
    if (end.state === 'cancelled')
      throw new AppError({ code: 'cancelled', kind: 'fatal', message: 'The demo was cancelled.' })
    throw new AppError(end.error ?? { code: 'internal-error', kind: 'bug', message: `${channel} failed.` })
  }
  const call = async <T>(channel: string, request: unknown): Promise<T> =>
    value<T>(await engine.dispatch(channel, request))

  try {
    const workspace = await step('workspace', 'Creating the workspace', () =>
      call<{ path: string }>('workspace:create', { path: join(outDir, 'demo.leafbridge') }),
    )
    const exportPath = typeof o.exportPath === 'string' ? o.exportPath : await o.exportPath(outDir)
    const staged = await step('stage', `Staging the demo export ${exportPath}`, () =>
      job<StageReport>('source:stage', { path: exportPath }),
    )
    const users = demoUsers(stagedOwners(engine))
    target = await step('target', `Starting the local Dataverse with ${users.length} users`, async () => {
      const t = await o.startTarget({ dir: outDir, users })
      await call('target:use-profile-file', { path: t.profileFile })
      return t
    })
    await step('audit', 'Auditing the environment', () => job('plan:audit', {}))
    await step('mapping', 'Confirming the proposed mortgage mapping', async () => {
      const proposed = await call<MappingSummary>('plan:propose-mapping', {})
      return call<MappingSummary>('plan:confirm-mapping', { version: proposed.version })
    })
    const applied = await step('schema', 'Applying the schema plan (columns, keys, roles, processes)', () =>
      job<ApplyResult>('plan:apply-schema', { confirm: true }),
    )
    const owners = await step(
      'owners',
      `Resolving owners by e-mail; the fallback owner is ${DEMO_ADMIN.email}`,
      () => call<OwnersReport>('plan:set-owner-decisions', { fallbackEmail: DEMO_ADMIN.email }),
    )
    const run = await step('migrate', 'Migrating', () => job<RunSummary>('run:start', {}))
    const verified = await step('verify', 'Verifying every migrated record', () =>
      job<VerifyReport>('verify:start', { outDir: reportsDir }),
    )
    const planFiles = await step('reports', `Writing the plan reports to ${reportsDir}`, async () => {
      const dir = { directory: reportsDir }
      const tag = (report: string, files: ReadonlyArray<ExportedFile>): ReportFile[] =>
        files.map((f) => ({ report, format: f.format, path: f.path, bytes: f.bytes }))
      const quarantine = await call<{ path: string; rows: number }>('source:export-quarantine-csv', {
        destination: join(reportsDir, 'quarantine.csv'),
      })
      return [
        ...tag('target-audit', await call<ReadonlyArray<ExportedFile>>('plan:export-audit', dir)),
        ...tag('schema-plan', await call<ReadonlyArray<ExportedFile>>('plan:export-schema-plan', dir)),
        ...tag('owners-preflight', await call<ReadonlyArray<ExportedFile>>('plan:export-owners', dir)),
        ...tag(
          'workflow-rebuild-reference',
          await call<ReadonlyArray<ExportedFile>>('plan:export-workflows', dir),
        ),
        { report: 'quarantine', format: 'csv', path: quarantine.path, bytes: 0 },
      ]
    })
    const result: DemoResult = {
      workspace: workspace.path,
      target: target.profileFile,
      stateFile: target.stateFile,
      reportsDir,
      targetUrl: target.url,
      tables: verified.tables,
      mismatches: verified.mismatches,
      records: run.records,
      staged: staged.totals,
      owners: {
        matched: owners.matched,
        disabled: owners.disabled,
        unmatched: owners.unmatched,
        fallback: DEMO_ADMIN.email,
      },
      schema: { created: applied.created, existing: applied.existing },
      run: {
        runId: run.runId,
        status: run.status,
        elapsedMs: run.elapsedMs,
        recordsPerSecond: run.recordsPerSecond,
      },
      steps,
      elapsedMs: Math.round(o.now() - started),
      files: [...verified.files, ...planFiles],
      ok: verified.mismatches === 0 && run.records.failed === 0,
    }
    return result
  } finally {
    await target?.close()
  }
}

/** The staged export's owners with their record counts, from the open workspace's source view. */
function stagedOwners(engine: Engine): ReadonlyArray<DemoOwner> {
  const ws = engine.context.workspaces.require()
  const mapping = defaultMappingFor(ws)
  const view = loadSourceView(ws, mapping)
  const references = view.ownerReferences(mapping.objects.filter((m) => m.target.kind === 'table'))
  return [...view.owners.values()].map((o) => ({
    ownerId: o.ownerId,
    email: o.email,
    name: o.name.replace(/\s*\(Deactivated User\)$/, ''),
    active: o.active,
    records: references.get(o.ownerId) ?? 0,
  }))
}
