/**
 * Request shapes of the bulk messages and their single-record equivalents
 * (https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations,
 * .../webapi/reference/upsertmultiple; WEB-API-NOTES §3–§4):
 *
 * - `POST <set>/Microsoft.Dynamics.CRM.UpsertMultiple {"Targets":[…]}`: each target names its
 *   table in `@odata.type` and its record by alternate key in `@odata.id` → 204;
 * - `CreateMultiple`: targets without a key (the primary key may be given) → 200 `{"Ids":[…]}`;
 * - `UpdateMultiple`: targets carry the primary key → 204;
 * - the same writes one by one, for `$batch` parts: `PATCH <set>(<key>)` (upsert), `POST <set>`
 *   (create), `PATCH <set>(<id>)` with `If-Match: *` (update only).
 */
import type { BatchOperation } from './batch'
import type { DataverseRequest } from './client'

/** The largest Targets array Leafbridge sends (Microsoft's starting point for standard tables, [bulk]). */
export const MAX_BULK_TARGETS = 1000

export type BulkMessage = 'CreateMultiple' | 'UpdateMultiple' | 'UpsertMultiple'

/** How one record is addressed: by alternate key, by id, or not at all (a create with its id in the body). */
export type RecordAddress =
  Readonly<{ kind: 'key'; column: string; value: string }> | Readonly<{ kind: 'id'; id: string }>

/** One record of a bulk or batched write. `body` holds columns and binds, never `@odata.type`. */
export type RecordWrite = Readonly<{
  table: string
  entitySet: string
  primaryKey: string
  address: RecordAddress
  /** The id to create the record with, when it may not exist yet (written into the body). */
  createId: string | null
  body: Readonly<Record<string, unknown>>
}>

/** `(lb_sourceid='contact-1')`, quotes doubled ([altkey-ref]). */
export const keyPredicate = (column: string, value: string): string =>
  `(${column}='${value.replace(/'/g, "''")}')`

/** The record's path relative to the Web API root: `contacts(lb_sourceid='contact-1')` or `contacts(<id>)`. */
export function recordPath(w: Pick<RecordWrite, 'entitySet' | 'address'>): string {
  return w.address.kind === 'key'
    ? `${w.entitySet}${keyPredicate(w.address.column, w.address.value)}`
    : `${w.entitySet}(${w.address.id})`
}

function target(w: RecordWrite, message: BulkMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.type': `Microsoft.Dynamics.CRM.${w.table}` }
  if (message === 'UpsertMultiple' && w.address.kind === 'key') out['@odata.id'] = recordPath(w)
  if (message === 'UpdateMultiple' || (message === 'UpsertMultiple' && w.address.kind === 'id')) {
    out[w.primaryKey] = w.address.kind === 'id' ? w.address.id : w.createId
  }
  if (w.createId !== null && message !== 'UpdateMultiple') out[w.primaryKey] = w.createId
  return { ...out, ...w.body }
}

/** One bulk message for records of one table (Dataverse takes one table per call). */
export function bulkRequest(message: BulkMessage, writes: ReadonlyArray<RecordWrite>): DataverseRequest {
  const first = writes[0]
  if (first === undefined) throw new Error('a bulk message needs at least one record')
  if (writes.some((w) => w.table !== first.table))
    throw new Error('a bulk message takes records of one table')
  if (writes.length > MAX_BULK_TARGETS)
    throw new Error(`a bulk message takes at most ${MAX_BULK_TARGETS} records`)
  return {
    method: 'POST',
    path: `${first.entitySet}/Microsoft.Dynamics.CRM.${message}`,
    body: { Targets: writes.map((w) => target(w, message)) },
    timeoutMs: 300_000,
  }
}

/** The single-record operation of a write, for a `$batch` part or a direct call. */
export function singleOperation(mode: 'upsert' | 'create' | 'update', w: RecordWrite): BatchOperation {
  switch (mode) {
    case 'upsert':
      return {
        method: 'PATCH',
        url: recordPath(w),
        body: w.createId !== null ? { ...w.body, [w.primaryKey]: w.createId } : w.body,
      }
    case 'create':
      return {
        method: 'POST',
        url: w.entitySet,
        body: w.createId !== null ? { ...w.body, [w.primaryKey]: w.createId } : w.body,
      }
    case 'update':
      return { method: 'PATCH', url: recordPath(w), headers: { 'If-Match': '*' }, body: w.body }
  }
}
