/**
 * The columns the ui flavour appends after the custom columns of contacts, companies and deals
 * (EXPORT-FORMAT.md §7 "Headers"), computed from the association definitions and the pipelines,
 * since both are per portal.
 */
import type { AssociationTypeSpec, ObjectType } from './association-types'
import { ASSOCIATION_TYPES } from './association-types'
import type { PipelineSpec } from './pipelines'
import { STANDARD_PIPELINES } from './pipelines'

/** What one appended ui column holds. */
export type UiAppendedColumn = Readonly<
  | {
      kind: 'primary-company-name'
      header: 'Associated Company'
    }
  | {
      /** Every associated id of `toObject` (unlabelled columns), or a labelled subset (`typeIds`). */
      kind: 'associated-ids'
      header: string
      toObject: ObjectType
      /** The association types (from this row's object) whose targets the cell lists; null = all. */
      typeIds: ReadonlyArray<number> | null
      label: string | null
    }
  | {
      /** Deals only: the ids of companies associated as primary (§7 `Associated Company IDs (Primary)`). */
      kind: 'primary-company-ids'
      header: 'Associated Company IDs (Primary)'
    }
  | {
      /** Deals only: the latest entry into one stage (§7 `Date entered "…"`). */
      kind: 'date-entered'
      header: string
      pipelineId: string
      stageId: string
    }
>

const OBJECT_PLURAL_TITLE: Readonly<Record<ObjectType, string>> = {
  contact: 'Contact',
  company: 'Company',
  deal: 'Deal',
  engagement: 'Engagement',
  attachment: 'Attachment',
}

/** `Associated Deal IDs` and `Associated Deal IDs (<Label>)` (§7). */
export function associatedIdsHeader(toObject: ObjectType, label: string | null): string {
  const base = `Associated ${OBJECT_PLURAL_TITLE[toObject]} IDs`
  return label === null ? base : `${base} (${label})`
}

/** `Date entered "<Stage label> (<Pipeline label>)"` (§7). */
export function dateEnteredHeader(stageLabel: string, pipelineLabel: string): string {
  return `Date entered "${stageLabel} (${pipelineLabel})"`
}

/**
 * Labelled association columns from `from` to `to`, one per distinct label in §6.7 order; each covers
 * every type with that label in that direction.
 */
function labelledColumns(
  types: ReadonlyArray<AssociationTypeSpec>,
  from: ObjectType,
  to: ObjectType,
): UiAppendedColumn[] {
  const byLabel = new Map<string, number[]>()
  for (const t of types) {
    if (t.fromObjectType !== from || t.toObjectType !== to || t.label === null) continue
    const ids = byLabel.get(t.label) ?? []
    ids.push(t.associationTypeId)
    byLabel.set(t.label, ids)
  }
  return [...byLabel].map(([label, typeIds]) => ({
    kind: 'associated-ids' as const,
    header: associatedIdsHeader(to, label),
    toObject: to,
    typeIds,
    label,
  }))
}

const unlabelled = (to: ObjectType): UiAppendedColumn => ({
  kind: 'associated-ids',
  header: associatedIdsHeader(to, null),
  toObject: to,
  typeIds: null,
  label: null,
})

/**
 * The appended ui columns of `object`, in order (§7 table).
 *
 * `types` defaults to §6.7 and `pipelines` to §6.2; pass the portal's own when reading.
 */
export function uiAppendedColumns(
  object: 'contacts' | 'companies' | 'deals',
  types: ReadonlyArray<AssociationTypeSpec> = ASSOCIATION_TYPES,
  pipelines: ReadonlyArray<PipelineSpec> = STANDARD_PIPELINES,
): ReadonlyArray<UiAppendedColumn> {
  switch (object) {
    case 'contacts':
      return [
        { kind: 'primary-company-name', header: 'Associated Company' },
        unlabelled('company'),
        unlabelled('deal'),
        unlabelled('contact'),
        ...labelledColumns(types, 'contact', 'deal'),
        ...labelledColumns(types, 'contact', 'company'),
        ...labelledColumns(types, 'contact', 'contact'),
      ]
    case 'companies':
      return [
        unlabelled('contact'),
        unlabelled('deal'),
        ...labelledColumns(types, 'company', 'contact'),
        ...labelledColumns(types, 'company', 'deal'),
      ]
    case 'deals':
      return [
        unlabelled('contact'),
        unlabelled('company'),
        { kind: 'primary-company-ids', header: 'Associated Company IDs (Primary)' },
        ...labelledColumns(types, 'deal', 'contact'),
        ...labelledColumns(types, 'deal', 'company'),
        ...pipelines.flatMap((p) =>
          p.stages.map((s) => ({
            kind: 'date-entered' as const,
            header: dateEnteredHeader(s.label, p.label),
            pipelineId: p.pipelineId,
            stageId: s.stageId,
          })),
        ),
      ]
  }
}
