/**
 * Reading manifest.json (EXPORT-FORMAT.md §3) and settling what the reader needs from it: the
 * flavour, the time zone, the export kind and the per-file declarations.
 *
 * Each absent or invalid key is one D31 warning, never a refusal, except a major format version
 * this reader does not implement (§1). Without a usable manifest the flavour is inferred from the
 * contacts header and the time zone must come from the operator (§2).
 */
import { AppError } from '../../../errors'
import {
  DEFAULT_ASSOCIATION_ROW_CAP,
  DEFAULT_MAX_ROWS_PER_FILE,
  FORMAT_VERSION,
  manifestFileSchema,
  manifestKeySchemas,
  MANIFEST_KEYS,
  type Flavour,
  type ManifestFile,
} from '../spec'
import { isKnownTimeZone } from '../validate/time-zone'

/** A manifest-level warning (D31, or a note without a defect code). */
export type ManifestIssue = Readonly<{
  code: 'D31' | null
  reason: string
  message: string
  column: string | null
}>

/** What the reader settled from the manifest and the operator's options. */
export type ExportSettings = Readonly<{
  manifest: Record<string, unknown> | null
  flavour: Flavour
  flavourOrigin: 'manifest' | 'inferred' | 'operator'
  timezone: string
  exportKind: 'full' | 'incremental'
  partial: boolean
  exportedAt: string | null
  exportedAtMs: number | null
  portalId: string | null
  exportId: string | null
  associationRowCap: number
  maxRowsPerFile: number
  includesBinaries: boolean | null
  /** Valid `files` entries by lower-cased path. */
  files: ReadonlyMap<string, ManifestFile>
  objectCounts: Readonly<Record<string, number>> | null
  issues: ReadonlyArray<ManifestIssue>
}>

/** What the operator may say (the API takes options, the CLI flags). */
export type OperatorChoices = Readonly<{ flavour?: Flavour; timezone?: string }>

/** The flavour a contacts header implies: `Record ID` is ui, `id` is api (§4.3, §7). */
export function flavourOfHeader(header: ReadonlyArray<string>): Flavour | null {
  const cells = header.map((h) => h.replace(/^\ufeff/, '').trim())
  if (cells.includes('Record ID')) return 'ui'
  if (cells.includes('id')) return 'api'
  return null
}

/** Parses manifest text; null when it is not a JSON object. */
export function parseManifestText(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text.replace(/^\ufeff/, ''))
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

/**
 * Settles the export's settings. `manifest` is the parsed manifest (null when missing or
 * unparseable, with `manifestProblem` saying which); `contactsFlavour` is what the contacts header
 * implies (null when it says nothing).
 */
export function settleExport(
  manifest: Record<string, unknown> | null,
  manifestProblem: 'missing' | 'unparseable' | null,
  contactsFlavour: Flavour | null,
  choices: OperatorChoices,
): ExportSettings {
  const issues: ManifestIssue[] = []
  const valid = new Map<string, unknown>()
  if (manifest === null) {
    issues.push({
      code: 'D31',
      reason: manifestProblem === 'unparseable' ? 'manifest_unparseable' : 'manifest_missing',
      column: null,
      message:
        manifestProblem === 'unparseable'
          ? 'manifest.json is not valid JSON; the flavour is inferred from the contacts header.'
          : 'The export has no manifest.json; the flavour is inferred from the contacts header.',
    })
  } else {
    const version = manifest['format_version']
    if (typeof version === 'string' && /^\d+\.\d+$/.test(version)) {
      const [major, minor] = version.split('.').map(Number)
      const [ourMajor, ourMinor] = FORMAT_VERSION.split('.').map(Number)
      if (major !== ourMajor) {
        throw new AppError({
          code: 'unsupported-format-version',
          kind: 'fatal',
          message: `The export is format version ${version}; this Leafbridge reads ${FORMAT_VERSION} (major ${ourMajor}). Update Leafbridge to read it.`,
        })
      }
      if ((minor ?? 0) > (ourMinor ?? 0)) {
        issues.push({
          code: null,
          reason: 'newer_minor_version',
          column: 'format_version',
          message: `The export is format version ${version}, newer than ${FORMAT_VERSION}; unknown files, columns and keys are ignored.`,
        })
      }
    }
    for (const key of MANIFEST_KEYS) {
      const parsed = manifestKeySchemas[key].safeParse(manifest[key])
      if (parsed.success) valid.set(key, parsed.data)
      else if (key === 'files' && Array.isArray(manifest[key])) {
        // A files array with some bad entries keeps its good ones; each bad one is reported below.
        valid.set(key, manifest[key])
      } else {
        issues.push({
          code: 'D31',
          reason: key in manifest ? 'key_invalid' : 'key_absent',
          column: key,
          message: `The manifest key "${key}" is ${key in manifest ? 'invalid' : 'absent'}.`,
        })
      }
    }
  }

  // Flavour: the operator's word, else the manifest's when the contacts header agrees, else the header.
  const declared = valid.get('flavour') as Flavour | undefined
  let flavour: Flavour
  let flavourOrigin: ExportSettings['flavourOrigin']
  if (choices.flavour !== undefined) {
    flavour = choices.flavour
    flavourOrigin = 'operator'
  } else if (declared !== undefined && (contactsFlavour === null || contactsFlavour === declared)) {
    flavour = declared
    flavourOrigin = 'manifest'
  } else if (contactsFlavour !== null) {
    flavour = contactsFlavour
    flavourOrigin = 'inferred'
    if (declared !== undefined) {
      issues.push({
        code: 'D31',
        reason: 'flavour_mismatch',
        column: 'flavour',
        message: `The manifest says flavour "${declared}" but the contacts header is ${contactsFlavour}; read as ${contactsFlavour}.`,
      })
    }
  } else {
    throw new AppError({
      code: 'flavour-unknown',
      kind: 'fatal',
      message:
        'Cannot tell whether this is an api or a ui export: the manifest does not say and the contacts header is not recognised. ' +
        'Pass the flavour (--flavour api|ui).',
    })
  }

  // Time zone: the manifest's when it is a known IANA zone; else the operator's; else refuse.
  const manifestZone = valid.get('timezone') as string | undefined
  let timezone: string
  if (manifestZone !== undefined && isKnownTimeZone(manifestZone) && choices.timezone === undefined) {
    timezone = manifestZone
  } else if (choices.timezone !== undefined) {
    if (!isKnownTimeZone(choices.timezone)) {
      throw new AppError({
        code: 'invalid-timezone',
        kind: 'fatal',
        message: `"${choices.timezone}" is not an IANA time zone name. Pass one such as America/Chicago.`,
      })
    }
    timezone = choices.timezone
    if (manifestZone !== undefined && manifestZone !== timezone && isKnownTimeZone(manifestZone)) {
      issues.push({
        code: null,
        reason: 'timezone_overridden',
        column: 'timezone',
        message: `The operator's time zone ${timezone} is used instead of the manifest's ${manifestZone}.`,
      })
    }
  } else {
    const why =
      manifest === null
        ? 'The export has no usable manifest.json'
        : manifestZone === undefined
          ? 'The manifest has no timezone'
          : `The manifest's timezone "${manifestZone}" is not a known IANA zone`
    throw new AppError({
      code: 'timezone-required',
      kind: 'fatal',
      message:
        `${why}, so Leafbridge cannot tell in which time zone the export's local times were written. ` +
        `Pass the portal's time zone (--timezone America/Chicago on the command line, or the timezone option), ` +
        `after checking it in the Leaf360 account settings. The flavour was read as ${flavour} from the contacts header.`,
      details: { flavour },
    })
  }

  const positive = (key: 'association_row_cap' | 'max_rows_per_file', fallback: number) => {
    const v = valid.get(key)
    return typeof v === 'number' ? v : fallback
  }
  const files = new Map<string, ManifestFile>()
  const listed = valid.get('files')
  if (Array.isArray(listed)) {
    listed.forEach((entry, index) => {
      const parsed = manifestFileSchema.safeParse(entry)
      if (parsed.success) files.set(parsed.data.path.toLowerCase(), parsed.data)
      else {
        issues.push({
          code: 'D31',
          reason: 'key_invalid',
          column: 'files',
          message: `The manifest files entry ${index + 1} is invalid (${parsed.error.issues[0]?.message ?? 'bad shape'}).`,
        })
      }
    })
  }
  const exportedAt = (valid.get('exported_at') as string | undefined) ?? null
  return {
    manifest,
    flavour,
    flavourOrigin,
    timezone,
    exportKind: (valid.get('export_kind') as 'full' | 'incremental' | undefined) ?? 'full',
    partial: (valid.get('partial') as boolean | undefined) ?? false,
    exportedAt,
    exportedAtMs: exportedAt === null ? null : Date.parse(exportedAt),
    portalId: (valid.get('portal_id') as string | undefined) ?? null,
    exportId: (valid.get('export_id') as string | undefined) ?? null,
    associationRowCap: positive('association_row_cap', DEFAULT_ASSOCIATION_ROW_CAP),
    maxRowsPerFile: positive('max_rows_per_file', DEFAULT_MAX_ROWS_PER_FILE),
    includesBinaries: (valid.get('includes_binaries') as boolean | undefined) ?? null,
    files,
    objectCounts: (valid.get('object_counts') as Record<string, number> | undefined) ?? null,
    issues,
  }
}
