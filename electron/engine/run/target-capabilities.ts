/**
 * What the loader reads from the target at run start, so it depends on the environment rather than
 * on how its schema was made: which tables take the bulk messages (sdkmessagefilters, WEB-API-NOTES
 * §1), which carry an active source-id alternate key (§15), the largest note file (§12), the
 * connection roles by name (§13), the business process flows of opportunities with their stages
 * (§10), and the systemusers (owners and e-mail parties).
 */
import type { DataverseClient } from '../target/dataverse/client'
import { logicalNameOf } from '../plan/mapping/model'
import type { TargetTableName } from '../plan/mapping/target-tables'
import type { TargetUser } from './owners'

/** Which bulk messages a table takes. UpsertMultiple counts only with both Create- and UpdateMultiple ([s-utility]). */
export type BulkSupport = Readonly<{ create: boolean; update: boolean; upsert: boolean }>

/** One stage of a business process flow. */
export type BpfStage = Readonly<{ id: string; name: string; category: number | null }>

/** A business process flow for opportunities and where its instances live. */
export type BpfProcess = Readonly<{
  workflowId: string
  name: string
  uniqueName: string
  /** The instance table's entity set and primary key (`opportunitysalesprocesses`, `businessprocessflowinstanceid`). */
  entitySet: string
  logicalName: string
  primaryKey: string
  /** The single-valued navigation to the opportunity (`opportunityid`, `bpf_opportunityid`). */
  opportunityNavigation: string
  stages: ReadonlyArray<BpfStage>
}>

export type TargetCapabilities = Readonly<{
  bulk: ReadonlyMap<string, BulkSupport>
  /** Tables whose `<prefix>_sourceid` alternate key is Active. */
  keyed: ReadonlySet<string>
  maxUploadFileSize: number
  /** Active connection roles, lower-cased name → id. */
  connectionRoles: ReadonlyMap<string, string>
  processes: ReadonlyArray<BpfProcess>
  users: ReadonlyArray<TargetUser>
}>

const BULK_MESSAGES = ['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple'] as const

/** Reads the capabilities of the target for the tables the mapping loads. */
export async function readCapabilities(
  client: DataverseClient,
  prefix: string,
  tables: ReadonlyArray<TargetTableName>,
): Promise<TargetCapabilities> {
  const strong = { consistency: 'Strong' }
  // The reads are independent: they go out together (each is one small request).
  const registered = new Map<string, Set<string>>()
  await Promise.all(
    BULK_MESSAGES.map(async (message) => {
      const rows = await client.all<{ primaryobjecttypecode: string }>(
        `sdkmessagefilters?$select=primaryobjecttypecode&$filter=sdkmessageid/name eq '${message}'`,
        `Reading which tables take ${message}`,
      )
      registered.set(message, new Set(rows.map((r) => String(r.primaryobjecttypecode).toLowerCase())))
    }),
  )
  const extra = ['opportunitysalesprocess', 'opportunityclose', 'connection']
  const bulk = new Map<string, BulkSupport>()
  for (const table of [...tables, ...extra]) {
    const create = registered.get('CreateMultiple')!.has(table)
    const update = registered.get('UpdateMultiple')!.has(table)
    bulk.set(table, {
      create,
      update,
      upsert: create && update && registered.get('UpsertMultiple')!.has(table),
    })
  }

  const keyColumn = logicalNameOf(`${prefix}_SourceId`)
  const keyed = new Set<string>()
  await Promise.all(
    tables.map(async (table) => {
      const keys = await client.json<{
        value: Array<{ KeyAttributes?: string[]; EntityKeyIndexStatus?: string }>
      }>(
        {
          method: 'GET',
          path: `EntityDefinitions(LogicalName='${table}')/Keys?$select=LogicalName,KeyAttributes,EntityKeyIndexStatus`,
          headers: strong,
        },
        `Reading the alternate keys of ${table}`,
      )
      const active = keys.value.some(
        (k) =>
          k.EntityKeyIndexStatus === 'Active' &&
          k.KeyAttributes?.length === 1 &&
          k.KeyAttributes[0] === keyColumn,
      )
      if (active) keyed.add(table)
    }),
  )

  const org = await client.json<{ value: Array<{ maxuploadfilesize?: number }> }>(
    { method: 'GET', path: 'organizations?$select=maxuploadfilesize' },
    'Reading the upload limit',
  )
  const maxUploadFileSize = org.value[0]?.maxuploadfilesize ?? 5_242_880

  const roles = await client.all<{ connectionroleid: string; name: string }>(
    'connectionroles?$select=connectionroleid,name&$filter=statecode eq 0',
    'Reading the connection roles',
  )
  const connectionRoles = new Map(roles.map((r) => [r.name.toLowerCase(), r.connectionroleid]))

  const workflows = await client.all<{ workflowid: string; name: string; uniquename: string | null }>(
    "workflows?$select=workflowid,name,uniquename&$filter=category eq 4 and primaryentity eq 'opportunity' and statecode eq 1",
    'Reading the business process flows',
  )
  const processes: BpfProcess[] = []
  await Promise.all(
    workflows.map(async (w) => {
      const logicalName = (w.uniquename ?? '').toLowerCase()
      if (logicalName === '') return
      const def = await client.json<{ EntitySetName: string; PrimaryIdAttribute: string }>(
        {
          method: 'GET',
          path: `EntityDefinitions(LogicalName='${logicalName}')?$select=EntitySetName,PrimaryIdAttribute`,
          headers: strong,
        },
        `Reading the instance table of ${w.name}`,
      )
      const stages = await client.all<{
        processstageid: string
        stagename: string
        stagecategory: number | null
      }>(
        `processstages?$select=processstageid,stagename,stagecategory&$filter=_processid_value eq ${w.workflowid}`,
        `Reading the stages of ${w.name}`,
      )
      processes.push({
        workflowId: w.workflowid,
        name: w.name,
        uniqueName: logicalName,
        entitySet: def.EntitySetName,
        logicalName,
        primaryKey: def.PrimaryIdAttribute,
        opportunityNavigation:
          logicalName === 'opportunitysalesprocess' ? 'opportunityid' : 'bpf_opportunityid',
        stages: stages.map((s) => ({
          id: s.processstageid,
          name: s.stagename,
          category: s.stagecategory ?? null,
        })),
      })
    }),
  )
  processes.sort((a, b) => (a.uniqueName < b.uniqueName ? -1 : 1))

  const users = await client.all<{
    systemuserid: string
    internalemailaddress: string | null
    isdisabled: boolean
  }>('systemusers?$select=systemuserid,internalemailaddress,isdisabled', 'Reading the users')
  return {
    bulk,
    keyed,
    maxUploadFileSize,
    connectionRoles,
    processes,
    users: users.map((u) => ({
      systemUserId: u.systemuserid,
      email: (u.internalemailaddress ?? '').toLowerCase(),
      enabled: u.isdisabled !== true,
    })),
  }
}
