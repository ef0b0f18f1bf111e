/**
 * Which files of an export are read, in which order, as which object (EXPORT-FORMAT.md §2, §3):
 * names matched case-insensitively, `_partN` parts concatenated in order, ui XLSX variants,
 * `_truth/` ignored entirely, unknown files warned about and not read, required files checked
 * before anything is staged.
 */
import { AppError } from '../../../errors'
import {
  DATA_FILES,
  JSON_FILES,
  TRUTH_DIR,
  type DataFileSpec,
  type Flavour,
  type JsonFileSpec,
  type ManifestFile,
} from '../spec'
import type { SourceFile } from './export-source'

/** One physical file to read. */
export type PlannedPart = Readonly<{
  /** The path as the export spells it. */
  path: string
  format: 'csv' | 'xlsx' | 'json'
  part: number | null
  size: number
  /** The manifest's entry for it, when listed. */
  declared: ManifestFile | null
}>

/** One logical file (a data file with its parts, or a JSON file). */
export type PlannedFile =
  | Readonly<{ kind: 'data'; spec: DataFileSpec; parts: ReadonlyArray<PlannedPart> }>
  | Readonly<{ kind: 'json'; spec: JsonFileSpec; parts: ReadonlyArray<PlannedPart> }>

/** A layout warning: D31, or a note without a defect code. */
export type LayoutIssue = Readonly<{ code: 'D31' | null; file: string; reason: string; message: string }>

/** The reading plan. */
export type ExportPlan = Readonly<{
  files: ReadonlyArray<PlannedFile>
  /** Attachment binaries under files/ (path → size). */
  binaries: ReadonlyMap<string, number>
  issues: ReadonlyArray<LayoutIssue>
}>

/** The order objects are read in: definitions first, then what later files refer to by name or id. */
const DATA_ORDER = [
  'owners',
  'teams',
  'contacts',
  'companies',
  'deals',
  'deal_stage_history',
  'associations',
  'associations_contact_company',
  'associations_contact_deal',
  'associations_deal_company',
  'associations_contact_contact',
  'calls',
  'emails',
  'meetings',
  'notes',
  'tasks',
  'sms',
  'engagement_associations',
  'activities',
  'attachments',
  'workflow_enrollments',
]

const SCHEMA_FIRST = new Set(['pipelines', 'association_definitions'])

const isTruth = (path: string) => path.toLowerCase().startsWith(`${TRUTH_DIR}/`)
const isBinary = (path: string) => path.toLowerCase().startsWith('files/')

/** Plans the read of `files` (relative to the export root) for `flavour`. */
export function planExport(
  files: ReadonlyArray<SourceFile>,
  flavour: Flavour,
  declared: ReadonlyMap<string, ManifestFile>,
): ExportPlan {
  const issues: LayoutIssue[] = []
  const visible = files.filter((f) => !isTruth(f.path))
  const byLower = new Map<string, SourceFile>()
  for (const f of visible) if (!byLower.has(f.path.toLowerCase())) byLower.set(f.path.toLowerCase(), f)
  const used = new Set<string>()
  const binaries = new Map<string, number>()
  for (const f of visible) {
    if (isBinary(f.path)) {
      binaries.set(f.path, f.size)
      used.add(f.path)
    }
  }
  used.add(byLower.get('manifest.json')?.path ?? 'manifest.json')

  const take = (
    lowerPath: string,
    format: PlannedPart['format'],
    part: number | null,
  ): PlannedPart | null => {
    const f = byLower.get(lowerPath)
    if (f === undefined) return null
    used.add(f.path)
    if (f.path !== lowerPath) {
      issues.push({
        code: null,
        file: f.path,
        reason: 'name_case',
        message: `${f.path} is read as ${lowerPath} (names are lower case, §2).`,
      })
    }
    return { path: f.path, format, part, size: f.size, declared: declared.get(lowerPath) ?? null }
  }

  /** Parts of a data file in one format: the unsuffixed file, then `_part1`, `_part2`, … in order. */
  const partsOf = (spec: DataFileSpec, format: 'csv' | 'xlsx'): PlannedPart[] => {
    const base = spec.path.replace(/\.csv$/, '')
    const out: PlannedPart[] = []
    const whole = take(`${base}.${format}`, format, null)
    if (whole !== null) out.push(whole)
    const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_part(\\d+)\\.${format}$`)
    const numbered = [...byLower.keys()]
      .map((p) => ({ p, m: pattern.exec(p) }))
      .filter((x) => x.m !== null)
      .map((x) => ({ p: x.p, n: Number(x.m![1]) }))
      .sort((a, b) => a.n - b.n)
    for (const { p, n } of numbered) {
      const part = take(p, format, n)
      if (part !== null) out.push(part)
    }
    if (whole !== null && numbered.length > 0) {
      issues.push({
        code: 'D31',
        file: whole.path,
        reason: 'parts_and_whole',
        message: `${whole.path} exists beside its _partN files; all are read, the whole file first.`,
      })
    }
    return out
  }

  const planned: PlannedFile[] = []
  const jsonFiles = JSON_FILES.slice().sort(
    (a, b) => Number(SCHEMA_FIRST.has(b.object)) - Number(SCHEMA_FIRST.has(a.object)),
  )
  const schemaJson = jsonFiles.filter((j) => j.path.startsWith('schema/'))
  const automationJson = jsonFiles.filter((j) => j.path.startsWith('automation/'))
  for (const spec of schemaJson) {
    const part = take(spec.path, 'json', null)
    if (part !== null) planned.push({ kind: 'json', spec, parts: [part] })
  }
  const dataSpecs = DATA_ORDER.map((o) => DATA_FILES.find((d) => d.object === o)).filter(
    (d): d is DataFileSpec => d !== undefined && d.flavours.includes(flavour),
  )
  for (const spec of dataSpecs) {
    const csv = partsOf(spec, 'csv')
    const xlsx = flavour === 'ui' && spec.uiMayBeXlsx ? partsOf(spec, 'xlsx') : []
    if (csv.length > 0 && xlsx.length > 0) {
      issues.push({
        code: 'D31',
        file: xlsx[0]!.path,
        reason: 'csv_and_xlsx',
        message: `${spec.path} exists both as CSV and XLSX (§2 allows one); the CSV is read, the XLSX is not.`,
      })
    }
    const parts = csv.length > 0 ? csv : xlsx
    if (parts.length > 0) planned.push({ kind: 'data', spec, parts })
  }
  for (const spec of automationJson) {
    const part = take(spec.path, 'json', null)
    if (part !== null) planned.push({ kind: 'json', spec, parts: [part] })
  }

  const missingRequired = [
    ...JSON_FILES.filter((j) => j.required).map((j) => j.path),
    ...DATA_FILES.filter((d) => d.required && d.flavours.includes(flavour)).map((d) => d.path),
  ].filter((path) => {
    const object = path.replace(/\.csv$/, '')
    return !planned.some((p) => p.parts.some((part) => part.path.toLowerCase().startsWith(object)))
  })
  if (missingRequired.length > 0) {
    throw new AppError({
      code: 'export-incomplete',
      kind: 'fatal',
      message:
        `The export is missing required ${missingRequired.length === 1 ? 'file' : 'files'} ` +
        `${missingRequired.join(', ')}; nothing was staged. Export again from Leaf360, or check that you chose the export's root folder.`,
      details: { missing: missingRequired },
    })
  }

  // Files the manifest lists but the export lacks, and files the layout does not know.
  for (const [lower, entry] of declared) {
    if (isTruth(lower)) continue
    if (!byLower.has(lower)) {
      issues.push({
        code: 'D31',
        file: entry.path,
        reason: 'listed_file_missing',
        message: `The manifest lists ${entry.path}, which the export does not hold${isOptional(lower) ? '; it reads as zero rows' : ''}.`,
      })
    }
  }
  for (const f of visible) {
    if (used.has(f.path)) continue
    issues.push({
      code: 'D31',
      file: f.path,
      reason: 'unlisted_file',
      message: `${f.path} is not part of the export layout and was not read.`,
    })
  }
  for (const p of planned) {
    for (const part of p.parts) {
      if (part.declared === null && declared.size > 0) {
        issues.push({
          code: 'D31',
          file: part.path,
          reason: 'unlisted_file',
          message: `${part.path} is not listed in the manifest; it was read anyway.`,
        })
      }
    }
  }
  return { files: planned, binaries, issues }
}

const isOptional = (lowerPath: string) =>
  !JSON_FILES.some((j) => j.required && j.path === lowerPath) &&
  !DATA_FILES.some((d) => d.required && d.path === lowerPath)
