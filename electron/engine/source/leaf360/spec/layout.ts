/**
 * The folder layout of EXPORT-FORMAT.md §2: every file an export may hold, its manifest object name
 * and format, which are required, and the `_partN` partition naming.
 */
import type { DataFileSpec } from './columns'
import { DATA_FILES } from './columns'
import type { FileFormat } from './value-types'

/** `leaf360_export_{portal_id}_{YYYYMMDDTHHMMSSZ}` for an `exported_at` (§2). */
export function exportRootName(portalId: string, exportedAt: string): string {
  const stamp = exportedAt.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '')
  return `leaf360_export_${portalId}_${stamp}`
}

/** The pattern of an export root folder name (§2). */
export const EXPORT_ROOT_PATTERN = /^leaf360_export_(\d+)_(\d{8}T\d{6}Z)$/

/** The manifest file, required (§2). */
export const MANIFEST_PATH = 'manifest.json'
/** The generator-only truth folder, ignored by readers entirely (§10). */
export const TRUTH_DIR = '_truth'
/** Attachment binaries live under `files/{file_id}/{filename}` (§2, §4.9). */
export const FILES_DIR = 'files'

/** A JSON file under schema/ or automation/ (§2, §4.6, §4.7, §4.10, §4.11). */
export type JsonFileSpec = Readonly<{
  object: string
  path: string
  required: boolean
  /** The top-level key holding the file's array (rows per Terms are its elements). */
  arrayKey: string
  section: string
}>

/** Every JSON file of §2 under schema/ and automation/, in the order the generator writes them. */
export const JSON_FILES: ReadonlyArray<JsonFileSpec> = [
  {
    object: 'pipelines',
    path: 'schema/pipelines.json',
    required: true,
    arrayKey: 'pipelines',
    section: '4.6',
  },
  {
    object: 'association_definitions',
    path: 'schema/association_definitions.json',
    required: false,
    arrayKey: 'association_types',
    section: '4.7',
  },
  ...(['contacts', 'companies', 'deals', 'engagements'] as const).map((o) => ({
    object: `property_definitions_${o}`,
    path: `schema/property_definitions_${o}.json`,
    required: o !== 'engagements',
    arrayKey: 'properties',
    section: '4.10',
  })),
  ...(['workflows', 'sequences', 'templates', 'lead_routing_rules', 'sla_policies'] as const).map((o) => ({
    object: o,
    path: `automation/${o}.json`,
    required: false,
    arrayKey: o,
    section: '4.11',
  })),
]

/** Files whose absence stops the import before anything is staged (§2). */
export const REQUIRED_PATHS: ReadonlyArray<string> = [
  MANIFEST_PATH,
  ...JSON_FILES.filter((f) => f.required).map((f) => f.path),
  ...DATA_FILES.filter((f) => f.required).map((f) => f.path),
]

/**
 * The manifest `object` of an export-relative path (§3): the file name without folder, extension and
 * `_partN`; files under `data/associations/` are prefixed `associations_`. Returns null for paths that
 * are not under schema/, data/ or automation/.
 */
export function objectOfPath(path: string): string | null {
  const match =
    /^(schema|data|automation)\/(?:(associations|engagements)\/)?([^/]+?)(?:_part\d+)?\.(csv|xlsx|json)$/i.exec(
      path,
    )
  if (match === null) return null
  const name = (match[3] ?? '').toLowerCase()
  return match[2]?.toLowerCase() === 'associations' ? `associations_${name}` : name
}

/** The partition number of a path (`contacts_part2.csv` → 2), or null (§2). */
export function partOfPath(path: string): number | null {
  const match = /_part(\d+)\.(csv|xlsx|json)$/i.exec(path)
  return match === null ? null : Number(match[1])
}

/** The path of one partition of a data file (§2): `data/contacts.csv`, part 2 → `data/contacts_part2.csv`. */
export function partitionPath(path: string, part: number | null, format: FileFormat = 'csv'): string {
  const base = path.replace(/\.(csv|xlsx)$/, '')
  return part === null ? `${base}.${format}` : `${base}_part${part}.${format}`
}

/** The data file spec that an export-relative path (any part, csv or xlsx) belongs to, or undefined. */
export function dataFileOfPath(path: string): DataFileSpec | undefined {
  const object = objectOfPath(path)
  const folder = path.toLowerCase().slice(0, path.lastIndexOf('/') + 1)
  return DATA_FILES.find(
    (f) => f.object === object && f.path.slice(0, f.path.lastIndexOf('/') + 1) === folder,
  )
}

/** The default association cap of a ui `Associated … IDs` cell (§3). */
export const DEFAULT_ASSOCIATION_ROW_CAP = 1000
/** The default partition threshold (§3). */
export const DEFAULT_MAX_ROWS_PER_FILE = 1_000_000
