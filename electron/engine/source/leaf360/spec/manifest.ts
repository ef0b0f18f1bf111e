/**
 * `manifest.json` (EXPORT-FORMAT.md §3) as zod schemas: the whole document as a conformant exporter
 * writes it, and each key on its own, so a reader can report every absent or invalid key as D31
 * instead of rejecting the manifest.
 *
 * Unknown keys are allowed (a higher minor version may add keys, §1).
 */
import { z } from 'zod'
import { DEFAULT_ASSOCIATION_ROW_CAP, DEFAULT_MAX_ROWS_PER_FILE } from './layout'
import {
  API_DATE_FORMAT,
  API_DATETIME_FORMAT,
  ENCODINGS,
  FILE_FORMATS,
  FLAVOURS,
  UI_DATE_FORMAT,
  UI_DATETIME_FORMAT,
} from './value-types'

/** The format version this spec describes (§1). */
export const FORMAT_VERSION = '1.0'

/** `MAJOR.MINOR` (§1). */
export const formatVersionSchema = z.string().regex(/^\d+\.\d+$/)

/** ISO-8601 UTC datetime as the manifest writes it (`exported_at`, `since`). */
export const manifestDatetimeSchema = z.iso.datetime({ offset: false })

/** One entry of the manifest `files` array (§3). */
export const manifestFileSchema = z.object({
  path: z.string().min(1),
  object: z.string().min(1),
  format: z.enum(FILE_FORMATS),
  encoding: z.enum(ENCODINGS).nullable(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  part: z.number().int().positive().nullable(),
})

/** One manifest `files` entry. */
export type ManifestFile = z.infer<typeof manifestFileSchema>

/** Each §3 key with its schema, in the spec's order. */
export const manifestKeySchemas = {
  format_version: formatVersionSchema,
  export_id: z.uuid(),
  portal_id: z.string().regex(/^\d+$/),
  source_system: z.literal('Leaf360'),
  flavour: z.enum(FLAVOURS),
  export_kind: z.enum(['full', 'incremental']),
  since: manifestDatetimeSchema.nullable(),
  previous_export_id: z.string().nullable(),
  exported_at: manifestDatetimeSchema,
  exported_by: z.string().min(1),
  timezone: z.string().min(1),
  currency: z.literal('USD'),
  delimiter: z.literal(','),
  multi_value_separator: z.literal(';'),
  datetime_format: z.enum([API_DATETIME_FORMAT, UI_DATETIME_FORMAT]),
  date_format: z.enum([API_DATE_FORMAT, UI_DATE_FORMAT]),
  association_row_cap: z.number().int().positive(),
  max_rows_per_file: z.number().int().positive(),
  includes_binaries: z.boolean(),
  partial: z.boolean(),
  object_counts: z.record(z.string(), z.number().int().nonnegative()),
  files: z.array(manifestFileSchema),
} as const

/** The manifest keys of §3, in order. */
export const MANIFEST_KEYS = Object.keys(manifestKeySchemas) as ReadonlyArray<keyof typeof manifestKeySchemas>

/** A whole conformant manifest (unknown keys kept). */
export const manifestSchema = z.looseObject(manifestKeySchemas)

/** A conformant manifest. */
export type Manifest = z.infer<typeof manifestSchema>

/**
 * Defaults of the keys a reader falls back on when absent or invalid (then with one D31 warning, §3).
 */
export const MANIFEST_DEFAULTS = {
  association_row_cap: DEFAULT_ASSOCIATION_ROW_CAP,
  max_rows_per_file: DEFAULT_MAX_ROWS_PER_FILE,
  delimiter: ',',
  multi_value_separator: ';',
  currency: 'USD',
} as const

/** The `datetime_format` and `date_format` each flavour declares (§3, §7). */
export const FLAVOUR_FORMATS = {
  api: { datetime_format: API_DATETIME_FORMAT, date_format: API_DATE_FORMAT },
  ui: { datetime_format: UI_DATETIME_FORMAT, date_format: UI_DATE_FORMAT },
} as const
