/**
 * Delta staging (EXPORT-FORMAT.md §8): each record of a later export of the portal is new,
 * changed, unchanged, or — in a full, complete export — its absence makes the earlier record gone.
 *
 * Records match by object and id (associations by the §4.7 tuple, engagement links by the whole
 * row). A differing content hash is compared again on the columns both versions have, so new
 * custom properties (new columns) do not make a record changed. A change without a later
 * updated_at, or an updated_at going backwards, is still a change, with D41.
 */
import { WarningBatch } from './post-checks'
import type { StageContext } from './stage-context'

/** Counts per object and class. */
export type DeltaCounts = Readonly<Record<string, Readonly<Record<string, number>>>>

const PAGE = 2_000

/** Source columns only: keys the reader derives start with `_` or end in `_text` of a body. */
const isSourceKey = (k: string) => !k.startsWith('_') && k !== 'body_text' && k !== 'Body_text'

/**
 * Do two versions agree on the columns both have? A data file's rows leave empty values out, so
 * its columns come from the file (a key it lacks there is null); a JSON document's are its keys.
 */
function sameOnSharedColumns(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  columnsA: ReadonlyArray<string> | null,
  columnsB: ReadonlySet<string> | null,
): boolean {
  if (columnsA === null || columnsB === null) {
    for (const k of Object.keys(a)) {
      if (!isSourceKey(k) || !(k in b)) continue
      if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false
    }
    return true
  }
  for (const k of columnsA) {
    if (!isSourceKey(k) || !columnsB.has(k)) continue
    if (JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null)) return false
  }
  return true
}

/** Minute precision for ui datetimes (§8). */
const minute = (iso: string | null, ui: boolean) => (iso === null ? null : ui ? iso.slice(0, 16) : iso)

/**
 * Classifies this import against the state left by earlier ones and moves that state forward.
 *
 * The first import of a workspace is the baseline: every record is new, and the state is seeded
 * from it only when a later import needs it, so staging a single export writes nothing extra.
 */
export function stageDelta(ctx: StageContext, inferDeletions: boolean): DeltaCounts {
  const repo = ctx.repo
  const earlier = repo.earlierFinishedImports(ctx.importId)
  if (earlier.length === 0) {
    const counts: Record<string, Record<string, number>> = {}
    for (const [object, c] of [...ctx.writer.stagedCounts].sort(([a], [b]) => a.localeCompare(b))) {
      if (c.staged > 0) counts[object] = { new: c.staged, changed: 0, unchanged: 0, gone: 0 }
    }
    return counts
  }
  // Seed the state from earlier imports that have not advanced it (the baseline), oldest first.
  repo.transaction(() => {
    for (const id of [...earlier].reverse()) {
      if (repo.headsAdvanced(id)) continue
      repo.advanceHeads(id)
      repo.markHeadsAdvanced(id)
    }
  })
  const ui = ctx.settings.flavour === 'ui'
  const batch = new WarningBatch(ctx)
  repo.transaction(() => repo.classifyAgainstHeads(ctx.importId))
  // The columns of each physical file of the imports compared, by import and path.
  const columnsByFile = new Map<string, ReadonlyArray<string> | null>()
  const columnsOf = (importId: number, path: string) => {
    const key = `${importId}|${path}`
    if (!columnsByFile.has(key)) {
      for (const f of repo.files(importId)) columnsByFile.set(`${importId}|${f.path}`, f.columns)
      if (!columnsByFile.has(key)) columnsByFile.set(key, null)
    }
    return columnsByFile.get(key) ?? null
  }
  const columnSets = new Map<ReadonlyArray<string>, ReadonlySet<string>>()
  const setOf = (columns: ReadonlyArray<string> | null) => {
    if (columns === null) return null
    let set = columnSets.get(columns)
    if (set === undefined) columnSets.set(columns, (set = new Set(columns)))
    return set
  }
  let after = 0
  for (;;) {
    const page = repo.changedPage(ctx.importId, after, PAGE)
    if (page.length === 0) break
    after = page[page.length - 1]!.recordId
    const unchanged: number[] = []
    for (const c of page) {
      const now = JSON.parse(c.data) as Record<string, unknown>
      const before = JSON.parse(c.previousData) as Record<string, unknown>
      const columns = columnsOf(ctx.importId, c.file)
      const previousColumns = setOf(columnsOf(c.previousImportId, c.previousFile))
      if (sameOnSharedColumns(now, before, columns, previousColumns)) {
        unchanged.push(c.recordId)
        continue
      }
      const a = minute(c.updatedAt, ui)
      const b = minute(c.previousUpdatedAt, ui)
      if (a !== null && b !== null && a <= b) {
        const record = repo.getStaged(c.recordId)
        batch.add(
          c.recordId,
          {
            code: 'D41',
            column: 'updated_at',
            raw: `${c.previousUpdatedAt} → ${c.updatedAt}`,
            reason: a === b ? 'changed_same_updated_at' : 'updated_at_backwards',
          },
          { file: record?.file ?? '', row: record?.row ?? 0, sourceId: record?.sourceId ?? null },
        )
      }
    }
    if (unchanged.length > 0) {
      repo.transaction(() => {
        for (const id of unchanged) repo.setDeltaChange(ctx.importId, id, 'unchanged')
      })
    }
  }
  batch.flush()
  repo.transaction(() => {
    if (inferDeletions) repo.markGone(ctx.importId)
    repo.advanceHeads(ctx.importId)
    repo.markHeadsAdvanced(ctx.importId)
  })
  const counts: Record<string, Record<string, number>> = {}
  for (const r of repo.deltaCounts(ctx.importId)) {
    counts[r.object] ??= { new: 0, changed: 0, unchanged: 0, gone: 0 }
    counts[r.object]![r.change] = r.n
  }
  return counts
}
