/**
 * The schema setup plan (issue 5 item 2): what the target needs before a record moves, computed
 * from the mapping, the staged export's facts and the target audit — every custom column with its
 * type, length, precision and options, a source-id column with an alternate key on every migrated
 * table, the connection role pairs, one business process flow per Leaf360 pipeline with its stages
 * in order, and every warning (licence limit, upload limit, clashes with existing columns).
 *
 * Pure: the same inputs give the same plan. Apply (target/dataverse/schema-apply.ts) carries it out.
 */
import type {
  AuditColumn,
  PlanItemState,
  PlanWarning,
  PlannedColumn,
  PlannedConnectionRole,
  PlannedKey,
  PlannedProcess,
  PlannedStage,
  SchemaPlan,
  TargetAudit,
} from '../../shared/dto/plan'
import { PROFESSIONAL_CUSTOM_TABLE_LIMIT } from '../../shared/dto/plan'
import type { CustomColumn, FieldMapping, MappingDocument } from './mapping/model'
import { logicalNameOf } from './mapping/model'
import { KEYED_TABLES } from './mapping/target-tables'
import type { SourceFacts } from './source-facts'

/** The publisher and solution the plan's components go into. */
export type PublisherSettings = Readonly<{
  publisherUniqueName: string
  publisherFriendlyName: string
  solutionUniqueName: string
  solutionFriendlyName: string
}>

export const DEFAULT_PUBLISHER: PublisherSettings = {
  publisherUniqueName: 'leafbridge',
  publisherFriendlyName: 'Leafbridge',
  solutionUniqueName: 'LeafbridgeMigration',
  solutionFriendlyName: 'Leafbridge Leaf360 migration',
}

/** Dataverse allows at most 10 alternate keys per table ([altkey-def]). */
const MAX_KEYS_PER_TABLE = 10

/** The Dataverse AttributeType each plan column type is created as. */
const ATTRIBUTE_TYPE: Readonly<Record<PlannedColumn['type'], string>> = {
  string: 'String',
  memo: 'Memo',
  int: 'Integer',
  decimal: 'Decimal',
  money: 'Money',
  datetime: 'DateTime',
  date: 'DateTime',
  bool: 'Boolean',
  option: 'Picklist',
}

/** The schema name of the source-id key on every table (its column is `<prefix>_sourceid`). */
export const sourceIdKeySchemaName = (prefix: string): string => `${prefix}_SourceIdKey`
export const sourceIdColumn = (prefix: string): string => `${prefix}_sourceid`

/** The unique name of the BPF for a pipeline: also the logical name of its instance table. */
export function processUniqueName(prefix: string, pipelineId: string): string {
  const slug = pipelineId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '')
    .slice(0, 30)
  return `${prefix}_bpf_${slug || 'pipeline'}`
}

/** The file name of a process's importable XML definition in the exported plan. */
export const processDefinitionFile = (pipelineId: string): string =>
  `bpf-${pipelineId.replace(/[^A-Za-z0-9_-]+/g, '-')}.xml`

function purposeOf(f: FieldMapping, column: CustomColumn): PlannedColumn['purpose'] {
  if (f.transform.kind === 'source-key') return 'source-id'
  if (/_Source(Created|Modified)On$/.test(column.schemaName)) return 'original-time'
  if (/_SourceOwner$/.test(column.schemaName)) return 'original-user'
  if (f.transform.kind === 'stage-entered') return 'stage-entered'
  if (/_Cf[A-Z0-9]/.test(column.schemaName)) return 'custom-property'
  return 'mapped'
}

const severityRank = { blocker: 0, warning: 1, info: 2 } as const

const plural = (n: number, noun: string): string =>
  `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`

function compatible(planned: PlannedColumn, existing: AuditColumn): boolean {
  if (existing.attributeType !== ATTRIBUTE_TYPE[planned.type]) return false
  if (planned.type === 'date') return existing.format === null || existing.format === 'DateOnly'
  if (planned.type === 'datetime') return existing.format === null || existing.format !== 'DateOnly'
  return true
}

/** Base64 length of `bytes` of file: what organization.maxuploadfilesize is measured against ([files]). */
export const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3)

export type SchemaPlanInputs = Readonly<{
  mapping: MappingDocument
  mappingVersion: number | null
  facts: SourceFacts
  audit: TargetAudit
  publisher?: PublisherSettings
  now: string
}>

/** Computes the schema setup plan. */
export function computeSchemaPlan(inputs: SchemaPlanInputs): SchemaPlan {
  const { mapping, facts, audit } = inputs
  const settings = inputs.publisher ?? DEFAULT_PUBLISHER
  const prefix = mapping.prefix
  const warnings: PlanWarning[] = []
  const warn = (code: string, severity: PlanWarning['severity'], message: string) =>
    warnings.push({ code, severity, message })

  // ---- publisher and solution -------------------------------------------------------------
  const optionValuePrefix = Math.floor(mapping.optionValueBase / 10_000)
  const byName = audit.publishers.find(
    (p) => p.uniqueName.toLowerCase() === settings.publisherUniqueName.toLowerCase(),
  )
  const byPrefix = audit.publishers.find((p) => p.prefix.toLowerCase() === prefix.toLowerCase())
  const publisherFound = byName ?? byPrefix ?? null
  let publisherState: PlanItemState = publisherFound ? 'exists' : 'create'
  if (byName && byName.prefix.toLowerCase() !== prefix.toLowerCase()) {
    publisherState = 'conflict'
    warn(
      'publisher-prefix-mismatch',
      'blocker',
      `The publisher ${byName.uniqueName} exists with the prefix ${byName.prefix}_, but the mapping uses ${prefix}_. Change the mapping prefix to ${byName.prefix}, or name another publisher.`,
    )
  } else if (!byName && byPrefix) {
    warn(
      'publisher-by-prefix',
      'info',
      `The publisher ${byPrefix.uniqueName} already owns the prefix ${prefix}_; Leafbridge's columns go into its solution.`,
    )
  }
  if (publisherFound && publisherFound.optionValuePrefix !== optionValuePrefix) {
    warn(
      'option-prefix-mismatch',
      'warning',
      `The publisher's option value prefix is ${publisherFound.optionValuePrefix}, the mapping numbers options from ${mapping.optionValueBase}. Choices keep the mapping's values; align the mapping to ${publisherFound.optionValuePrefix * 10_000} if you want them in the publisher's range.`,
    )
  }
  const solutionState: PlanItemState = audit.solutions.some(
    (s) => s.toLowerCase() === settings.solutionUniqueName.toLowerCase(),
  )
    ? 'exists'
    : 'create'

  // ---- tables ------------------------------------------------------------------------------
  const tablesUsed = new Set<string>()
  for (const o of mapping.objects) if (o.target.kind === 'table') tablesUsed.add(o.target.table)
  for (const table of tablesUsed) {
    const t = audit.tables.find((x) => x.table === table)
    if (t === undefined) {
      warn('table-not-audited', 'warning', `The audit did not read ${table}; audit again before applying.`)
    } else if (!t.exists) {
      warn(
        'table-missing',
        'blocker',
        `The environment has no ${table} table, which the mapping writes. Is Dynamics 365 Sales installed?`,
      )
    }
  }

  // ---- columns -----------------------------------------------------------------------------
  const columns: PlannedColumn[] = []
  const valueMap = new Map(mapping.valueMaps.map((m) => [m.name, m]))
  for (const o of mapping.objects) {
    if (o.target.kind !== 'table') continue
    const table = o.target.table
    for (const f of o.fields) {
      if (!f.custom || f.status === 'unmapped') continue
      const c = f.custom
      const logicalName = logicalNameOf(c.schemaName)
      const source = f.source !== null && !f.source.startsWith('$') ? `${o.source.object}.${f.source}` : null
      const existingIndex = columns.findIndex((x) => x.table === table && x.logicalName === logicalName)
      if (existingIndex >= 0) {
        const prior = columns[existingIndex]!
        if (prior.type !== c.type) {
          warn(
            'mapping-column-clash',
            'blocker',
            `Two mapped fields want ${table}.${logicalName} with different types (${prior.type} and ${c.type}); rename one in the mapping.`,
          )
        }
        if (source !== null && !prior.sources.includes(source))
          columns[existingIndex] = { ...prior, sources: [...prior.sources, source] }
        continue
      }
      const options =
        c.type === 'option'
          ? [
              ...new Map(
                (valueMap.get(c.optionSet ?? '')?.entries ?? [])
                  .filter((e) => e.option !== null && e.status !== 'unmapped')
                  .map((e) => [e.option!, { value: e.option!, label: e.label }]),
              ).values(),
            ]
          : null
      if (c.type === 'option' && (options === null || options.length === 0)) {
        warn(
          'option-set-empty',
          'blocker',
          `${table}.${logicalName} is a choice column whose value map ${c.optionSet ?? '(none)'} has no options.`,
        )
      }
      columns.push({
        table,
        schemaName: c.schemaName,
        logicalName,
        displayName: c.displayName,
        description: c.description,
        type: c.type,
        maxLength: c.maxLength ?? (c.type === 'string' ? 100 : c.type === 'memo' ? 4000 : null),
        precision: c.precision ?? (c.type === 'money' ? 2 : c.type === 'decimal' ? 2 : null),
        options,
        optionSet: c.optionSet ?? null,
        purpose: purposeOf(f, c),
        sources: source === null ? [] : [source],
        state: 'create',
        note: f.status === 'needs-review' ? (f.note ?? 'Needs review in the mapping.') : null,
      })
    }
  }
  const existingColumns = new Map(audit.columns.map((c) => [`${c.table}.${c.logicalName}`, c]))
  // A column this plan itself creates is no collision, even once an earlier apply made it.
  const plannedKeys = new Set(columns.map((c) => `${c.table}.${c.logicalName}`))
  const planned = columns.map((col): PlannedColumn => {
    const existing = existingColumns.get(`${col.table}.${col.logicalName}`)
    const sameLabel = audit.columns.find(
      (a) =>
        a.table === col.table &&
        a.logicalName !== col.logicalName &&
        !plannedKeys.has(`${a.table}.${a.logicalName}`) &&
        a.displayName !== null &&
        a.displayName.toLowerCase() === col.displayName.toLowerCase(),
    )
    if (sameLabel) {
      warn(
        'display-name-collision',
        'warning',
        `${col.table} already has a column labelled "${col.displayName}" (${sameLabel.logicalName}); Leafbridge creates ${col.logicalName} beside it. If both hold the same data, point the mapping at ${sameLabel.logicalName} instead.`,
      )
    }
    if (existing === undefined) return col
    if (!compatible(col, existing)) {
      warn(
        'column-type-collision',
        'blocker',
        `${col.table}.${col.logicalName} already exists as ${existing.attributeType}${existing.format ? ` (${existing.format})` : ''}; the plan needs ${ATTRIBUTE_TYPE[col.type]}${col.type === 'date' ? ' (DateOnly)' : ''}. Rename the column in the mapping or delete the existing one.`,
      )
      return { ...col, state: 'conflict', note: `Exists as ${existing.attributeType}.` }
    }
    if (col.maxLength !== null && existing.maxLength !== null && existing.maxLength < col.maxLength) {
      warn(
        'column-shorter',
        'warning',
        `${col.table}.${col.logicalName} exists with room for ${existing.maxLength} characters; the mapping allows ${col.maxLength}. Longer values will be cut to ${existing.maxLength}.`,
      )
    }
    return { ...col, state: 'exists' }
  })

  // ---- alternate keys ------------------------------------------------------------------------
  const keyColumn = sourceIdColumn(prefix)
  const keySchema = sourceIdKeySchemaName(prefix)
  const alternateKeys: PlannedKey[] = []
  for (const table of KEYED_TABLES) {
    if (!tablesUsed.has(table)) continue
    if (!planned.some((c) => c.table === table && c.logicalName === keyColumn)) {
      warn(
        'source-id-missing',
        'blocker',
        `The mapping writes ${table} without a ${keyColumn} column; loads could not be retried safely.`,
      )
      continue
    }
    const keys = audit.keys.filter((k) => k.table === table)
    const same = keys.find((k) => k.keyAttributes.length === 1 && k.keyAttributes[0] === keyColumn)
    const sameName = keys.find((k) => k.logicalName === logicalNameOf(keySchema))
    let state: PlanItemState = same ? 'exists' : 'create'
    if (!same && sameName) {
      state = 'conflict'
      warn(
        'key-name-collision',
        'blocker',
        `${table} has a key ${sameName.logicalName} on ${sameName.keyAttributes.join(', ')}, not on ${keyColumn}.`,
      )
    }
    if (!same && keys.length >= MAX_KEYS_PER_TABLE) {
      state = 'conflict'
      warn(
        'key-limit',
        'blocker',
        `${table} already has ${keys.length} alternate keys, Dataverse's limit; remove one before applying.`,
      )
    }
    if (same?.status === 'Failed') {
      warn(
        'key-failed',
        'blocker',
        `The key ${same.logicalName} on ${table} failed to build; existing rows share a ${keyColumn} value. Apply reactivates it; fix the duplicates first.`,
      )
    } else if (same && same.status !== 'Active') {
      warn(
        'key-pending',
        'info',
        `The key ${same.logicalName} on ${table} is ${same.status}; apply waits until it is Active.`,
      )
    }
    alternateKeys.push({
      table,
      schemaName: same?.schemaName ?? keySchema,
      logicalName: same?.logicalName ?? logicalNameOf(keySchema),
      keyAttributes: [keyColumn],
      state,
      status: same?.status ?? null,
    })
  }

  // ---- connection roles -----------------------------------------------------------------------
  const roleByName = new Map(audit.connectionRoles.map((r) => [r.name.toLowerCase(), r]))
  const pair = (a: string, b: string, purpose: string): PlannedConnectionRole[] =>
    [
      [a, b],
      [b, a],
    ].map(([name, matches]) => {
      const existing = roleByName.get(name!.toLowerCase())
      if (existing && !existing.active) {
        warn(
          'connection-role-inactive',
          'warning',
          `The connection role "${existing.name}" exists but is inactive; activate it in Dynamics before the run.`,
        )
      }
      return { name: name!, matches: matches!, purpose, state: existing ? 'exists' : 'create' }
    })
  const { referredBy, referred } = mapping.settings.referralRoles
  const { member, organization } = mapping.settings.companyLinkRoles
  const connectionRoles = [
    ...pair(referredBy, referred, 'Referral partner ↔ the contact or deal they referred'),
    ...pair(member, organization, 'A contact ↔ a further company it is linked to'),
  ]
  const usesConnections = mapping.objects.some(
    (o) => o.target.kind === 'table' && o.target.table === 'connection',
  )
  if (usesConnections) {
    for (const table of ['contact', 'account', 'opportunity', 'lead']) {
      const t = audit.tables.find((x) => x.table === table)
      if (t?.exists && t.isConnectionsEnabled === false) {
        warn(
          'connections-disabled',
          'blocker',
          `Connections are not enabled for ${table}; enable them (Connections in the table's settings) so referral links can be created.`,
        )
      }
    }
  }

  // ---- business process flows -------------------------------------------------------------------
  const processes: PlannedProcess[] = []
  const stageMap = new Map(mapping.stages.map((s) => [`${s.pipelineId}/${s.stageId}`, s]))
  const defaultPipeline = facts.pipelines.find((p) => p.isDefault) ?? facts.pipelines[0]
  const dealsIn = (p: SourceFacts['pipelines'][number]) =>
    p.stages.reduce((n, s) => n + (facts.dealsByStage[`${p.pipelineId}/${s.stageId}`] ?? 0), 0)
  /** An archived pipeline whose every stage has a crosswalk needs no process: the default takes its deals. */
  const folds = (p: SourceFacts['pipelines'][number]) =>
    p.archived &&
    defaultPipeline !== undefined &&
    defaultPipeline.pipelineId !== p.pipelineId &&
    p.stages.every((s) => stageMap.get(`${p.pipelineId}/${s.stageId}`)?.crosswalkTo)
  const absorbed = facts.pipelines.filter(folds).map((p) => p.label)
  for (const p of facts.pipelines) {
    const deals = dealsIn(p)
    if (folds(p)) {
      warn(
        'pipeline-crosswalked',
        'info',
        `The archived pipeline ${p.label} (${plural(deals, 'deal')}) gets no process of its own: its stages map to ${defaultPipeline!.label} stages through the crosswalk.`,
      )
      continue
    }
    if (p.archived && deals === 0) {
      warn(
        'pipeline-archived-empty',
        'info',
        `The archived pipeline ${p.label} holds no deals and gets no process.`,
      )
      continue
    }
    if (p.archived) {
      warn(
        'pipeline-archived-kept',
        'warning',
        `The archived pipeline ${p.label} still holds ${plural(deals, 'deal')} without a crosswalk; it gets its own process. Review its stages.`,
      )
    }
    const stages: PlannedStage[] = []
    for (const s of p.stages) {
      const deals = facts.dealsByStage[`${p.pipelineId}/${s.stageId}`] ?? 0
      if (s.archived && deals === 0) continue
      const entry = stageMap.get(`${p.pipelineId}/${s.stageId}`)
      if (s.archived) {
        warn(
          'stage-archived-kept',
          'warning',
          `The archived stage ${s.label} of ${p.label} still holds ${plural(deals, 'deal')}; it is kept as a process stage. Move those deals or keep the stage.`,
        )
      }
      stages.push({
        stageId: s.stageId,
        name: entry?.bpfStage ?? s.label,
        category: entry?.salesstage ?? 0,
        probability: entry?.probability ?? Math.round(s.probability * 100),
        outcome: s.outcome,
        archived: s.archived,
        deals,
      })
    }
    const uniqueName = processUniqueName(prefix, p.pipelineId)
    const name = `${p.label} (Leaf360)`
    const existing = audit.processes.find(
      (x) => (x.uniqueName ?? '').toLowerCase() === uniqueName || x.name.toLowerCase() === name.toLowerCase(),
    )
    let state: PlanItemState = existing ? 'exists' : 'create'
    if (existing) {
      const have = existing.stages.map((s) => s.name)
      const want = stages.map((s) => s.name)
      const missing = want.filter((w) => !have.includes(w))
      if (missing.length > 0) {
        state = 'conflict'
        warn(
          'process-stages-differ',
          'blocker',
          `The process ${existing.name} exists but lacks the stages ${missing.join(', ')}. Add them in Dynamics, or delete the process so apply recreates it.`,
        )
      }
      if (!existing.active)
        warn(
          'process-inactive',
          'warning',
          `The process ${existing.name} exists but is not activated; activate it before the run.`,
        )
    }
    processes.push({
      pipelineId: p.pipelineId,
      pipelineLabel: p.label,
      name,
      uniqueName,
      primaryEntity: 'opportunity',
      stages,
      state,
      absorbs: p.pipelineId === defaultPipeline?.pipelineId ? absorbed : [],
      definitionFile: processDefinitionFile(p.pipelineId),
    })
  }
  if (facts.pipelinesDefaulted) {
    warn(
      'pipelines-defaulted',
      'warning',
      'The export had no usable schema/pipelines.json; the standard Leaf360 pipelines stand in. Check the processes against the portal.',
    )
  }

  // ---- licence: custom tables -------------------------------------------------------------------
  const newTables = processes.filter((p) => p.state === 'create').length
  const existingTables = audit.customTables.length
  const limit = audit.licence.tier === 'professional' ? PROFESSIONAL_CUSTOM_TABLE_LIMIT : null
  if (audit.licence.tier === 'professional' && existingTables + newTables > PROFESSIONAL_CUSTOM_TABLE_LIMIT) {
    warn(
      'professional-table-limit',
      'blocker',
      `Sales Professional allows ${PROFESSIONAL_CUSTOM_TABLE_LIMIT} custom tables; the environment has ${existingTables} and the plan adds ${newTables} (each business process flow is a table). Remove custom tables, merge pipelines into fewer processes, or move to Sales Enterprise.`,
    )
  } else if (audit.licence.tier === 'unknown') {
    warn(
      'licence-unknown',
      existingTables + newTables > PROFESSIONAL_CUSTOM_TABLE_LIMIT ? 'warning' : 'info',
      `State the licence (Professional or Enterprise). With Professional the limit is ${PROFESSIONAL_CUSTOM_TABLE_LIMIT} custom tables; the environment has ${existingTables} and the plan adds ${newTables}.`,
    )
  }

  // ---- attachments vs the upload limit -------------------------------------------------------------
  const limitBytes = audit.maxUploadFileSize
  const over = facts.attachments.largest.filter((a) => base64Length(a.bytes) > limitBytes)
  if (over.length > 0) {
    const biggest = over[0]!
    warn(
      'attachments-over-limit',
      'warning',
      `${over.length}${over.length === facts.attachments.largest.length ? '+' : ''} ${over.length === 1 ? 'attachment exceeds' : 'attachments exceed'} the environment's upload limit of ${limitBytes.toLocaleString('en-US')} bytes (Base64); the largest is ${biggest.name || biggest.fileId} at ${biggest.bytes.toLocaleString('en-US')} bytes. They are not loaded and go to the oversized-file manifest; raise organization.maxuploadfilesize (up to 131,072,000) to load them.`,
    )
  }

  // ---- values and mapping review ------------------------------------------------------------------
  for (const m of mapping.valueMaps) {
    const unmapped = m.entries.filter((e) => e.status === 'unmapped')
    if (unmapped.length > 0) {
      warn(
        'values-unmapped',
        'warning',
        `${unmapped.length} value${unmapped.length === 1 ? '' : 's'} of ${m.from} seen in the export ${unmapped.length === 1 ? 'has' : 'have'} no option: ${unmapped
          .map((e) => e.source)
          .slice(0, 8)
          .join(', ')}${unmapped.length > 8 ? ', …' : ''}. Map them in the mapping, or they load empty.`,
      )
    }
  }
  const review = planned.filter((c) => c.note !== null && c.state === 'create').length
  if (review > 0)
    warn(
      'columns-review',
      'info',
      `${review} planned columns need review in the mapping (archived Leaf360 properties).`,
    )
  if (facts.undeclaredColumns.length > 0) {
    warn(
      'undeclared-columns',
      'info',
      `${plural(facts.undeclaredColumns.length, 'column')} of the export ${facts.undeclaredColumns.length === 1 ? 'is' : 'are'} not defined in its property definitions (${facts.undeclaredColumns
        .slice(0, 5)
        .map((c) => `${c.object}.${c.name}`)
        .join(
          ', ',
        )}${facts.undeclaredColumns.length > 5 ? ', …' : ''}); ${facts.undeclaredColumns.length === 1 ? 'it is' : 'they are'} staged but not mapped.`,
    )
  }
  for (const t of audit.tables) {
    if (t.exists && tablesUsed.has(t.table) && !t.bulk.upsertMultiple)
      warn(
        'no-upsert-multiple',
        'info',
        `${t.table} does not offer UpsertMultiple here; the loader writes it through $batch.`,
      )
  }

  warnings.sort((a, b) => severityRank[a.severity] - severityRank[b.severity])
  const items: ReadonlyArray<{ state: PlanItemState }> = [
    { state: publisherState },
    { state: solutionState },
    ...planned,
    ...alternateKeys,
    ...connectionRoles,
    ...processes,
  ]
  return {
    computedAt: inputs.now,
    mappingVersion: inputs.mappingVersion,
    auditedAt: audit.auditedAt,
    publisher: {
      uniqueName: publisherFound?.uniqueName ?? settings.publisherUniqueName,
      friendlyName: settings.publisherFriendlyName,
      prefix: publisherFound?.prefix ?? prefix,
      optionValuePrefix: publisherFound?.optionValuePrefix ?? optionValuePrefix,
      state: publisherState,
    },
    solution: {
      uniqueName: settings.solutionUniqueName,
      friendlyName: settings.solutionFriendlyName,
      state: solutionState,
    },
    columns: planned,
    alternateKeys,
    connectionRoles,
    processes,
    warnings,
    licence: audit.licence,
    customTables: { existing: existingTables, planned: newTables, limit },
    counts: {
      create: items.filter((i) => i.state === 'create').length,
      exists: items.filter((i) => i.state === 'exists').length,
      conflict: items.filter((i) => i.state === 'conflict').length,
    },
  }
}

/** Does the plan hold anything that must be settled before apply? */
export const blockersOf = (plan: SchemaPlan): ReadonlyArray<PlanWarning> =>
  plan.warnings.filter((w) => w.severity === 'blocker')
