/**
 * Rollback as every host sees it (issue 6 item 5): what undoing the migration will do, counted per
 * table, before the operator confirms, and what it did after.
 */

/** Per table: records to delete (the run created them), restore (it changed them) and reopen. */
export type RollbackCounts = Readonly<{ delete: number; restore: number; reopen: number }>

/** One migrate run the rollback undoes. */
export type RollbackRunView = Readonly<{
  runId: string
  runNo: number
  status: string
  startedAt: string
  finishedAt: string | null
}>

/** Something the rollback cannot undo, said before it starts. */
export type RollbackWarning = Readonly<{ code: string; table: string; sourceKey: string; message: string }>

/** What a rollback will undo; shown in the confirmation. */
export type RollbackPreview = Readonly<{
  targetUrl: string
  /** The migrate runs against this target not rolled back yet, newest first (undone in that order). */
  runs: ReadonlyArray<RollbackRunView>
  tables: Readonly<Record<string, RollbackCounts>>
  /** Writes in all (deletes, restores, reopens). */
  total: number
  /** Steps an interrupted rollback already applied (they are not sent again). */
  alreadyDone: number
  /** True when an earlier rollback was interrupted and this one resumes it. */
  resumes: boolean
  warnings: ReadonlyArray<RollbackWarning>
}>

/** What a finished rollback did. */
export type RollbackResult = Readonly<{
  targetUrl: string
  runs: ReadonlyArray<Readonly<{ runId: string; runNo: number; rollbackRunId: string }>>
  tables: Readonly<Record<string, RollbackCounts>>
  /** Steps applied now, and steps found already done (a record already gone counts as done). */
  applied: number
  alreadyAbsent: number
  failed: number
  failures: ReadonlyArray<
    Readonly<{ table: string; sourceKey: string; kind: string; message: string; code: string | null }>
  >
  warnings: ReadonlyArray<RollbackWarning>
}>
