/**
 * Stages a fixture export into a fresh workspace and answers questions about the outcome:
 * staged values, warnings, quarantined rows, findings.
 */
import { join } from 'node:path'
import type { StageReport } from '../../electron/shared/dto/source'
import { stageExport, type StageOptions } from '../../electron/engine/source/leaf360/staging/stage-export'
import { StagingRepository } from '../../electron/engine/workspace/staging-repository'
import { Workspace } from '../../electron/engine/workspace/workspace'
import { writeExport, type FixtureOptions } from './leaf360-fixture'

/** One warning as staged. */
export type StagedWarning = Readonly<{
  code: string
  column: string | null
  raw: string | null
  reason?: string
}>

/** The outcome of staging one fixture. */
export type Staged = Readonly<{
  report: StageReport
  workspace: Workspace
  repo: StagingRepository
  /**
   * The staged values of a record, or undefined. A data file's record leaves empty values out
   * (absent reads as null); here every column of its file is filled in, absent ones as null.
   */
  values: (object: string, sourceId: string) => Record<string, unknown> | undefined
  warnings: (object: string, sourceId: string) => ReadonlyArray<StagedWarning>
  codes: (object: string, sourceId: string) => ReadonlyArray<string>
  quarantined: (reason?: string) => ReadonlyArray<{
    object: string
    file: string
    row: number | null
    sourceId: string | null
    reason: string
    defect: string | null
    raw: string
  }>
  fileFindings: (
    code: string,
  ) => ReadonlyArray<{ file: string | null; reason: string | null; message: string }>
  close: () => void
}>

/** Opens (or reuses) a workspace at `dir`/w.leafbridge and stages `root` into it. */
export async function stageInto(
  workspace: Workspace,
  root: string,
  options: StageOptions = {},
): Promise<Staged> {
  const report = await stageExport(workspace, root, options)
  const repo = new StagingRepository(workspace)
  const id = report.importId
  const values = (object: string, sourceId: string) => {
    const r = repo.findStaged(id, object, sourceId)
    if (r === undefined) return undefined
    const data = JSON.parse(r.data) as Record<string, unknown>
    const columns = repo.files(id).find((f) => f.path === r.file)?.columns ?? []
    return { ...Object.fromEntries(columns.map((c) => [c, null])), ...data }
  }
  const warnings = (object: string, sourceId: string): StagedWarning[] => {
    const r = repo.findStaged(id, object, sourceId)
    return r?.warnings ? (JSON.parse(r.warnings) as StagedWarning[]) : []
  }
  return {
    report,
    workspace,
    repo,
    values,
    warnings,
    codes: (object, sourceId) => warnings(object, sourceId).map((w) => w.code),
    quarantined: (reason) => repo.quarantinePage(id, 0, 1000, reason ?? null).rows,
    fileFindings: (code) => repo.findings(id).filter((f) => f.code === code),
    close: () => workspace.close(),
  }
}

/** Writes a fixture export of `options` under `dir` and stages it into a new workspace there. */
export async function stageFixture(
  dir: string,
  options: FixtureOptions,
  stageOptions: StageOptions = {},
): Promise<Staged> {
  const root = writeExport(join(dir, 'export'), options)
  const workspace = Workspace.create(join(dir, 'w'), { appVersion: 'test' })
  try {
    return await stageInto(workspace, root, stageOptions)
  } catch (error) {
    workspace.close()
    throw error
  }
}
