/**
 * What the per-file stagers share during one import.
 */
import type { StagingRepository } from '../../../workspace/staging-repository'
import type { ObservedColumn } from '../profile/build-profile'
import type { ExportSource } from '../reader/export-source'
import type { ExportSettings } from '../reader/manifest'
import type { ValidationContext } from '../validate/validation-context'
import type { FindingsTally } from './findings'
import type { RecordWriter } from './record-writer'
import type { SourceFacts } from './source-facts'

/** Progress of the import, per file and rows. */
export type StageProgress = Readonly<{
  file: string
  rowsDone: number
  rowsTotal: number | null
  phase: string
}>

/** Shared state of one import. */
export type StageContext = {
  readonly repo: StagingRepository
  readonly importId: number
  readonly source: ExportSource
  readonly settings: ExportSettings
  readonly tally: FindingsTally
  readonly writer: RecordWriter
  readonly binaries: ReadonlyMap<string, number>
  readonly signal: AbortSignal | undefined
  readonly onProgress: (p: StageProgress) => void
  /** Validation context; schema files read first replace its defaults. */
  validation: ValidationContext
  /** Rows read so far across files, and the manifest's total when known. */
  rowsDone: number
  readonly rowsTotal: number | null
  /** Paths of associations.csv (and its parts), once read: typed copies match against them (§4.7). */
  readonly associationFiles: Set<string>
  /** Per typed-copy file: how many of its rows matched an associations.csv row (D31 lacking rows). */
  readonly copyMatches: Map<string, number>
  /** Whether associations.csv is part of this export. */
  associationsPresent: boolean
  /** Values of staged records the cross-file checks and the profile read (source-facts.ts). */
  readonly facts: SourceFacts
  /** Association inverses synthesised (D42). */
  synthesised: number
  /** Custom and undeclared columns seen so far, by `object|key` (custom fields inventory). */
  readonly observed: Map<string, ObservedColumn>
  /** Records a file-level finding (D07, D31, D43, …) in the tally and the workspace. */
  readonly fileFinding: (
    code: string | null,
    file: string | null,
    reason: string,
    message: string,
    column?: string | null,
  ) => void
}

/** Rows per write transaction: large enough to amortise the commit, small enough to bound the WAL. */
export const ROWS_PER_COMMIT = 20_000
