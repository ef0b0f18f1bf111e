/**
 * The workspace's target connection settings and the history of connection checks.
 */
import type { AuthMode, TargetCheck } from '../../shared/dto/target'
import type { Workspace } from './workspace'

export type TargetConnectionRow = Readonly<{
  url: string
  authority: string
  tenantId: string
  clientId: string
  authMode: AuthMode
  caCertFile: string | null
  profileFile: string | null
  updatedAt: string
}>

type Row = {
  url: string
  authority: string
  tenant_id: string
  client_id: string
  auth_mode: AuthMode
  ca_cert_file: string | null
  profile_file: string | null
  updated_at: string
}

export function readTargetConnection(ws: Workspace): TargetConnectionRow | null {
  const row = ws.database.prepare('SELECT * FROM target_connection WHERE singleton = 1').get() as
    Row | undefined
  if (!row) return null
  return {
    url: row.url,
    authority: row.authority,
    tenantId: row.tenant_id,
    clientId: row.client_id,
    authMode: row.auth_mode,
    caCertFile: row.ca_cert_file,
    profileFile: row.profile_file,
    updatedAt: row.updated_at,
  }
}

export function writeTargetConnection(ws: Workspace, row: TargetConnectionRow): void {
  ws.database
    .prepare(
      `INSERT INTO target_connection (singleton, url, authority, tenant_id, client_id, auth_mode, ca_cert_file, profile_file, updated_at)
       VALUES (1, @url, @authority, @tenantId, @clientId, @authMode, @caCertFile, @profileFile, @updatedAt)
       ON CONFLICT (singleton) DO UPDATE SET url = excluded.url, authority = excluded.authority, tenant_id = excluded.tenant_id,
         client_id = excluded.client_id, auth_mode = excluded.auth_mode, ca_cert_file = excluded.ca_cert_file,
         profile_file = excluded.profile_file, updated_at = excluded.updated_at`,
    )
    .run(row)
}

export function recordTargetCheck(ws: Workspace, check: TargetCheck): void {
  ws.database
    .prepare('INSERT INTO target_check (at, ok, result) VALUES (?, ?, ?)')
    .run(check.at, check.ok ? 1 : 0, JSON.stringify(check))
}

export function lastTargetCheck(ws: Workspace): TargetCheck | null {
  const row = ws.database.prepare('SELECT result FROM target_check ORDER BY check_id DESC LIMIT 1').get() as
    { result: string } | undefined
  return row ? (JSON.parse(row.result) as TargetCheck) : null
}
