/**
 * The mapping in the workspace (issue 5 item 4): proposed versions, one confirmed at a time.
 *
 * FOR THE LOADER (issue 6): `confirmedMappingDocument(workspace)` is the mapping a run uses; it
 * throws `mapping-not-confirmed` until the operator has confirmed one (Mapping step, or
 * `plan:confirm-mapping`), so nothing moves on a mapping nobody looked at.
 */
import { AppError } from '../errors'
import {
  confirmMappingVersion,
  confirmedMapping,
  currentMapping,
  insertMappingVersion,
  mappingVersion,
  type MappingVersionRow,
} from '../workspace/plan-repository'
import type { Workspace } from '../workspace/workspace'
import { type MappingDocument, mappingDocumentSchema } from './mapping/model'

/** A stored version with its document checked against the schema. */
export type StoredMapping = Readonly<{
  version: number
  status: 'proposed' | 'confirmed'
  createdAt: string
  confirmedAt: string | null
  importId: number | null
  document: MappingDocument
}>

function parse(row: MappingVersionRow): StoredMapping {
  const parsed = mappingDocumentSchema.safeParse(row.document)
  if (!parsed.success) {
    throw new AppError({
      code: 'mapping-invalid',
      kind: 'fatal',
      message: `Mapping version ${row.version} in the workspace does not match the mapping format (${parsed.error.issues[0]?.message ?? 'invalid'}). Propose a new mapping.`,
    })
  }
  return {
    version: row.version,
    status: row.status === 'confirmed' ? 'confirmed' : 'proposed',
    createdAt: row.createdAt,
    confirmedAt: row.confirmedAt,
    importId: row.importId,
    document: parsed.data,
  }
}

/** The mapping the planning steps work on: the newest proposal or the confirmed version; null when none. */
export function currentStoredMapping(ws: Workspace): StoredMapping | null {
  const row = currentMapping(ws)
  return row === null ? null : parse(row)
}

/** Stores a proposal and returns it. */
export function storeProposedMapping(
  ws: Workspace,
  document: MappingDocument,
  importId: number | null,
  at: string,
  note: string | null = null,
): StoredMapping {
  const version = insertMappingVersion(ws, { createdAt: at, importId, note, document })
  ws.logActivity('mapping-proposed', `Mapping version ${version} proposed.`, { version, importId })
  return parse(mappingVersion(ws, version)!)
}

/** Confirms a stored version (the operator's decision). */
export function confirmStoredMapping(ws: Workspace, version: number, at: string): StoredMapping {
  const row = mappingVersion(ws, version)
  if (row === null || row.status === 'superseded') {
    throw new AppError({
      code: 'mapping-version-unknown',
      kind: 'fatal',
      message: `There is no current mapping version ${version} to confirm; reload the Mapping step.`,
    })
  }
  parse(row)
  confirmMappingVersion(ws, version, at)
  ws.logActivity('mapping-confirmed', `Mapping version ${version} confirmed.`, { version })
  return parse(mappingVersion(ws, version)!)
}

/** For the loader: the confirmed mapping, or `mapping-not-confirmed`. */
export function confirmedMappingDocument(ws: Workspace): StoredMapping {
  const row = confirmedMapping(ws)
  if (row === null) {
    throw new AppError({
      code: 'mapping-not-confirmed',
      kind: 'fatal',
      message:
        'No mapping is confirmed yet. Review and confirm the mapping in the Mapping step before migrating.',
    })
  }
  return parse(row)
}
