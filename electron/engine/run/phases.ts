/**
 * The load phases in dependency order (issue 6): each yields the planned writes of its records,
 * built through the mapping's one record builder (`buildRecord` + `toWebApiBody`), so verify can
 * compute the same expected values.
 *
 * - accounts: the placeholder account first, then companies without their parent link, then a
 *   second pass that sets `parentaccountid` once every account exists;
 * - contacts, leads;
 * - opportunities, then an instance of the pipeline's business process flow at the mapped stage
 *   with the traversed path (WEB-API-NOTES §10; created with `processid` = empty GUID so no
 *   automatic instance competes);
 * - activities: phone calls, e-mails, appointments, tasks (and SMS as tasks), notes;
 * - attachments: notes with files (inline up to 4 MB, in blocks above, skipped above the upload limit);
 * - connections: referrals and extra company links;
 * - status: WinOpportunity / LoseOpportunity with the original close date, completed activities.
 */
import type { Readable } from 'node:stream'
import {
  type Bind,
  type BuildContext,
  type BuiltParty,
  type TargetRecord,
  PLACEHOLDER_ACCOUNT_KEY,
  buildRecord,
  sourceKeyOf,
  stageEntryOf,
  toWebApiBody,
} from '../plan/mapping/build-record'
import { logicalNameOf, type MappingDocument, type ObjectMapping, type PhaseId } from '../plan/mapping/model'
import { TARGET_TABLES, type TargetTableName } from '../plan/mapping/target-tables'
import { processUniqueName } from '../plan/schema-plan'
import type { ExportSource } from '../source/leaf360/reader/export-source'
import { CHUNKED_ABOVE_BYTES, MAX_BLOCK_BYTES, base64Length } from '../target/dataverse/file-upload'
import type { JournalRepository } from '../workspace/journal-repository'
import { deterministicId, type PlannedWrite } from './phase-runner'
import type { SourceView } from './source-view'
import type { BpfProcess, TargetCapabilities } from './target-capabilities'

type Body = Record<string, unknown>

/** The empty GUID: `processid` set to it skips the automatic business process flow ([bpf]). */
const EMPTY_GUID = '00000000-0000-0000-0000-000000000000'

/** What every phase reads. */
export type PhaseContext = Readonly<{
  runId: string
  mapping: MappingDocument
  view: SourceView
  build: BuildContext
  capabilities: TargetCapabilities
  journal: JournalRepository
  /** The alternate-key column (`lb_sourceid`). */
  keyColumn: string
  /** Opens the export for attachment binaries (once, on first use). */
  files: () => Promise<ExportSource>
  /** Records a source record not sent, with why (oversized files…). */
  skip: (table: string, sourceKey: string, reason: string, message: string, details: unknown) => void
}>

/** A phase: the planned writes of each of its steps, in order (a later step sees the earlier step's ids). */
export type PhasePlan = Readonly<{
  phase: PhaseId
  /** Records the phase loads (for the progress bar and the summary's `expected`). */
  expected: number
  steps: ReadonlyArray<
    Readonly<{ step: string; writes: () => Iterable<PlannedWrite> | AsyncIterable<PlannedWrite> }>
  >
}>

const tableMappings = (mapping: MappingDocument, phase: PhaseId): ObjectMapping[] =>
  mapping.objects.filter((o) => o.target.kind === 'table' && o.target.phase === phase)

const tableOf = (m: ObjectMapping): TargetTableName =>
  (m.target.kind === 'table' ? m.target.table : 'account') as TargetTableName

/** Columns of a built record to read as its before-image ($select names). */
function probeColumnsOf(record: TargetRecord): string[] {
  const out = new Set<string>()
  for (const column of Object.keys(record.values)) if (column !== 'overriddencreatedon') out.add(column)
  for (const column of Object.keys(record.binds)) out.add(`_${column}_value`)
  return [...out]
}

/**
 * The record's binds, fixed up for the target: a bind by alternate key stays when the target
 * table has the key, else it becomes a bind by id through the id map (or is dropped).
 */
function resolveBinds(ctx: PhaseContext, record: TargetRecord): TargetRecord {
  const unkeyed = new Map(
    Object.values(TARGET_TABLES)
      .filter((t) => !ctx.capabilities.keyed.has(t.table))
      .map((t) => [t.entitySet, t.table]),
  )
  const fix = (bind: Bind): Bind | null => {
    if (bind.entitySet === null || !('key' in bind)) return bind
    const table = unkeyed.get(bind.entitySet)
    if (table === undefined) return bind
    const id = ctx.journal.idsOf(table, [bind.key]).get(bind.key)
    return id === undefined ? null : { navigation: bind.navigation, entitySet: bind.entitySet, id }
  }
  const binds: Record<string, Bind> = {}
  for (const [column, bind] of Object.entries(record.binds)) {
    const fixed = fix(bind)
    if (fixed !== null) binds[column] = fixed
  }
  const parties: BuiltParty[] = []
  for (const p of record.parties) {
    const bind = p.bind === null ? null : fix(p.bind)
    if (bind !== null || p.addressused !== null) parties.push({ ...p, bind })
  }
  return { ...record, binds, parties }
}

const SET_TO_TABLE: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(TARGET_TABLES).map((t) => [t.entitySet, t.table]),
)
const tableOfSet = (set: string): string => SET_TO_TABLE[set] ?? set

/** Are a value about to be written and the value read back the same? (dates compare as instants or days) */
function sameValue(next: unknown, current: unknown): boolean {
  if (next === current) return true
  if (next === null) return current === null || current === undefined || current === ''
  if (typeof next === 'string' && typeof current === 'string') {
    if (/^\d{4}-\d{2}-\d{2}$/.test(next)) return current.slice(0, 10) === next
    const a = Date.parse(next)
    const b = Date.parse(current)
    return /^\d{4}-\d{2}-\d{2}T/.test(next) && !Number.isNaN(a) && a === b
  }
  if (typeof next === 'number' && typeof current === 'number') return Math.abs(next - current) < 1e-9
  return false
}

/**
 * An update's body reduced to what differs from the record as read: columns equal to their current
 * value and binds to the record the lookup already holds are left out ([bulk]: "only changed
 * columns"), so a re-run writes nothing that is already right.
 */
function changedOnly(
  body: Body,
  before: Readonly<Body> | null,
  bindTargets: ReadonlyMap<string, string | null>,
): Body {
  if (before === null) return body
  const out: Body = {}
  for (const [key, value] of Object.entries(body)) {
    if (key.endsWith('@odata.bind')) {
      const target = bindTargets.get(key)
      if (target !== null && target !== undefined) {
        const [column, id] = target.split('|') as [string, string]
        if (String(before[`_${column}_value`] ?? '').toLowerCase() === id.toLowerCase()) continue
      }
      out[key] = value
      continue
    }
    if (!sameValue(value, before[key])) out[key] = value
  }
  return out
}

/** The planned write of one built record. */
function recordWrite(
  ctx: PhaseContext,
  step: string,
  record: TargetRecord,
  extra: Readonly<{
    createOnly?: Body
    omit?: ReadonlyArray<string>
    probe?: ReadonlyArray<string>
    /** The file the write carries: what the journal keeps in place of its contents, and its size. */
    file?: Readonly<{ placeholder: Body; size: number }>
    prepare?: PlannedWrite['prepare']
    upload?: boolean
    blocks?: PlannedWrite['blocks']
    bytes?: number
  }> = {},
): PlannedWrite {
  const table = TARGET_TABLES[record.table]
  const fixed = resolveBinds(ctx, record)
  const bindTargets = new Map<string, string | null>()
  for (const [column, bind] of Object.entries(fixed.binds)) {
    if (bind.entitySet === null) continue
    const id =
      'id' in bind
        ? bind.id
        : 'key' in bind
          ? (ctx.journal.idsOf(tableOfSet(bind.entitySet), [bind.key]).get(bind.key) ?? null)
          : null
    bindTargets.set(`${bind.navigation}@odata.bind`, id === null ? null : `${column}|${id}`)
  }
  const body = (existed: boolean, before: Readonly<Body> | null): Body => {
    const b = toWebApiBody(fixed, ctx.mapping.prefix, existed ? 'update' : 'create')
    for (const key of extra.omit ?? []) delete b[key]
    // Parties are written with a new activity only: updates leave an existing activity's parties alone.
    if (existed && table.partiesNavigation) delete b[table.partiesNavigation]
    return existed ? changedOnly(b, before, bindTargets) : { ...b, ...(extra.createOnly ?? {}) }
  }
  return {
    step,
    table: record.table,
    entitySet: table.entitySet,
    primaryKey: table.primaryKey,
    sourceKey: record.sourceKey,
    parentKey: null,
    kind: 'record',
    newId: deterministicId(record.table, record.sourceKey),
    probeColumns: [...probeColumnsOf(fixed), ...(extra.probe ?? [])],
    body,
    ...(extra.file
      ? {
          journalBody: (existed: boolean, before: Readonly<Body> | null) => ({
            ...body(existed, before),
            documentbody: extra.file!.placeholder,
          }),
          fileSize: extra.file.size,
        }
      : {}),
    ...(extra.prepare ? { prepare: extra.prepare } : {}),
    ...(extra.upload ? { upload: true } : {}),
    ...(extra.blocks ? { blocks: extra.blocks } : {}),
    ...(extra.bytes !== undefined ? { bytes: extra.bytes } : {}),
  }
}

function* built(ctx: PhaseContext, m: ObjectMapping): Generator<TargetRecord> {
  for (const source of ctx.view.records(m)) yield buildRecord(m, source, ctx.build)
}

// ---------------------------------------------------------------- accounts

function accountsPhase(ctx: PhaseContext): PhasePlan {
  const mappings = tableMappings(ctx.mapping, 'accounts')
  const parentNav = TARGET_TABLES.account.lookups['parentaccountid']!['account']!
  const keyColumn = ctx.keyColumn
  const placeholder = (): PlannedWrite => {
    const record: TargetRecord = {
      table: 'account',
      entitySet: 'accounts',
      sourceKey: PLACEHOLDER_ACCOUNT_KEY,
      values: {
        name: { t: 'string', v: ctx.mapping.settings.placeholderAccountName },
        [keyColumn]: { t: 'string', v: PLACEHOLDER_ACCOUNT_KEY },
        description: {
          t: 'string',
          v: 'Holds the Leaf360 contacts that have no company (created by Leafbridge).',
        },
      },
      binds: {},
      parties: [],
      file: null,
      issues: [],
    }
    return recordWrite(ctx, 'load', record)
  }
  return {
    phase: 'accounts',
    expected: 1 + mappings.reduce((n, m) => n + ctx.view.count(m), 0),
    steps: [
      {
        step: 'load',
        writes: function* () {
          yield placeholder()
          for (const m of mappings) {
            for (const record of built(ctx, m)) {
              yield recordWrite(ctx, 'load', record, {
                omit: [`${parentNav}@odata.bind`],
                probe: ['_parentaccountid_value'],
              })
            }
          }
        },
      },
      {
        step: 'parent-link',
        writes: function* () {
          // Links this run already tried (a resumed run): those are read first, so what already
          // arrived is found done and not sent twice.
          const tried = ctx.journal.settled(ctx.runId, 'accounts', 'parent-link')
          for (const m of mappings) {
            for (const record of built(ctx, m)) {
              const fixed = resolveBinds(ctx, record)
              const bind = fixed.binds['parentaccountid']
              if (bind === undefined || bind.entitySet === null) continue
              const id = ctx.journal.idsOf('account', [record.sourceKey]).get(record.sourceKey)
              if (id === undefined) continue
              // Created by this run's load step and not linked yet: nothing to read first (rollback
              // deletes it whole), which saves a read of every linked account from the budget.
              const created =
                !tried.has(record.sourceKey) &&
                ctx.journal.idsCreatedBy(ctx.runId, 'account', [record.sourceKey]).has(record.sourceKey)
              const url =
                'key' in bind
                  ? `/accounts(${keyColumn}='${bind.key.replace(/'/g, "''")}')`
                  : `/accounts(${bind.id})`
              yield {
                step: 'parent-link',
                table: 'account',
                entitySet: 'accounts',
                primaryKey: 'accountid',
                sourceKey: record.sourceKey,
                parentKey: 'key' in bind ? bind.key : null,
                kind: 'update',
                newId: id,
                ...(created ? { known: { existed: true, id, before: null } } : {}),
                probeColumns: ['_parentaccountid_value'],
                unnecessary: (before) => {
                  const parentId =
                    'id' in bind ? bind.id : ctx.journal.idsOf('account', [bind.key]).get(bind.key)
                  return before !== null &&
                    parentId !== undefined &&
                    String(before['_parentaccountid_value'] ?? '').toLowerCase() === parentId.toLowerCase()
                    ? 'already-done'
                    : null
                },
                body: () => ({ [`${parentNav}@odata.bind`]: url }),
              }
            }
          }
        },
      },
    ],
  }
}

// ---------------------------------------------------------------- contacts, leads, connections

function recordsPhase(ctx: PhaseContext, phase: PhaseId): PhasePlan {
  const mappings = tableMappings(ctx.mapping, phase)
  return {
    phase,
    expected: mappings.reduce((n, m) => n + ctx.view.count(m), 0),
    steps: [
      {
        step: 'load',
        writes: function* () {
          for (const m of mappings) for (const record of built(ctx, m)) yield recordWrite(ctx, 'load', record)
        },
      },
    ],
  }
}

// ---------------------------------------------------------------- opportunities and their BPF

/**
 * The process of a pipeline: the one the schema plan made for it (by unique name), else one named
 * after the pipeline, else the default Opportunity Sales Process.
 */
export function processForPipeline(
  processes: ReadonlyArray<BpfProcess>,
  prefix: string,
  pipelineId: string,
  pipelineLabel: string,
): BpfProcess | null {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '')
  const label = norm(pipelineLabel)
  const id = norm(pipelineId)
  const planned = processUniqueName(prefix, pipelineId)
  return (
    processes.find((p) => p.uniqueName === planned) ??
    processes.find((p) => norm(p.name) === label) ??
    processes.find((p) => norm(p.name).includes(label) || (id !== '' && norm(p.uniqueName).includes(id))) ??
    processes.find((p) => p.uniqueName === 'opportunitysalesprocess') ??
    null
  )
}

/** The active stage and traversed path of a deal in its process. */
export function bpfPosition(
  mapping: MappingDocument,
  process: BpfProcess,
  pipelineId: string,
  bpfStage: string,
  salesstage: number,
): Readonly<{ active: string; path: ReadonlyArray<string> }> | null {
  const order = mapping.stages.filter((s) => s.pipelineId === pipelineId).map((s) => s.bpfStage.toLowerCase())
  const stages = [...process.stages].sort((a, b) => {
    const ia = order.indexOf(a.name.toLowerCase())
    const ib = order.indexOf(b.name.toLowerCase())
    if (ia >= 0 && ib >= 0) return ia - ib
    return (a.category ?? 0) - (b.category ?? 0)
  })
  let index = stages.findIndex((s) => s.name.toLowerCase() === bpfStage.toLowerCase())
  // The default process has Qualify, Develop, Propose, Close: the deal's sales stage picks one.
  if (index < 0) index = Math.min(stages.length - 1, Math.max(0, salesstage))
  const active = stages[index]
  if (active === undefined) return null
  return { active: active.id, path: stages.slice(0, index + 1).map((s) => s.id) }
}

function opportunitiesPhase(ctx: PhaseContext): PhasePlan {
  const mappings = tableMappings(ctx.mapping, 'opportunities')
  return {
    phase: 'opportunities',
    expected: mappings.reduce((n, m) => n + ctx.view.count(m), 0),
    steps: [
      {
        step: 'load',
        writes: function* () {
          for (const m of mappings) {
            for (const record of built(ctx, m)) {
              yield recordWrite(ctx, 'load', record, { createOnly: { processid: EMPTY_GUID } })
            }
          }
        },
      },
      {
        step: 'bpf',
        writes: function* () {
          for (const m of mappings) {
            for (const source of ctx.view.records(m)) {
              const key = sourceKeyOf(source.object, source.id)
              const opportunityId = ctx.journal.idsOf('opportunity', [key]).get(key)
              const entry = stageEntryOf(ctx.mapping, source)
              if (opportunityId === undefined || entry === null) continue
              const target = entry.crosswalkTo
                ? (ctx.mapping.stages.find((s) => s.stageId === entry.crosswalkTo) ?? entry)
                : entry
              const process = processForPipeline(
                ctx.capabilities.processes,
                ctx.mapping.prefix,
                target.pipelineId,
                target.pipelineLabel,
              )
              if (process === null) continue
              const position = bpfPosition(
                ctx.mapping,
                process,
                target.pipelineId,
                target.bpfStage,
                target.salesstage,
              )
              if (position === null) continue
              const traversedpath = position.path.join(',')
              const instanceKey = `${key}#bpf`
              // An opportunity this run created has no instance but the one this run makes (it is
              // created with processid empty, so Dataverse starts none): nothing to read first
              // unless the journal already maps the instance (an earlier session of the run).
              const fresh =
                ctx.journal.idsCreatedBy(ctx.runId, 'opportunity', [key]).has(key) &&
                !ctx.journal.idsOf(process.logicalName, [instanceKey]).has(instanceKey)
              const newId = deterministicId(process.logicalName, instanceKey)
              yield {
                step: 'bpf',
                table: process.logicalName,
                entitySet: process.entitySet,
                primaryKey: process.primaryKey,
                sourceKey: instanceKey,
                parentKey: key,
                kind: 'record',
                newId,
                ...(fresh ? { known: { existed: false, id: newId, before: null } } : {}),
                probeColumns: ['_activestageid_value', 'traversedpath'],
                body: (existed) =>
                  existed
                    ? { 'activestageid@odata.bind': `/processstages(${position.active})`, traversedpath }
                    : {
                        [`${process.opportunityNavigation}@odata.bind`]: `/opportunities(${opportunityId})`,
                        'processid@odata.bind': `/workflows(${process.workflowId})`,
                        'activestageid@odata.bind': `/processstages(${position.active})`,
                        traversedpath,
                      },
                unnecessary: (before) =>
                  before !== null &&
                  String(before['_activestageid_value'] ?? '').toLowerCase() ===
                    position.active.toLowerCase() &&
                  before['traversedpath'] === traversedpath
                    ? 'already-done'
                    : null,
              }
            }
          }
        },
      },
    ],
  }
}

// ---------------------------------------------------------------- attachments

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function* inBlocks(stream: Readable): AsyncGenerator<Buffer> {
  let pending: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    pending.push(chunk as Buffer)
    size += (chunk as Buffer).length
    while (size >= MAX_BLOCK_BYTES) {
      const all = Buffer.concat(pending)
      yield all.subarray(0, MAX_BLOCK_BYTES)
      pending = [all.subarray(MAX_BLOCK_BYTES)]
      size = pending[0]!.length
    }
  }
  if (size > 0) yield Buffer.concat(pending)
}

function attachmentsPhase(ctx: PhaseContext): PhasePlan {
  const mappings = tableMappings(ctx.mapping, 'attachments')
  const limit = ctx.capabilities.maxUploadFileSize
  return {
    phase: 'attachments',
    expected: mappings.reduce((n, m) => n + ctx.view.count(m), 0),
    steps: [
      {
        step: 'load',
        writes: function* () {
          for (const m of mappings) {
            for (const source of ctx.view.records(m)) {
              const record = buildRecord(m, source, ctx.build)
              const binary = ctx.view.binaryOf(source.id)
              const name = String(source.fields['original_filename'] ?? source.id)
              if (
                binary === null ||
                binary.state === 'missing' ||
                binary.path === null ||
                binary.size === null
              ) {
                ctx.skip(
                  'annotation',
                  record.sourceKey,
                  'binary-missing',
                  `The file ${name} is not in the export; the attachment was not loaded.`,
                  {
                    fileId: source.id,
                    filename: name,
                  },
                )
                continue
              }
              // D12: a zero-byte file cannot become the note with a file the mapping describes
              // (Dataverse keeps no document for an empty body: isdocument false, no filesize).
              if (binary.state === 'empty' || binary.size === 0) {
                ctx.skip(
                  'annotation',
                  record.sourceKey,
                  'binary-empty',
                  `The file ${name} is empty (0 bytes) in the export; the attachment was not loaded.`,
                  { fileId: source.id, filename: name, bytes: 0, path: binary.path, sha256: binary.sha256 },
                )
                continue
              }
              if (record.binds['objectid'] === undefined) {
                ctx.skip(
                  'annotation',
                  record.sourceKey,
                  'no-parent',
                  `The attachment ${name} is linked to no migrated record; it was not loaded.`,
                  {
                    fileId: source.id,
                    filename: name,
                  },
                )
                continue
              }
              const encoded = base64Length(binary.size)
              if (encoded > limit) {
                ctx.skip(
                  'annotation',
                  record.sourceKey,
                  'oversized-file',
                  `The file ${name} is ${binary.size.toLocaleString('en-US')} bytes (${encoded.toLocaleString('en-US')} as Base64), over the environment's upload limit of ${limit.toLocaleString('en-US')}; move it by hand.`,
                  {
                    fileId: source.id,
                    filename: name,
                    bytes: binary.size,
                    base64Bytes: encoded,
                    limit,
                    path: binary.path,
                    sha256: binary.sha256,
                  },
                )
                continue
              }
              const path = binary.path
              const placeholder = { $file: source.id, bytes: binary.size, sha256: binary.sha256 }
              const chunked = binary.size > CHUNKED_ABOVE_BYTES
              yield recordWrite(ctx, 'load', record, {
                file: { placeholder, size: binary.size },
                probe: ['filesize'],
                ...(chunked
                  ? {
                      upload: true,
                      blocks: async function* () {
                        yield* inBlocks(await (await ctx.files()).open(path))
                      },
                    }
                  : {
                      prepare: async (body: Readonly<Body>) => ({
                        ...body,
                        documentbody: (await readAll(await (await ctx.files()).open(path))).toString(
                          'base64',
                        ),
                      }),
                    }),
                bytes: encoded,
              })
            }
          }
        },
      },
    ],
  }
}

// ---------------------------------------------------------------- status

type StateChange = Readonly<{ statecode: number; statuscode: number }>

/** The closed state of a completed activity, or null when it stays open. */
export function activityState(object: string, fields: Readonly<Record<string, unknown>>): StateChange | null {
  const v = (name: string) =>
    typeof fields[name] === 'string' ? (fields[name] as string).toUpperCase() : null
  switch (object) {
    case 'calls':
      if (v('status') === 'CANCELED') return { statecode: 2, statuscode: 3 }
      return { statecode: 1, statuscode: v('direction') === 'INBOUND' ? 4 : 2 }
    case 'emails':
      if (v('send_status') === 'SCHEDULED' || v('send_status') === 'FAILED') return null
      return { statecode: 1, statuscode: v('direction') === 'INCOMING_EMAIL' ? 4 : 3 }
    case 'meetings':
      if (v('outcome') === 'COMPLETED') return { statecode: 1, statuscode: 3 }
      if (v('outcome') === 'CANCELED' || v('outcome') === 'NO_SHOW') return { statecode: 2, statuscode: 4 }
      return null
    case 'tasks':
      return v('status') === 'COMPLETED' || fields['completed_at'] ? { statecode: 1, statuscode: 5 } : null
    case 'sms':
      return { statecode: 1, statuscode: 5 }
    default:
      return null
  }
}

/** The original close date of a won or lost deal (ISO date). */
function closeDateOf(fields: Readonly<Record<string, unknown>>, won: boolean): string | null {
  const candidates = won
    ? [
        fields['funded_date'],
        fields['closing_date'],
        fields['closedate'],
        fields['date_entered_current_stage'],
      ]
    : [fields['lost_date'], fields['closedate'], fields['date_entered_current_stage']]
  const found = candidates.find((c) => typeof c === 'string' && c !== '')
  return typeof found === 'string' ? found.slice(0, 10) : null
}

function statusPhase(ctx: PhaseContext): PhasePlan {
  const dealMappings = tableMappings(ctx.mapping, 'opportunities')
  const activityMappings = tableMappings(ctx.mapping, 'activities').filter((m) => tableOf(m) !== 'annotation')
  const expected =
    dealMappings.reduce((n, m) => n + ctx.view.count(m), 0) +
    activityMappings.reduce((n, m) => n + ctx.view.count(m), 0)
  return {
    phase: 'status',
    expected,
    steps: [
      {
        step: 'close',
        writes: function* () {
          for (const m of dealMappings) {
            for (const source of ctx.view.records(m)) {
              const entry = stageEntryOf(ctx.mapping, source)
              if (entry === null || entry.outcome === 'open') continue
              const key = sourceKeyOf(source.object, source.id)
              const id = ctx.journal.idsOf('opportunity', [key]).get(key)
              if (id === undefined) continue
              const won = entry.outcome === 'won'
              const closeKey = `${key}#close`
              const closeId = deterministicId('opportunityclose', closeKey)
              const date = closeDateOf(source.fields, won)
              const amount = source.fields['loan_amount'] ?? source.fields['amount']
              yield {
                step: 'close',
                table: 'opportunity',
                entitySet: 'opportunities',
                primaryKey: 'opportunityid',
                sourceKey: closeKey,
                parentKey: key,
                kind: 'action',
                newId: id,
                // Win and Lose also set the close date and actual value: their before-values let
                // a rollback reopen a pre-existing opportunity as it was.
                probeColumns: ['statecode', 'statuscode', 'actualclosedate', 'actualvalue'],
                body: () => ({}),
                action: () => ({
                  path: won ? 'WinOpportunity' : 'LoseOpportunity',
                  body: {
                    // [lose82]: Status is the target statuscode; 3 Won, 4 Canceled (withdrawn, denied), 5 Out-Sold (lost).
                    Status: won ? 3 : /lost/i.test(entry.stageId) ? 5 : 4,
                    OpportunityClose: {
                      activityid: closeId,
                      subject: `${won ? 'Won' : 'Lost'}: ${entry.label}`,
                      'opportunityid@odata.bind': `/opportunities(${id})`,
                      ...(date ? { actualend: `${date}T12:00:00Z` } : {}),
                      ...(won && typeof amount === 'number' ? { actualrevenue: amount } : {}),
                      description: `Closed in Leaf360 at stage ${entry.label} (${entry.pipelineLabel}).`,
                    },
                  },
                  creates: { entitySet: 'opportunitycloses', primaryKey: 'activityid', id: closeId },
                }),
                unnecessary: (before) =>
                  before !== null && before['statecode'] !== 0 ? 'already-closed' : null,
              }
            }
          }
        },
      },
      {
        step: 'complete',
        writes: function* () {
          for (const m of activityMappings) {
            const table = tableOf(m)
            const def = TARGET_TABLES[table]
            for (const source of ctx.view.records(m)) {
              const state = activityState(source.object, source.fields)
              if (state === null) continue
              const key = sourceKeyOf(source.object, source.id)
              const id = ctx.journal.idsOf(table, [key]).get(key)
              if (id === undefined) continue
              yield {
                step: 'complete',
                table,
                entitySet: def.entitySet,
                primaryKey: def.primaryKey,
                sourceKey: key,
                parentKey: null,
                kind: 'update',
                newId: id,
                probeColumns: ['statecode', 'statuscode'],
                body: () => ({ statecode: state.statecode, statuscode: state.statuscode }),
                unnecessary: (before) =>
                  before !== null &&
                  before['statecode'] === state.statecode &&
                  before['statuscode'] === state.statuscode
                    ? 'already-done'
                    : null,
              }
            }
          }
        },
      },
    ],
  }
}

/** The plan of one phase. */
export function planPhase(ctx: PhaseContext, phase: PhaseId): PhasePlan {
  switch (phase) {
    case 'accounts':
      return accountsPhase(ctx)
    case 'contacts':
    case 'leads':
    case 'activities':
    case 'connections':
      return recordsPhase(ctx, phase)
    case 'opportunities':
      return opportunitiesPhase(ctx)
    case 'attachments':
      return attachmentsPhase(ctx)
    case 'status':
      return statusPhase(ctx)
  }
}

/** The alternate-key column of a mapping (`lb_sourceid`). */
export const keyColumnOf = (mapping: MappingDocument): string => logicalNameOf(`${mapping.prefix}_SourceId`)
