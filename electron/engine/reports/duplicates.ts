/**
 * The duplicate report (a post-migration deliverable of the brief): records of the export that
 * share an e-mail address, a phone number, or a name and address, each with where it landed in
 * Dynamics (table and id), so staff can review and merge them there with the duplicate detection
 * tools. Leafbridge migrates every record as it is; it never merges on its own.
 */
import { type SourceRef, sourceKeyOf } from '../plan/mapping/build-record'
import type { TargetTableName } from '../plan/mapping/target-tables'
import type { DuplicateGroup } from '../workspace/report-repository'
import type { ReportDocument } from './report-document'
import { type WrittenFile, writeReport } from './write-report'

/** Where a source record landed: its table (null when not migrated) and its Dynamics id. */
export type Landing = (ref: Readonly<{ object: string; sourceId: string }>) => Readonly<{
  table: TargetTableName | null
  targetId: string | null
}>

const KIND_LABEL = {
  email: 'Same e-mail',
  phone: 'Same phone',
  name_address: 'Same name and address',
} as const

/** One row per member of every group. */
export function duplicateRows(groups: ReadonlyArray<DuplicateGroup>, landing: Landing) {
  return groups.flatMap((g, i) =>
    g.members.map((m) => {
      const where = landing({ object: m.object, sourceId: m.sourceId })
      return {
        group: i + 1,
        kind: KIND_LABEL[g.kind],
        key: g.key,
        records: g.members.length,
        object: m.object,
        sourceId: m.sourceId,
        name: m.name,
        table: where.table,
        targetId: where.targetId,
      }
    }),
  )
}

/** The duplicate report as a document. */
export function duplicatesDocument(
  groups: ReadonlyArray<DuplicateGroup>,
  landing: Landing,
  generatedAt: string,
): ReportDocument {
  const rows = duplicateRows(groups, landing)
  const count = (kind: DuplicateGroup['kind']) => groups.filter((g) => g.kind === kind).length
  return {
    title: 'Duplicate report',
    subtitle: 'Records that may be the same person or household',
    generatedAt,
    facts: [
      { label: 'Groups', value: groups.length },
      { label: 'Same e-mail', value: count('email') },
      { label: 'Same phone', value: count('phone') },
      { label: 'Same name and address', value: count('name_address') },
      { label: 'Records in groups', value: rows.length },
    ],
    sections: [
      {
        heading: 'Candidates',
        paragraphs: [
          'Every record was migrated as it was in Leaf360. Review each group in Dynamics 365 (Merge on contacts and accounts) and keep one record per person.',
        ],
        table: {
          id: 'duplicates',
          title: 'Duplicate candidates',
          columns: [
            { key: 'group', label: 'Group' },
            { key: 'kind', label: 'Why', width: 22 },
            { key: 'key', label: 'Shared value', width: 30 },
            { key: 'records', label: 'Records' },
            { key: 'object', label: 'Leaf360 object', width: 14 },
            { key: 'sourceId', label: 'Leaf360 id', width: 16 },
            { key: 'name', label: 'Name', width: 26 },
            { key: 'table', label: 'Dynamics table', width: 14 },
            { key: 'targetId', label: 'Dynamics id', width: 38 },
          ],
          rows,
        },
      },
    ],
  }
}

/** Writes the duplicate report (csv, xlsx, html, json). */
export function writeDuplicates(
  dir: string,
  groups: ReadonlyArray<DuplicateGroup>,
  landing: Landing,
  generatedAt: string,
): Promise<ReadonlyArray<WrittenFile>> {
  return writeReport(dir, 'duplicates', duplicatesDocument(groups, landing, generatedAt), {
    formats: ['csv', 'xlsx', 'html', 'json'],
    csvTable: 'duplicates',
    json: { groups: groups.length, rows: duplicateRows(groups, landing) },
  })
}

/** A landing function over the run's source view and id maps. */
export function landingOf(
  targetOf: (ref: SourceRef) => TargetTableName | null,
  idOf: (table: TargetTableName, sourceKey: string) => string | null,
): Landing {
  return ({ object, sourceId }) => {
    const table = targetOf({ object, id: sourceId } as SourceRef)
    return { table, targetId: table === null ? null : idOf(table, sourceKeyOf(object, sourceId)) }
  }
}
