/**
 * Read-only questions the post-migration reports ask of the staged export (migration 0002): the
 * duplicate candidate groups staging keyed (same e-mail, same phone, same name and address), with
 * every member, for the duplicate report.
 */
import type { Workspace } from './workspace'

/** One member of a duplicate group. */
export type DuplicateMember = Readonly<{ object: string; sourceId: string; name: string | null }>

/** Records that share one normalised key. */
export type DuplicateGroup = Readonly<{
  kind: 'email' | 'phone' | 'name_address'
  key: string
  members: ReadonlyArray<DuplicateMember>
}>

/** Every duplicate group of an import, largest first, non-archived records only. */
export function duplicateGroups(workspace: Workspace, importId: number): ReadonlyArray<DuplicateGroup> {
  const rows = workspace.database
    .prepare(
      `WITH groups AS (
         SELECT k.kind, k.key FROM staged_key k
         JOIN staged_record s ON s.record_id = k.record_id AND s.archived = 0
         WHERE k.import_id = ? GROUP BY k.kind, k.key HAVING count(DISTINCT k.record_id) > 1)
       SELECT DISTINCT g.kind AS kind, g.key AS key, s.object AS object, s.source_id AS sourceId,
         trim(coalesce(json_extract(s.data, '$.first_name'), '') || ' ' || coalesce(json_extract(s.data, '$.last_name'), '')
              || coalesce(json_extract(s.data, '$.name'), '')) AS name,
         s.record_id AS recordId
       FROM groups g JOIN staged_key k ON k.import_id = ? AND k.kind = g.kind AND k.key = g.key
       JOIN staged_record s ON s.record_id = k.record_id AND s.archived = 0
       ORDER BY g.kind, g.key, s.record_id`,
    )
    .all(importId, importId) as Array<{
    kind: DuplicateGroup['kind']
    key: string
    object: string
    sourceId: string
    name: string
  }>
  const out = new Map<string, { kind: DuplicateGroup['kind']; key: string; members: DuplicateMember[] }>()
  for (const r of rows) {
    const id = `${r.kind}\u0000${r.key}`
    let g = out.get(id)
    if (g === undefined) out.set(id, (g = { kind: r.kind, key: r.key, members: [] }))
    g.members.push({ object: r.object, sourceId: r.sourceId, name: r.name === '' ? null : r.name })
  }
  return [...out.values()].sort((a, b) => b.members.length - a.members.length || (a.key < b.key ? -1 : 1))
}
