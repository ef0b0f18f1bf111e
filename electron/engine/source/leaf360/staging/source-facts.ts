/**
 * The few values of staged records that the cross-file checks and the profile need, gathered
 * while rows are written, so no check has to parse every record's JSON again (a json_extract scan
 * costs microseconds per row). Memory is bounded by the number of contacts, deals, companies,
 * owners and attachments, never by the engagements that make up most rows.
 */

/** Which values each object contributes, in the order the producer sends them. */
export const FACT_KEYS: Readonly<Record<string, ReadonlyArray<string>>> = {
  contacts: [
    'loan_status',
    'lead_source',
    'loan_type_interest',
    'merged_into_id',
    'referral_source',
    'referred_by_contact_id',
    'updated_at',
  ],
  deals: [
    'pipeline_id',
    'dealstage',
    'loan_type',
    'lead_source',
    'referral_source',
    'referral_partner_contact_id',
    'updated_at',
    'archived',
    'funded_date',
    'date_entered_current_stage',
    'created_at',
  ],
  companies: ['parent_company_id'],
  owners: ['is_active', 'email'],
  attachments: ['_binary.sha256', '_binary.state', 'sha256'],
}

/** The value of a dotted key of a row's data, as text (null when absent). */
export function factValue(data: Readonly<Record<string, unknown>>, key: string): string | null {
  const dot = key.indexOf('.')
  const v =
    dot === -1
      ? data[key]
      : (data[key.slice(0, dot)] as Record<string, unknown> | undefined)?.[key.slice(dot + 1)]
  if (v === null || v === undefined) return null
  return typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v)
}

/**
 * A copy of a value kept for the whole import. Values are substrings of the text a batch was read
 * from, and V8 keeps a substring of 13 or more characters as a slice that holds the whole parent
 * alive: a few kept dates would pin every chunk of contacts.csv (about 15 MB at 1M rows). The
 * concatenation is flattened into a string of its own, which the slice then points into.
 */
const own = (value: string | null): string | null => (value === null ? null : ` ${value}`.slice(1))

/** A staged record's place, for warnings written later. */
export type FactRef = Readonly<{ recordId: number; file: string; row: number }>

type Counter = Map<string, number>

const MAX_DISTINCT = 500

/** The facts of one import. */
export class SourceFacts {
  /** object → key → value → count (profile distributions). */
  readonly distributions = new Map<string, Map<string, Counter>>()
  /** contacts: source id → record and the values D17, D27 and D28 read. */
  readonly contacts = new Map<
    string,
    FactRef & {
      status: string | null
      mergedInto: string | null
      referral: string | null
      referredBy: string | null
      updatedAt: string | null
    }
  >()
  readonly deals = new Map<
    string,
    FactRef & {
      pipeline: string | null
      stage: string | null
      referral: string | null
      partner: string | null
      updatedAt: string | null
      archived: boolean
      fundedDate: string | null
      enteredAt: string | null
      createdAt: string | null
    }
  >()
  /** companies with a parent: source id → record and parent. */
  readonly companyParents = new Map<string, FactRef & { parent: string }>()
  readonly owners = new Map<string, FactRef & { active: boolean | null; email: string | null }>()
  readonly attachments = new Map<string, FactRef & { sha256: string | null; state: string | null }>()
  /** References to owners by owner id (owners referenced vs defined, D19). */
  readonly ownerRefs = new Map<string, number>()
  /** Contact → deal links: api associations of contact→deal types, ui `Associated Deal IDs`. */
  readonly contactDeals = new Map<string, Set<string>>()
  /** Contact → contact "Referred By" links (402; ui `Associated Contact IDs (Referred By)`). */
  readonly referredBy = new Map<string, Set<string>>()
  /** Deal → contact "Referral Partner" links (212/213; ui `Associated Contact IDs (Referral Partner)`). */
  readonly referralPartners = new Map<string, Set<string>>()

  #count(object: string, key: string, value: string | null): void {
    let byKey = this.distributions.get(object)
    if (byKey === undefined) this.distributions.set(object, (byKey = new Map()))
    let counter = byKey.get(key)
    if (counter === undefined) byKey.set(key, (counter = new Map()))
    const v = value ?? '(empty)'
    if (counter.has(v) || counter.size < MAX_DISTINCT) counter.set(v, (counter.get(v) ?? 0) + 1)
    else counter.set('(other)', (counter.get('(other)') ?? 0) + 1)
  }

  /** Records one staged row of `object`. `values` follow FACT_KEYS[object]; refs are [column, target, id, …]. */
  add(
    object: string,
    where: FactRef,
    sourceId: string,
    values: ReadonlyArray<string | null> | null,
    refs: ReadonlyArray<string> | null,
  ): void {
    if (refs !== null) {
      for (let i = 0; i + 2 < refs.length; i += 3) {
        const column = refs[i]!
        const target = refs[i + 1]!
        const id = refs[i + 2]!
        if (target === 'owners') this.ownerRefs.set(id, (this.ownerRefs.get(id) ?? 0) + 1)
        else if (object === 'contacts' && column === 'Associated Deal IDs')
          link(this.contactDeals, sourceId, id)
        else if (object === 'contacts' && column === 'Associated Contact IDs (Referred By)')
          link(this.referredBy, sourceId, id)
        else if (object === 'deals' && column === 'Associated Contact IDs (Referral Partner)') {
          link(this.referralPartners, sourceId, id)
        }
      }
    }
    if (object === 'associations') {
      // The §4.7 identity: from type | from id | to type | to id | type id.
      const [fromType, fromId, toType, toId, type] = sourceId.split('|')
      if (fromType === 'contact' && toType === 'deal') {
        link(this.contactDeals, fromId!, toId!)
        if (type === '212') link(this.referralPartners, toId!, fromId!)
      } else if (fromType === 'deal' && toType === 'contact' && type === '213')
        link(this.referralPartners, fromId!, toId!)
      else if (fromType === 'contact' && toType === 'contact' && type === '402')
        link(this.referredBy, fromId!, toId!)
      return
    }
    if (values === null) return
    const v = (i: number) => own(values[i] ?? null)
    switch (object) {
      case 'contacts':
        this.#count('contacts', 'loan_status', v(0))
        this.#count('contacts', 'lead_source', v(1))
        this.#count('contacts', 'loan_type_interest', v(2))
        this.contacts.set(sourceId, {
          ...where,
          status: v(0),
          mergedInto: v(3),
          referral: v(4),
          referredBy: v(5),
          updatedAt: v(6),
        })
        return
      case 'deals':
        this.#count('deals', 'loan_type', v(2))
        this.#count('deals', 'lead_source', v(3))
        this.#count('deals', `stage:${v(0) ?? '(none)'}`, v(1))
        this.deals.set(sourceId, {
          ...where,
          pipeline: v(0),
          stage: v(1),
          referral: v(4),
          partner: v(5),
          updatedAt: v(6),
          archived: v(7) === 'true',
          fundedDate: v(8),
          enteredAt: v(9),
          createdAt: v(10),
        })
        return
      case 'companies':
        if (v(0) !== null) this.companyParents.set(sourceId, { ...where, parent: v(0)! })
        return
      case 'owners':
        this.owners.set(sourceId, { ...where, active: v(0) === null ? null : v(0) === 'true', email: v(1) })
        return
      case 'attachments':
        this.attachments.set(sourceId, { ...where, sha256: v(0) ?? v(2)?.toLowerCase() ?? null, state: v(1) })
        return
    }
  }

  /** Forgets a record moved to the quarantine after it was staged (D21 replaced, D11 orphan). */
  forget(object: string, sourceId: string): void {
    if (object === 'contacts') this.contacts.delete(sourceId)
    else if (object === 'deals') this.deals.delete(sourceId)
    else if (object === 'companies') this.companyParents.delete(sourceId)
    else if (object === 'owners') this.owners.delete(sourceId)
    else if (object === 'attachments') this.attachments.delete(sourceId)
  }

  /** A distribution as a plain object, most frequent first. */
  distribution(object: string, key: string): Record<string, number> | undefined {
    const counter = this.distributions.get(object)?.get(key)
    if (counter === undefined) return undefined
    return Object.fromEntries([...counter].sort((a, b) => b[1] - a[1]))
  }

  /** Deals by pipeline and stage. */
  pipelineStages(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {}
    for (const [key, counter] of this.distributions.get('deals') ?? []) {
      if (!key.startsWith('stage:')) continue
      out[key.slice('stage:'.length)] = Object.fromEntries([...counter].sort((a, b) => b[1] - a[1]))
    }
    return out
  }
}

function link(map: Map<string, Set<string>>, from: string, to: string): void {
  let set = map.get(from)
  if (set === undefined) map.set(from, (set = new Set()))
  set.add(to)
}
