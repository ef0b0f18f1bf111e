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
 *
 * It also knows which objects are read to the end (`expect` before, `finished` after each of
 * their files), and the ids quarantined so far. A reference to a finished object is settled as
 * it is written: staged, quarantined (D11 target_quarantined) or nothing (D11); only the others
 * wait for the check after the read (post-checks.ts checkReferences), which would find the same.
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
  readonly #quarantined = new Map<string, IdSet>()
  /** Files still to be read per object; an object absent here has none left. */
  readonly #pending = new Map<string, number>()

  /** Announces the objects the import will stage, one entry per file. */
  expect(objects: Iterable<string>): void {
    for (const o of objects) this.#pending.set(o, (this.#pending.get(o) ?? 0) + 1)
  }

  /** One file of `object` has been read to the end. */
  finished(object: string): void {
    const n = (this.#pending.get(object) ?? 0) - 1
    if (n > 0) this.#pending.set(object, n)
    else this.#pending.delete(object)
  }

  /** Has every record of `target` (an object, or `engagements`) been read? */
  complete(target: string): boolean {
    if (target !== 'engagements') return !this.#pending.has(target)
    return ENGAGEMENT_OBJECTS.every((o) => !this.#pending.has(o))
  }

  /** Records a quarantined row of a manifest object. */
  quarantined(object: string, sourceId: string): void {
    addTo(this.#quarantined, object, sourceId)
  }

  /** Has a row of `target` (an object, or `engagements`) with this id been quarantined? */
  isQuarantined(target: string, id: string): boolean {
    return holds(this.#quarantined, target, id)
  }

  /** Records a staged record of a manifest object. */
  staged(object: string, sourceId: string): void {
    addTo(this.#sets, object, sourceId)
  }

  /** Is a record of `target` (an object, or `engagements`: any engagement type) staged already? */
  has(target: string, id: string): boolean {
    return holds(this.#sets, target, id)
  }
}

/** Adds an id of a reference target's object to its set (other objects' ids are not kept). */
function addTo(sets: Map<string, IdSet>, object: string, id: string): void {
  if (!TARGETS.has(object)) return
  let set = sets.get(object)
  if (set === undefined) sets.set(object, (set = new IdSet()))
  set.add(id)
}

/** Does the set of `target` (or of any engagement type, for `engagements`) hold the id? */
function holds(sets: ReadonlyMap<string, IdSet>, target: string, id: string): boolean {
  if (target !== 'engagements') return sets.get(target)?.has(id) === true
  for (const object of ENGAGEMENT_OBJECTS) if (sets.get(object)?.has(id) === true) return true
  return false
}
