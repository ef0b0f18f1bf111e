/**
 * The record builder's context for a run: where source records land, owners, stages, connection
 * roles and e-mail parties. The loader and verify build it the same way, so what verify expects is
 * exactly what the loader wrote.
 */
import type { BuildContext } from '../plan/mapping/build-record'
import type { MappingDocument } from '../plan/mapping/model'
import type { OwnerResolver } from './owners'
import type { SourceView } from './source-view'
import type { TargetCapabilities } from './target-capabilities'

/** Builds the context from the run's mapping, source view, target capabilities and owners. */
export function runBuildContext(
  mapping: MappingDocument,
  view: SourceView,
  capabilities: TargetCapabilities,
  owners: OwnerResolver,
): BuildContext {
  const usersByEmail = new Map(
    capabilities.users.filter((u) => u.enabled && u.email !== '').map((u) => [u.email, u.systemUserId]),
  )
  return {
    mapping,
    ownerName: (id) => owners.nameOf(id),
    ownerUser: (id) => owners.userFor(id),
    targetOf: view.targetOf,
    stageEntered: view.stageEntered,
    connectionRoleId: (name) => capabilities.connectionRoles.get(name.toLowerCase()) ?? null,
    // A raw address becomes the migrated contact or lead that has it, else the user, else stays an address.
    resolveAddress: (address) => {
      const contact = view.contactByEmail(address)
      const landed = contact === null ? null : view.targetOf(contact)
      if (contact !== null && (landed === 'contact' || landed === 'lead'))
        return { table: landed, ref: contact }
      const user = usersByEmail.get(address.trim().toLowerCase())
      return user === undefined ? null : { table: 'systemuser', id: user }
    },
  }
}
