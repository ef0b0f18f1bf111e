/**
 * Verify as every host sees it (issue 6 item 4): the reconciliation of one migrate run per target
 * table, and every field that did not read back as the mapping says it must.
 */

/** The per-table figures of the CLI contract (`leafbridge verify --json`). */
export type TableCounts = Readonly<{
  expected: number
  loaded: number
  failed: number
  verified: number
  mismatches: number
}>

/** One target table's reconciliation, from the export's rows to the fields read back. */
export type TableReconciliation = TableCounts &
  Readonly<{
    table: string
    /** The object mappings that load the table (`notes` and `attachments` both land in annotation). */
    mappings: ReadonlyArray<string>
    /** The Leaf360 objects they read. */
    sourceObjects: ReadonlyArray<string>
    /**
     * Rows of those objects in the export, staged and quarantined; null for records Leafbridge
     * derives (connections). An object split over two tables (contacts into contacts and leads)
     * counts in both: `sharedSource` says so.
     */
    source: number | null
    staged: number | null
    quarantined: number | null
    sharedSource: boolean
    /** Expected records the run did not send on purpose (files over the upload limit). */
    skipped: number
    /** Expected records with no outcome in the run (a phase not run, a run stopped early). */
    notLoaded: number
    /** Records read back with at least one mismatch. */
    mismatched: number
    /** Records the journal says were loaded that the target does not hold (each also one mismatch). */
    missing: number
    /** Target records with a Leafbridge source id that the mapping does not expect. */
    unexpected: number
  }>

/** One field that is not what the mapping says it must be. */
export type MismatchView = Readonly<{
  table: string
  sourceKey: string
  targetId: string | null
  column: string
  field: string
  reason: 'value' | 'lookup' | 'missing-record'
  expected: string
  actual: string
}>

/** A report file verify wrote. */
export type ReportFile = Readonly<{ report: string; format: string; path: string; bytes: number }>

/** The result of one verify pass; the stable part of `leafbridge verify --json`. */
export type VerifyReport = Readonly<{
  verifyId: number
  runId: string
  runNo: number
  targetUrl: string
  startedAt: string
  finishedAt: string
  /** Per target table, the CLI contract's figures. */
  tables: Readonly<Record<string, TableCounts>>
  /** Mismatches over all tables. */
  mismatches: number
  reconciliation: ReadonlyArray<TableReconciliation>
  /** The first mismatches (all of them are in the workspace and the report files). */
  sample: ReadonlyArray<MismatchView>
  reportsDir: string | null
  files: ReadonlyArray<ReportFile>
}>

/** One page of a verify pass's mismatches. */
export type MismatchPage = Readonly<{
  verifyId: number | null
  total: number
  offset: number
  rows: ReadonlyArray<MismatchView>
}>
