/**
 * Loan economics and pipeline paths (EXPORT-FORMAT.md §11.2–§11.4): the mixes, the lognormal amount,
 * LTV, FICO and rate by year, and the stage path a deal walks with its dwell times. A path is drawn
 * in full and then viewed at a moment, so the same deal progresses naturally from one export to the
 * next.
 */
import type { Rng } from './random'

const DAY = 86_400_000

/** §11.2 loan_purpose mix (per funded loan). */
export const LOAN_PURPOSE_MIX = {
  purchase: 74,
  cash_out_refi: 12,
  rate_term_refi: 8,
  home_equity: 4,
  construction: 1,
  other: 1,
}
/** §11.2 "use 60 % refinance for 2020–21 application dates". */
export const LOAN_PURPOSE_MIX_2020_21 = {
  purchase: 38,
  cash_out_refi: 25,
  rate_term_refi: 35,
  home_equity: 1,
  construction: 0.5,
  other: 0.5,
}
/** §11.2 loan_type mix. */
export const LOAN_TYPE_MIX = { conventional: 64, fha: 15, va: 10, jumbo: 5, non_qm: 3, usda: 1.5, heloc: 1.5 }
/** §11.2 occupancy mix. */
export const OCCUPANCY_MIX = { primary_residence: 88, investment: 9, second_home: 3 }
/** §11.2 property_type mix. */
export const PROPERTY_TYPE_MIX = {
  sf_detached: 63,
  pud: 14,
  condo_low_rise: 6,
  sf_attached_townhouse: 6,
  two_unit: 2.5,
  condo_mid_rise: 2,
  manufactured: 2,
  condo_high_rise: 1.5,
  three_unit: 0.8,
  four_unit: 0.7,
  detached_condo: 0.5,
  coop: 0.5,
  land: 0.3,
  mixed_use: 0.2,
}
/** §11.2 lead_source mix (`blank` = no value). */
export const LEAD_SOURCE_MIX = {
  realtor_referral: 24,
  past_client: 14,
  website: 12,
  sphere: 10,
  zillow: 8,
  lendingtree: 6,
  facebook_ads: 5,
  google_ads: 5,
  partner_referral_other: 4,
  bankrate: 4,
  builder: 3,
  open_house_event: 2,
  other: 1,
  blank: 1,
  purchased_list: 0.5,
  walk_in: 0.5,
}

/** Loan facts of one deal. */
export type LoanFacts = Readonly<{
  purpose: string
  type: string
  occupancy: string
  propertyType: string
  amortization: string
  termMonths: number
  amount: number
  ltv: number
  price: number
  fico: number
  rate: number
}>

const RATE_BY_YEAR: Readonly<Record<number, number>> = {
  2019: 3.9,
  2020: 3.1,
  2021: 3.0,
  2022: 5.3,
  2023: 6.9,
  2024: 6.8,
  2025: 6.7,
  2026: 6.5,
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

/** Draws the loan of a deal applied for at `atMs` (§11.2, §11.3). */
export function drawLoan(rng: Rng, atMs: number): LoanFacts {
  const year = new Date(atMs).getUTCFullYear()
  const purpose = rng.weighted(year === 2020 || year === 2021 ? LOAN_PURPOSE_MIX_2020_21 : LOAN_PURPOSE_MIX)
  let type: string = rng.weighted(LOAN_TYPE_MIX)
  if (purpose === 'home_equity') type = 'heloc'
  const occupancy =
    type === 'fha' || type === 'va' || type === 'usda' ? 'primary_residence' : rng.weighted(OCCUPANCY_MIX)
  const propertyType = rng.weighted(PROPERTY_TYPE_MIX)
  const amortization = rng.chance(0.07) && type !== 'heloc' ? 'arm' : 'fixed'
  const termMonths =
    amortization === 'arm'
      ? 360
      : rng.weighted({ '360': 85, '180': 10, '240': 3, '120': 2 }) === '360'
        ? 360
        : rng.pick([180, 240, 120])
  const median = type === 'fha' ? 290_000 : type === 'va' ? 370_000 : 340_000
  let amount = rng.lognormal(median, 0.55)
  if (purpose !== 'purchase' && purpose !== 'construction') amount *= 0.8
  if (occupancy === 'investment') amount *= 0.85
  if (occupancy === 'second_home') amount *= 1.35
  if (type === 'jumbo') amount = Math.max(amount, 806_500 + rng.lognormal(200_000, 0.6))
  else if (type === 'conventional' || type === 'fha' || type === 'usda') amount = Math.min(amount, 766_550)
  amount = Math.round(clamp(amount, 50_000, 3_000_000) / 100) * 100
  let ltv: number
  if (type === 'va') ltv = 100
  else if (type === 'usda') ltv = 101
  else if (type === 'fha') ltv = 96.5
  else ltv = rng.pick([80, 80, 80, 90, 95, 97, 75, 70, 85, 60 + rng.int(0, 19)])
  if (purpose === 'cash_out_refi') ltv = Math.min(ltv, 80)
  if (occupancy === 'investment') ltv = Math.min(ltv, 75)
  const price = Math.round(amount / (ltv / 100) / 100) * 100
  const ficoParams: Record<string, [number, number]> = {
    conventional: [752, 40],
    fha: [686, 35],
    va: [707, 45],
    jumbo: [770, 25],
    non_qm: [700, 50],
  }
  const [mu, sd] = ficoParams[type] ?? [730, 40]
  const fico = Math.round(clamp(rng.normal(mu, sd), 580, 850))
  const spread: Record<string, number> = { fha: -0.1, va: -0.25, jumbo: 0.1, non_qm: 1.5, heloc: 1.8 }
  const base = RATE_BY_YEAR[year] ?? 6.7
  const rate =
    Math.round(
      (base + (spread[type] ?? 0) + (occupancy === 'investment' ? 0.6 : 0) + rng.normal(0, 0.25)) * 8,
    ) / 8
  return {
    purpose,
    type,
    occupancy,
    propertyType,
    amortization,
    termMonths,
    amount,
    ltv,
    price,
    fico,
    rate: Math.max(1.75, rate),
  }
}

/** One step of a stage path: a Purchase slug and when it was entered. */
export type PathStep = Readonly<{ slug: string; at: number }>

/** How a deal's path ends (§11.4 outcomes). */
export type DealOutcome =
  | 'funded'
  | 'withdrawn'
  | 'denied'
  | 'incomplete'
  | 'approved_not_accepted'
  | 'lost'
  | 'nurture'
  | 'stalled_lead'
  | 'stalled_preapproval'
  | 'stalled_appraisal'

/** §11.4 dwell medians in days, to the next stage. */
const DWELL: Readonly<Record<string, number>> = {
  new_lead: 0.3,
  contact_attempted: 0.5,
  contacted: 5,
  application_started: 1,
  pre_qualified: 2,
  pre_approval: 35,
  under_contract: 3,
  application_locked: 3,
  processing: 10,
  appraisal: 6,
  underwriting: 7,
  conditional_approval: 8,
  clear_to_close: 4,
  docs_out: 3,
}

const APPLICATION_PATH = [
  'processing',
  'underwriting',
  'conditional_approval',
  'clear_to_close',
  'docs_out',
] as const

/**
 * Draws the full stage path of a deal created at `startMs` (Purchase slugs; the caller maps them to
 * Refinance or Legacy 2021 ids). The path may run past any export: view it with `pathAt`.
 */
export function drawPath(rng: Rng, startMs: number, outcome: DealOutcome, refinance: boolean): PathStep[] {
  const steps: PathStep[] = []
  let t = startMs
  const go = (slug: string) => {
    steps.push({ slug, at: Math.round(t / 1000) * 1000 })
    const median = DWELL[slug] ?? 3
    t += Math.max(0.02, rng.lognormal(median, 0.6)) * DAY
  }
  go('new_lead')
  if (rng.chance(0.7)) go('contact_attempted')
  if (outcome === 'stalled_lead') {
    if (rng.chance(0.5)) go('contacted')
    return steps
  }
  go('contacted')
  if (outcome === 'lost' && rng.chance(0.5)) {
    go('lost')
    return steps
  }
  if (outcome === 'nurture') {
    if (rng.chance(0.4)) go('pre_qualified')
    go('nurture')
    return steps
  }
  if (rng.chance(0.4)) go('application_started')
  go('pre_qualified')
  go('pre_approval')
  if (outcome === 'stalled_preapproval') return steps
  if (outcome === 'lost') {
    go('lost')
    return steps
  }
  go(refinance ? 'application_locked' : 'under_contract')
  if (outcome === 'stalled_appraisal') {
    go('processing')
    go('appraisal')
    return steps
  }
  const stopAt = { withdrawn: 2, denied: 2, incomplete: 1, approved_not_accepted: 3 } as Record<
    string,
    number
  >
  for (const [i, slug] of APPLICATION_PATH.entries()) {
    const stop = stopAt[outcome]
    if (stop !== undefined && i === stop) {
      go(outcome === 'denied' ? 'denied' : 'withdrawn')
      return steps
    }
    go(slug)
  }
  go('funded')
  return steps
}

/** The steps entered by `atMs` (the deal as an export at that moment sees it). */
export function pathAt(path: ReadonlyArray<PathStep>, atMs: number): PathStep[] {
  return path.filter((s) => s.at <= atMs)
}

/** HMDA action taken of a finished application (§11.4), null while active or never applied. */
export function hmdaActionOf(outcome: DealOutcome, lastSlug: string): string | null {
  if (lastSlug === 'funded') return '1'
  if (outcome === 'withdrawn' && lastSlug === 'withdrawn') return '4'
  if (outcome === 'denied' && lastSlug === 'denied') return '3'
  if (outcome === 'incomplete' && lastSlug === 'withdrawn') return '5'
  if (outcome === 'approved_not_accepted' && lastSlug === 'withdrawn') return '2'
  return null
}

/** Slug → the Legacy 2021 stage a pre-2022 deal sits in (the inverse of the §6.2 crosswalk). */
export function legacyStageOf(slug: string, rng: Rng): string {
  switch (slug) {
    case 'new_lead':
    case 'contact_attempted':
    case 'contacted':
    case 'nurture':
      return 'l21_tbd'
    case 'application_started':
      return rng.chance(0.5) ? 'l21_app_sent' : 'l21_app_received'
    case 'pre_qualified':
      return 'l21_prequalified'
    case 'pre_approval':
      return 'l21_preapproved'
    case 'funded':
      return 'l21_funded'
    case 'lost':
      return rng.pick(['l21_lost_rate', 'l21_lost_cash', 'l21_junk'])
    case 'withdrawn':
    case 'denied':
      return 'l21_lost_cash'
    default:
      return 'l21_contract'
  }
}

/** The loan_status a contact shows for its latest deal's stage (the usual one, §6.1). */
export function usualLoanStatus(slug: string, fundedAgeDays: number | null): string {
  switch (slug) {
    case 'new_lead':
      return 'new_lead'
    case 'contact_attempted':
      return 'attempted_contact'
    case 'contacted':
      return 'contacted'
    case 'nurture':
      return 'nurture'
    case 'application_started':
    case 'pre_qualified':
      return 'pre_qualified'
    case 'pre_approval':
      return 'pre_approved'
    case 'under_contract':
    case 'application_locked':
      return 'application'
    case 'processing':
    case 'appraisal':
    case 'underwriting':
    case 'conditional_approval':
      return 'in_process'
    case 'clear_to_close':
    case 'docs_out':
      return 'clear_to_close'
    case 'funded':
      return fundedAgeDays !== null && fundedAgeDays < 90 ? 'closed_funded' : 'past_client'
    case 'lost':
      return 'lost'
    case 'withdrawn':
      return 'withdrawn'
    case 'denied':
      return 'denied'
    default:
      return 'new_lead'
  }
}
