/**
 * The static world of a portal: the portal itself, owners, teams, the non-household companies,
 * the referral partners' identities, custom property definitions and automation. All of it is small
 * (it scales with owners and companies, not with contacts × engagements) and is held for the run.
 */
import { ENUMS, type EnumName } from '../spec/enums'
import { automationId, companyId, contactId, ownerId, PARTNER_CONTACT_SERIAL_BASE, teamId } from './ids'
import type { Row } from './model'
import type { ResolvedOptions } from './options'
import { PROFILES } from './options'
import {
  COMPANY_WORDS,
  CUSTOM_PROPERTY_IDEAS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  HOME_MARKETS,
  LAST_NAMES,
  MARKETS,
  STREET_KINDS,
  STREET_NAMES,
  type Place,
} from './pools'
import { streamOf, type Rng } from './random'
import { isoDatetime, Zone } from './time'

const DAY = 86_400_000
const YEAR = 365.25 * DAY

/** The portal: one Leaf360 account. */
export type Portal = Readonly<{
  portalId: string
  name: string
  domain: string
  market: string
  zone: Zone
  /** `exported_at` of the export being generated (ms). */
  exportedAtMs: number
  /** The base export's `exported_at`: the world's anchor for every delta (ms). */
  baseExportedAtMs: number
  /** Five years before the base export (§11.1). */
  historyStartMs: number
}>

/** An owner with the facts stories need. */
export type Owner = Readonly<{
  row: Row
  serial: number
  fullName: string
  role: string
  activeFromMs: number
  /** Deactivation time; null while active. */
  deactivatedAtMs: number | null
  phone: string
}>

/** A referral partner's identity (its full record is built by its story). */
export type PartnerIdentity = Readonly<{
  index: number
  id: string
  firstName: string
  lastName: string
  partnerType: string
  /** Brokerage or other company the partner works at. */
  companyId: string | null
  companyName: string | null
}>

/** A custom property definition (§4.10). */
export type CustomProperty = Readonly<{
  object: 'contacts' | 'companies' | 'deals' | 'engagements'
  name: string
  label: string
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool'
  fieldType: string
  archived: boolean
  options: ReadonlyArray<Readonly<{ value: string; label: string }>>
  displayOrder: number
}>

/** The static world. */
export type World = Readonly<{
  options: ResolvedOptions
  /** Defect scale (options.defects): world facts that raise warnings exist only when > 0. */
  defectScale: number
  portal: Portal
  owners: ReadonlyArray<Owner>
  teams: ReadonlyArray<Row>
  companies: ReadonlyArray<Row>
  companyByType: ReadonlyMap<string, ReadonlyArray<Row>>
  partners: ReadonlyArray<PartnerIdentity>
  places: ReadonlyArray<Place>
  homePlaces: ReadonlyArray<Place>
  customProperties: ReadonlyArray<CustomProperty>
  automation: Automation
  /** Contacts the regular stories should produce in the base export (partners excluded). */
  storyContactTarget: number
}>

/** Automation definitions (§4.11). */
export type Automation = Readonly<{
  workflows: ReadonlyArray<Record<string, unknown>>
  sequences: ReadonlyArray<Record<string, unknown>>
  templates: ReadonlyArray<Record<string, unknown>>
  leadRoutingRules: ReadonlyArray<Record<string, unknown>>
  slaPolicies: ReadonlyArray<Record<string, unknown>>
  workflowIds: ReadonlyArray<string>
  sequenceIds: ReadonlyArray<string>
  slaPolicyIds: ReadonlyArray<string>
}>

const PORTAL_NAMES = [
  ['North Star Home Loans', 'northstarhomeloans.com'],
  ['Lakeshore Mortgage Group', 'lakeshoremortgage.com'],
  ['Keystone Lending Partners', 'keystonelending.com'],
  ['Bluestem Home Mortgage', 'bluestemhomemortgage.com'],
] as const

/**
 * The first owners of every portal, so a demo's owner list is stable (resources/README.md). The
 * `Jordan Lee` pair is the D34 ambiguous name; at defect scale 0 the second is `Jordan Leigh`.
 */
const ROSTER = [
  { first: 'Sarah', last: 'Olson', role: 'loan_officer', local: 'sarah.olson' },
  { first: 'Marcus', last: 'Reed', role: 'loan_officer', local: 'marcus.reed' },
  { first: 'Dana', last: 'Whitfield', role: 'loan_officer', local: 'dana.whitfield', deactivated: true },
  { first: 'Priya', last: 'Shah', role: 'processor', local: 'priya.shah' },
  { first: 'Kevin', last: 'Brandt', role: 'admin', local: 'kevin.brandt' },
  { first: 'Jordan', last: 'Lee', role: 'marketing', local: 'jordan.lee' },
  { first: 'Jordan', last: 'Lee', role: 'isa', local: 'jlee', cleanLast: 'Leigh' },
] as const

/** Formats a US phone from an area code and a serial, unique per serial (E.164, §5 canonical). */
export function phoneFor(areaCode: string, serial: number): string {
  // 6,435,761 is coprime with 8,000,000, so the multiplication is a bijection on the 7-digit range;
  // reducing the serial first keeps the product below 2^53, so it is exact.
  const local = 2_000_000 + (((serial % 8_000_000) * 6_435_761) % 8_000_000)
  return `+1${areaCode}${local}`
}

/** A street address. */
export function streetAddress(rng: Rng): string {
  return `${rng.int(100, 19999)} ${rng.pick(STREET_NAMES)} ${rng.pick(STREET_KINDS)}`
}

/** A ZIP code of a place, 5 digits (leading zeros kept). */
export function zipOf(rng: Rng, place: Place): string {
  return String(rng.int(place.zipFrom, place.zipTo)).padStart(5, '0')
}

const stamp = (ms: number) => isoDatetime(Math.floor(ms / 1000) * 1000)

function buildOwners(
  rng: Rng,
  options: ResolvedOptions,
  portal: Portal,
  defectScale: number,
  homePlaces: ReadonlyArray<Place>,
  teams: ReadonlyArray<Row>,
): Owner[] {
  const profile = PROFILES[options.profile]
  const scale = Math.max(1, options.contacts / profile.contacts)
  const loanOfficers = Math.max(profile.loanOfficers, Math.round(profile.loanOfficers * scale))
  const support = Math.max(profile.support, Math.round(profile.support * scale))
  const specs: Array<{ first: string; last: string; role: string; local: string; deactivated: boolean }> = []
  const roster = ROSTER.map((r) => ({
    first: r.first,
    last: defectScale > 0 || !('cleanLast' in r) ? r.last : r.cleanLast,
    role: r.role,
    local: r.local,
    deactivated: 'deactivated' in r && r.deactivated === true && defectScale > 0,
  }))
  // Roster LOs first (at least the profile's count), then generated LOs, support staff and managers.
  const rosterLos = roster.filter((r) => r.role === 'loan_officer')
  specs.push(...rosterLos.slice(0, Math.max(2, Math.min(rosterLos.length, loanOfficers + 1))))
  const usedLocals = new Set(specs.map((s) => s.local))
  const gen = (role: string, deactivated: boolean) => {
    for (;;) {
      const first = rng.pick(FIRST_NAMES.filter((n) => /^[A-Za-z]+$/.test(n)))
      const last = rng.pick(LAST_NAMES.filter((n) => /^[A-Za-z]+$/.test(n)))
      const local = `${first}.${last}`.toLowerCase()
      if (usedLocals.has(local)) continue
      usedLocals.add(local)
      specs.push({ first, last, role, local, deactivated })
      return
    }
  }
  for (let i = specs.filter((s) => s.role === 'loan_officer').length; i < loanOfficers + 1; i++) {
    gen('loan_officer', defectScale > 0 && rng.chance(0.08))
  }
  specs.push(...roster.filter((r) => r.role !== 'loan_officer'))
  for (let i = 1; i < support; i++) gen(rng.chance(0.5) ? 'processor' : 'loan_officer_assistant', false)
  for (let i = 1; i < teams.length; i++) gen('branch_manager', false)

  const base = portal.baseExportedAtMs
  return specs.map((s, serial) => {
    const ownerRng = rng.fork(`owner-${serial}`)
    const place = homePlaces[serial % homePlaces.length] as Place
    const createdMs = portal.historyStartMs - ownerRng.int(30, 900) * DAY + ownerRng.int(0, 86_399) * 1000
    // Deactivated owners left 14–20 months before the base export and still own older records (D19).
    const deactivatedAtMs = s.deactivated
      ? base - ownerRng.int(420, 600) * DAY + ownerRng.int(0, 86_399) * 1000
      : null
    const team =
      teams[
        s.role === 'admin' || s.role === 'marketing' ? 0 : 1 + (serial % Math.max(1, teams.length - 1))
      ] ?? teams[0]
    const licensed = s.role === 'loan_officer' || s.role === 'branch_manager'
    const phone = phoneFor(place.areaCodes[0] ?? '612', 9_000_000 + serial)
    const updatedMs = Math.max(createdMs, deactivatedAtMs ?? base - ownerRng.int(1, 300) * DAY)
    const row: Row = {
      owner_id: ownerId(serial),
      email: `${s.local}@${portal.domain}`,
      first_name: s.first,
      last_name: s.last,
      role: s.role,
      nmls_id: licensed ? String(ownerRng.int(200_000, 2_400_000)) : null,
      team_id: team?.['team_id'] ?? null,
      license_states: licensed
        ? [
            ...new Set([
              place.state,
              ...(ownerRng.chance(0.5) ? [ownerRng.pick(['WI', 'IA', 'FL', 'AZ', 'TX'])] : []),
            ]),
          ].join(';')
        : null,
      phone,
      is_active: s.deactivated ? 'false' : 'true',
      deactivated_at: deactivatedAtMs === null ? null : stamp(deactivatedAtMs),
      created_at: stamp(createdMs),
      updated_at: stamp(updatedMs),
    }
    return {
      row,
      serial,
      fullName: `${s.first} ${s.last}`,
      role: s.role,
      activeFromMs: createdMs,
      deactivatedAtMs,
      phone,
    }
  })
}

function buildTeams(
  rng: Rng,
  options: ResolvedOptions,
  portal: Portal,
  homePlaces: ReadonlyArray<Place>,
): Row[] {
  const profile = PROFILES[options.profile]
  const los = Math.max(
    profile.loanOfficers,
    Math.round((profile.loanOfficers * options.contacts) / profile.contacts),
  )
  const branches = Math.max(1, Math.ceil(los / 8))
  const created = portal.historyStartMs - 400 * DAY
  const teams: Row[] = []
  for (let i = 0; i <= branches; i++) {
    const place = homePlaces[i % homePlaces.length] as Place
    teams.push({
      team_id: teamId(i),
      name:
        i === 0
          ? `${portal.name} HQ`
          : `${place.city} Branch${i > homePlaces.length ? ` ${Math.ceil(i / homePlaces.length)}` : ''}`,
      branch_nmls: String(rng.int(1_000_000, 2_400_000)),
      parent_team_id: i === 0 ? null : teamId(0),
      manager_owner_id: null,
      address: streetAddress(rng),
      city: place.city,
      state: place.state,
      zip: zipOf(rng, place),
      created_at: stamp(created + i * 40 * DAY),
      updated_at: stamp(created + i * 40 * DAY + rng.int(1, 900) * DAY),
    })
  }
  return teams
}

function companyName(rng: Rng, type: keyof typeof COMPANY_WORDS, place: Place): string {
  const words = COMPANY_WORDS[type]
  const name = `${rng.pick(words.first)} ${rng.pick(words.last)}`
  return type === 'employer' && rng.chance(0.3) ? `${place.city} ${name}` : name
}

const COMPANY_MIX = {
  real_estate_brokerage: 35,
  employer: 27,
  title_escrow: 9,
  builder: 7,
  law_firm: 5,
  cpa_financial: 5,
  insurance_agency: 5,
  lender_investor: 3,
  other: 4,
} as const

function buildCompanies(
  rng: Rng,
  count: number,
  portal: Portal,
  owners: ReadonlyArray<Owner>,
  homePlaces: ReadonlyArray<Place>,
): Row[] {
  const los = owners.filter((o) => o.role === 'loan_officer')
  const rows: Row[] = []
  const names = new Set<string>()
  for (let serial = 0; serial < count; serial++) {
    const c = rng.fork(`company-${serial}`)
    // Guarantee at least one company of each kind the stories need, then follow the mix.
    const kinds = Object.keys(COMPANY_MIX) as Array<keyof typeof COMPANY_MIX>
    const type = serial < kinds.length ? (kinds[serial] as keyof typeof COMPANY_MIX) : c.weighted(COMPANY_MIX)
    const place = c.pick(homePlaces)
    let name = companyName(c, type, place)
    for (let n = 2; names.has(name); n++) name = `${companyName(c, type, place)}${n > 3 ? ` ${n}` : ''}`
    names.add(name)
    // Brokerage offices: some have a parent office (the hierarchy D20 cycles are injected into).
    const parentDraw = c.chance(0.25)
    const parent =
      type === 'real_estate_brokerage' &&
      serial > kinds.length &&
      (parentDraw || !rows.some((r) => r['parent_company_id'] !== null))
        ? rows.filter(
            (r) => r['company_type'] === 'real_estate_brokerage' && r['parent_company_id'] === null,
          )[0]
        : undefined
    const displayName = parent !== undefined ? `${parent['name'] ?? ''} - ${place.city}` : name
    names.add(displayName)
    const createdMs =
      portal.historyStartMs + c.next() * (portal.baseExportedAtMs - portal.historyStartMs) * 0.6
    const domainWord = name.toLowerCase().replace(/[^a-z]+/g, '')
    rows.push({
      id: companyId(serial),
      name: displayName,
      domain: type === 'employer' || c.chance(0.8) ? `${domainWord}.com` : null,
      company_type: type,
      parent_company_id: parent?.['id'] ?? null,
      phone: c.chance(0.85)
        ? phoneFor(place.areaCodes[0] ?? '612', 8_000_000 + serial) +
          (c.chance(0.15) ? `x${c.int(100, 499)}` : '')
        : null,
      address: streetAddress(c),
      city: place.city,
      state: place.state,
      zip: zipOf(c, place),
      property_address: null,
      property_city: null,
      property_state: null,
      property_zip: null,
      estimated_property_value: null,
      owner_id: c.pick(los).row['owner_id'] ?? null,
      created_at: stamp(createdMs),
      updated_at: stamp(createdMs),
      archived: 'false',
    })
  }
  return rows
}

function buildPartners(
  rng: Rng,
  count: number,
  companyByType: ReadonlyMap<string, ReadonlyArray<Row>>,
): PartnerIdentity[] {
  const partners: PartnerIdentity[] = []
  const PARTNER_MIX = {
    real_estate_agent: 70,
    builder: 5,
    financial_advisor: 6,
    cpa: 4,
    attorney: 3,
    title_escrow: 4,
    insurance_agent: 4,
    appraiser: 1,
    past_client_advocate: 2,
    other: 1,
  } as const
  const companyTypeOf: Record<string, string> = {
    real_estate_agent: 'real_estate_brokerage',
    builder: 'builder',
    financial_advisor: 'cpa_financial',
    cpa: 'cpa_financial',
    attorney: 'law_firm',
    title_escrow: 'title_escrow',
    insurance_agent: 'insurance_agency',
  }
  for (let index = 0; index < count; index++) {
    const p = rng.fork(`partner-${index}`)
    const partnerType = index === 0 ? 'real_estate_agent' : p.weighted(PARTNER_MIX)
    const companyType = companyTypeOf[partnerType]
    const companies = companyType === undefined ? [] : (companyByType.get(companyType) ?? [])
    // A few brokerages hold most agents, so big brokerages reach the ui association cap (D32).
    const company =
      companies.length === 0 ? undefined : companies[Math.floor(companies.length * p.next() ** 2.5)]
    partners.push({
      index,
      id: contactId(PARTNER_CONTACT_SERIAL_BASE + index),
      firstName: p.pick(FIRST_NAMES),
      lastName: p.pick(LAST_NAMES),
      partnerType,
      companyId: company?.['id'] ?? null,
      companyName: company?.['name'] ?? null,
    })
  }
  return partners
}

const CUSTOM_OPTIONS: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  loan_type_old: [
    ['conv', 'Conv'],
    ['fha', 'FHA'],
    ['va', 'VA'],
    ['usda', 'USDA'],
    ['jumbo', 'Jumbo'],
  ],
  credit_score_range: [
    ['excellent_760', '760+'],
    ['good_700_759', '700–759'],
    ['fair_640_699', '640–699'],
    ['poor_lt_640', 'Under 640'],
  ],
  preferred_language: [
    ['english', 'English'],
    ['spanish', 'Spanish'],
    ['vietnamese', 'Vietnamese'],
    ['hmong', 'Hmong'],
    ['somali', 'Somali'],
  ],
  interests: [
    ['first_home', 'First home'],
    ['investment', 'Investment property'],
    ['refinance', 'Refinance'],
    ['downsizing', 'Downsizing'],
  ],
  partner_tier: [
    ['gold', 'Gold'],
    ['silver', 'Silver'],
    ['bronze', 'Bronze'],
  ],
  concessions: [
    ['seller_paid_closing', 'Seller-paid closing costs'],
    ['rate_buydown', 'Rate buydown'],
    ['repairs', 'Repair credit'],
  ],
  sentiment: [
    ['positive', 'Positive'],
    ['neutral', 'Neutral'],
    ['negative', 'Negative'],
  ],
}

function buildCustomProperties(defectScale: number): CustomProperty[] {
  const all: CustomProperty[] = []
  for (const object of ['contacts', 'companies', 'deals', 'engagements'] as const) {
    CUSTOM_PROPERTY_IDEAS[object].forEach(([name, label, type, fieldType, archived], displayOrder) => {
      // `realtor_name` repeats the label of `realtor_name_text`: equal ui headers (D43), a warning,
      // so it exists only when defects are on.
      if (name === 'realtor_name' && defectScale === 0) return
      all.push({
        object,
        name,
        label,
        type,
        fieldType,
        archived,
        options: (CUSTOM_OPTIONS[name] ?? []).map(([value, optionLabel]) => ({ value, label: optionLabel })),
        displayOrder,
      })
    })
  }
  return all
}

function buildAutomation(
  rng: Rng,
  portal: Portal,
  owners: ReadonlyArray<Owner>,
  defectScale: number,
): Automation {
  const updated = (i: number) => stamp(portal.baseExportedAtMs - (30 + i * 17) * DAY)
  const los = owners.filter((o) => o.role === 'loan_officer' && o.deactivatedAtMs === null)
  const templateIds = Array.from({ length: 10 }, (_, i) => automationId('template', i))
  const workflowIds = Array.from({ length: 8 }, (_, i) => automationId('workflow', i))
  const sequenceIds = Array.from({ length: 5 }, (_, i) => automationId('sequence', i))
  const slaPolicyIds = Array.from({ length: 3 }, (_, i) => automationId('sla', i))
  const filter = (property: string, operator: string, value: unknown) => ({ property, operator, value })
  const templates = templateIds.map((template_id, i) => {
    const sms = i >= 7
    // One template still merges the archived property loan_type_old (D40, a world fact).
    const stale = i === 3 && defectScale > 0
    return {
      template_id,
      channel: sms ? 'sms' : 'email',
      name: sms
        ? `SMS touch ${i - 6}`
        : [
            'Welcome',
            'Pre-approval issued',
            'Docs needed',
            'Loan program options',
            'Clear to close',
            'Closing congrats',
            'Home anniversary',
          ][i],
      subject: sms
        ? null
        : `{{contact.first_name}}, ${['welcome aboard', 'you are pre-approved', 'a few documents', 'your loan options', 'clear to close', 'congratulations', 'happy anniversary'][i]}`,
      body_html: sms
        ? null
        : `<p>Hi {{contact.first_name}},</p><p>${stale ? 'Your {{deal.loan_type_old}} loan' : 'Your loan'} with {{owner.first_name}} is moving along.</p>`,
      body_text: sms ? `Hi {{contact.first_name}}, this is {{owner.first_name}} from ${portal.name}.` : null,
      updated_at: updated(i),
      archived: i === 9,
    }
  })
  const workflowTypes = [
    'LEAD_ROUTING',
    'DRIP',
    'TASK_TRIGGER',
    'SLA_TIMER',
    'STAGE_AUTOMATION',
    'DATE_BASED',
    'DRIP',
    'STAGE_AUTOMATION',
  ]
  const workflows = workflowIds.map((workflow_id, i) => ({
    workflow_id,
    name: [
      'New lead routing',
      'Pre-approval nurture',
      'Docs request tasks',
      'First response SLA',
      'Clear to close notice',
      'Home anniversary',
      'Past client drip',
      'Funded handoff',
    ][i],
    type: workflowTypes[i],
    object_type: i === 4 || i === 7 ? 'deal' : 'contact',
    is_enabled: i !== 6,
    enrollment_trigger: {
      event: i === 5 ? 'date_property' : 'property_change',
      filters: [
        i === 0
          ? filter('contact.lead_status', 'eq', 'NEW')
          : filter('contact.loan_status', 'in', ['pre_approved', 'application']),
      ],
      re_enroll: i === 5,
    },
    actions: [
      {
        action_id: `${workflow_id}-1`,
        type: i === 0 ? 'rotate_owner' : 'send_email',
        params: { template_id: templateIds[i % 7] },
        next_action_id: `${workflow_id}-2`,
        branches: [],
      },
      {
        action_id: `${workflow_id}-2`,
        type: 'create_task',
        params: { subject: 'Follow up', owner_id: rng.pick(los).row['owner_id'] },
        next_action_id: null,
        branches: [],
      },
    ],
    goal_filters: [filter('contact.loan_status', 'eq', 'application')],
    suppression_filters: [filter('contact.do_not_call', 'eq', true)],
    created_at: stamp(portal.historyStartMs + i * 60 * DAY),
    updated_at: updated(i),
    revision: 1 + (i % 4),
  }))
  const sequences = sequenceIds.map((sequence_id, i) => ({
    sequence_id,
    name: [
      'Lead speed-to-lead',
      'Pre-approval follow-up',
      'Realtor check-in',
      'Past client annual',
      'Rate watch',
    ][i],
    audience: i === 2 ? 'referral_partner' : 'borrower',
    steps: [0, 1, 2].map((order) => ({
      order,
      channel: order === 1 ? 'sms' : 'email',
      delay_days: order * 3,
      template_id: templateIds[(i + order) % 10],
    })),
    unenroll_on: ['reply', 'meeting_booked'],
    requires_sms_consent: true,
    is_enabled: i !== 4,
    updated_at: updated(i + 3),
  }))
  const leadRoutingRules = [0, 1, 2, 3].map((i) => ({
    rule_id: automationId('rule', i),
    name: [
      'Zillow leads round robin',
      'Spanish speakers',
      'Out-of-state by license',
      'Claim pool after hours',
    ][i],
    priority: i + 1,
    conditions: [
      filter('contact.lead_source', 'eq', ['zillow', 'website', 'lendingtree', 'facebook_ads'][i]),
    ],
    method: ['round_robin', 'specific_owner', 'license_state_match', 'claim_pool'][i],
    eligible_owner_ids: los.slice(0, 3).map((o) => o.row['owner_id']),
    weights: i === 0 ? los.slice(0, 3).map(() => 1) : [],
    claim_timeout_minutes: i === 3 ? 15 : null,
    fallback_owner_id: los[0]?.row['owner_id'] ?? null,
    is_enabled: true,
    updated_at: updated(i + 5),
  }))
  const slaPolicies = slaPolicyIds.map((sla_policy_id, i) => ({
    sla_policy_id,
    name: ['First response within 5 minutes', 'Pre-approval dwell', 'Task completion'][i],
    applies_to: ['new_lead_first_response', 'stage_dwell', 'task_completion'][i],
    stage_id: i === 1 ? 'pre_approval' : null,
    target_minutes: [5, 60 * 24 * 30, 60 * 24][i],
    business_hours_only: i !== 0,
    breach_actions: [{ type: 'notify_owner' }],
    escalate_to_owner_id:
      owners.find((o) => o.role === 'branch_manager')?.row['owner_id'] ?? los[0]?.row['owner_id'] ?? null,
    updated_at: updated(i + 2),
  }))
  return {
    workflows,
    sequences,
    templates,
    leadRoutingRules,
    slaPolicies,
    workflowIds,
    sequenceIds,
    slaPolicyIds,
  }
}

/** Enum values as a weight table with equal weights. */
export function uniformEnum(name: EnumName): Record<string, number> {
  return Object.fromEntries(ENUMS[name].map((o) => [o.value, 1]))
}

/**
 * Builds the static world for a base export at `baseExportedAtMs`, viewed at `exportedAtMs`.
 *
 * Everything here depends only on the seed, the profile and the contact count, never on the
 * moment viewed, so a delta rebuilds the same world.
 */
export function buildWorld(options: ResolvedOptions, baseExportedAtMs: number, exportedAtMs: number): World {
  const rng = streamOf(options.seed, 'world')
  const defectScale = options.defects
  const [name, domain] = PORTAL_NAMES[options.seed % PORTAL_NAMES.length] ?? PORTAL_NAMES[0]
  const market = HOME_MARKETS[(options.seed >>> 2) % HOME_MARKETS.length] ?? 'twin_cities'
  const portal: Portal = {
    portalId: String(4_400_000 + (options.seed % 5_000_000) * 7 + 3),
    name,
    domain,
    market,
    zone: new Zone(options.timezone),
    exportedAtMs,
    baseExportedAtMs,
    historyStartMs: baseExportedAtMs - 5 * YEAR,
  }
  const homePlaces = MARKETS[market] ?? []
  // Most contacts live in the home market; some elsewhere, New England and New Jersey included (D08).
  const places = Object.values(MARKETS).flat()
  const teams = buildTeams(rng.fork('teams'), options, portal, homePlaces)
  const owners = buildOwners(rng.fork('owners'), options, portal, defectScale, homePlaces, teams)
  const managers = owners.filter((o) => o.role === 'branch_manager')
  teams.forEach((t, i) => {
    t['manager_owner_id'] =
      (i === 0 ? owners.find((o) => o.role === 'admin') : managers[i - 1])?.row['owner_id'] ?? null
  })
  const profile = PROFILES[options.profile]
  const companyCount = Math.max(12, Math.round((profile.companies * options.contacts) / profile.contacts))
  const companies = buildCompanies(rng.fork('companies'), companyCount, portal, owners, homePlaces)
  const companyByType = new Map<string, Row[]>()
  for (const c of companies) {
    const list = companyByType.get(c['company_type'] ?? 'other') ?? []
    list.push(c)
    companyByType.set(c['company_type'] ?? 'other', list)
  }
  const partnerCount = Math.max(4, Math.round(options.contacts * 0.04))
  const partners = buildPartners(rng.fork('partners'), partnerCount, companyByType)
  return {
    options,
    defectScale,
    portal,
    owners,
    teams,
    companies,
    companyByType,
    partners,
    places,
    homePlaces,
    customProperties: buildCustomProperties(defectScale),
    automation: buildAutomation(rng.fork('automation'), portal, owners, defectScale),
    storyContactTarget: options.contacts - partnerCount,
  }
}

/** Free-mail domain for a contact. */
export function emailDomain(rng: Rng): string {
  return rng.pick(EMAIL_DOMAINS)
}
