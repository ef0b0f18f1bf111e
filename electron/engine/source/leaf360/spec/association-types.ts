/**
 * The association types of EXPORT-FORMAT.md §6.7, as `schema/association_definitions.json` carries
 * them by default, in the spec's order (which is also the order of the ui labelled columns, §7).
 */
import { AppError } from '../../../errors'

/** An `object_type` value (§6.8). */
export type ObjectType = 'contact' | 'company' | 'deal' | 'engagement' | 'attachment'

/** `association_category` (§4.7). */
export type AssociationCategory = 'LEAF360_DEFINED' | 'USER_DEFINED'

/** One directional association type, keys as in association_definitions.json (camelCased). */
export type AssociationTypeSpec = Readonly<{
  associationTypeId: number
  fromObjectType: ObjectType
  toObjectType: ObjectType
  /** Null for unlabelled types. */
  label: string | null
  /** Null for unlabelled types. */
  value: string | null
  category: AssociationCategory
  /** Null for the engagement links 500–504, which have no inverse. */
  inverseTypeId: number | null
  allowsPrimary: boolean
}>

type PairRow = readonly [
  forward: number,
  inverse: number | null,
  value: string | null,
  label: string | null,
  primary: boolean,
]

const pair = (
  from: ObjectType,
  to: ObjectType,
  rows: ReadonlyArray<PairRow>,
  inverseOverrides: Readonly<Record<number, { value: string; label: string }>> = {},
): AssociationTypeSpec[] =>
  rows.flatMap(([forward, inverse, value, label, primary]) => {
    // §6.7: unlabelled types and works_at are LEAF360_DEFINED; other labelled types USER_DEFINED.
    const category: AssociationCategory =
      label === null || value === 'works_at' ? 'LEAF360_DEFINED' : 'USER_DEFINED'
    const fwd: AssociationTypeSpec = {
      associationTypeId: forward,
      fromObjectType: from,
      toObjectType: to,
      label,
      value,
      category,
      inverseTypeId: inverse,
      allowsPrimary: primary,
    }
    if (inverse === null || inverse === forward) return [fwd]
    const override = inverseOverrides[inverse]
    const inv: AssociationTypeSpec = {
      associationTypeId: inverse,
      fromObjectType: to,
      toObjectType: from,
      label: override?.label ?? label,
      value: override?.value ?? value,
      category,
      inverseTypeId: forward,
      allowsPrimary: primary,
    }
    return [fwd, inv]
  })

/** Every association type of §6.7 (forward then inverse for each pair), in spec order. */
export const ASSOCIATION_TYPES: ReadonlyArray<AssociationTypeSpec> = [
  ...pair('contact', 'company', [
    [100, 101, null, null, true],
    [102, 103, 'works_at', 'Works At', true],
    [104, 105, 'agent_at_brokerage', 'Agent at Brokerage', false],
    [106, 107, 'household_member', 'Household Member', false],
  ]),
  ...pair('contact', 'deal', [
    [200, 201, null, null, false],
    [202, 203, 'borrower', 'Borrower', true],
    [204, 205, 'co_borrower', 'Co-Borrower', false],
    [206, 207, 'non_occupant_co_borrower', 'Non-Occupant Co-Borrower', false],
    [208, 209, 'buyers_agent', "Buyer's Agent", false],
    [210, 211, 'listing_agent', 'Listing Agent', false],
    [212, 213, 'referral_partner', 'Referral Partner', false],
    [214, 215, 'title_escrow', 'Title/Escrow', false],
    [216, 217, 'attorney', 'Attorney', false],
    [218, 219, 'builder', 'Builder', false],
    [220, 221, 'financial_advisor', 'Financial Advisor', false],
  ]),
  ...pair('deal', 'company', [
    [300, 301, null, null, true],
    [302, 303, 'referring_brokerage', 'Referring Brokerage', false],
    [304, 305, 'title_company', 'Title Company', false],
    [306, 307, 'builder', 'Builder', false],
    [308, 309, 'household_property', 'Household/Property', true],
  ]),
  ...pair(
    'contact',
    'contact',
    [
      [400, 400, 'spouse_partner', 'Spouse/Partner', false],
      [402, 403, 'referred_by', 'Referred By', false],
      [404, 404, 'co_borrower_of', 'Co-Borrower Of', false],
    ],
    // §6.7: "An inverse type has its forward type's value and label, except 403: referred, Referred".
    { 403: { value: 'referred', label: 'Referred' } },
  ),
  ...pair('engagement', 'contact', [[500, null, null, null, false]]),
  ...pair('engagement', 'company', [[502, null, null, null, false]]),
  ...pair('engagement', 'deal', [[504, null, null, null, false]]),
  ...pair('attachment', 'contact', [[600, 601, null, null, false]]),
  ...pair('attachment', 'deal', [[602, 603, null, null, false]]),
  ...pair('attachment', 'engagement', [[604, 605, null, null, false]]),
]

/** Association types by id. */
export const ASSOCIATION_TYPES_BY_ID: ReadonlyMap<number, AssociationTypeSpec> = new Map(
  ASSOCIATION_TYPES.map((t) => [t.associationTypeId, t]),
)

/** The engagement link types of `engagement_associations.csv` (§4.8), which never appear in associations.csv. */
export const ENGAGEMENT_LINK_TYPE_IDS: Readonly<Record<'contact' | 'company' | 'deal', number>> = {
  contact: 500,
  company: 502,
  deal: 504,
}

/** The association type of `from → to`, labelled `value` (null: the unlabelled type). */
export function associationTypeOf(
  from: ObjectType,
  to: ObjectType,
  value: string | null,
): AssociationTypeSpec {
  const found = ASSOCIATION_TYPES.find(
    (t) => t.fromObjectType === from && t.toObjectType === to && t.value === value,
  )
  if (found === undefined) {
    throw new AppError({
      code: 'unknown-association-type',
      kind: 'bug',
      message: `There is no §6.7 association type ${from}→${to} labelled ${String(value)}.`,
    })
  }
  return found
}
