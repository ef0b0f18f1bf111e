/**
 * The Source step as every host sees it: the result of staging an export, its profile, and the
 * quarantined rows (issue 3).
 */

/** Rows of one file (or object): read = staged + quarantined + skipped (§1 row accounting). */
export type RowCounts = Readonly<{ read: number; staged: number; quarantined: number; skipped: number }>

/** What staging one export did; the stable part of `leafbridge stage --json`. */
export type StageReport = Readonly<{
  importId: number
  location: string
  flavour: 'api' | 'ui'
  flavourOrigin: 'manifest' | 'inferred' | 'operator'
  timezone: string
  exportKind: 'full' | 'incremental'
  partial: boolean
  /** Per physical file (export-relative path). */
  objects: Readonly<Record<string, RowCounts>>
  /** Rows read, staged, quarantined and skipped over all files. */
  totals: RowCounts
  /** Association inverses synthesised (D42); reported apart, in no file's counts (§4.7). */
  synthesised: number
  /** Detections per defect code (warnings, normalisations and quarantines). */
  findings: Readonly<Record<string, number>>
  quarantineReasons: Readonly<Record<string, number>>
  /** Delta against earlier imports of the workspace, per object and class. */
  delta: Readonly<Record<string, Readonly<Record<string, number>>>>
  /** Notes that are no defect (case-insensitive names, newer minor version, …). */
  notes: ReadonlyArray<Readonly<{ file: string | null; reason: string; message: string }>>
  /** Whether data files were read and validated in a worker thread. */
  readInWorker: boolean
  durationMs: number
}>

/** One example of a finding. */
export type FindingExampleView = Readonly<{
  file: string | null
  row: number | null
  column: string | null
  raw: string | null
  reason: string | null
  sourceId: string | null
}>

/** One entry of the custom fields inventory. */
export type CustomFieldView = Readonly<{
  object: string
  name: string
  header: string
  source: 'property-definitions' | 'undeclared-column'
  definedType: string | null
  archived: boolean
  inferredTargetType: string
  nonNull: number
  maxLength: number
  distinctValues: number | null
  sampleValues: ReadonlyArray<string>
}>

/** Duplicate candidates of one kind (same e-mail, same phone, same name and address). */
export type DuplicateSummary = Readonly<{
  groups: number
  records: number
  examples: ReadonlyArray<Readonly<{ key: string; records: number; sourceIds: ReadonlyArray<string> }>>
}>

/** The profile of one staged export (issue 3 item 4). */
export type SourceProfile = Readonly<{
  importId: number
  location: string
  stagedAt: string
  flavour: 'api' | 'ui'
  flavourOrigin: 'manifest' | 'inferred' | 'operator'
  timezone: string
  exportKind: 'full' | 'incremental'
  partial: boolean
  portalId: string | null
  exportedAt: string | null
  files: ReadonlyArray<
    Readonly<{
      path: string
      object: string
      format: string
      encoding: string | null
      declaredEncoding: string | null
      bytes: number
      read: number
      staged: number
      quarantined: number
      skipped: number
    }>
  >
  objects: Readonly<Record<string, Readonly<{ staged: number; archived: number; quarantined: number }>>>
  synthesised: number
  customFields: ReadonlyArray<CustomFieldView>
  /** loan_status, loan_type, lead_source, …: value → count; `pipeline_stages`: pipeline → stage → count. */
  distributions: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  duplicates: Readonly<{ email: DuplicateSummary; phone: DuplicateSummary; name_address: DuplicateSummary }>
  findings: Readonly<
    Record<
      string,
      Readonly<{
        count: number
        reasons: Readonly<Record<string, number>>
        examples: ReadonlyArray<FindingExampleView>
      }>
    >
  >
  quarantineReasons: Readonly<Record<string, number>>
  owners: Readonly<{
    defined: number
    active: number
    referenced: number
    referencedUndefined: ReadonlyArray<Readonly<{ ownerId: string; references: number }>>
    definedUnreferenced: ReadonlyArray<string>
    deactivatedReferenced: ReadonlyArray<
      Readonly<{ ownerId: string; email: string | null; references: number }>
    >
  }>
  attachments: Readonly<{
    count: number
    totalBytes: number
    withBinary: number
    missingBinary: number
    emptyBinary: number
    /** The oversized-file manifest (D14): files over 128 MB, for manual handling. */
    oversized: ReadonlyArray<Readonly<{ fileId: string; bytes: number; binaryPresent: boolean }>>
  }>
  delta: Readonly<Record<string, Readonly<Record<string, number>>>>
  notes: ReadonlyArray<Readonly<{ file: string | null; reason: string; message: string }>>
}>

/** One quarantined row as the quarantine table shows it. */
export type QuarantinedRowView = Readonly<{
  quarantineId: number
  object: string
  file: string
  row: number | null
  line: number | null
  sourceId: string | null
  reason: string
  defect: string | null
  message: string
  raw: string
}>

/** One page of the quarantine. */
export type QuarantinePage = Readonly<{
  importId: number | null
  total: number
  offset: number
  rows: ReadonlyArray<QuarantinedRowView>
}>
