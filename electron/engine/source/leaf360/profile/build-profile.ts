/**
 * The profile of one staged export (issue 3 item 4): counts per object, the custom fields
 * inventory with inferred target types, value distributions, duplicate candidates, findings by
 * defect code with examples, owners referenced against owners defined, attachments, per-file
 * accounting and encodings, and the delta against earlier imports. Stored in the workspace.
 */
import type { SourceProfile } from '../../../../shared/dto/source'
import type { StagingRepository } from '../../../workspace/staging-repository'
import { valueTypeOfProperty, type CustomPropertyObject, type PropertyDefinitionJson } from '../spec'
import type { ExportSettings } from '../reader/manifest'
import type { FindingsTally } from '../staging/findings'
import type { SourceFacts } from '../staging/source-facts'
import { inferTargetType, textType, type ColumnStats } from './column-stats'

/** Custom and undeclared columns seen while staging, by object. */
export type ObservedColumn = Readonly<{
  object: string
  key: string
  header: string
  kind: 'custom' | 'unknown'
  property: PropertyDefinitionJson | null
  stats: ColumnStats
}>

/** Everything the profile is built from besides the workspace. */
export type ProfileInputs = Readonly<{
  importId: number
  location: string
  settings: ExportSettings
  tally: FindingsTally
  columns: ReadonlyArray<ObservedColumn>
  properties: ReadonlyMap<CustomPropertyObject, ReadonlyArray<PropertyDefinitionJson>>
  delta: Readonly<Record<string, Readonly<Record<string, number>>>>
  notes: ReadonlyArray<Readonly<{ file: string | null; reason: string; message: string }>>
  stagedAt: string
  synthesised: number
  facts: SourceFacts
  /** Staged and archived records per object. */
  stagedCounts: ReadonlyMap<string, Readonly<{ staged: number; archived: number }>>
}>

const DISTRIBUTIONS: ReadonlyArray<Readonly<{ name: string; object: string; key: string }>> = [
  { name: 'loan_status', object: 'contacts', key: 'loan_status' },
  { name: 'loan_type', object: 'deals', key: 'loan_type' },
  { name: 'loan_type_interest', object: 'contacts', key: 'loan_type_interest' },
  { name: 'lead_source.contacts', object: 'contacts', key: 'lead_source' },
  { name: 'lead_source.deals', object: 'deals', key: 'lead_source' },
]

/** A Dataverse-oriented target type of a defined property (§4.10 types). */
function definedTargetType(p: PropertyDefinitionJson, stats: ColumnStats | null): string {
  const { type, multi } = valueTypeOfProperty(p)
  switch (type) {
    case 'decimal':
      return stats !== null && stats.nonNull > 0 && stats.allInteger ? 'whole number' : 'decimal'
    case 'enum':
      return multi ? 'multi-select choice' : 'choice'
    case 'date':
      return 'date only'
    case 'datetime':
      return 'date and time'
    case 'bool':
      return 'yes/no'
    case 'phone':
      return 'phone'
    case 'string':
      return p.field_type === 'textarea' ? 'multiline text' : textType(stats?.maxLength ?? 0)
  }
}

/** Builds the profile of an import from the workspace and the tallies. */
export function buildProfile(repo: StagingRepository, inputs: ProfileInputs): SourceProfile {
  const { importId } = inputs
  const files = repo.files(importId)
  const quarantinedByObject = new Map(repo.quarantineByObject(importId).map((r) => [r.object, r.n]))
  const objects: Record<string, { staged: number; archived: number; quarantined: number }> = {}
  for (const [object, c] of [...inputs.stagedCounts].sort(([a], [b]) => a.localeCompare(b))) {
    if (c.staged === 0) continue
    objects[object] = {
      staged: c.staged,
      archived: c.archived,
      quarantined: quarantinedByObject.get(object) ?? 0,
    }
  }
  for (const [object, n] of quarantinedByObject)
    objects[object] ??= { staged: 0, archived: 0, quarantined: n }

  const distributions: Record<string, Record<string, number>> = {}
  for (const d of DISTRIBUTIONS) {
    const values = inputs.facts.distribution(d.object, d.key)
    if (values !== undefined) distributions[d.name] = values
  }
  const pipelineStages = inputs.facts.pipelineStages()

  const customFields = inputs.columns.map((c) => ({
    object: c.object,
    name: c.key,
    header: c.header,
    source: c.kind === 'custom' ? ('property-definitions' as const) : ('undeclared-column' as const),
    definedType: c.property === null ? null : `${c.property.type}/${c.property.field_type}`,
    archived: c.property?.archived === true,
    inferredTargetType:
      c.property === null ? inferTargetType(c.stats) : definedTargetType(c.property, c.stats),
    nonNull: c.stats.nonNull,
    maxLength: c.stats.maxLength,
    distinctValues: c.stats.distinctOverflow ? null : c.stats.distinct.size,
    sampleValues: c.stats.distinctOverflow ? [] : [...c.stats.distinct].slice(0, 10),
  }))
  // Defined custom properties with no column in the export still belong to the inventory.
  for (const [object, props] of inputs.properties) {
    for (const p of props) {
      if (p.is_custom !== true) continue
      const dataObject = object === 'engagements' ? null : object
      if (inputs.columns.some((c) => c.key === p.name && (dataObject === null || c.object === dataObject)))
        continue
      customFields.push({
        object,
        name: p.name,
        header: p.label,
        source: 'property-definitions',
        definedType: `${p.type}/${p.field_type}`,
        archived: p.archived === true,
        inferredTargetType: definedTargetType(p, null),
        nonNull: 0,
        maxLength: 0,
        distinctValues: 0,
        sampleValues: [],
      })
    }
  }

  const duplicates = Object.fromEntries(
    (['email', 'phone', 'name_address'] as const).map((kind) => {
      const totals = repo.countKeyGroups(importId, kind)
      const groups = repo.keyGroups(importId, kind, 10)
      const examples = groups.map((g) => ({
        key: g.key,
        records: g.n,
        sourceIds: repo
          .query<{ sourceId: string }>(
            `SELECT source_id AS sourceId FROM staged_record WHERE record_id IN (${g.recordIds
              .split(',')
              .map(Number)
              .filter(Number.isFinite)
              .join(',')}) ORDER BY record_id`,
          )
          .map((r) => r.sourceId),
      }))
      return [kind, { groups: totals.groups, records: totals.records, examples }]
    }),
  ) as unknown as SourceProfile['duplicates']

  const tally = inputs.tally
  const findings: Record<string, SourceProfile['findings'][string]> = {}
  for (const [code, count] of [...tally.counts].sort(([a], [b]) => a.localeCompare(b))) {
    findings[code] = {
      count,
      reasons: Object.fromEntries(tally.reasons.get(code) ?? []),
      examples: tally.examples.get(code) ?? [],
    }
  }

  const definedOwners = [...inputs.facts.owners]
  const referenced = [...inputs.facts.ownerRefs].sort((a, b) => b[1] - a[1])
  const owners: SourceProfile['owners'] = {
    defined: definedOwners.length,
    active: definedOwners.filter(([, o]) => o.active === true).length,
    referenced: referenced.length,
    referencedUndefined: referenced
      .filter(([id]) => !inputs.facts.owners.has(id))
      .map(([ownerId, references]) => ({ ownerId, references })),
    definedUnreferenced: definedOwners.filter(([id]) => !inputs.facts.ownerRefs.has(id)).map(([id]) => id),
    deactivatedReferenced: referenced
      .filter(([id]) => inputs.facts.owners.get(id)?.active === false)
      .map(([ownerId, references]) => ({
        ownerId,
        email: inputs.facts.owners.get(ownerId)?.email ?? null,
        references,
      })),
  }

  const att = repo.query<{
    n: number
    bytes: number | null
    missing: number
    empty: number
    present: number
  }>(
    `SELECT count(*) AS n,
       sum(coalesce(json_extract(data, '$._binary.size'), json_extract(data, '$.size_bytes'), 0)) AS bytes,
       sum(json_extract(data, '$._binary.state') = 'missing') AS missing,
       sum(json_extract(data, '$._binary.state') = 'empty') AS empty,
       sum(json_extract(data, '$._binary.state') = 'present') AS present
     FROM staged_record WHERE import_id = ? AND object = 'attachments'`,
    importId,
  )[0]
  const oversized = repo.query<{ fileId: string; size: number; binaryPresent: number }>(
    `SELECT source_id AS fileId, coalesce(json_extract(data, '$._binary.size'), json_extract(data, '$.size_bytes')) AS size,
       json_extract(data, '$._binary.state') = 'present' AS binaryPresent
     FROM staged_record WHERE import_id = ? AND object = 'attachments' AND json_extract(data, '$._binary.oversized') = 1
     ORDER BY size DESC`,
    importId,
  )
  return {
    importId,
    location: inputs.location,
    stagedAt: inputs.stagedAt,
    flavour: inputs.settings.flavour,
    flavourOrigin: inputs.settings.flavourOrigin,
    timezone: inputs.settings.timezone,
    exportKind: inputs.settings.exportKind,
    partial: inputs.settings.partial,
    portalId: inputs.settings.portalId,
    exportedAt: inputs.settings.exportedAt,
    files: files.map((f) => ({
      path: f.path,
      object: f.object,
      format: f.format,
      encoding: f.encoding,
      declaredEncoding: f.declaredEncoding,
      bytes: f.bytes,
      read: f.rowsRead,
      staged: f.staged,
      quarantined: f.quarantined,
      skipped: f.skipped,
    })),
    objects,
    synthesised: inputs.synthesised,
    customFields,
    distributions: { ...distributions, pipeline_stages: pipelineStages },
    duplicates,
    findings,
    quarantineReasons: tally.quarantineObject(),
    owners,
    attachments: {
      count: att?.n ?? 0,
      totalBytes: att?.bytes ?? 0,
      withBinary: att?.present ?? 0,
      missingBinary: att?.missing ?? 0,
      emptyBinary: att?.empty ?? 0,
      oversized: oversized.map((o) => ({
        fileId: o.fileId,
        bytes: o.size,
        binaryPresent: o.binaryPresent === 1,
      })),
    },
    delta: inputs.delta,
    notes: inputs.notes,
  }
}
