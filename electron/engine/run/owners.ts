/**
 * The owner port of the loader: Leaf360 owner ids → systemusers of the target. Owner resolution
 * itself (by e-mail, with the operator's overrides and fallback, refusing disabled users and any
 * run while a record would lack a valid owner) is the plan's (engine/plan/owners.ts); the run
 * adapts its resolution to this port, and tests may pass any resolver of this shape.
 */
import type { OwnerResolution } from '../plan/owners'
import type { SourceOwner } from './source-view'

/** What the loader asks about owners. */
export type OwnerResolver = Readonly<{
  /** The systemuserid a Leaf360 owner id resolves to (`''`: the record has no owner), or null. */
  userFor: (ownerId: string) => string | null
  /** The owner's "First Last" for text columns (Loan Officer), or null for an unknown id. */
  nameOf: (ownerId: string) => string | null
}>

/** A target systemuser as the loader reads it. */
export type TargetUser = Readonly<{ systemUserId: string; email: string; enabled: boolean }>

/** The plan's owner resolution as the loader's port; names come from the staged owners. */
export function ownerResolverOf(
  resolution: OwnerResolution,
  owners: ReadonlyMap<string, SourceOwner>,
): OwnerResolver {
  return {
    userFor: (ownerId) => {
      try {
        return resolution.userFor(ownerId)
      } catch {
        return null
      }
    },
    nameOf: (ownerId) => owners.get(ownerId)?.name || null,
  }
}

/**
 * Owners by e-mail alone, with `fallbackUserId` for the rest: what verify uses to recompute the
 * expected owner when a run's owner decisions are not at hand. The loader uses the plan's resolution.
 */
export function emailOwnerResolver(
  owners: ReadonlyMap<string, SourceOwner>,
  users: ReadonlyArray<TargetUser>,
  fallbackUserId: string | null,
): OwnerResolver {
  const byEmail = new Map(
    users.filter((u) => u.email !== '' && u.enabled).map((u) => [u.email.toLowerCase(), u]),
  )
  return {
    userFor: (ownerId) => {
      const owner = ownerId === '' ? undefined : owners.get(ownerId)
      return (owner === undefined ? undefined : byEmail.get(owner.email))?.systemUserId ?? fallbackUserId
    },
    nameOf: (ownerId) => owners.get(ownerId)?.name || null,
  }
}
