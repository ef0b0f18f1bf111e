/**
 * The Dataverse metadata and customisation calls the planner makes: reading tables, columns, keys,
 * publishers, solutions, connection roles, business process flows, users and organisation settings,
 * and creating (or removing) the columns, keys, roles and processes the schema plan lists.
 *
 * Shapes follow the Web API documentation (WEB-API-NOTES.md §10, §13, §15, §16):
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-column-definitions-using-web-api
 * https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity
 */
import { AppError } from '../../errors'
import { type DataverseClient, type RetryPolicy, verdictError } from './client'

/** Quotes a string for an OData literal (`'` doubled). */
export const odataString = (value: string): string => `'${value.replace(/'/g, "''")}'`

const entityPath = (table: string) => `EntityDefinitions(LogicalName=${odataString(table)})`

/** The English label body Dataverse expects in DisplayName and Description. */
export function labelBody(text: string): Record<string, unknown> {
  return {
    '@odata.type': 'Microsoft.Dynamics.CRM.Label',
    LocalizedLabels: [
      { '@odata.type': 'Microsoft.Dynamics.CRM.LocalizedLabel', Label: text, LanguageCode: 1033 },
    ],
  }
}

/** The label text of a Label object, or null. */
export function labelText(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return null
  const user = (value as { UserLocalizedLabel?: { Label?: unknown } | null }).UserLocalizedLabel
  if (user && typeof user.Label === 'string') return user.Label
  const first = (value as { LocalizedLabels?: Array<{ Label?: unknown }> }).LocalizedLabels?.[0]?.Label
  return typeof first === 'string' ? first : null
}

/** One table's definition (EntityMetadata, the fields the planner reads). */
export type EntityInfo = Readonly<{
  logicalName: string
  metadataId: string
  entitySetName: string | null
  isCustomEntity: boolean
  isBpfEntity: boolean
  /** Can records of this table take part in connections? null when the environment did not say. */
  isConnectionsEnabled: boolean | null
  displayName: string | null
}>

type RawEntity = {
  LogicalName: string
  MetadataId: string
  EntitySetName?: string | null
  IsCustomEntity?: boolean | null
  IsBPFEntity?: boolean | null
  IsConnectionsEnabled?: { Value?: boolean } | boolean | null
  DisplayName?: unknown
}

const toEntity = (e: RawEntity): EntityInfo => ({
  logicalName: e.LogicalName,
  metadataId: e.MetadataId,
  entitySetName: e.EntitySetName ?? null,
  isCustomEntity: e.IsCustomEntity === true,
  isBpfEntity: e.IsBPFEntity === true,
  isConnectionsEnabled:
    typeof e.IsConnectionsEnabled === 'boolean'
      ? e.IsConnectionsEnabled
      : typeof e.IsConnectionsEnabled?.Value === 'boolean'
        ? e.IsConnectionsEnabled.Value
        : null,
  displayName: labelText(e.DisplayName),
})

const ENTITY_SELECT =
  '$select=LogicalName,MetadataId,EntitySetName,IsCustomEntity,IsBPFEntity,IsConnectionsEnabled,DisplayName'

/** One table by logical name, or null when the environment has no such table. */
export async function readEntity(client: DataverseClient, table: string): Promise<EntityInfo | null> {
  const res = await client.send({ method: 'GET', path: `${entityPath(table)}?${ENTITY_SELECT}` })
  if (res.status === 404) return null
  if (res.verdict.kind !== 'ok') throw verdictError(res.verdict, `Reading the definition of table ${table}`)
  return toEntity(JSON.parse(res.text) as RawEntity)
}

/** Every custom table of the environment (BPF instance tables included; they count against licences). */
export async function readCustomEntities(client: DataverseClient): Promise<ReadonlyArray<EntityInfo>> {
  const rows = await client.all<RawEntity>(
    `EntityDefinitions?${ENTITY_SELECT}&$filter=IsCustomEntity eq true`,
    'Reading the custom tables',
  )
  return rows.map(toEntity)
}

/** A column as the environment defines it. */
export type AttributeInfo = Readonly<{
  table: string
  logicalName: string
  schemaName: string
  /** Dataverse's AttributeType: String, Memo, Integer, Decimal, Money, DateTime, Boolean, Picklist, Lookup… */
  attributeType: string
  isCustom: boolean
  /** Text columns only. */
  maxLength: number | null
  /** DateTime columns only: DateOnly or DateAndTime. */
  format: string | null
  displayName: string | null
  metadataId: string
}>

type RawAttribute = {
  LogicalName: string
  SchemaName: string
  AttributeType: string
  IsCustomAttribute?: boolean | null
  MetadataId: string
  DisplayName?: unknown
  MaxLength?: number | null
  Format?: string | null
}

/**
 * The columns of one table (custom ones only, by default), with the length of text columns and the
 * format of date columns read through their typed casts (MaxLength is not on AttributeMetadata).
 */
export async function readAttributes(
  client: DataverseClient,
  table: string,
  options: Readonly<{ customOnly?: boolean }> = {},
): Promise<ReadonlyArray<AttributeInfo>> {
  const filter = options.customOnly === false ? '' : '&$filter=IsCustomAttribute eq true'
  const base = await client.all<RawAttribute>(
    `${entityPath(table)}/Attributes?$select=LogicalName,SchemaName,AttributeType,IsCustomAttribute,MetadataId,DisplayName${filter}`,
    `Reading the columns of ${table}`,
  )
  const extra = new Map<string, { maxLength?: number | null; format?: string | null }>()
  const cast = async (type: string, select: string) => {
    if (!base.some((a) => a.AttributeType === type.replace('AttributeMetadata', ''))) return
    const rows = await client.all<RawAttribute>(
      `${entityPath(table)}/Attributes/Microsoft.Dynamics.CRM.${type}?$select=LogicalName,${select}${filter}`,
      `Reading the ${type} columns of ${table}`,
    )
    for (const r of rows)
      extra.set(r.LogicalName, {
        ...extra.get(r.LogicalName),
        ...(r.MaxLength !== undefined ? { maxLength: r.MaxLength } : {}),
        ...(r.Format !== undefined ? { format: r.Format } : {}),
      })
  }
  await cast('StringAttributeMetadata', 'MaxLength')
  await cast('MemoAttributeMetadata', 'MaxLength')
  await cast('DateTimeAttributeMetadata', 'Format')
  return base.map((a) => ({
    table,
    logicalName: a.LogicalName,
    schemaName: a.SchemaName,
    attributeType: a.AttributeType,
    isCustom: a.IsCustomAttribute === true,
    maxLength: extra.get(a.LogicalName)?.maxLength ?? null,
    format: extra.get(a.LogicalName)?.format ?? null,
    displayName: labelText(a.DisplayName),
    metadataId: a.MetadataId,
  }))
}

/** Index states of an alternate key ([csdl] EntityKeyIndexStatus). */
export type KeyIndexStatus = 'Pending' | 'InProgress' | 'Active' | 'Failed'

/** An alternate key as the environment defines it. */
export type KeyInfo = Readonly<{
  table: string
  logicalName: string
  schemaName: string
  keyAttributes: ReadonlyArray<string>
  status: KeyIndexStatus
  metadataId: string
}>

type RawKey = {
  LogicalName: string
  SchemaName: string
  KeyAttributes: string[]
  EntityKeyIndexStatus: string | number
  MetadataId: string
}

const KEY_STATUS_BY_NUMBER: ReadonlyArray<KeyIndexStatus> = ['Pending', 'InProgress', 'Active', 'Failed']

const toKey = (table: string, k: RawKey): KeyInfo => ({
  table,
  logicalName: k.LogicalName,
  schemaName: k.SchemaName,
  keyAttributes: k.KeyAttributes ?? [],
  status:
    typeof k.EntityKeyIndexStatus === 'number'
      ? (KEY_STATUS_BY_NUMBER[k.EntityKeyIndexStatus] ?? 'Pending')
      : (k.EntityKeyIndexStatus as KeyIndexStatus),
  metadataId: k.MetadataId,
})

const KEY_SELECT = '$select=LogicalName,SchemaName,KeyAttributes,EntityKeyIndexStatus,MetadataId'

/** The alternate keys of one table, with their index status. */
export async function readKeys(client: DataverseClient, table: string): Promise<ReadonlyArray<KeyInfo>> {
  const rows = await client.all<RawKey>(
    `${entityPath(table)}/Keys?${KEY_SELECT}`,
    `Reading the keys of ${table}`,
  )
  return rows.map((k) => toKey(table, k))
}

/** One key, read with `Consistency: Strong` so a just-created key is seen ([s-utility]); null when absent. */
export async function readKey(client: DataverseClient, table: string, key: string): Promise<KeyInfo | null> {
  const res = await client.send({
    method: 'GET',
    path: `${entityPath(table)}/Keys(LogicalName=${odataString(key)})?${KEY_SELECT}`,
    headers: { Consistency: 'Strong' },
  })
  if (res.status === 404) return null
  if (res.verdict.kind !== 'ok') throw verdictError(res.verdict, `Reading key ${key} of ${table}`)
  return toKey(table, JSON.parse(res.text) as RawKey)
}

/** The typed column a schema plan creates (the part of AttributeMetadata Leafbridge sets). */
export type ColumnDefinition = Readonly<{
  schemaName: string
  displayName: string
  description: string
  type: 'string' | 'memo' | 'int' | 'decimal' | 'money' | 'datetime' | 'date' | 'bool' | 'option'
  maxLength?: number
  precision?: number
  /** Picklists: the options, values from the publisher's option value prefix. */
  options?: ReadonlyArray<Readonly<{ value: number; label: string }>>
}>

const requiredNone = {
  Value: 'None',
  CanBeChanged: true,
  ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings',
}

/** The Web API body that creates a column ([columns]). */
export function attributeBody(column: ColumnDefinition): Record<string, unknown> {
  const common = {
    SchemaName: column.schemaName,
    DisplayName: labelBody(column.displayName),
    Description: labelBody(column.description),
    RequiredLevel: requiredNone,
  }
  switch (column.type) {
    case 'string':
      return {
        '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
        ...common,
        MaxLength: column.maxLength ?? 100,
        FormatName: { Value: 'Text' },
      }
    case 'memo':
      return {
        '@odata.type': 'Microsoft.Dynamics.CRM.MemoAttributeMetadata',
        ...common,
        MaxLength: column.maxLength ?? 4000,
        Format: 'TextArea',
      }
    case 'int':
      return {
        '@odata.type': 'Microsoft.Dynamics.CRM.IntegerAttributeMetadata',
        ...common,
        MinValue: -2147483648,
        MaxValue: 2147483647,
        Format: 'None',
      }
    case 'decimal':
      return {
        '@odata.type': 'Microsoft.Dynamics.CRM.DecimalAttributeMetadata',
        ...common,
        Precision: column.precision ?? 2,
        MinValue: -100000000000,
        MaxValue: 100000000000,
      }
    case 'money':
      return {
        '@odata.type': 'Microsoft.Dynamics.CRM.MoneyAttributeMetadata',
        ...common,
        Precision: column.precision ?? 2,
        PrecisionSource: 2,
        MinValue: -922337203685477,
        MaxValue: 922337203685477,
      }
    case 'datetime':
      return {
        '@odata.type': 'Microsoft.Dynamics.CRM.DateTimeAttributeMetadata',
        ...common,
        Format: 'DateAndTime',
        DateTimeBehavior: { Value: 'UserLocal' },
      }
    case 'date':
      return {
        '@odata.type': 'Microsoft.Dynamics.CRM.DateTimeAttributeMetadata',
        ...common,
        Format: 'DateOnly',
        DateTimeBehavior: { Value: 'DateOnly' },
      }
    case 'bool':
      return {
        '@odata.type': 'Microsoft.Dynamics.CRM.BooleanAttributeMetadata',
        ...common,
        DefaultValue: false,
        OptionSet: {
          '@odata.type': 'Microsoft.Dynamics.CRM.BooleanOptionSetMetadata',
          OptionSetType: 'Boolean',
          IsGlobal: false,
          TrueOption: { Value: 1, Label: labelBody('Yes') },
          FalseOption: { Value: 0, Label: labelBody('No') },
        },
      }
    case 'option':
      return {
        '@odata.type': 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata',
        ...common,
        OptionSet: {
          '@odata.type': 'Microsoft.Dynamics.CRM.OptionSetMetadata',
          OptionSetType: 'Picklist',
          IsGlobal: false,
          Options: (column.options ?? []).map((o) => ({ Value: o.value, Label: labelBody(o.label) })),
        },
      }
  }
}

/** The id Dataverse returns in OData-EntityId (`…(<guid>)`), or null. */
export function entityIdOf(headers: Readonly<Record<string, string>>): string | null {
  const uri = headers['odata-entityid'] ?? headers['location'] ?? ''
  const match = /\(([0-9a-fA-F-]{36})\)\s*$/.exec(uri)
  return match ? match[1]!.toLowerCase() : null
}

async function post(
  client: DataverseClient,
  path: string,
  body: unknown,
  what: string,
  solution: string | null,
  policy?: RetryPolicy,
): Promise<string | null> {
  const res = await client.send(
    {
      method: 'POST',
      path,
      body,
      ...(solution ? { headers: { 'MSCRM.SolutionUniqueName': solution } } : {}),
    },
    policy,
  )
  if (res.verdict.kind !== 'ok') throw verdictError(res.verdict, what)
  return entityIdOf(res.headers)
}

async function remove(client: DataverseClient, path: string, what: string): Promise<boolean> {
  const res = await client.send({ method: 'DELETE', path })
  if (res.status === 404) return false
  if (res.verdict.kind !== 'ok') throw verdictError(res.verdict, what)
  return true
}

/** Creates a column in `solution`; returns its MetadataId. */
export function createAttribute(
  client: DataverseClient,
  table: string,
  column: ColumnDefinition,
  solution: string | null,
): Promise<string | null> {
  return post(
    client,
    `${entityPath(table)}/Attributes`,
    attributeBody(column),
    `Creating column ${column.schemaName} on ${table}`,
    solution,
  )
}

/** Deletes a column; false when it was already gone. */
export function deleteAttribute(
  client: DataverseClient,
  table: string,
  logicalName: string,
): Promise<boolean> {
  return remove(
    client,
    `${entityPath(table)}/Attributes(LogicalName=${odataString(logicalName)})`,
    `Deleting column ${logicalName} of ${table}`,
  )
}

/** The key a schema plan creates. */
export type KeyDefinition = Readonly<{
  schemaName: string
  displayName: string
  keyAttributes: ReadonlyArray<string>
}>

/** Creates an alternate key ([s-createkey]); its index builds asynchronously (Pending → Active). */
export function createKey(
  client: DataverseClient,
  table: string,
  key: KeyDefinition,
  solution: string | null,
): Promise<string | null> {
  return post(
    client,
    `${entityPath(table)}/Keys`,
    {
      '@odata.type': 'Microsoft.Dynamics.CRM.EntityKeyMetadata',
      SchemaName: key.schemaName,
      DisplayName: labelBody(key.displayName),
      KeyAttributes: key.keyAttributes,
    },
    `Creating key ${key.schemaName} on ${table}`,
    solution,
  )
}

/** Deletes an alternate key; false when it was already gone. */
export function deleteKey(client: DataverseClient, table: string, logicalName: string): Promise<boolean> {
  return remove(
    client,
    `${entityPath(table)}/Keys(LogicalName=${odataString(logicalName)})`,
    `Deleting key ${logicalName} of ${table}`,
  )
}

/** Asks Dataverse to rebuild a failed key's index ([altkey-def] ReactivateEntityKey). */
export async function reactivateKey(client: DataverseClient, table: string, key: string): Promise<void> {
  await client.json(
    {
      method: 'POST',
      path: `${entityPath(table)}/Keys(LogicalName=${odataString(key)})/Microsoft.Dynamics.CRM.ReactivateEntityKey`,
      body: {},
    },
    `Reactivating key ${key} of ${table}`,
  )
}

export type WaitOptions = Readonly<{
  /** Give up after this long, ms (default 10 minutes: indexes on big tables take a while). */
  timeoutMs?: number
  /** Poll interval, ms (default 2 s). */
  pollMs?: number
  sleep?: (ms: number) => Promise<void>
  signal?: AbortSignal
  now?: () => number
  onPoll?: (status: KeyIndexStatus | 'missing') => void
}>

/**
 * Polls a key with `Consistency: Strong` until its index is Active ([s-retrievekey]). A Failed key is
 * reactivated once; failing again, or not Active within the timeout, is an error for the operator.
 */
export async function waitForKeyActive(
  client: DataverseClient,
  table: string,
  key: string,
  options: WaitOptions = {},
): Promise<KeyInfo> {
  const timeout = options.timeoutMs ?? 600_000
  const poll = options.pollMs ?? 2000
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const now = options.now ?? Date.now
  const until = now() + timeout
  let reactivated = false
  for (;;) {
    const info = await readKey(client, table, key)
    options.onPoll?.(info?.status ?? 'missing')
    if (info?.status === 'Active') return info
    if (info?.status === 'Failed') {
      if (reactivated) {
        throw new AppError({
          code: 'alternate-key-failed',
          kind: 'fatal',
          message: `The alternate key ${key} on ${table} failed to build twice. Existing ${table} rows probably share a value in ${info.keyAttributes.join(', ')}; fix the duplicates in Dynamics and apply again.`,
        })
      }
      await reactivateKey(client, table, key)
      reactivated = true
    }
    if (options.signal?.aborted)
      throw new AppError({ code: 'cancelled', kind: 'fatal', message: 'Cancelled.' })
    if (now() >= until) {
      throw new AppError({
        code: 'alternate-key-timeout',
        kind: 'retriable',
        message: `The alternate key ${key} on ${table} is still ${info?.status ?? 'missing'} after ${Math.round(timeout / 1000)} s. Dataverse builds key indexes in the background; apply again later to keep waiting.`,
      })
    }
    await sleep(poll)
  }
}

/** A publisher (the owner of customisations and their prefix). */
export type PublisherInfo = Readonly<{
  publisherId: string
  uniqueName: string
  friendlyName: string
  prefix: string
  optionValuePrefix: number
}>

type RawPublisher = {
  publisherid: string
  uniquename: string
  friendlyname: string
  customizationprefix: string
  customizationoptionvalueprefix: number
}

const PUBLISHER_SELECT =
  '$select=publisherid,uniquename,friendlyname,customizationprefix,customizationoptionvalueprefix'

/** Every publisher of the environment. */
export async function readPublishers(client: DataverseClient): Promise<ReadonlyArray<PublisherInfo>> {
  const rows = await client.all<RawPublisher>(`publishers?${PUBLISHER_SELECT}`, 'Reading the publishers')
  return rows.map((p) => ({
    publisherId: p.publisherid,
    uniqueName: p.uniquename,
    friendlyName: p.friendlyname,
    prefix: p.customizationprefix,
    optionValuePrefix: p.customizationoptionvalueprefix,
  }))
}

/** Creates a publisher; returns its id. */
export async function createPublisher(
  client: DataverseClient,
  p: Omit<PublisherInfo, 'publisherId'>,
): Promise<string> {
  const id = await post(
    client,
    'publishers',
    {
      uniquename: p.uniqueName,
      friendlyname: p.friendlyName,
      customizationprefix: p.prefix,
      customizationoptionvalueprefix: p.optionValuePrefix,
      description: 'Created by Leafbridge for the Leaf360 migration.',
    },
    `Creating publisher ${p.uniqueName}`,
    null,
  )
  if (id === null) throw missingId('publisher')
  return id
}

/** A solution (unmanaged), with its publisher. */
export type SolutionInfo = Readonly<{ solutionId: string; uniqueName: string; publisherId: string | null }>

/** Every solution of the environment. */
export async function readSolutions(client: DataverseClient): Promise<ReadonlyArray<SolutionInfo>> {
  const rows = await client.all<{
    solutionid: string
    uniquename: string
    _publisherid_value?: string | null
  }>('solutions?$select=solutionid,uniquename,_publisherid_value', 'Reading the solutions')
  return rows.map((s) => ({
    solutionId: s.solutionid,
    uniqueName: s.uniquename,
    publisherId: s._publisherid_value ?? null,
  }))
}

/** Creates an unmanaged solution of `publisherId`; returns its id. */
export async function createSolution(
  client: DataverseClient,
  s: Readonly<{ uniqueName: string; friendlyName: string; publisherId: string }>,
): Promise<string> {
  const id = await post(
    client,
    'solutions',
    {
      uniquename: s.uniqueName,
      friendlyname: s.friendlyName,
      version: '1.0.0.0',
      description: 'Leafbridge: columns, keys, connection roles and processes for the Leaf360 migration.',
      'publisherid@odata.bind': `/publishers(${s.publisherId})`,
    },
    `Creating solution ${s.uniqueName}`,
    null,
  )
  if (id === null) throw missingId('solution')
  return id
}

const missingId = (what: string) =>
  new AppError({
    code: 'dataverse-no-id',
    kind: 'fatal',
    message: `Dataverse created the ${what} but did not say its id (no OData-EntityId header).`,
  })

/** A connection role with the roles it is reciprocal to. */
export type ConnectionRoleInfo = Readonly<{
  connectionRoleId: string
  name: string
  category: number | null
  active: boolean
  reciprocal: ReadonlyArray<string>
}>

/** Every connection role with its reciprocal (matching) roles ([connrole]). */
export async function readConnectionRoles(
  client: DataverseClient,
): Promise<ReadonlyArray<ConnectionRoleInfo>> {
  const rows = await client.all<{
    connectionroleid: string
    name: string
    category?: number | null
    statecode?: number
  }>('connectionroles?$select=connectionroleid,name,category,statecode', 'Reading the connection roles')
  const out: ConnectionRoleInfo[] = []
  for (const r of rows) {
    const matches = await client.all<{ connectionroleid: string }>(
      `connectionroles(${r.connectionroleid})/connectionroleassociation_association?$select=connectionroleid`,
      `Reading the matching roles of ${r.name}`,
    )
    out.push({
      connectionRoleId: r.connectionroleid,
      name: r.name,
      category: r.category ?? null,
      active: (r.statecode ?? 0) === 0,
      reciprocal: matches.map((m) => m.connectionroleid),
    })
  }
  return out
}

/** Creates a connection role (category 1 Business unless told); returns its id. */
export async function createConnectionRole(
  client: DataverseClient,
  role: Readonly<{ name: string; description: string; category?: number }>,
  solution: string | null,
): Promise<string> {
  const id = await post(
    client,
    'connectionroles',
    { name: role.name, description: role.description, category: role.category ?? 1 },
    `Creating connection role ${role.name}`,
    solution,
  )
  if (id === null) throw missingId('connection role')
  return id
}

/** Makes two roles each other's matching role (the N:N connectionroleassociation_association, [connrole]). */
export async function associateConnectionRoles(client: DataverseClient, a: string, b: string): Promise<void> {
  await client.json(
    {
      method: 'POST',
      path: `connectionroles(${a})/connectionroleassociation_association/$ref`,
      body: { '@odata.id': `${client.base}connectionroles(${b})` },
    },
    'Associating the matching connection roles',
  )
}

/** Removes the matching-role link between two roles; false when there was none. */
export function disassociateConnectionRoles(client: DataverseClient, a: string, b: string): Promise<boolean> {
  return remove(
    client,
    `connectionroles(${a})/connectionroleassociation_association(${b})/$ref`,
    'Removing the matching connection roles',
  )
}

/** Deletes a solution (its components stay); false when it was already gone. */
export function deleteSolution(client: DataverseClient, id: string): Promise<boolean> {
  return remove(client, `solutions(${id})`, `Deleting solution ${id}`)
}

/** Deletes a publisher; false when it was already gone. */
export function deletePublisher(client: DataverseClient, id: string): Promise<boolean> {
  return remove(client, `publishers(${id})`, `Deleting publisher ${id}`)
}

/** Deletes a connection role; false when it was already gone. */
export function deleteConnectionRole(client: DataverseClient, id: string): Promise<boolean> {
  return remove(client, `connectionroles(${id})`, `Deleting connection role ${id}`)
}

/** A business process flow definition with its stages in order. */
export type ProcessInfo = Readonly<{
  workflowId: string
  name: string
  uniqueName: string | null
  primaryEntity: string
  active: boolean
  stages: ReadonlyArray<Readonly<{ processStageId: string; name: string; category: number | null }>>
}>

type RawWorkflow = {
  workflowid: string
  name: string
  uniquename?: string | null
  primaryentity: string
  statecode?: number
}

type RawStage = { processstageid: string; stagename: string; stagecategory?: number | null }

/** The stages of one process, in the order Dataverse returns them. */
export async function readStages(
  client: DataverseClient,
  workflowId: string,
): Promise<ProcessInfo['stages']> {
  const rows = await client.all<RawStage>(
    `processstages?$select=processstageid,stagename,stagecategory&$filter=_processid_value eq ${workflowId}`,
    'Reading the process stages',
  )
  return rows.map((s) => ({
    processStageId: s.processstageid,
    name: s.stagename,
    category: s.stagecategory ?? null,
  }))
}

/** Business process flows (workflow category 4, [wf]) on `primaryEntity`, with their stages ([bpf]). */
export async function readProcesses(
  client: DataverseClient,
  primaryEntity: string,
): Promise<ReadonlyArray<ProcessInfo>> {
  const rows = await client.all<RawWorkflow>(
    `workflows?$select=workflowid,name,uniquename,primaryentity,statecode&$filter=category eq 4 and primaryentity eq ${odataString(primaryEntity)}`,
    'Reading the business process flows',
  )
  const out: ProcessInfo[] = []
  for (const w of rows) {
    out.push({
      workflowId: w.workflowid,
      name: w.name,
      uniqueName: w.uniquename ?? null,
      primaryEntity: w.primaryentity,
      active: w.statecode === 1,
      stages: await readStages(client, w.workflowid),
    })
  }
  return out
}

/** Creates a business process flow definition (draft) on `primaryEntity`; returns its id. */
export async function createProcess(
  client: DataverseClient,
  p: Readonly<{ name: string; uniqueName: string; primaryEntity: string; description: string; xaml: string }>,
  solution: string | null,
): Promise<string> {
  const id = await post(
    client,
    'workflows',
    {
      name: p.name,
      uniquename: p.uniqueName,
      category: 4,
      type: 1,
      businessprocesstype: 0,
      primaryentity: p.primaryEntity,
      description: p.description,
      xaml: p.xaml,
    },
    `Creating business process flow ${p.name}`,
    solution,
  )
  if (id === null) throw missingId('business process flow')
  return id
}

/** Adds one stage to a process definition; returns its id. */
export async function createStage(
  client: DataverseClient,
  workflowId: string,
  stage: Readonly<{ name: string; category: number; primaryEntity: string }>,
  solution: string | null,
): Promise<string> {
  const id = await post(
    client,
    'processstages',
    {
      stagename: stage.name,
      stagecategory: stage.category,
      primaryentitytypecode: stage.primaryEntity,
      'processid@odata.bind': `/workflows(${workflowId})`,
    },
    `Creating stage ${stage.name}`,
    solution,
  )
  if (id === null) throw missingId('process stage')
  return id
}

/** Activates a process definition (statecode 1 Activated, statuscode 2). */
export async function activateProcess(client: DataverseClient, workflowId: string): Promise<void> {
  const res = await client.send({
    method: 'PATCH',
    path: `workflows(${workflowId})`,
    body: { statecode: 1, statuscode: 2 },
  })
  if (res.verdict.kind !== 'ok') throw verdictError(res.verdict, 'Activating the business process flow')
}

/** Deactivates then deletes a process definition; false when it was already gone. */
export async function deleteProcess(client: DataverseClient, workflowId: string): Promise<boolean> {
  const res = await client.send({
    method: 'PATCH',
    path: `workflows(${workflowId})`,
    body: { statecode: 0, statuscode: 1 },
  })
  if (res.status === 404) return false
  if (res.verdict.kind !== 'ok') throw verdictError(res.verdict, 'Deactivating the business process flow')
  return remove(client, `workflows(${workflowId})`, `Deleting business process flow ${workflowId}`)
}

/** A user as the owner match needs it. */
export type SystemUserInfo = Readonly<{
  systemUserId: string
  fullName: string
  /** Primary e-mail (internalemailaddress), as stored. */
  email: string | null
  /** Sign-in name (domainname), often the UPN, which some tenants use instead of the mailbox. */
  domainName: string | null
  isDisabled: boolean
  /** Application users (applicationid set) cannot own records a person works. */
  isApplicationUser: boolean
}>

/** Every systemuser, enabled or not. */
export async function readSystemUsers(client: DataverseClient): Promise<ReadonlyArray<SystemUserInfo>> {
  const rows = await client.all<{
    systemuserid: string
    fullname?: string | null
    internalemailaddress?: string | null
    domainname?: string | null
    isdisabled?: boolean | null
    applicationid?: string | null
  }>(
    'systemusers?$select=systemuserid,fullname,internalemailaddress,domainname,isdisabled,applicationid',
    'Reading the users',
  )
  return rows.map((u) => ({
    systemUserId: u.systemuserid,
    fullName: u.fullname ?? '',
    email: u.internalemailaddress ?? null,
    domainName: u.domainname ?? null,
    isDisabled: u.isdisabled === true,
    isApplicationUser: typeof u.applicationid === 'string' && u.applicationid !== '',
  }))
}

/** The organisation settings the planner needs. */
export type OrganizationInfo = Readonly<{ organizationId: string; name: string; maxUploadFileSize: number }>

/** organization.maxuploadfilesize and name ([files]). */
export async function readOrganization(client: DataverseClient): Promise<OrganizationInfo> {
  const rows = await client.all<{ organizationid: string; name?: string; maxuploadfilesize?: number }>(
    'organizations?$select=organizationid,name,maxuploadfilesize',
    'Reading the organisation settings',
  )
  const org = rows[0]
  if (!org) {
    throw new AppError({
      code: 'dataverse-no-organization',
      kind: 'fatal',
      message:
        'The environment returned no organization record; check that the application user can read it.',
    })
  }
  return {
    organizationId: org.organizationid,
    name: org.name ?? '',
    maxUploadFileSize: org.maxuploadfilesize ?? 5_242_880,
  }
}

/** The environment's version (RetrieveVersion), or null when the function is not offered. */
export async function retrieveVersion(client: DataverseClient): Promise<string | null> {
  const res = await client.send({ method: 'GET', path: 'RetrieveVersion' })
  if (res.verdict.kind !== 'ok') return null
  const body = JSON.parse(res.text) as { Version?: string }
  return body.Version ?? null
}

/**
 * Does `table` offer `message` (CreateMultiple, UpdateMultiple, UpsertMultiple)? A non-empty
 * sdkmessagefilters answer means yes ([bulk], sent with Consistency: Strong as in [s-utility]).
 */
export async function hasMessage(client: DataverseClient, message: string, table: string): Promise<boolean> {
  const rows = await client.json<{ value: unknown[] }>(
    {
      method: 'GET',
      path: `sdkmessagefilters?$select=sdkmessagefilterid&$filter=sdkmessageid/name eq ${odataString(message)} and primaryobjecttypecode eq ${odataString(table)}`,
      headers: { Consistency: 'Strong' },
    },
    `Checking ${message} on ${table}`,
  )
  return rows.value.length > 0
}
