/**
 * Inputs for the pure planning tests: an empty target audit and the facts of a small export, each
 * changed per test with a spread.
 */
import type { AuditUser, TargetAudit } from '../../../../electron/shared/dto/plan'
import type { SourceFacts } from '../../../../electron/engine/plan/source-facts'
import { KEYED_TABLES } from '../../../../electron/engine/plan/mapping/target-tables'
import { STANDARD_PIPELINES } from '../../../../electron/engine/source/leaf360/spec/pipelines'

export const user = (
  id: string,
  email: string | null,
  name: string,
  extra: Partial<AuditUser> = {},
): AuditUser => ({
  systemUserId: id,
  fullName: name,
  email,
  domainName: null,
  isDisabled: false,
  isApplicationUser: false,
  ...extra,
})

export const GUID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`

/** A fresh Sales environment: the tables exist, nothing Leafbridge needs is there yet. */
export function emptyAudit(extra: Partial<TargetAudit> = {}): TargetAudit {
  return {
    auditedAt: '2026-12-01T00:00:00.000Z',
    environment: {
      url: 'https://contoso.crm.dynamics.com',
      organizationId: GUID(1),
      organizationName: 'Contoso',
      version: '9.2.0.0',
      userId: GUID(2),
      businessUnitId: GUID(3),
    },
    licence: { tier: 'enterprise', source: 'operator' },
    tables: KEYED_TABLES.map((table) => ({
      table,
      exists: true,
      entitySetName: `${table}s`,
      isConnectionsEnabled: true,
      bulk: { createMultiple: true, updateMultiple: true, upsertMultiple: true },
    })),
    columns: [],
    keys: [],
    connectionRoles: [],
    processes: [],
    users: [user(GUID(10), 'jordan.lee@contoso.example', 'Jordan Lee')],
    customTables: [],
    publishers: [],
    solutions: [],
    maxUploadFileSize: 5_242_880,
    notes: [],
    ...extra,
  }
}

/** The facts of a small export with the standard pipelines. */
export function facts(extra: Partial<SourceFacts> = {}): SourceFacts {
  return {
    factsVersion: 2,
    importId: 1,
    flavour: 'api',
    exportedAt: '2025-06-30T12:00:00Z',
    pipelines: STANDARD_PIPELINES,
    pipelinesDefaulted: false,
    customProperties: [],
    undeclaredColumns: [],
    counts: { contacts: 3, companies: 1, deals: 2 },
    values: {},
    dealsByStage: { 'default/processing': 1, 'refi/refi_funded': 1, 'legacy_2021/l21_contract': 4 },
    owners: [],
    ownedRecords: {},
    unownedRecords: {},
    attachments: { count: 0, totalBytes: 0, largest: [] },
    automation: {},
    ...extra,
  }
}
