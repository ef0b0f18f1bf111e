/**
 * The target audit (issue 5 item 1): what the Dataverse environment already has that the migration
 * depends on — identity and version, users, the custom columns and keys of the tables Leafbridge
 * writes, connection roles, business process flows on opportunity, the upload limit, which tables
 * offer the bulk messages, custom tables (for the Professional limit), publishers and solutions.
 *
 * Everything is read through the Web API with the operator's sign-in; nothing is written.
 */
import type { AuditTable, LicenceTier, TargetAudit } from '../../shared/dto/plan'
import type { Clock } from '../clock'
import type { DataverseClient } from '../target/dataverse/client'
import {
  hasMessage,
  readAttributes,
  readConnectionRoles,
  readCustomEntities,
  readEntity,
  readKeys,
  readOrganization,
  readProcesses,
  readPublishers,
  readSolutions,
  readSystemUsers,
  retrieveVersion,
} from '../target/dataverse/metadata'
import { KEYED_TABLES } from './mapping/target-tables'

/** The bulk messages whose availability decides how the loader writes a table ([bulk]). */
const BULK_MESSAGES = ['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple'] as const

export type AuditOptions = Readonly<{
  clock: Clock
  /** The environment URL (for the report; the client already knows where it goes). */
  url: string
  /** The operator's answer; `unknown` when not given. */
  licenceTier?: LicenceTier
  /** Tables to audit (default: every table Leafbridge writes). */
  tables?: ReadonlyArray<string>
  /** Reports progress between steps. */
  onStep?: (done: number, total: number, step: string) => void
  throwIfCancelled?: () => void
}>

/** Reads the environment and returns the audit. */
export async function auditTarget(client: DataverseClient, options: AuditOptions): Promise<TargetAudit> {
  const tables = options.tables ?? KEYED_TABLES
  const steps = 7 + tables.length
  let done = 0
  const step = (name: string) => {
    options.throwIfCancelled?.()
    options.onStep?.(done++, steps, name)
  }
  const notes: string[] = []

  step('Signing in and reading the identity')
  const who = await client.whoAmI()
  const version = await retrieveVersion(client)
  if (version === null) notes.push('The environment did not answer RetrieveVersion; its version is unknown.')
  step('Reading the organisation settings')
  const org = await readOrganization(client)

  step('Reading the users')
  const users = await readSystemUsers(client)

  const auditTables: AuditTable[] = []
  const columns: TargetAudit['columns'][number][] = []
  const keys: TargetAudit['keys'][number][] = []
  for (const table of tables) {
    step(`Reading ${table}: columns, keys and bulk messages`)
    const entity = await readEntity(client, table)
    if (entity === null) {
      notes.push(`The environment has no ${table} table.`)
      auditTables.push({
        table,
        exists: false,
        entitySetName: null,
        isConnectionsEnabled: null,
        bulk: { createMultiple: false, updateMultiple: false, upsertMultiple: false },
      })
      continue
    }
    const [create, update, upsert] = await Promise.all(BULK_MESSAGES.map((m) => hasMessage(client, m, table)))
    auditTables.push({
      table,
      exists: true,
      entitySetName: entity.entitySetName,
      isConnectionsEnabled: entity.isConnectionsEnabled,
      // Microsoft's sample treats UpsertMultiple as usable only with both Create- and UpdateMultiple ([s-utility]).
      bulk: {
        createMultiple: create!,
        updateMultiple: update!,
        upsertMultiple: upsert! && create! && update!,
      },
    })
    for (const a of await readAttributes(client, table)) {
      columns.push({
        table,
        logicalName: a.logicalName,
        schemaName: a.schemaName,
        attributeType: a.attributeType,
        maxLength: a.maxLength,
        format: a.format,
        displayName: a.displayName,
      })
    }
    for (const k of await readKeys(client, table)) {
      keys.push({
        table,
        logicalName: k.logicalName,
        schemaName: k.schemaName,
        keyAttributes: k.keyAttributes,
        status: k.status,
      })
    }
  }

  step('Reading the connection roles')
  const roles = await readConnectionRoles(client)
  const roleName = new Map(roles.map((r) => [r.connectionRoleId, r.name]))

  step('Reading the business process flows on opportunity')
  const processes = await readProcesses(client, 'opportunity')

  step('Reading custom tables, publishers and solutions')
  const customTables = await readCustomEntities(client)
  const publishers = await readPublishers(client)
  const solutions = await readSolutions(client)

  const tier = options.licenceTier ?? 'unknown'
  step('Done')
  return {
    auditedAt: new Date(options.clock.now()).toISOString(),
    environment: {
      url: options.url,
      organizationId: org.organizationId,
      organizationName: org.name,
      version,
      userId: who.UserId,
      businessUnitId: who.BusinessUnitId,
    },
    licence: { tier, source: tier === 'unknown' ? 'not-stated' : 'operator' },
    tables: auditTables,
    columns,
    keys,
    connectionRoles: roles.map((r) => ({
      connectionRoleId: r.connectionRoleId,
      name: r.name,
      category: r.category,
      active: r.active,
      reciprocal: r.reciprocal.map((id) => roleName.get(id) ?? id),
    })),
    processes: processes.map((p) => ({
      workflowId: p.workflowId,
      name: p.name,
      uniqueName: p.uniqueName,
      active: p.active,
      stages: p.stages,
    })),
    users: users.map((u) => ({ ...u })),
    customTables: customTables.map((t) => ({ logicalName: t.logicalName, isBpfEntity: t.isBpfEntity })),
    publishers: publishers.map((p) => ({
      uniqueName: p.uniqueName,
      prefix: p.prefix,
      optionValuePrefix: p.optionValuePrefix,
    })),
    solutions: solutions.map((s) => s.uniqueName),
    maxUploadFileSize: org.maxUploadFileSize,
    notes: tier === 'unknown' ? [...notes, LICENCE_NOTE] : notes,
  }
}

const LICENCE_NOTE =
  'The Web API does not say whether the environment is licensed for Sales Professional or Enterprise; state the tier so the 15-custom-table limit of Professional can be checked.'

/** The audit with the operator's licence answer applied (the answer may come after the audit). */
export function withLicenceTier(audit: TargetAudit, tier: LicenceTier): TargetAudit {
  const notes = audit.notes.filter((n) => n !== LICENCE_NOTE)
  return {
    ...audit,
    licence: { tier, source: tier === 'unknown' ? 'not-stated' : 'operator' },
    notes: tier === 'unknown' ? [...notes, LICENCE_NOTE] : notes,
  }
}
