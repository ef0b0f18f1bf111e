/**
 * Which ids are staged so far, by object, so that a reference to an already staged record needs
 * no row in staged_ref and no check after the read (D11). Files are read in an order where most
 * references point backwards (owners first, contacts before deals, deals and engagements before
 * the engagement links), so only the few forward or dangling references are left for the check.
 *
 * Every object a reference can target is held in memory as a compact IdSet (8 bytes an id,
 * outside the V8 heap): a million staged engagements cost some 16 MB, and no lookup touches the
 * workspace. Association rows and engagement links are never a reference's target and are not
 * kept.
 */
import { IdSet } from './id-set'

const ENGAGEMENT_OBJECTS = ['calls', 'emails', 'meetings', 'notes', 'tasks', 'sms', 'activities']
const TARGETS: ReadonlySet<string> = new Set([
  'owners',
  'teams',
  'contacts',
  'companies',
  'deals',
  'attachments',
  ...ENGAGEMENT_OBJECTS,
])

/** Staged ids by target, for resolving references as rows are written. */
export class KnownIds {
  readonly #sets = new Map<string, IdSet>()

  /** Records a staged record of a manifest object. */
  staged(object: string, sourceId: string): void {
    if (!TARGETS.has(object)) return
    let set = this.#sets.get(object)
    if (set === undefined) this.#sets.set(object, (set = new IdSet()))
    set.add(sourceId)
  }

  /** Is a record of `target` (an object, or `engagements`: any engagement type) staged already? */
  has(target: string, id: string): boolean {
    if (target !== 'engagements') return this.#sets.get(target)?.has(id) === true
    for (const object of ENGAGEMENT_OBJECTS) if (this.#sets.get(object)?.has(id) === true) return true
    return false
  }
}
