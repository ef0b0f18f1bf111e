/**
 * The workspace file (`*.leafbridge`) as the operator sees it.
 */

export const WORKSPACE_EXTENSION = '.leafbridge'

export type AppliedMigration = Readonly<{ sequence: number; name: string; appliedAt: string }>

/** One kind of thing the workspace holds, with how many it holds. */
export type WorkspaceContent = Readonly<{ key: string; label: string; count: number }>

export type WorkspaceSummary = Readonly<{
  /** Absolute path of the file. */
  path: string
  workspaceId: string
  name: string
  createdAt: string
  createdWithVersion: string
  /** The schema version the file is at, and the one this build writes. */
  schemaVersion: number
  latestSchemaVersion: number
  /** True when the file is older than this build and opening it for writing will upgrade it. */
  needsUpgrade: boolean
  migrations: ReadonlyArray<AppliedMigration>
  /** File size in bytes, write-ahead log included. */
  fileBytes: number
  contents: ReadonlyArray<WorkspaceContent>
}>
