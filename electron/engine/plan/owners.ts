/**
 * Owner resolution (issue 5 item 6): every Leaf360 owner matched by e-mail (trimmed,
 * case-insensitive) to a Dynamics systemuser as matched, matched but disabled, or unmatched, with the
 * records each owns; the operator's fallback owner and per-owner overrides decide the rest.
 *
 * FOR THE LOADER (issue 6) — import this and nothing else for ownership:
 *
 *   const owners = await prepareOwnerResolution({ workspace, client, clock })
 *   owners.userFor(record.owner_id)   // the systemuserid to bind as ownerid
 *
 * `prepareOwnerResolution` re-reads the users from the target (someone may have been disabled since
 * the audit), combines them with the staged export and the stored decisions, and throws
 * `AppError{code: 'owners-not-ready'}` — the run must not start — while any record would lack a
 * valid, enabled owner. `userFor(null)` (a record without an owner) gives the fallback owner;
 * `userFor` of an id it was not prepared for throws, so a record can never go out ownerless.
 */
import type {
  AuditUser,
  OwnerAssignment,
  OwnerDecisions,
  OwnerRow,
  OwnersReport,
} from '../../shared/dto/plan'
import type { Clock } from '../clock'
import { AppError } from '../errors'
import type { DataverseClient } from '../target/dataverse/client'
import { readSystemUsers } from '../target/dataverse/metadata'
import { readOwnerDecisions } from '../workspace/plan-repository'
import { StagingRepository } from '../workspace/staging-repository'
import type { Workspace } from '../workspace/workspace'
import { type SourceFacts, planningImport, readSourceFacts } from './source-facts'

/** An e-mail as compared: trimmed, lower case; null when empty. */
export const emailKey = (email: string | null | undefined): string | null => {
  const k = (email ?? '').trim().toLowerCase()
  return k === '' ? null : k
}

/** People who can own records: application users are left out of matching. */
const people = (users: ReadonlyArray<AuditUser>) => users.filter((u) => !u.isApplicationUser)

/** The best user for an e-mail: an enabled one before a disabled one; null when none. */
export function userForEmail(users: ReadonlyArray<AuditUser>, email: string | null): AuditUser | null {
  const key = emailKey(email)
  if (key === null) return null
  const found = people(users).filter((u) => emailKey(u.email) === key)
  return found.find((u) => !u.isDisabled) ?? found[0] ?? null
}

const nameOf = (first: string | null, last: string | null, fallback: string) =>
  [first, last].filter(Boolean).join(' ') || fallback

export type OwnerMatchInputs = Readonly<{
  facts: Pick<SourceFacts, 'owners' | 'ownedRecords' | 'unownedRecords'>
  users: ReadonlyArray<AuditUser>
  decisions: OwnerDecisions
  now: string
  auditedAt: string
}>

/** Matches owners to users and applies the decisions (pure). */
export function matchOwners(inputs: OwnerMatchInputs): OwnersReport {
  const { facts, users, decisions } = inputs
  const byId = new Map(people(users).map((u) => [u.systemUserId.toLowerCase(), u]))
  const valid = (id: string | null | undefined): AuditUser | null => {
    const u = id ? byId.get(id.toLowerCase()) : undefined
    return u && !u.isDisabled ? u : null
  }
  const fallbackUser = valid(decisions.fallbackSystemUserId)
  const fallback: OwnerAssignment | null = fallbackUser
    ? {
        systemUserId: fallbackUser.systemUserId,
        name: fallbackUser.fullName,
        email: fallbackUser.email,
        via: 'fallback',
      }
    : null
  const overrides = new Map(decisions.overrides.map((o) => [o.ownerId, o.systemUserId]))

  const ids = new Set([...facts.owners.map((o) => o.ownerId), ...Object.keys(facts.ownedRecords)])
  const defined = new Map(facts.owners.map((o) => [o.ownerId, o]))
  const rows: OwnerRow[] = [...ids].map((ownerId) => {
    const o = defined.get(ownerId)
    const recordsByObject = facts.ownedRecords[ownerId] ?? {}
    const records = Object.values(recordsByObject).reduce((n, c) => n + c, 0)
    const user = o ? userForEmail(users, o.email) : null
    const status: OwnerRow['status'] = user === null ? 'unmatched' : user.isDisabled ? 'disabled' : 'matched'
    const overrideId = overrides.get(ownerId) ?? null
    const overrideUser = overrideId ? (byId.get(overrideId.toLowerCase()) ?? null) : null
    let assignedTo: OwnerAssignment | null = null
    let note: string | null = null
    if (overrideId !== null) {
      if (overrideUser && !overrideUser.isDisabled) {
        assignedTo = {
          systemUserId: overrideUser.systemUserId,
          name: overrideUser.fullName,
          email: overrideUser.email,
          via: 'override',
        }
      } else {
        note = overrideUser
          ? `The override user ${overrideUser.fullName} is disabled in Dynamics; choose another.`
          : 'The override user no longer exists in Dynamics; choose another.'
      }
    } else if (status === 'matched') {
      assignedTo = {
        systemUserId: user!.systemUserId,
        name: user!.fullName,
        email: user!.email,
        via: 'match',
      }
    } else if (fallback) {
      assignedTo = fallback
      if (records > 0)
        note = `Goes to the fallback owner: ${status === 'disabled' ? 'the Dynamics user is disabled' : o === undefined ? 'not in owners.csv' : o.email === null ? 'no e-mail in Leaf360' : 'no Dynamics user has this e-mail'}.`
    }
    if (note === null && assignedTo === null && records > 0) {
      note =
        status === 'disabled'
          ? 'The Dynamics user is disabled: enable them, set an override, or set a fallback owner.'
          : o === undefined
            ? 'Referenced by records but not in owners.csv: set an override or a fallback owner.'
            : o.email === null
              ? 'No e-mail in Leaf360: set an override or a fallback owner.'
              : 'No Dynamics user has this e-mail: invite them, set an override, or set a fallback owner.'
    }
    return {
      ownerId,
      email: o?.email ?? null,
      name: o ? nameOf(o.firstName, o.lastName, o.email ?? ownerId) : `(unknown owner ${ownerId})`,
      role: o?.role ?? null,
      activeInLeaf360: o?.isActive ?? null,
      defined: o !== undefined,
      status,
      match: user
        ? {
            systemUserId: user.systemUserId,
            name: user.fullName,
            email: user.email,
            isDisabled: user.isDisabled,
          }
        : null,
      records,
      recordsByObject,
      override: overrideUser
        ? { systemUserId: overrideUser.systemUserId, name: overrideUser.fullName }
        : null,
      assignedTo,
      note,
    }
  })
  const order = { unmatched: 0, disabled: 1, matched: 2 } as const
  // Owners of owners.csv first; ids that only records name (D11 orphans) after them.
  rows.sort(
    (a, b) =>
      Number(b.defined) - Number(a.defined) ||
      order[a.status] - order[b.status] ||
      b.records - a.records ||
      a.name.localeCompare(b.name),
  )

  const unownedRecords = Object.values(facts.unownedRecords).reduce((n, c) => n + c, 0)
  const blocked = rows.filter((r) => r.assignedTo === null && r.records > 0)
  const blockedRecords = blocked.reduce((n, r) => n + r.records, 0) + (fallback === null ? unownedRecords : 0)
  return {
    generatedAt: inputs.now,
    auditedAt: inputs.auditedAt,
    matched: rows.filter((r) => r.status === 'matched').length,
    disabled: rows.filter((r) => r.status === 'disabled').length,
    unmatched: rows.filter((r) => r.status === 'unmatched').length,
    owners: rows,
    unownedRecords,
    fallback: fallback
      ? { systemUserId: fallback.systemUserId, name: fallback.name, email: fallback.email }
      : null,
    blockedRecords,
    blockedOwners: blocked.length,
    ready: blockedRecords === 0,
  }
}

/** What the loader binds as ownerid. */
export type OwnerResolution = Readonly<{
  /** The systemuserid for a Leaf360 owner id (null or empty: the record has no owner → fallback). */
  userFor: (ownerId: string | null | undefined) => string
  /** Leaf360 owner id → systemuserid, for every owner that owns records. */
  assignments: ReadonlyMap<string, string>
  fallbackSystemUserId: string | null
  report: OwnersReport
}>

/** The resolution of a ready report; throws `owners-not-ready` when any record lacks a valid owner. */
export function ownerResolutionOf(report: OwnersReport): OwnerResolution {
  if (!report.ready) {
    const names = report.owners
      .filter((o) => o.assignedTo === null && o.records > 0)
      .slice(0, 5)
      .map((o) => `${o.name} (${o.records})`)
    const unowned =
      report.fallback === null && report.unownedRecords > 0
        ? `${report.unownedRecords} records have no owner and no fallback owner is set`
        : ''
    throw new AppError({
      code: 'owners-not-ready',
      kind: 'fatal',
      message: `${report.blockedRecords.toLocaleString('en-US')} records would have no valid, enabled owner: ${[names.join(', '), unowned].filter(Boolean).join('; ')}${report.blockedOwners > 5 ? ', …' : ''}. Set a fallback owner or overrides in the Owners step (or leafbridge owners --fallback EMAIL) first.`,
      details: { blockedRecords: report.blockedRecords, blockedOwners: report.blockedOwners },
    })
  }
  const assignments = new Map<string, string>()
  for (const o of report.owners) if (o.assignedTo) assignments.set(o.ownerId, o.assignedTo.systemUserId)
  const fallback = report.fallback?.systemUserId ?? null
  return {
    assignments,
    fallbackSystemUserId: fallback,
    report,
    userFor: (ownerId) => {
      const id = (ownerId ?? '').trim()
      const user = id === '' ? fallback : (assignments.get(id) ?? null)
      if (user === null) {
        throw new AppError({
          code: 'owner-unresolved',
          kind: 'bug',
          message: `No Dynamics owner was prepared for Leaf360 owner ${id || '(none)'}; prepare the owners again.`,
        })
      }
      return user
    },
  }
}

/**
 * The owner report of the open workspace against the target's current users. The loader calls
 * `prepareOwnerResolution` instead; the Owners step and `leafbridge owners` call this.
 */
export async function currentOwnersReport(
  args: Readonly<{ workspace: Workspace; client: DataverseClient; clock: Clock; auditedAt?: string }>,
): Promise<OwnersReport> {
  const users = await readSystemUsers(args.client)
  const repo = new StagingRepository(args.workspace)
  const facts = readSourceFacts(repo, planningImport(repo), [])
  const now = new Date(args.clock.now()).toISOString()
  return matchOwners({
    facts,
    users,
    decisions: readOwnerDecisions(args.workspace),
    now,
    auditedAt: args.auditedAt ?? now,
  })
}

/** For the loader: the owner → systemuserid assignment, refusing while any record lacks a valid owner. */
export async function prepareOwnerResolution(
  args: Readonly<{ workspace: Workspace; client: DataverseClient; clock: Clock }>,
): Promise<OwnerResolution> {
  return ownerResolutionOf(await currentOwnersReport(args))
}
