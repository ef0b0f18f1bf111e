/**
 * The data dictionary of migrated fields (the brief's Report / Dashboard row: "We provide a data
 * dictionary of migrated fields so your BI team can reconnect existing Power BI reports to the
 * Dataverse tables"): every Leaf360 field the mapping moves, the Dataverse table and column it
 * landed in, its type, how it was transformed, and every choice value. Built from the mapping
 * document the run used, so it describes exactly what was written.
 */
import type { FieldMapping, MappingDocument, Transform } from '../plan/mapping/model'
import { TARGET_TABLES, type TargetTableName } from '../plan/mapping/target-tables'
import { assertNever } from '../../shared/assert-never'
import type { ReportDocument } from './report-document'
import { type WrittenFile, writeReport } from './write-report'

/** One migrated field. */
export type DictionaryEntry = Readonly<{
  mapping: string
  sourceObject: string
  sourceField: string | null
  table: string
  entitySet: string
  column: string
  displayName: string
  type: string
  custom: boolean
  transform: string
  verified: boolean
  note: string
}>

/** What a transform does, in words for a BI analyst. */
export function describeTransform(t: Transform): string {
  switch (t.kind) {
    case 'copy':
      return t.default !== undefined ? `copied; "${String(t.default)}" when empty` : 'copied'
    case 'source-key':
      return 'Leaf360 object and id (the alternate key)'
    case 'constant':
      return `always ${JSON.stringify(t.value)}`
    case 'option':
      return `choice through the ${t.valueMap} value map`
    case 'join':
      return `list joined with "${t.separator}"`
    case 'concat':
      return `${t.fields.join(' + ')} joined with "${t.separator}"`
    case 'html-to-text':
      return 'HTML body as plain text'
    case 'owner-name':
      return "the Leaf360 owner's name"
    case 'owner':
      return 'the Leaf360 owner resolved by e-mail to a Dynamics user'
    case 'lookup':
      return t.object === 'dynamic'
        ? 'link to the migrated record it refers to'
        : `link to the migrated ${t.object}`
    case 'connection-role':
      return `connection role ${t.role}`
    case 'parties':
      return 'activity parties from e-mail addresses, contacts and owners'
    case 'file-body':
      return 'the attachment file'
    case 'stage':
      return `deal stage → ${t.attribute}`
    case 'stage-entered':
      return `when the deal entered stage ${t.stageId}`
    case 'ms-to-minutes':
      return 'milliseconds as whole minutes'
    case 'equals':
      return `true when ${t.equals.join(' or ')}`
    default:
      return assertNever(t, 'unknown transform')
  }
}

const standardName = (column: string): string =>
  column
    .replace(/id$/, ' id')
    .replace(/^./, (c) => c.toUpperCase())
    .trim()

/** Every migrated field of a mapping document, table by table in phase order. */
export function dictionaryEntries(mapping: MappingDocument): ReadonlyArray<DictionaryEntry> {
  const out: DictionaryEntry[] = []
  for (const m of mapping.objects) {
    if (m.target.kind !== 'table') continue
    const table = m.target.table as TargetTableName
    const def = TARGET_TABLES[table]
    for (const f of m.fields as ReadonlyArray<FieldMapping>) {
      if (f.status === 'unmapped') continue
      out.push({
        mapping: m.id,
        sourceObject: m.source.object,
        sourceField: f.source,
        table,
        entitySet: def.entitySet,
        column: f.readBack ?? f.target,
        displayName: f.custom?.displayName ?? standardName(f.target),
        type: f.custom?.type ?? f.type,
        custom: f.custom !== undefined,
        transform: describeTransform(f.transform),
        verified: f.verify && f.transform.kind !== 'parties' && f.transform.kind !== 'file-body',
        note: [f.readBack ? `written as ${f.target}, read as ${f.readBack}` : '', f.note ?? '']
          .filter(Boolean)
          .join('; '),
      })
    }
  }
  return out
}

/** The data dictionary as a report document. */
export function dataDictionaryDocument(mapping: MappingDocument, generatedAt: string): ReportDocument {
  const entries = dictionaryEntries(mapping)
  const tables = [...new Set(entries.map((e) => e.table))]
  return {
    title: 'Data dictionary of migrated fields',
    subtitle: `${mapping.name} · publisher prefix ${mapping.prefix}`,
    generatedAt,
    facts: [
      { label: 'Tables', value: tables.length },
      { label: 'Fields', value: entries.length },
      { label: 'Custom columns', value: entries.filter((e) => e.custom).length },
    ],
    sections: [
      {
        heading: 'Fields',
        paragraphs: [
          'Each row is one Leaf360 field as it lands in Dataverse. Column is the logical name to use in Power BI, OData or FetchXML; the Web API reads a lookup as _<column>_value.',
        ],
        table: {
          id: 'fields',
          title: 'Migrated fields',
          columns: [
            { key: 'table', label: 'Table', width: 14 },
            { key: 'column', label: 'Column', width: 28 },
            { key: 'displayName', label: 'Display name', width: 28 },
            { key: 'type', label: 'Type', width: 10 },
            { key: 'custom', label: 'Custom' },
            { key: 'sourceObject', label: 'Leaf360 object', width: 14 },
            { key: 'sourceField', label: 'Leaf360 field', width: 26 },
            { key: 'transform', label: 'How', width: 40 },
            { key: 'verified', label: 'Verified' },
            { key: 'note', label: 'Note', width: 40 },
          ],
          rows: entries.map((e) => ({ ...e })),
        },
      },
      {
        heading: 'Choice values',
        paragraphs: ['The option value each Leaf360 value became, per value map.'],
        table: {
          id: 'choices',
          title: 'Choice values',
          columns: [
            { key: 'valueMap', label: 'Value map', width: 20 },
            { key: 'to', label: 'Column', width: 24 },
            { key: 'source', label: 'Leaf360 value', width: 26 },
            { key: 'option', label: 'Option value', width: 14 },
            { key: 'label', label: 'Label', width: 26 },
          ],
          rows: mapping.valueMaps.flatMap((vm) =>
            vm.entries.map((e) => ({
              valueMap: vm.name,
              to: vm.to,
              source: e.source,
              option: e.option,
              label: e.label,
            })),
          ),
        },
      },
      {
        heading: 'Pipeline stages',
        table: {
          id: 'stages',
          title: 'Stages',
          columns: [
            { key: 'pipeline', label: 'Pipeline', width: 20 },
            { key: 'stage', label: 'Leaf360 stage', width: 24 },
            { key: 'bpfStage', label: 'Process stage', width: 24 },
            { key: 'probability', label: 'Probability' },
            { key: 'salesstage', label: 'Sales stage' },
            { key: 'outcome', label: 'Outcome' },
          ],
          rows: mapping.stages.map((s) => ({
            pipeline: s.pipelineLabel,
            stage: s.label,
            bpfStage: s.bpfStage,
            probability: s.probability,
            salesstage: s.salesstage,
            outcome: s.outcome,
          })),
        },
      },
    ],
  }
}

/** Writes the data dictionary (md, html, xlsx, csv of the fields, json). */
export function writeDataDictionary(
  dir: string,
  mapping: MappingDocument,
  generatedAt: string,
): Promise<ReadonlyArray<WrittenFile>> {
  return writeReport(dir, 'data-dictionary', dataDictionaryDocument(mapping, generatedAt), {
    formats: ['md', 'html', 'xlsx', 'csv', 'json'],
    csvTable: 'fields',
    json: { mapping: mapping.name, prefix: mapping.prefix, fields: dictionaryEntries(mapping) },
  })
}
