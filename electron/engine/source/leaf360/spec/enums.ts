/**
 * Every enumeration of EXPORT-FORMAT.md §6: internal value → ui label, in the spec's order.
 *
 * Enumerations of §6.8 derive their labels by the §6 rule (`deriveEnumLabel`) unless the spec quotes
 * one; the tables of §6.1–§6.5 give theirs explicitly. The portal's property definitions may extend
 * or relabel standard enumerations (§4.10); that happens at read time, not here.
 */

/** One enumeration value: the api `value` and the ui `label`. */
export type EnumOption = Readonly<{ value: string; label: string }>

/** Words the §6 label rule writes upper-case. */
export const LABEL_ACRONYMS: ReadonlySet<string> = new Set([
  'ID',
  'NMLS',
  'SMS',
  'CPA',
  'FHA',
  'VA',
  'USDA',
  'LTV',
  'HELOC',
  'ISA',
  'LOS',
  'API',
  'UI',
  'CRM',
])

/**
 * Derives a ui label from an enum value by the §6 rule: split on `_`, capitalise each word, and
 * upper-case the listed acronyms (`left_voicemail` → `Left Voicemail`, `NOT_STARTED` → `Not Started`,
 * `los_sync` → `LOS Sync`).
 */
export function deriveEnumLabel(value: string): string {
  return value
    .split('_')
    .filter((word) => word.length > 0)
    .map((word) => {
      const upper = word.toUpperCase()
      if (LABEL_ACRONYMS.has(upper)) return upper
      return upper.charAt(0) + word.slice(1).toLowerCase()
    })
    .join(' ')
}

const explicit = (pairs: ReadonlyArray<readonly [string, string]>): ReadonlyArray<EnumOption> =>
  pairs.map(([value, label]) => ({ value, label }))

/** Values with derived labels, except those the spec quotes (`overrides`). */
const derived = (
  values: ReadonlyArray<string>,
  overrides: Readonly<Record<string, string>> = {},
): ReadonlyArray<EnumOption> =>
  values.map((value) => ({ value, label: overrides[value] ?? deriveEnumLabel(value) }))

/** §6.1 loan_status (contacts). */
const loanStatus = explicit([
  ['new_lead', 'New Lead'],
  ['attempted_contact', 'Attempted Contact'],
  ['contacted', 'Contacted'],
  ['nurture', 'Nurture'],
  ['pre_qualified', 'Pre-Qualified'],
  ['pre_approved', 'Pre-Approved'],
  ['application', 'Application'],
  ['in_process', 'In Process'],
  ['clear_to_close', 'Clear to Close'],
  ['closed_funded', 'Closed / Funded'],
  ['past_client', 'Past Client'],
  ['lost', 'Lost'],
  ['withdrawn', 'Withdrawn'],
  ['denied', 'Denied'],
  ['do_not_contact', 'Do Not Contact'],
  ['referral_partner', 'Referral Partner'],
])

/** Every enumeration of §6, by the name columns use in `enum:x`. */
export const ENUMS = {
  loan_status: loanStatus,
  loan_type: explicit([
    ['conventional', 'Conventional'],
    ['fha', 'FHA'],
    ['va', 'VA'],
    ['usda', 'USDA'],
    ['jumbo', 'Jumbo'],
    ['non_qm', 'Non-QM / DSCR'],
    ['heloc', 'HELOC / Home Equity'],
    ['other', 'Other'],
  ]),
  loan_purpose: explicit([
    ['purchase', 'Purchase'],
    ['rate_term_refi', 'Rate/Term Refinance'],
    ['cash_out_refi', 'Cash-Out Refinance'],
    ['home_equity', 'Home Equity / HELOC'],
    ['construction', 'Construction'],
    ['other', 'Other'],
  ]),
  occupancy: explicit([
    ['primary_residence', 'Primary Residence'],
    ['second_home', 'Second Home'],
    ['investment', 'Investment'],
  ]),
  property_type: explicit([
    ['sf_detached', 'Single Family Detached'],
    ['sf_attached_townhouse', 'Townhouse / SF Attached'],
    ['pud', 'PUD'],
    ['condo_low_rise', 'Condo 1–4 Stories'],
    ['condo_mid_rise', 'Condo 5–8 Stories'],
    ['condo_high_rise', 'Condo 9+ Stories'],
    ['detached_condo', 'Detached Condo'],
    ['two_unit', '2 Unit'],
    ['three_unit', '3 Unit'],
    ['four_unit', '4 Unit'],
    ['manufactured', 'Manufactured Home'],
    ['coop', 'Co-op'],
    ['land', 'Land / Lot'],
    ['mixed_use', 'Mixed Use'],
  ]),
  lead_source: explicit([
    ['realtor_referral', 'Realtor Referral'],
    ['partner_referral_other', 'Partner Referral (Other)'],
    ['past_client', 'Past Client / Repeat'],
    ['sphere', 'Sphere of Influence'],
    ['website', 'Website'],
    ['zillow', 'Zillow'],
    ['lendingtree', 'LendingTree'],
    ['other', 'Other'],
    ['facebook_ads', 'Facebook Ads'],
    ['google_ads', 'Google Ads'],
    ['builder', 'Builder'],
    ['open_house_event', 'Open House / Event'],
    ['purchased_list', 'Purchased List'],
    ['walk_in', 'Walk-in'],
    ['bankrate', 'Bankrate'],
  ]),
  partner_type: explicit([
    ['real_estate_agent', 'Real Estate Agent'],
    ['builder', 'Builder'],
    ['financial_advisor', 'Financial Advisor'],
    ['cpa', 'CPA'],
    ['attorney', 'Attorney'],
    ['title_escrow', 'Title / Escrow'],
    ['insurance_agent', 'Insurance Agent'],
    ['appraiser', 'Appraiser'],
    ['past_client_advocate', 'Past Client Advocate'],
    ['other', 'Other'],
  ]),
  contact_type: explicit([
    ['borrower', 'Borrower'],
    ['co_borrower', 'Co-Borrower'],
    ['prospect', 'Prospect'],
    ['past_client', 'Past Client'],
    ['referral_partner', 'Referral Partner'],
    ['vendor', 'Vendor'],
    ['other', 'Other'],
  ]),
  lost_reason: explicit([
    ['poor_credit', 'Poor Credit'],
    ['found_better_rate', 'Found Better Rate'],
    ['found_lower_fees', 'Found Lower Fees'],
    ['foreclosure_bankruptcy', 'Foreclosure / Bankruptcy'],
    ['decided_to_wait', 'Decided to Wait'],
    ['income_too_low', 'Income Too Low'],
    ['self_employed_lt_2yr', 'Self-Employed < 2 Years'],
    ['other', 'Other'],
    ['not_licensed_in_state', 'Not Licensed in State'],
    ['house_fell_through', 'House Fell Through'],
    ['fake_contact_info', 'Fake Contact Info'],
    ['not_interested', 'Not Interested'],
    ['went_with_realtor_lender', "Went With Realtor's Lender"],
    ['cash_buyer', 'Cash Buyer'],
    ['unresponsive', 'Unresponsive'],
  ]),
  doc_type: explicit([
    ['paystub', 'Pay Stub'],
    ['w2', 'W-2'],
    ['tax_return_1040', 'Tax Return (1040)'],
    ['tax_return_business', 'Business Tax Return'],
    ['bank_statement', 'Bank Statement'],
    ['retirement_statement', 'Retirement Statement'],
    ['photo_id', 'Photo ID'],
    ['purchase_contract', 'Purchase Contract'],
    ['preapproval_letter', 'Pre-Approval Letter'],
    ['credit_authorization', 'Credit Authorization'],
    ['loan_estimate', 'Loan Estimate'],
    ['closing_disclosure', 'Closing Disclosure'],
    ['appraisal', 'Appraisal'],
    ['title_commitment', 'Title Commitment'],
    ['homeowners_insurance', 'Homeowners Insurance'],
    ['voe', 'Verification of Employment'],
    ['gift_letter', 'Gift Letter'],
    ['divorce_decree', 'Divorce Decree'],
    ['dd214_coe', 'DD-214 / COE'],
    ['letter_of_explanation', 'Letter of Explanation'],
    ['other', 'Other'],
    ['unknown', 'Unknown'],
  ]),
  // §6.8: labels derived unless quoted.
  role: derived([
    'loan_officer',
    'loan_officer_assistant',
    'processor',
    'branch_manager',
    'marketing',
    'admin',
    'isa',
  ]),
  lifecycle_stage: derived(
    [
      'subscriber',
      'lead',
      'marketingqualifiedlead',
      'salesqualifiedlead',
      'opportunity',
      'customer',
      'evangelist',
      'other',
    ],
    { marketingqualifiedlead: 'Marketing Qualified Lead', salesqualifiedlead: 'Sales Qualified Lead' },
  ),
  lead_status: derived([
    'NEW',
    'ATTEMPTED_TO_CONTACT',
    'CONNECTED',
    'IN_PROGRESS',
    'NURTURE',
    'UNQUALIFIED',
    'BAD_TIMING',
    'LOST',
  ]),
  sms_consent: derived(['opted_in', 'opted_out', 'unknown']),
  source_system: derived([
    'web_form',
    'import_csv',
    'los_sync',
    'api',
    'manual',
    'portal_signup',
    'zillow',
    'lendingtree',
  ]),
  company_type: derived([
    'real_estate_brokerage',
    'builder',
    'title_escrow',
    'law_firm',
    'cpa_financial',
    'insurance_agency',
    'employer',
    'lender_investor',
    'household',
    'other',
  ]),
  channel: derived(['brokered', 'banked_retail', 'banked_wholesale', 'correspondent']),
  amortization_type: derived(['fixed', 'arm'], { arm: 'ARM' }),
  lock_status: derived(['floating', 'locked', 'expired', 'cancelled']),
  hmda_action_taken: explicit([
    ['1', 'Loan Originated'],
    ['2', 'Approved Not Accepted'],
    ['3', 'Denied'],
    ['4', 'Withdrawn'],
    ['5', 'Closed for Incompleteness'],
    ['6', 'Purchased Loan'],
    ['7', 'Preapproval Denied'],
    ['8', 'Preapproval Approved Not Accepted'],
  ]),
  milestone_group: derived([
    'lead',
    'pre_approval',
    'in_process',
    'closing',
    'closed_won',
    'closed_lost',
    'nurture',
  ]),
  change_source: derived(['ui', 'api', 'workflow', 'los_sync', 'import']),
  object_type: derived(['contact', 'company', 'deal', 'engagement', 'attachment']),
  engagement_source: derived([
    'crm_ui',
    'api',
    'sequence',
    'workflow',
    'email_integration',
    'phone_integration',
    'sms_integration',
    'import',
  ]),
  call_direction: derived(['INBOUND', 'OUTBOUND']),
  call_disposition: derived([
    'connected',
    'left_voicemail',
    'no_answer',
    'busy',
    'wrong_number',
    'bad_number',
  ]),
  call_status: derived(['COMPLETED', 'NO_ANSWER', 'BUSY', 'FAILED', 'CANCELED']),
  email_direction: derived(['EMAIL', 'INCOMING_EMAIL', 'FORWARDED_EMAIL'], { EMAIL: 'Outgoing Email' }),
  email_send_status: derived(['SENT', 'BOUNCED', 'FAILED', 'SCHEDULED']),
  meeting_type: derived(['consultation', 'pre_approval_review', 'application', 'closing', 'partner_meeting']),
  meeting_outcome: derived(['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED']),
  task_status: derived(['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED']),
  task_priority: derived(['LOW', 'MEDIUM', 'HIGH']),
  task_type: derived(['CALL', 'EMAIL', 'TODO', 'SMS']),
  sms_delivery_status: derived(['delivered', 'failed', 'undeliverable', 'opted_out']),
  upload_source: derived(['borrower_portal', 'email_attachment', 'manual_upload', 'los_sync', 'generated']),
  enrollment_status: derived(['active', 'completed', 'unenrolled', 'failed']),
} as const satisfies Record<string, ReadonlyArray<EnumOption>>

/** The name of one §6 enumeration, as written in a column's `enum:x`. */
export type EnumName = keyof typeof ENUMS

/** Every enumeration name, in the order of `ENUMS`. */
export const ENUM_NAMES = Object.keys(ENUMS) as ReadonlyArray<EnumName>

/** Enumerations whose labels come from the §6 rule rather than a §6.1–§6.5 table. */
export const DERIVED_LABEL_ENUMS: ReadonlySet<EnumName> = new Set<EnumName>([
  'role',
  'lifecycle_stage',
  'lead_status',
  'sms_consent',
  'source_system',
  'company_type',
  'channel',
  'amortization_type',
  'lock_status',
  'milestone_group',
  'change_source',
  'object_type',
  'engagement_source',
  'call_direction',
  'call_disposition',
  'call_status',
  'email_direction',
  'email_send_status',
  'meeting_type',
  'meeting_outcome',
  'task_status',
  'task_priority',
  'task_type',
  'sms_delivery_status',
  'upload_source',
  'enrollment_status',
])

const labelIndex = new Map<EnumName, ReadonlyMap<string, string>>(
  ENUM_NAMES.map((name) => [name, new Map(ENUMS[name].map((o) => [o.value, o.label]))]),
)

/** The ui label of `value` in enumeration `name`, or undefined when the value is not in §6. */
export function enumLabel(name: EnumName, value: string): string | undefined {
  return labelIndex.get(name)?.get(value)
}

/** Whether `value` is a standard (§6) value of enumeration `name`. */
export function isEnumValue(name: EnumName, value: string): boolean {
  return labelIndex.get(name)?.has(value) ?? false
}

/**
 * The §6.1 legacy spellings of loan_status, mapped in both flavours as D10 (normalise).
 *
 * `null` means the spelling maps to null, still with D10 (`(?) TBD`). Matching is exact after the
 * reader's whitespace collapse; the generator injects these verbatim.
 */
export const LOAN_STATUS_LEGACY_SPELLINGS: ReadonlyArray<
  Readonly<{ spelling: string; value: string | null }>
> = [
  { spelling: 'Pre Approved', value: 'pre_approved' },
  { spelling: 'PreApproved', value: 'pre_approved' },
  { spelling: '(D) Pre-Approved', value: 'pre_approved' },
  { spelling: '(C) Pre-Qualified', value: 'pre_qualified' },
  { spelling: 'Prequal', value: 'pre_qualified' },
  { spelling: '(A) Loan App: Sent', value: 'application' },
  { spelling: '(B) Loan App: Received', value: 'application' },
  { spelling: 'App Taken', value: 'application' },
  { spelling: '01. Contract/Go', value: 'in_process' },
  { spelling: 'CTC', value: 'clear_to_close' },
  { spelling: 'Closed/Funded', value: 'closed_funded' },
  { spelling: 'Funded', value: 'closed_funded' },
  { spelling: '12. Funded', value: 'closed_funded' },
  { spelling: 'z- Lost (rate/unknown)', value: 'lost' },
  { spelling: 'z- Lost (cash/relo/builder)', value: 'lost' },
  { spelling: 'zz- Junk', value: 'lost' },
  { spelling: 'Partner', value: 'referral_partner' },
  { spelling: 'Realtor', value: 'referral_partner' },
  { spelling: 'DNC', value: 'do_not_contact' },
  { spelling: '(?) TBD', value: null },
]

/**
 * Aliases per enumeration (§5 step 5, "the aliases of §6.1"). Only loan_status has aliases in 1.0.
 */
export const ENUM_ALIASES: Readonly<
  Partial<Record<EnumName, ReadonlyArray<Readonly<{ spelling: string; value: string | null }>>>>
> = { loan_status: LOAN_STATUS_LEGACY_SPELLINGS }

/** The usual stages of one loan_status (§6.1). */
export type UsualStages = Readonly<{
  stages: ReadonlyArray<string>
  anyStage?: true
  fundedAgeDays?: Readonly<{ min?: number; below?: number }>
}>

/**
 * The "usual stage of the latest deal" of each loan_status (§6.1, the D27 check), as Purchase stage
 * slugs (Refinance stages compare by slug without `refi_`).
 *
 * `closed_funded` and `past_client` both expect `funded`, split by `fundedAgeDays` (< 90 vs ≥ 90 days
 * from `funded_date`, else `date_entered_current_stage`, to `exported_at`). `anyStage` marks statuses
 * that are never D27; `new_lead` also accepts "no deal" (never D27 for a contact without deals).
 */
export const LOAN_STATUS_USUAL_STAGES = {
  new_lead: { stages: ['new_lead'] },
  attempted_contact: { stages: ['contact_attempted'] },
  contacted: { stages: ['contacted'] },
  nurture: { stages: ['nurture'] },
  pre_qualified: { stages: ['application_started', 'pre_qualified'] },
  pre_approved: { stages: ['pre_approval'] },
  application: { stages: ['under_contract', 'application_locked'] },
  in_process: { stages: ['processing', 'appraisal', 'underwriting', 'conditional_approval'] },
  clear_to_close: { stages: ['clear_to_close', 'docs_out'] },
  closed_funded: { stages: ['funded'], fundedAgeDays: { below: 90 } },
  past_client: { stages: ['funded'], fundedAgeDays: { min: 90 } },
  lost: { stages: ['lost'] },
  withdrawn: { stages: ['withdrawn'] },
  denied: { stages: ['denied'] },
  do_not_contact: { stages: [], anyStage: true },
  referral_partner: { stages: [], anyStage: true },
} as const satisfies Record<string, UsualStages>

/** §6.3 standard mappings of loan_type: MISMO 3.4 `MortgageType`, HMDA LAR code, Encompass. */
export const LOAN_TYPE_MAPPINGS: Readonly<
  Record<string, Readonly<{ mismo: string; hmda: string | null; encompass: string }>>
> = {
  conventional: { mismo: 'Conventional', hmda: '1', encompass: 'Conventional' },
  fha: { mismo: 'FHA', hmda: '2', encompass: 'FHA' },
  va: { mismo: 'VA', hmda: '3', encompass: 'VA' },
  usda: { mismo: 'USDARuralDevelopment', hmda: '4', encompass: 'FarmersHomeAdministration' },
  jumbo: { mismo: 'Conventional (above conforming limit)', hmda: '1', encompass: 'Conventional' },
  non_qm: { mismo: 'Other', hmda: '1', encompass: 'Other' },
  heloc: { mismo: 'Other (open-end)', hmda: '1', encompass: 'HELOC' },
  other: { mismo: 'Other', hmda: null, encompass: 'Other' },
}

/** §6.3 standard mappings of loan_purpose: MISMO `LoanPurposeType`, HMDA code(s), Encompass. */
export const LOAN_PURPOSE_MAPPINGS: Readonly<
  Record<string, Readonly<{ mismo: string; hmda: string; encompass: string }>>
> = {
  purchase: { mismo: 'Purchase', hmda: '1', encompass: 'Purchase' },
  rate_term_refi: { mismo: 'Refinance (no/limited cash-out)', hmda: '31', encompass: 'NoCashOutRefinance' },
  cash_out_refi: { mismo: 'Refinance (cash-out)', hmda: '32', encompass: 'CashOutRefinance' },
  home_equity: { mismo: 'Other', hmda: '2 or 4', encompass: 'Other' },
  construction: { mismo: 'Purchase or Other', hmda: '1 or 4', encompass: 'ConstructionToPermanent' },
  other: { mismo: 'Other', hmda: '4', encompass: 'Other' },
}

/** §6.3 standard mappings of occupancy: MISMO `PropertyUsageType`, HMDA code, Encompass. */
export const OCCUPANCY_MAPPINGS: Readonly<
  Record<string, Readonly<{ mismo: string; hmda: string; encompass: string }>>
> = {
  primary_residence: { mismo: 'PrimaryResidence', hmda: '1', encompass: 'PrimaryResidence' },
  second_home: { mismo: 'SecondHome', hmda: '2', encompass: 'SecondHome' },
  investment: { mismo: 'Investment', hmda: '3', encompass: 'Investor' },
}
