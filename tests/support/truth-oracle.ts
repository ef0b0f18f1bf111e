/**
 * Compares what staging did with the generator's `_truth/defects.jsonl` (EXPORT-FORMAT.md §10):
 * every injected defect must be detected where it was injected and handled as the line expects
 * (a warning with its defect id on that row, a file-level finding, or a quarantine with its
 * reason), and a normalised value must equal the line's clean value.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defectLineSchema, type DefectLine } from '../../electron/engine/source/leaf360/spec'
import type { StagingRepository } from '../../electron/engine/workspace/staging-repository'

/** One truth line staging did not honour, with what it found instead. */
export type TruthMiss = Readonly<{ line: DefectLine; why: string }>

const UI_CANONICAL_DATETIME = /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2} [AP]M$/

/**
 * Truth lines no reader can honour, because the injection left nothing to see. Each is a
 * generator overlap reported to its owner: a ui "unpadded" datetime whose parts were all two
 * digits already (the text is the canonical form); a D36 type mismatch on an attachment whose
 * binary the same row also left out (D12), so there is no content to compare; a D01/D02 shared
 * e-mail on a row whose e-mail another defect made invalid (D26) or truncated (D15).
 */
export function isUndetectable(
  line: DefectLine,
  warnings: ReadonlyArray<{ code: string; column?: string | null }>,
  keyedMembers: (group: string) => number,
): boolean {
  if (line.defect_id === 'D04' && line.dirty_value != null && UI_CANONICAL_DATETIME.test(line.dirty_value))
    return true
  // A shared e-mail that another defect made invalid or truncated is no dedupe key (§9 D15, D26):
  // a group left with fewer than two usable e-mails shows nothing.
  if (
    (line.defect_id === 'D01' || line.defect_id === 'D02') &&
    line.group !== undefined &&
    keyedMembers(line.group) < 2
  ) {
    return true
  }
  if (
    (line.defect_id === 'D01' || line.defect_id === 'D02') &&
    warnings.some((w) => (w.code === 'D15' || w.code === 'D26') && w.column === 'email')
  ) {
    return true
  }
  if (line.defect_id === 'D36' && line.variant === 'type-mismatch' && warnings.some((w) => w.code === 'D12'))
    return true
  return false
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/

/** Reads `_truth/defects.jsonl` of an export folder. */
export function readTruth(root: string): DefectLine[] {
  const path = join(root, '_truth', 'defects.jsonl')
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => defectLineSchema.parse(JSON.parse(l)))
}

type Warning = { code: string; column: string | null; raw: string | null; reason?: string }

/** Checks every truth line against the staged import; returns the lines not honoured. */
export function checkTruth(
  repo: StagingRepository,
  importId: number,
  truth: ReadonlyArray<DefectLine>,
  flavour: 'api' | 'ui' = 'api',
): { misses: TruthMiss[]; undetectable: DefectLine[] } {
  const stagedAt = (file: string, row: number) =>
    repo.query<{ object: string; sourceId: string; data: string; warnings: string | null }>(
      `SELECT object, source_id AS sourceId, data, warnings FROM staged_record WHERE import_id = ? AND file = ? AND row = ?`,
      importId,
      file,
      row,
    )[0]
  const quarantinedAt = (file: string, row: number) =>
    repo.query<{ reason: string; defect: string | null }>(
      'SELECT reason, defect FROM quarantined_row WHERE import_id = ? AND file = ? AND row = ?',
      importId,
      file,
      row,
    )
  const findings = repo.findings(importId)
  const misses: TruthMiss[] = []
  const undetectable: DefectLine[] = []
  const spoiled = new Set(
    truth
      .filter((l) => (l.defect_id === 'D15' || l.defect_id === 'D26') && l.column === 'email')
      .map((l) => l.record_id),
  )
  const members = new Map<string, Set<string>>()
  for (const l of truth) {
    if (
      (l.defect_id !== 'D01' && l.defect_id !== 'D02') ||
      l.group === undefined ||
      l.record_id === undefined
    )
      continue
    const set = members.get(l.group) ?? new Set<string>()
    set.add(l.record_id)
    members.set(l.group, set)
  }
  const keyedMembers = (group: string) =>
    [...(members.get(group) ?? [])].filter((id) => !spoiled.has(id)).length
  for (const line of truth) {
    if (line.row === null) {
      const found = findings.some(
        (f) => f.code === line.defect_id && (f.file === line.file || f.file === null),
      )
      if (!found) misses.push({ line, why: 'no file-level finding' })
      continue
    }
    if (line.expect === 'quarantine') {
      const q = quarantinedAt(line.file, line.row)
      if (q.length === 0) misses.push({ line, why: 'not quarantined' })
      else if (line.reason !== undefined && !q.some((x) => x.reason === line.reason)) {
        misses.push({ line, why: `quarantined as ${q.map((x) => x.reason).join(',')}` })
      }
      continue
    }
    const staged = stagedAt(line.file, line.row)
    if (staged === undefined) {
      const q = quarantinedAt(line.file, line.row)
      // A row quarantined for another defect of its own cannot also carry this warning.
      if (q.length === 0) misses.push({ line, why: 'row neither staged nor quarantined' })
      continue
    }
    const warnings = staged.warnings === null ? [] : (JSON.parse(staged.warnings) as Warning[])
    if (line.expect === undefined || line.expect === null) continue
    const matching = warnings.filter((w) => w.code === line.defect_id)
    if (matching.length === 0 && isUndetectable(line, warnings, keyedMembers)) {
      undetectable.push(line)
      continue
    }
    if (matching.length === 0) {
      misses.push({
        line,
        why: `no ${line.defect_id} warning (has ${warnings.map((w) => w.code).join(',') || 'none'})`,
      })
      continue
    }
    if (line.expect === 'normalise' && line.column !== null && line.clean_value !== null) {
      const data = JSON.parse(staged.data) as Record<string, unknown>
      const v = data[line.column]
      const text = Array.isArray(v) ? v.join(';') : v === null || v === undefined ? null : String(v)
      // ui datetimes have minute precision (§7), so they compare at the minute (§8).
      const same =
        text === line.clean_value ||
        (flavour === 'ui' &&
          text !== null &&
          ISO_INSTANT.test(text) &&
          text.slice(0, 16) === line.clean_value.slice(0, 16))
      if (!same) misses.push({ line, why: `value ${JSON.stringify(text)}` })
    }
  }
  return { misses, undetectable }
}

/** One line of `_truth/delta.jsonl` whose classification staging did not reach. */
export type DeltaMiss = Readonly<{ object: string; id: string; expected: string; got: string | null }>

/** Reads `_truth/delta.jsonl` of an export folder. */
export function readDeltaTruth(
  root: string,
): Array<{ object: string; id: string; expected: string; change: string }> {
  const path = join(root, '_truth', 'delta.jsonl')
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { object: string; id: string; expected: string; change: string })
}

/**
 * Compares the delta classification of `importId` with the truth. Objects are the manifest's
 * (typed association copies count as `associations`); records the import quarantined are left out.
 */
export function checkDeltaTruth(
  repo: StagingRepository,
  importId: number,
  truth: ReadonlyArray<{ object: string; id: string; expected: string }>,
): DeltaMiss[] {
  const misses: DeltaMiss[] = []
  for (const t of truth) {
    const object = t.object.startsWith('associations_') ? 'associations' : t.object
    const got = repo.deltaOf(importId, object, t.id) ?? null
    if (got === t.expected) continue
    if (got === null && repo.findQuarantined(importId, object, t.id).length > 0) continue
    misses.push({ object, id: t.id, expected: t.expected, got })
  }
  return misses
}
