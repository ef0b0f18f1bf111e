/**
 * A small migration done by hand for verify and rollback tests that must not wait for the loader:
 * source-id columns and keys created through the metadata API, records upserted by alternate key
 * through the lead's DataverseClient, and each write journaled intent → call → outcome in a real
 * workspace, as STYLE.md §5 says the loader does.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import {
  type BuildContext,
  type SourceRecord,
  type TargetRecord,
  buildRecord,
  keySegment,
  toWebApiBody,
} from '../../../../../electron/engine/plan/mapping/build-record'
import {
  type MappingDocument,
  type ObjectMapping,
  logicalNameOf,
} from '../../../../../electron/engine/plan/mapping/model'
import {
  TARGET_TABLES,
  type TargetTableName,
} from '../../../../../electron/engine/plan/mapping/target-tables'
import { defaultMortgageTemplate } from '../../../../../electron/engine/plan/mapping/template'
import type { DataverseClient } from '../../../../../electron/engine/target/dataverse/client'
import { connectTarget, type TargetConnection } from '../../../../../electron/engine/target/dataverse/connect'
import {
  createAttribute,
  createKey,
  createPublisher,
  createSolution,
  waitForKeyActive,
} from '../../../../../electron/engine/target/dataverse/metadata'
import { loadTargetProfile } from '../../../../../electron/engine/target/dataverse/profile'
import { JournalRepository } from '../../../../../electron/engine/workspace/journal-repository'
import { Workspace } from '../../../../../electron/engine/workspace/workspace'
import type { TestSandbox } from '../../../../support/sandbox'

const field = (
  id: string,
  source: string | null,
  target: string,
  type: ObjectMapping['fields'][number]['type'],
  transform: ObjectMapping['fields'][number]['transform'],
  extra: Partial<ObjectMapping['fields'][number]> = {},
): ObjectMapping['fields'][number] => ({
  id,
  source,
  target,
  type,
  transform,
  verify: true,
  status: 'mapped',
  ...extra,
})

/** A mapping document of two object mappings on standard columns plus the source id. */
export function smallMapping(): MappingDocument {
  const base = defaultMortgageTemplate()
  const key = field('key', null, 'lb_sourceid', 'string', { kind: 'source-key' })
  const created = field(
    'created',
    'created_at',
    'overriddencreatedon',
    'datetime',
    { kind: 'copy' },
    { readBack: 'createdon' },
  )
  return {
    ...base,
    objects: [
      {
        id: 'accounts',
        briefRows: ['company'],
        label: 'Companies → Accounts',
        source: { object: 'companies', select: { kind: 'all' } },
        target: { kind: 'table', table: 'account', phase: 'accounts' },
        status: 'confirmed',
        notes: [],
        fields: [
          key,
          created,
          field('name', 'name', 'name', 'string', { kind: 'copy' }),
          field('phone', 'phone', 'telephone1', 'string', { kind: 'copy' }),
        ],
      },
      {
        id: 'contacts',
        briefRows: ['contact'],
        label: 'Contacts → Contacts',
        source: { object: 'contacts', select: { kind: 'all' } },
        target: { kind: 'table', table: 'contact', phase: 'contacts' },
        status: 'confirmed',
        notes: [],
        fields: [
          key,
          created,
          field('first', 'firstname', 'firstname', 'string', { kind: 'copy' }),
          field('last', 'lastname', 'lastname', 'string', { kind: 'copy' }),
          field('email', 'email', 'emailaddress1', 'string', { kind: 'copy' }),
          field('birth', 'date_of_birth', 'birthdate', 'date', { kind: 'copy' }),
          field('company', 'primary_company_id', 'parentcustomerid', 'lookup', {
            kind: 'lookup',
            object: 'companies',
          }),
        ],
      },
    ],
  }
}

/** A build context where every company and contact of the fixture is migrated. */
export function fixtureContext(mapping: MappingDocument): BuildContext {
  return {
    mapping,
    ownerName: () => null,
    ownerUser: () => null,
    targetOf: (ref) =>
      ref.object === 'companies' ? 'account' : ref.object === 'contacts' ? 'contact' : null,
    stageEntered: () => null,
    connectionRoleId: () => null,
    resolveAddress: () => null,
  }
}

/** The source records of the fixture: companies, then contacts of those companies. */
export function fixtureRecords(
  companies: number,
  contactsPerCompany: number,
): Readonly<Record<'companies' | 'contacts', SourceRecord[]>> {
  const out: Record<'companies' | 'contacts', SourceRecord[]> = { companies: [], contacts: [] }
  for (let c = 1; c <= companies; c++) {
    out.companies.push({
      object: 'companies',
      id: String(c),
      fields: {
        name: `Household ${c}`,
        phone: `+1 555 010 ${String(c).padStart(4, '0')}`,
        created_at: `2021-03-0${(c % 9) + 1}T10:00:00Z`,
      },
    })
    for (let p = 1; p <= contactsPerCompany; p++) {
      const id = `${c}0${p}`
      out.contacts.push({
        object: 'contacts',
        id,
        fields: {
          firstname: `Pat${p}`,
          lastname: `Borrower${c}`,
          email: `pat${p}.b${c}@example.com`,
          date_of_birth: `1980-0${p}-1${p}`,
          primary_company_id: String(c),
          created_at: '2022-06-01T08:30:00Z',
        },
      })
    }
  }
  return out
}

export type FixtureTarget = Readonly<{
  connection: TargetConnection
  client: DataverseClient
  keyColumn: string
}>

/** Creates the source-id column and alternate key on each table (what the schema plan applies). */
export async function prepareTarget(
  ts: TestSandbox,
  tables: ReadonlyArray<TargetTableName>,
): Promise<FixtureTarget> {
  const connection = connectTarget(loadTargetProfile(ts.profileFile))
  const client = connection.primary
  const publisherId = await createPublisher(client, {
    uniqueName: 'leafbridgetest',
    friendlyName: 'Leafbridge test',
    prefix: 'lb',
    optionValuePrefix: 10000,
  })
  await createSolution(client, { uniqueName: 'LeafbridgeTest', friendlyName: 'Leafbridge test', publisherId })
  for (const table of tables) {
    await createAttribute(
      client,
      table,
      {
        schemaName: 'lb_SourceId',
        displayName: 'Leaf360 Source Id',
        description: '',
        type: 'string',
        maxLength: 100,
      },
      null,
    )
    await createKey(
      client,
      table,
      { schemaName: 'lb_SourceIdKey', displayName: 'Source id', keyAttributes: ['lb_sourceid'] },
      null,
    )
    await waitForKeyActive(client, table, 'lb_sourceidkey', { pollMs: 20, timeoutMs: 10_000 })
  }
  return { connection, client, keyColumn: logicalNameOf('lb_SourceId') }
}

/** The columns of `record` as the target holds them now, or null when it has no such record. */
async function readBefore(
  client: DataverseClient,
  path: string,
  record: TargetRecord,
): Promise<Record<string, unknown> | null> {
  const columns = [
    ...Object.keys(record.values).filter((c) => c !== 'overriddencreatedon'),
    ...Object.keys(record.binds).map((c) => `_${c}_value`),
  ]
  const res = await client.send({
    method: 'GET',
    path: `${path}?$select=${columns.join(',')}`,
    prefer: ['odata.include-annotations="*"'],
  })
  if (res.status === 404) return null
  const row = JSON.parse(res.text) as Record<string, unknown>
  return Object.fromEntries(
    Object.entries(row).filter(([k]) => !k.startsWith('@') && !k.includes('@OData.Community')),
  )
}

/** Opens a fresh workspace in `dir`. */
export const openWorkspace = (dir: string): Workspace =>
  Workspace.create(join(dir, 'w.leafbridge'), { appVersion: '0.0.0-test' })

export type ManualRun = Readonly<{ runId: string; records: ReadonlyArray<TargetRecord> }>

/**
 * Migrates the fixture's records by hand: one journaled upsert by alternate key per record, the
 * id chosen before the call. `stopAfter` leaves the rest of the records unsent and the last one's
 * intent without an outcome (a killed run).
 */
export async function migrateByHand(
  ws: Workspace,
  target: FixtureTarget,
  mapping: MappingDocument,
  records: Readonly<Record<'companies' | 'contacts', SourceRecord[]>>,
  options: Readonly<{ stopAfter?: number; finish?: boolean }> = {},
): Promise<ManualRun> {
  const journal = new JournalRepository(ws, () => new Date().toISOString())
  const runId = randomUUID()
  journal.createRun({
    runId,
    kind: 'migrate',
    targetUrl: target.connection.profile.url,
    importId: null,
    phases: ['accounts', 'contacts'],
    users: 1,
    mapping,
    mappingSha256: 'test',
    at: new Date().toISOString(),
  })
  const ctx = fixtureContext(mapping)
  const built: TargetRecord[] = []
  let sent = 0
  for (const mappingId of ['accounts', 'contacts'] as const) {
    const om = mapping.objects.find((o) => o.id === mappingId)!
    for (const source of records[mappingId === 'accounts' ? 'companies' : 'contacts']) {
      const record = buildRecord(om, source, ctx)
      built.push(record)
      if (options.stopAfter !== undefined && sent > options.stopAfter) continue
      const def = TARGET_TABLES[record.table]
      const path = `${def.entitySet}${keySegment(mapping.prefix, record.sourceKey)}`
      // As the loader does: read the columns the write changes; a record found there is updated.
      const before = await readBefore(target.client, path, record)
      const id = before === null ? randomUUID() : String(before[def.primaryKey])
      const body =
        before === null
          ? { ...toWebApiBody(record, mapping.prefix), [def.primaryKey]: id }
          : toWebApiBody(record, mapping.prefix, 'update')
      const [intent] = journal.recordIntents(runId, [
        {
          phase: om.target.kind === 'table' ? om.target.phase : 'accounts',
          step: 'load',
          table: record.table,
          entitySet: def.entitySet,
          operation: 'upsert',
          sourceKey: record.sourceKey,
          parentKey: null,
          targetId: id,
          existed: before !== null,
          beforeImage: before,
          request: { method: 'PATCH', path, body },
          callId: journal.nextCallId(),
        },
      ])
      if (options.stopAfter !== undefined && sent === options.stopAfter) {
        // Killed between the call and its outcome: the record is in Dataverse, the journal does not know.
        await target.client.json({ method: 'PATCH', path, body }, 'fixture upsert')
        sent++
        continue
      }
      await target.client.json({ method: 'PATCH', path, body }, 'fixture upsert')
      journal.recordOutcomes(runId, [
        {
          intent: intent!,
          intentId: intent!.intentId,
          status: 'applied',
          targetId: id,
          etag: null,
          verdict: 'ok',
          httpStatus: 204,
          code: null,
          message: null,
          settledBy: 'response',
        },
      ])
      sent++
    }
  }
  if (options.finish !== false && options.stopAfter === undefined) journal.setRunStatus(runId, 'finished')
  return { runId, records: built }
}
