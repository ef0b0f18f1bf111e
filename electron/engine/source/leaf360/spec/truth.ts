/**
 * The generator's `_truth/` folder (EXPORT-FORMAT.md §10) as zod schemas: the lines of
 * `defects.jsonl`, `generator.json`, and `delta.jsonl` (a Leafbridge extension: the expected delta
 * classification of every record, the oracle of delta staging tests).
 *
 * Readers MUST ignore `_truth/`; only test harnesses read it.
 */
import { z } from 'zod'
import { DEFECT_IDS } from './defects'
import type { DefectId } from './defects'

/** Paths of the truth files inside the export root. */
export const TRUTH_PATHS = {
  generator: '_truth/generator.json',
  defects: '_truth/defects.jsonl',
  delta: '_truth/delta.jsonl',
  canonical: '_truth/canonical',
} as const

/**
 * One line of `_truth/defects.jsonl` (§10).
 *
 * `row` is per Terms (logical record, from 1, within the physical file named by `file`; null for
 * file-level defects). `column` is the api column name in both flavours (activities.csv: the names
 * of `ACTIVITIES_COLUMNS`; ui appended columns: their ui header). `variant` is a Leafbridge extension
 * naming the catalogue variant (`defects.ts`).
 */
export const defectLineSchema = z.object({
  defect_id: z.enum(DEFECT_IDS as [DefectId, ...DefectId[]]),
  file: z.string(),
  row: z.number().int().positive().nullable(),
  column: z.string().nullable(),
  clean_value: z.string().nullable(),
  record_id: z.string().optional(),
  dirty_value: z.string().nullable().optional(),
  expect: z.enum(['warn', 'normalise', 'quarantine']).optional(),
  reason: z.string().optional(),
  canonical_id: z.string().optional(),
  group: z.string().optional(),
  variant: z.string().optional(),
})

/** One line of `_truth/defects.jsonl`. */
export type DefectLine = z.infer<typeof defectLineSchema>

/** The expected delta classification of a record (§8, issue 3 item 7). */
export const DELTA_CLASSES = ['new', 'changed', 'unchanged', 'gone'] as const
/** One delta classification. */
export type DeltaClass = (typeof DELTA_CLASSES)[number]

/** What the generator did to a record between the previous export and this one. */
export const DELTA_CHANGES = [
  'none',
  'created',
  'modified',
  'archived',
  'removed',
  'changed-same-updated-at',
  'updated-at-backwards',
] as const
/** One generator delta change. */
export type DeltaChange = (typeof DELTA_CHANGES)[number]

/**
 * One line of `_truth/delta.jsonl`: a record of the previous or this export, by manifest object and id
 * (associations: the §4.7 identity joined with `|`; engagement links: the whole row joined with `|`),
 * with the classification a delta-staging reader must reach and what the generator changed.
 */
export const deltaLineSchema = z.object({
  object: z.string(),
  id: z.string(),
  expected: z.enum(DELTA_CLASSES),
  change: z.enum(DELTA_CHANGES),
})

/** One line of `_truth/delta.jsonl`. */
export type DeltaLine = z.infer<typeof deltaLineSchema>

/** `_truth/generator.json`: how the export was made, enough to regenerate it (§10). */
export const generatorTruthSchema = z.looseObject({
  generator: z.literal('leafbridge-generate-export'),
  version: z.number().int().positive(),
  seed: z.number().int(),
  profile: z.string(),
  flavour: z.enum(['api', 'ui']),
  options: z.record(z.string(), z.unknown()),
  defect_rates: z.record(z.string(), z.number()),
  /** `base_exported_at` (the first export of the lineage) is kept too: deltas rebuild the world from it. */
  clock: z.looseObject({
    exported_at: z.string(),
    history_start: z.string(),
    base_exported_at: z.string().optional(),
  }),
  portal_id: z.string(),
  export_id: z.string(),
  root: z.string(),
  /** The earlier generations this export builds on (`--delta-of`), oldest first. */
  lineage: z.array(z.record(z.string(), z.unknown())),
})

/** `_truth/generator.json`. */
export type GeneratorTruth = z.infer<typeof generatorTruthSchema>
