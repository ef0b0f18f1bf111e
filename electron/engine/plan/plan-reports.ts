/**
 * The planning reports as report documents (engine/reports renders them): the target audit, the
 * schema setup plan, the owner preflight and the workflow rebuild reference; and the functions that
 * write each to a folder in its formats.
 */
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import type { ApplyResult, ExportedFile, OwnersReport, SchemaPlan, TargetAudit } from '../../shared/dto/plan'
import type { ReportDocument, ReportNote } from '../reports/report-document'
import { type WrittenFile, writeReport } from '../reports/write-report'
import { processDefinitionXml } from './bpf-definition'
import type { WorkflowReference } from './workflow-reference'

const tone = (s: 'info' | 'warning' | 'blocker'): ReportNote['tone'] => (s === 'blocker' ? 'error' : s)

/** The target audit as a report. */
export function auditReport(audit: TargetAudit): ReportDocument {
  return {
    title: 'Target audit',
    subtitle: `${audit.environment.organizationName} · ${audit.environment.url}`,
    generatedAt: audit.auditedAt,
    facts: [
      { label: 'Dataverse version', value: audit.environment.version ?? 'unknown' },
      { label: 'Signed in as user', value: audit.environment.userId },
      { label: 'Licence', value: audit.licence.tier === 'unknown' ? 'not stated' : audit.licence.tier },
      {
        label: 'Users',
        value: `${audit.users.length} (${audit.users.filter((u) => u.isDisabled).length} disabled)`,
      },
      { label: 'Custom tables', value: audit.customTables.length },
      { label: 'Largest upload (Base64 bytes)', value: audit.maxUploadFileSize.toLocaleString('en-US') },
    ],
    sections: [
      { heading: 'Notes', notes: audit.notes.map((text) => ({ tone: 'info' as const, text })) },
      {
        heading: 'Tables Leafbridge writes',
        table: {
          id: 'tables',
          title: 'Tables',
          columns: [
            { key: 'table', label: 'Table' },
            { key: 'exists', label: 'Exists' },
            { key: 'connections', label: 'Connections enabled' },
            { key: 'create', label: 'CreateMultiple' },
            { key: 'update', label: 'UpdateMultiple' },
            { key: 'upsert', label: 'UpsertMultiple' },
          ],
          rows: audit.tables.map((t) => ({
            table: t.table,
            exists: t.exists,
            connections: t.isConnectionsEnabled,
            create: t.bulk.createMultiple,
            update: t.bulk.updateMultiple,
            upsert: t.bulk.upsertMultiple,
          })),
        },
      },
      {
        heading: 'Existing custom columns',
        table: {
          id: 'columns',
          title: 'Custom columns',
          columns: [
            { key: 'table', label: 'Table' },
            { key: 'logicalName', label: 'Column', width: 28 },
            { key: 'displayName', label: 'Label', width: 28 },
            { key: 'attributeType', label: 'Type' },
            { key: 'maxLength', label: 'Length' },
            { key: 'format', label: 'Format' },
          ],
          rows: audit.columns.map((c) => ({ ...c })),
        },
      },
      {
        heading: 'Alternate keys',
        table: {
          id: 'keys',
          title: 'Keys',
          columns: [
            { key: 'table', label: 'Table' },
            { key: 'logicalName', label: 'Key' },
            { key: 'attributes', label: 'Columns' },
            { key: 'status', label: 'Index status' },
          ],
          rows: audit.keys.map((k) => ({
            table: k.table,
            logicalName: k.logicalName,
            attributes: k.keyAttributes.join(', '),
            status: k.status,
          })),
        },
      },
      {
        heading: 'Connection roles',
        table: {
          id: 'connection-roles',
          title: 'Connection roles',
          columns: [
            { key: 'name', label: 'Role' },
            { key: 'active', label: 'Active' },
            { key: 'reciprocal', label: 'Matching roles' },
          ],
          rows: audit.connectionRoles.map((r) => ({
            name: r.name,
            active: r.active,
            reciprocal: r.reciprocal.join(', '),
          })),
        },
      },
      {
        heading: 'Business process flows on opportunity',
        table: {
          id: 'processes',
          title: 'Processes',
          columns: [
            { key: 'name', label: 'Process' },
            { key: 'uniqueName', label: 'Unique name' },
            { key: 'active', label: 'Active' },
            { key: 'stages', label: 'Stages in order', width: 80 },
          ],
          rows: audit.processes.map((p) => ({
            name: p.name,
            uniqueName: p.uniqueName,
            active: p.active,
            stages: p.stages.map((s) => s.name).join(' › '),
          })),
        },
      },
      {
        heading: 'Users',
        table: {
          id: 'users',
          title: 'Users',
          columns: [
            { key: 'fullName', label: 'Name', width: 28 },
            { key: 'email', label: 'E-mail', width: 34 },
            { key: 'isDisabled', label: 'Disabled' },
            { key: 'isApplicationUser', label: 'Application user' },
          ],
          rows: audit.users.map((u) => ({ ...u })),
        },
      },
    ],
  }
}

const CATEGORY = ['Qualify', 'Develop', 'Propose', 'Close']

/** The schema setup plan as a report; `applied` adds what the last apply did. */
export function schemaPlanReport(plan: SchemaPlan, applied: ApplyResult | null = null): ReportDocument {
  const n = (state: string) => (rows: ReadonlyArray<{ state: string }>) =>
    rows.filter((r) => r.state === state).length
  const create = n('create')
  return {
    title: 'Schema setup plan',
    subtitle: `Leaf360 → Dynamics 365 Sales · solution ${plan.solution.uniqueName} · publisher ${plan.publisher.uniqueName} (${plan.publisher.prefix}_)`,
    generatedAt: plan.computedAt,
    facts: [
      { label: 'Mapping version', value: plan.mappingVersion ?? 'proposed, not stored' },
      { label: 'Target audited', value: plan.auditedAt },
      { label: 'Columns to create', value: `${create(plan.columns)} of ${plan.columns.length}` },
      {
        label: 'Alternate keys to create',
        value: `${create(plan.alternateKeys)} of ${plan.alternateKeys.length}`,
      },
      {
        label: 'Connection roles to create',
        value: `${create(plan.connectionRoles)} of ${plan.connectionRoles.length}`,
      },
      {
        label: 'Business process flows to create',
        value: `${create(plan.processes)} of ${plan.processes.length}`,
      },
      {
        label: 'Custom tables',
        value: `${plan.customTables.existing} existing + ${plan.customTables.planned} planned${plan.customTables.limit !== null ? ` (limit ${plan.customTables.limit})` : ''}`,
      },
      { label: 'Licence', value: plan.licence.tier === 'unknown' ? 'not stated' : plan.licence.tier },
      { label: 'Blockers', value: plan.warnings.filter((w) => w.severity === 'blocker').length },
      ...(applied
        ? [
            {
              label: 'Last apply',
              value: `${applied.appliedAt}: ${applied.created} created, ${applied.existing} already there`,
            },
          ]
        : []),
    ],
    sections: [
      {
        heading: 'Warnings',
        paragraphs: plan.warnings.length === 0 ? ['Nothing stands in the way.'] : [],
        notes: plan.warnings.map((w) => ({ tone: tone(w.severity), text: `${w.message} [${w.code}]` })),
      },
      {
        heading: 'Publisher and solution',
        table: {
          id: 'solution',
          title: 'Publisher and solution',
          columns: [
            { key: 'what', label: 'Component' },
            { key: 'name', label: 'Unique name' },
            { key: 'detail', label: 'Detail', width: 40 },
            { key: 'state', label: 'Plan' },
          ],
          rows: [
            {
              what: 'Publisher',
              name: plan.publisher.uniqueName,
              detail: `prefix ${plan.publisher.prefix}_, option values from ${plan.publisher.optionValuePrefix * 10_000}`,
              state: plan.publisher.state,
            },
            {
              what: 'Solution',
              name: plan.solution.uniqueName,
              detail: plan.solution.friendlyName,
              state: plan.solution.state,
            },
          ],
        },
      },
      {
        heading: 'Columns',
        paragraphs: [
          'Every custom column Leafbridge writes: the source-id column (alternate key) and original created/modified times on every migrated table, the stage-transition times on opportunity, and the mapped Leaf360 fields and custom properties.',
        ],
        table: {
          id: 'columns',
          title: 'Columns',
          columns: [
            { key: 'table', label: 'Table' },
            { key: 'schemaName', label: 'Schema name', width: 30 },
            { key: 'displayName', label: 'Display name', width: 30 },
            { key: 'type', label: 'Type' },
            { key: 'size', label: 'Length / precision' },
            { key: 'options', label: 'Options', width: 60 },
            { key: 'purpose', label: 'Purpose' },
            { key: 'sources', label: 'From', width: 30 },
            { key: 'state', label: 'Plan' },
            { key: 'note', label: 'Note', width: 30 },
          ],
          rows: plan.columns.map((c) => ({
            table: c.table,
            schemaName: c.schemaName,
            displayName: c.displayName,
            type: c.type,
            size: c.maxLength ?? c.precision,
            options: c.options === null ? null : c.options.map((o) => `${o.value} ${o.label}`).join('; '),
            purpose: c.purpose,
            sources: c.sources.join(', '),
            state: c.state,
            note: c.note,
          })),
        },
      },
      {
        heading: 'Alternate keys',
        paragraphs: [
          'One key on the source-id column of every migrated table: loads are upserts by it, so a retry never duplicates a record.',
        ],
        table: {
          id: 'keys',
          title: 'Alternate keys',
          columns: [
            { key: 'table', label: 'Table' },
            { key: 'schemaName', label: 'Key' },
            { key: 'attributes', label: 'Columns' },
            { key: 'status', label: 'Index status' },
            { key: 'state', label: 'Plan' },
          ],
          rows: plan.alternateKeys.map((k) => ({
            table: k.table,
            schemaName: k.schemaName,
            attributes: k.keyAttributes.join(', '),
            status: k.status,
            state: k.state,
          })),
        },
      },
      {
        heading: 'Connection roles',
        table: {
          id: 'connection-roles',
          title: 'Connection roles',
          columns: [
            { key: 'name', label: 'Role' },
            { key: 'matches', label: 'Matching role' },
            { key: 'purpose', label: 'Used for', width: 50 },
            { key: 'state', label: 'Plan' },
          ],
          rows: plan.connectionRoles.map((r) => ({ ...r })),
        },
      },
      {
        heading: 'Business process flows',
        paragraphs: [
          'One business process flow on opportunity per Leaf360 pipeline, stages in order. Each has an importable XML definition beside this report (bpf-<pipeline>.xml); apply creates them through the Web API.',
        ],
        table: {
          id: 'processes',
          title: 'Process stages',
          columns: [
            { key: 'process', label: 'Process', width: 26 },
            { key: 'order', label: '#' },
            { key: 'stage', label: 'Stage', width: 26 },
            { key: 'category', label: 'Stage category' },
            { key: 'probability', label: 'Probability %' },
            { key: 'outcome', label: 'Outcome' },
            { key: 'deals', label: 'Deals' },
            { key: 'state', label: 'Plan' },
            { key: 'file', label: 'Definition', width: 24 },
          ],
          rows: plan.processes.flatMap((p) =>
            p.stages.map((s, i) => ({
              process: `${p.name}${p.absorbs.length > 0 ? ` (+ ${p.absorbs.join(', ')})` : ''}`,
              order: i + 1,
              stage: s.name,
              category: CATEGORY[s.category] ?? String(s.category),
              probability: s.probability,
              outcome: s.outcome,
              deals: s.deals,
              state: p.state,
              file: p.definitionFile,
            })),
          ),
        },
      },
    ],
  }
}

/** The owner preflight as a report. Owner ids that only records name (D11) get a table of their own. */
export function ownersReport(r: OwnersReport): ReportDocument {
  const people = r.owners.filter((o) => o.defined)
  const orphans = r.owners.filter((o) => !o.defined)
  const orphanRecords = orphans.reduce((n, o) => n + o.records, 0)
  const byObject = (o: OwnersReport['owners'][number]) =>
    Object.entries(o.recordsByObject)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')
  return {
    title: 'Owner preflight',
    subtitle: 'Leaf360 owners matched to Dynamics 365 users by e-mail (trimmed, case-insensitive)',
    generatedAt: r.generatedAt,
    facts: [
      { label: 'Matched', value: r.matched },
      { label: 'Matched but disabled', value: r.disabled },
      { label: 'Unmatched', value: r.unmatched },
      { label: 'Owner ids not in owners.csv', value: `${orphans.length} (${orphanRecords} records)` },
      { label: 'Records without an owner in Leaf360', value: r.unownedRecords },
      {
        label: 'Fallback owner',
        value: r.fallback ? `${r.fallback.name} <${r.fallback.email ?? ''}>` : 'not set',
      },
      { label: 'Records without a valid owner', value: r.blockedRecords },
      { label: 'Ready to migrate', value: r.ready ? 'yes' : 'no' },
    ],
    sections: [
      {
        heading: r.ready ? 'Owner decisions' : 'Decision needed',
        paragraphs: r.ready
          ? ['Every record has a valid, enabled owner.']
          : [
              'The run will not start until every record has a valid, enabled owner. For each owner below without an assignment: invite or enable the user in Dynamics, set an override, or set a fallback owner.',
            ],
        notes: [
          ...people
            .filter((o) => o.note !== null && o.records > 0)
            .map((o) => ({
              tone: o.assignedTo ? ('info' as const) : ('warning' as const),
              text: `${o.name} <${o.email ?? 'no e-mail'}> (${o.records} records): ${o.note}`,
            })),
          ...(orphans.length > 0
            ? [
                {
                  tone: r.fallback ? ('info' as const) : ('warning' as const),
                  text: `${orphans.length} owner ids that owners.csv does not define own ${orphanRecords} records; ${r.fallback ? `they go to the fallback owner ${r.fallback.name}` : 'they need a fallback owner'}.`,
                },
              ]
            : []),
        ],
      },
      {
        heading: 'Owners',
        table: {
          id: 'owners',
          title: 'Owners',
          columns: [
            { key: 'ownerId', label: 'Leaf360 owner id' },
            { key: 'name', label: 'Name', width: 24 },
            { key: 'email', label: 'E-mail', width: 32 },
            { key: 'role', label: 'Role' },
            { key: 'activeInLeaf360', label: 'Active in Leaf360' },
            { key: 'status', label: 'Match' },
            { key: 'user', label: 'Dynamics user', width: 24 },
            { key: 'records', label: 'Records' },
            { key: 'byObject', label: 'Records by object', width: 40 },
            { key: 'assignedTo', label: 'Records go to', width: 24 },
            { key: 'via', label: 'Via' },
            { key: 'note', label: 'Note', width: 50 },
          ],
          rows: people.map((o) => ({
            ownerId: o.ownerId,
            name: o.name,
            email: o.email,
            role: o.role,
            activeInLeaf360: o.activeInLeaf360,
            status: o.status,
            user: o.match ? `${o.match.name}${o.match.isDisabled ? ' (disabled)' : ''}` : null,
            records: o.records,
            byObject: byObject(o),
            assignedTo: o.assignedTo?.name ?? null,
            via: o.assignedTo?.via ?? null,
            note: o.note,
          })),
        },
      },
      ...(orphans.length > 0
        ? [
            {
              heading: 'Owner ids not in owners.csv',
              paragraphs: ['Records name these owner ids, but the export defines no such owner (D11).'],
              table: {
                id: 'orphan-owners',
                title: 'Undefined owner ids',
                columns: [
                  { key: 'ownerId', label: 'Leaf360 owner id' },
                  { key: 'records', label: 'Records' },
                  { key: 'byObject', label: 'Records by object', width: 40 },
                  { key: 'assignedTo', label: 'Records go to', width: 24 },
                ],
                rows: orphans.map((o) => ({
                  ownerId: o.ownerId,
                  records: o.records,
                  byObject: byObject(o),
                  assignedTo: o.assignedTo?.name ?? null,
                })),
              },
            },
          ]
        : []),
    ],
  }
}

/** The workflow rebuild reference as a readable report. */
export function workflowReport(ref: WorkflowReference): ReportDocument {
  return {
    title: 'Workflow rebuild reference',
    subtitle: ref.note,
    generatedAt: ref.generatedAt,
    facts: Object.entries(ref.counts).map(([k, v]) => ({ label: k, value: v })),
    sections: [
      {
        heading: 'Overview',
        table: {
          id: 'automations',
          title: 'Automations',
          columns: [
            { key: 'kind', label: 'Kind' },
            { key: 'name', label: 'Name', width: 28 },
            { key: 'type', label: 'Type' },
            { key: 'enabled', label: 'Enabled' },
            { key: 'trigger', label: 'Trigger', width: 40 },
            { key: 'rebuildWith', label: 'Rebuild with', width: 50 },
          ],
          rows: ref.entries.map((e) => ({
            kind: e.kind,
            name: e.name,
            type: e.type,
            enabled: e.enabled,
            trigger: e.trigger
              ? [
                  e.trigger.event,
                  ...e.trigger.filters.map((f) => `${f.property} ${f.operator} ${JSON.stringify(f.value)}`),
                ]
                  .filter(Boolean)
                  .join('; ')
              : null,
            rebuildWith: e.rebuildWith,
          })),
        },
      },
      ...ref.entries.map((e) => ({
        heading: `${e.name} (${e.kind}${e.type ? `, ${e.type}` : ''})`,
        paragraphs: [
          `Rebuild with: ${e.rebuildWith}.`,
          `Enabled in Leaf360: ${e.enabled === null ? 'n/a' : e.enabled ? 'yes' : 'no'}. Object: ${e.object ?? 'n/a'}.`,
          ...(e.trigger
            ? [`Trigger: ${e.trigger.event ?? 'n/a'}${e.trigger.reEnroll ? ' (re-enrols)' : ''}.`]
            : []),
          ...e.actions.map((a, i) => `Step ${i + 1}: ${a.summary}`),
          ...e.goalFilters.map((f) => `Goal: ${f.property} ${f.operator} ${JSON.stringify(f.value)}`),
          ...e.suppressionFilters.map(
            (f) => `Suppressed when: ${f.property} ${f.operator} ${JSON.stringify(f.value)}`,
          ),
        ],
        table: {
          id: `fields-${e.kind}-${e.id}`,
          title: 'Fields read and written',
          columns: [
            { key: 'use', label: 'Use' },
            { key: 'property', label: 'Leaf360 property', width: 28 },
            { key: 'targets', label: 'Dataverse column', width: 50 },
          ],
          rows: [
            ...e.reads.map((u) => ({
              use: 'reads',
              property: u.property,
              targets: u.targets.join(', ') || '(not migrated)',
            })),
            ...e.writes.map((u) => ({
              use: 'writes',
              property: u.property,
              targets: u.targets.join(', ') || '(not migrated)',
            })),
          ],
        },
      })),
    ],
  }
}

/** Writes the schema plan (md, html, xlsx, json) and one XML definition per process. */
export async function exportSchemaPlan(
  dir: string,
  plan: SchemaPlan,
  applied: ApplyResult | null,
): Promise<ReadonlyArray<ExportedFile>> {
  const files: ExportedFile[] = [
    ...(await writeReport(dir, 'schema-plan', schemaPlanReport(plan, applied), {
      formats: ['md', 'html', 'xlsx', 'json'],
      json: { ...plan, applied },
    })),
  ]
  for (const p of plan.processes) {
    const xml = processDefinitionXml(p, plan.computedAt)
    const path = join(dir, p.definitionFile)
    writeFileSync(path, xml)
    files.push({ format: 'xml', path, bytes: Buffer.byteLength(xml) })
  }
  return files
}

/** Writes the target audit (md, html, xlsx, json). */
export function exportAudit(dir: string, audit: TargetAudit): Promise<ReadonlyArray<WrittenFile>> {
  return writeReport(dir, 'target-audit', auditReport(audit), {
    formats: ['md', 'html', 'xlsx', 'json'],
    json: audit,
  })
}

/** Writes the owner preflight (csv, xlsx, html, json). */
export function exportOwners(dir: string, report: OwnersReport): Promise<ReadonlyArray<WrittenFile>> {
  return writeReport(dir, 'owners-preflight', ownersReport(report), {
    formats: ['csv', 'xlsx', 'html', 'json'],
    json: report,
    csvTable: 'owners',
  })
}

/** Writes the workflow rebuild reference (json, html). */
export function exportWorkflowReference(
  dir: string,
  ref: WorkflowReference,
): Promise<ReadonlyArray<WrittenFile>> {
  return writeReport(dir, 'workflow-rebuild-reference', workflowReport(ref), {
    formats: ['json', 'html'],
    json: ref,
  })
}
