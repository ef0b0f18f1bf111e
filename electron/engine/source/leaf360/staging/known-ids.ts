/**
 * Which ids are staged so far, by reference target, so that a reference to an already staged
 * record needs no row in staged_ref and no check after the read (D11). Files are read in an
 * order where most references point backwards (owners first, contacts before deals, deals before
 * engagements), so only the few forward or dangling references are left for the check.
 *
 * Sets hold the ids of owners, teams, contacts, companies, deals and attachments (bounded by
 * those objects, never by engagements); engagement ids are looked up in the workspace instead.
 */
import type { StagingRepository } from '../../../workspace/staging-repository'

const ENGAGEMENT_OBJECTS = ['calls', 'emails', 'meetings', 'notes', 'tasks', 'sms', 'activities']
const SET_TARGETS: ReadonlySet<string> = new Set([
  'owners',
  'teams',
  'contacts',
  'companies',
  'deals',
  'attachments',
])

/** Staged ids by target, for resolving references as rows are written. */
export class KnownIds {
  readonly #sets = new Map<string, Set<string>>()
  readonly #repo: StagingRepository
  readonly #importId: number

  constructor(repo: StagingRepository, importId: number) {
    this.#repo = repo
    this.#importId = importId
  }

  /** Records a staged record of a manifest object. */
  staged(object: string, sourceId: string): void {
    if (!SET_TARGETS.has(object)) return
    let set = this.#sets.get(object)
    if (set === undefined) this.#sets.set(object, (set = new Set()))
    set.add(sourceId)
  }

  /** Is a record of `target` with this id staged already? */
  has(target: string, id: string): boolean {
    if (target === 'engagements') return this.#repo.isStaged(this.#importId, ENGAGEMENT_OBJECTS, id)
    if (ENGAGEMENT_OBJECTS.includes(target)) return this.#repo.isStaged(this.#importId, [target], id)
    return this.#sets.get(target)?.has(id) === true
  }
}
