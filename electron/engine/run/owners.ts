/**
 * The owner port of the loader: Leaf360 owner ids → systemusers of the target. Owner resolution
 * proper (by e-mail, with the operator's overrides and fallback, refusing disabled users) is the
 * plan's job (issue 5, engine/plan/owners); any resolver with this shape plugs in.
 *
 * `emailOwnerResolver` is the plain rule the architecture fixes ("owners resolve by email to
 * systemusers"), used until the plan's resolver is wired: an owner whose e-mail matches no enabled
 * user resolves to the fallback only when the operator named one.
 */
import { AppError } from '../errors'
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

/** One owner that resolves to no enabled user, with how many records name it. */
export type UnresolvedOwner = Readonly<{
  ownerId: string
  email: string | null
  records: number
  reason: string
}>

/** Resolves owners by e-mail to enabled systemusers; `fallbackUserId` takes the rest when given. */
export function emailOwnerResolver(
  owners: ReadonlyMap<string, SourceOwner>,
  users: ReadonlyArray<TargetUser>,
  fallbackUserId: string | null,
): OwnerResolver & Readonly<{ unresolved: (references: ReadonlyMap<string, number>) => UnresolvedOwner[] }> {
  const byEmail = new Map(users.filter((u) => u.email !== '').map((u) => [u.email.toLowerCase(), u]))
  const direct = (ownerId: string): { id: string } | { reason: string } => {
    if (ownerId === '') return { reason: 'the record has no owner in Leaf360' }
    const owner = owners.get(ownerId)
    if (owner === undefined) return { reason: `owner ${ownerId} is not in owners.csv` }
    const user = byEmail.get(owner.email)
    if (user === undefined) return { reason: `no user with e-mail ${owner.email} in the environment` }
    if (!user.enabled) return { reason: `the user ${owner.email} is disabled` }
    return { id: user.systemUserId }
  }
  return {
    userFor: (ownerId) => {
      const d = direct(ownerId)
      return 'id' in d ? d.id : fallbackUserId
    },
    nameOf: (ownerId) => owners.get(ownerId)?.name || null,
    unresolved: (references) => {
      const out: UnresolvedOwner[] = []
      for (const [ownerId, records] of references) {
        const d = direct(ownerId)
        if ('reason' in d)
          out.push({ ownerId, email: owners.get(ownerId)?.email ?? null, records, reason: d.reason })
      }
      return out
    },
  }
}

/** Refuses a run while records would load without a valid, enabled owner (architecture: owners). */
export function assertOwnersResolved(
  unresolved: ReadonlyArray<UnresolvedOwner>,
  fallbackUserId: string | null,
): void {
  if (unresolved.length === 0 || fallbackUserId !== null) return
  const total = unresolved.reduce((n, u) => n + u.records, 0)
  const sample = unresolved
    .slice(0, 5)
    .map((u) => `${u.email ?? u.ownerId} (${u.records} records: ${u.reason})`)
    .join('; ')
  throw new AppError({
    code: 'owners-unresolved',
    kind: 'fatal',
    message: `${total} records would have no valid owner: ${sample}${unresolved.length > 5 ? '; …' : ''}. Add the users to the environment, or choose a fallback owner in the Owners step, then start the run again.`,
    details: { unresolved: unresolved.map((u) => ({ ...u })) },
  })
}
