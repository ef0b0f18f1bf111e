/**
 * Stories: the generator's unit of work. A story is one household's (or one lead's) life with the
 * lender — contacts, deals with their stage history, associations, engagements, attachments and
 * enrollments. `drawLife` draws the whole life from (seed, index), independent of any moment;
 * `viewStory` shows it as an export at one moment sees it. Viewing the same life later shows it
 * progressed, which is what a delta export is (§8).
 *
 * Every random value is drawn unconditionally in a fixed order from a stream of its own record
 * (`streamOf(seed, '<concern>:<id>')`), so what a later moment reveals never shifts what an earlier
 * one showed.
 */
import { createHash } from 'node:crypto'
import { associationTypeOf, type ObjectType } from '../spec/association-types'
import type { EngagementType } from '../spec/columns'
import {
  LEGACY_PIPELINE_ID,
  PURCHASE_PIPELINE_ID,
  REFI_PIPELINE_ID,
  STANDARD_STAGES,
} from '../spec/pipelines'
import { BODY_MAX_CHARS } from '../spec/value-types'
import { normaliseFilename, placeholderBinary, unsafeFilename, type BinaryKind } from './binaries'
import { fillCustomValues } from './custom-values'
import {
  companyId,
  contactId,
  dealId,
  engagementId,
  enrollmentId,
  fileId,
  historyId,
  HISTORY_PER_DEAL,
  HOUSEHOLD_COMPANY_SERIAL_BASE,
  PER_STORY,
} from './ids'
import {
  drawLoan,
  drawPath,
  hmdaActionOf,
  LEAD_SOURCE_MIX,
  legacyStageOf,
  pathAt,
  usualLoanStatus,
  type DealOutcome,
  type LoanFacts,
  type PathStep,
} from './loans'
import type {
  Assoc,
  AttachmentRecord,
  CompanyRecord,
  ContactRecord,
  DealRecord,
  EngagementRecord,
  Row,
  StoryOutput,
  WorldFact,
} from './model'
import {
  EMAIL_SUBJECTS,
  FIRST_NAMES,
  LAST_NAMES,
  LEAD_SOURCE_DETAILS,
  LENDERS,
  NOTE_TEXTS,
  SMS_TEXTS,
  TAGS,
  TASK_SUBJECTS,
  type Place,
} from './pools'
import { PROFILES } from './options'
import { streamOf, type Rng } from './random'
import { isoDatetime } from './time'
import {
  emailDomain,
  phoneFor,
  streetAddress,
  zipOf,
  type Owner,
  type PartnerIdentity,
  type World,
} from './world'

const DAY = 86_400_000
const YEAR = 365.25 * DAY

/** The kind of a regular story. */
export type StoryKind = 'lead' | 'borrower' | 'past_client' | 'vendor' | 'other'

const KIND_MIX = { lead: 55, borrower: 15, past_client: 12, vendor: 1, other: 1 } as const

/** The kind and co-borrower of story `index` (cheap: the pre-scan calls it for every story). */
export function planKind(seed: number, index: number): Readonly<{ kind: StoryKind; coBorrower: boolean }> {
  const r = streamOf(seed, 'story:plan', index)
  const kind = r.weighted(KIND_MIX)
  const co = r.chance(0.8)
  return { kind, coBorrower: kind === 'borrower' && co }
}

/** The number of regular stories of the base export: counted until their contacts reach the target. */
export function countBaseStories(seed: number, contactTarget: number): number {
  let contacts = 0
  let index = 0
  while (contacts < contactTarget) {
    contacts += planKind(seed, index).coBorrower ? 2 : 1
    index++
  }
  return index
}

/**
 * When story `index` starts. Base stories spread over the five years before the base export,
 * denser toward the end (a growing book); later indices arrive after it at the recent rate, so a
 * delta finds new leads (§8 "new").
 */
export function storyStart(world: World, index: number, baseStories: number): number {
  const r = streamOf(world.options.seed, 'story:start', index)
  const { historyStartMs, baseExportedAtMs } = world.portal
  const span = baseExportedAtMs - historyStartMs
  const u = r.next()
  const jitter = r.int(60, 7_200) * 1000
  if (index < baseStories) return Math.round(historyStartMs + span * u ** 0.8 - jitter)
  return Math.round(baseExportedAtMs + (index - baseStories + u) * (span / (baseStories * 1.25)))
}

/** Local calendar date of an instant in the portal zone (§5: a date is never shifted). */
export function localDate(world: World, ms: number): string {
  const w = world.portal.zone.wallClock(ms)
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`
}

/** Moves an instant out of the repeated local hour at DST end, so ui times are never ambiguous (§5). */
function unambiguous(world: World, ms: number): number {
  const s = Math.floor(ms / 1000) * 1000
  return world.portal.zone.isAmbiguous(s) ? s + 2 * 3_600_000 : s
}

const stamp = (ms: number) => isoDatetime(Math.floor(ms / 1000) * 1000)
const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/**
 * Places world facts that must appear at least once (a tiny export holds every defect kind): the
 * first item that qualifies at the base export's moment takes each key. Lives are drawn in index
 * order in every generation, so a delta places them identically.
 */
export class FactQuota {
  readonly #taken = new Set<string>()
  readonly #enabled: boolean

  constructor(enabled: boolean) {
    this.#enabled = enabled
  }

  /** True once per key, for the first caller, when forcing is enabled. */
  take(key: string): boolean {
    if (!this.#enabled || this.#taken.has(key)) return false
    this.#taken.add(key)
    return true
  }
}

type Person = { first: string; last: string; email: string; serial: number }

const LONG_DOMAINS = [
  'pacificnorthwesthomeloansandrealtygroup.com',
  'minneapolispublicschoolsdistrictoffice.org',
  'unitedhealthgroupcorporateservices.com',
  'northwesternmutualfinancialnetwork.com',
]

const asciiLocal = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[øØ]/g, 'o')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase()

function makePerson(r: Rng, serial: number, lastName: string | null): Person {
  const first = r.pick(FIRST_NAMES)
  const drawnLast = r.pick(LAST_NAMES)
  const last = lastName ?? drawnLast
  const style = r.int(0, 4)
  const long = r.chance(0.05)
  const longDomain = r.pick(LONG_DOMAINS)
  const domain = emailDomain(r)
  const f = asciiLocal(first)
  const l = asciiLocal(last)
  // The serial makes every e-mail unique, so no two contacts share one unless a defect says so (D01, D02).
  const local = [
    `${f}.${l}.${serial}`,
    `${f.charAt(0)}${l}${serial}`,
    `${f}${l}${serial}`,
    `${f}_${l}${serial}`,
    `${l}.${f}${serial}`,
  ][style]
  // A few long work addresses: the raw material of D15 truncation at 50/64 characters.
  const email = long ? `${f}.${l}.${serial}@${longDomain}` : `${local}@${domain}`
  return { first, last, email, serial }
}

function activeLoanOfficer(world: World, r: Rng, atMs: number): Owner {
  const los = world.owners.filter(
    (o) =>
      o.role === 'loan_officer' &&
      o.activeFromMs <= atMs &&
      (o.deactivatedAtMs === null || o.deactivatedAtMs > atMs),
  )
  return r.pick(los.length > 0 ? los : world.owners.filter((o) => o.role === 'loan_officer'))
}

/** The owner of work done at `atMs`: the story's LO, or after the LO left, another active LO. */
function ownerAt(world: World, successor: Owner, preferred: Owner, atMs: number): Owner {
  return preferred.deactivatedAtMs !== null && preferred.deactivatedAtMs <= atMs ? successor : preferred
}

function supportOwners(world: World, role: string): ReadonlyArray<Owner> {
  return world.owners.filter((o) => o.role === role && o.deactivatedAtMs === null)
}

/** One deal's life: drawn in full, independent of any moment. */
type DealLife = {
  id: string
  serial: number
  createdMs: number
  outcome: DealOutcome
  path: PathStep[]
  pipeline: string
  legacy: boolean
  loan: LoanFacts
  partner: PartnerIdentity | null
  listingAgent: PartnerIdentity | null
  archived: boolean
  /** Pre-drawn values, used when the moment makes them relevant. */
  draws: {
    processor: Owner | undefined
    lender: string
    channel: string
    lockOpen: string
    appraisedFactor: number
    lostReason: string
    deniedReason: string
    subjectAddress: string
    subjectHouse: number
    subjectPlace: Place
    subjectZip: string
    title: string | null
    builder: string | null
    historySources: string[]
    historyBySystem: boolean[]
    legacyStages: Map<string, string>
  }
}

/** One engagement's plan (its row is built when viewed). */
type EngagementPlan = {
  serial: number
  id: string
  type: EngagementType
  whenMs: number
  createdMs: number
  contact: string
  co: boolean
}

/** One attachment's plan. */
type AttachmentPlan = {
  serial: number
  id: string
  dealId: string
  uploadedMs: number
  record: AttachmentRecord
  emailId: string | null
}

/** A story's whole life. */
export type StoryLife = {
  index: number
  kind: StoryKind
  startMs: number
  lo: Owner
  successor: Owner
  place: Place
  primary: Person
  co: Person | null
  married: boolean
  sharedEmail: boolean
  leadSource: string
  referralText: string | null
  referralTextOnly: boolean
  linkedPartner: PartnerIdentity | null
  employer: Row | null
  deals: DealLife[]
  engagements: EngagementPlan[]
  attachments: AttachmentPlan[]
  enrollments: Array<{
    id: string
    enrolledMs: number
    finishedMs: number
    workflow: string | null
    sequence: string | null
    status: string
    step: string
  }>
  duplicates: Array<{
    id: string
    createdMs: number
    updatedMs: number
    firstName: string
    email: string
    phone: boolean
    leadSource: string
    sourceSystem: string
    merged: boolean
    archived: boolean
    chain: boolean
  }>
  dupGroup: string | null
  archivedContact: boolean
  truncatedEmail: string | null
  facts: WorldFact[]
}

const DOC_MIX = {
  paystub: 15,
  bank_statement: 15,
  preapproval_letter: 10,
  w2: 8,
  loan_estimate: 4,
  closing_disclosure: 4,
  tax_return_1040: 4,
  tax_return_business: 2,
  photo_id: 6,
  purchase_contract: 6,
  homeowners_insurance: 4,
  appraisal: 3,
  gift_letter: 2,
  voe: 2,
  credit_authorization: 2,
  letter_of_explanation: 2,
  other: 7,
  unknown: 4,
} as const

/** Context shared by the lives of one run. */
export type LifeContext = Readonly<{ world: World; baseStories: number; quota: FactQuota }>

/** Draws story `index`'s whole life. */
export function drawLife(ctx: LifeContext, index: number): StoryLife {
  const { world } = ctx
  const seed = world.options.seed
  const scale = world.defectScale
  const base = world.portal.baseExportedAtMs
  const rr = (label: string) => streamOf(seed, `story:${label}`, index)
  const { kind, coBorrower } = planKind(seed, index)
  const startMs = unambiguous(world, storyStart(world, index, ctx.baseStories))
  const facts: WorldFact[] = []
  const people = rr('people')
  const place = people.chance(0.8) ? people.pick(world.homePlaces) : people.pick(world.places)
  const drawnLo = activeLoanOfficer(world, people, startMs)
  // Story 0 belongs to the deactivated LO when there is one, so D19 always has records to show.
  const lo = index === 0 ? (world.owners.find((o) => o.deactivatedAtMs !== null) ?? drawnLo) : drawnLo
  const successorDraw = people.next()
  const actives = world.owners.filter((o) => o.role === 'loan_officer' && o.deactivatedAtMs === null)
  const successor = actives[Math.floor(successorDraw * actives.length)] ?? lo
  const serial0 = index * PER_STORY.contacts
  const primary = makePerson(people, serial0, null)
  const sameLast = people.chance(0.7)
  const coPerson = makePerson(people, serial0 + 1, sameLast ? primary.last : null)
  const co = coBorrower ? coPerson : null
  if (co !== null)
    for (let i = 0; co.first === primary.first; i++)
      co.first = FIRST_NAMES[(serial0 + i) % FIRST_NAMES.length] ?? 'Alex'
  const married = co !== null && co.last === primary.last
  // D02: a couple sharing one address (3 % of contacts; co-borrowers are 12 %).
  const sharedDraw = people.next()
  const sharedEmail = co !== null && sharedDraw < Math.min(1, 0.25 * scale)
  if (co !== null && sharedEmail) co.email = primary.email
  const leadSourceDraw = people.weighted(LEAD_SOURCE_MIX)
  const leadSource = kind === 'past_client' ? 'past_client' : leadSourceDraw
  const referral = leadSource === 'realtor_referral' || leadSource === 'partner_referral_other'
  const agents = world.partners.filter((p) => p.partnerType === 'real_estate_agent')
  const partnerDraw = people.next()
  const partner =
    referral && agents.length > 0 ? (agents[Math.floor(partnerDraw * agents.length)] ?? null) : null
  // D28: a referral text with no partner link (25 % of referral texts).
  const textOnlyDraw = people.next()
  const referralTextOnly = partner !== null && scale > 0 && textOnlyDraw < 0.25 * scale
  const strangerText = `${people.pick(FIRST_NAMES)} ${people.pick(LAST_NAMES)} - ${people.pick(['Compass', 'RE/MAX', 'Coldwell', 'Open house', 'Partner'])}`
  const referralText =
    partner === null
      ? null
      : referralTextOnly
        ? strangerText
        : `${partner.firstName} ${partner.lastName}${partner.companyName !== null ? ` - ${partner.companyName}` : ''}`
  const linkedPartner = referralTextOnly ? null : partner
  const employers = world.companyByType.get('employer') ?? []
  const employerDraw = people.next()
  const hasEmployer = (kind === 'borrower' || kind === 'past_client') && people.chance(0.6)
  const employer =
    hasEmployer && employers.length > 0
      ? (employers[Math.floor(employerDraw * employers.length)] ?? null)
      : null

  // Deals.
  const dealRng = rr('deals')
  const deals: DealLife[] = []
  const addDeal = (createdMs: number, outcome: DealOutcome) => {
    const serial = index * PER_STORY.deals + deals.length
    const id = dealId(serial)
    const r = streamOf(seed, `deal:${id}`)
    const loan = drawLoan(r, createdMs)
    const refinance = loan.purpose !== 'purchase' && loan.purpose !== 'construction'
    const path = drawPath(r, unambiguous(world, createdMs), outcome, refinance).map((s) => ({
      slug: s.slug,
      at: unambiguous(world, s.at),
    }))
    const legacyDraw = r.next()
    // Pre-2022 deals still parked in the archived Legacy 2021 pipeline (D29, ~3 % of deals).
    const legacy = scale > 0 && createdMs < Date.UTC(2022, 0, 1) && legacyDraw < 0.15
    const listingDraw = r.next()
    const listingPick = r.next()
    const buyerAgentDraw = r.next()
    const buyerAgentPick = r.next()
    const archivedDraw = r.next()
    const processors = supportOwners(world, 'processor')
    const processorPick = r.next()
    const titles = world.companyByType.get('title_escrow') ?? []
    const builders = world.companyByType.get('builder') ?? []
    const subjectPlaceDraw = r.next()
    const draws: DealLife['draws'] = {
      processor: processors[Math.floor(processorPick * processors.length)],
      lender: r.pick(LENDERS),
      channel: r.weighted({ brokered: 70, banked_retail: 20, correspondent: 8, banked_wholesale: 2 }),
      lockOpen: r.pick(['floating', 'locked']),
      appraisedFactor: 0.98 + r.next() * 0.08,
      lostReason: r.pick([
        'found_better_rate',
        'unresponsive',
        'decided_to_wait',
        'not_interested',
        'went_with_realtor_lender',
        'house_fell_through',
        'poor_credit',
        'cash_buyer',
      ]),
      deniedReason: r.pick(['poor_credit', 'income_too_low', 'self_employed_lt_2yr']),
      subjectAddress: streetAddress(r),
      subjectHouse: r.int(100, 19999),
      subjectPlace: subjectPlaceDraw < 0.7 ? place : r.pick(world.places),
      subjectZip: '',
      title: titles.length > 0 ? (r.pick(titles)['id'] ?? null) : null,
      builder: builders.length > 0 ? (r.pick(builders)['id'] ?? null) : null,
      historySources: path.map((s, k) =>
        k === 0
          ? r.pick(['ui', 'api', 'import'])
          : s.slug === 'funded' || s.slug === 'clear_to_close'
            ? 'los_sync'
            : r.pick(['ui', 'ui', 'workflow']),
      ),
      historyBySystem: path.map(() => r.chance(0.2)),
      legacyStages: new Map(path.map((s) => [s.slug, legacyStageOf(s.slug, r)])),
    }
    draws.subjectZip = zipOf(r, draws.subjectPlace)
    deals.push({
      id,
      serial,
      createdMs,
      outcome,
      path,
      pipeline: legacy ? LEGACY_PIPELINE_ID : refinance ? REFI_PIPELINE_ID : PURCHASE_PIPELINE_ID,
      legacy,
      loan,
      partner:
        linkedPartner ??
        (!refinance && buyerAgentDraw < 0.6 && agents.length > 0
          ? (agents[Math.floor(buyerAgentPick * agents.length)] ?? null)
          : null),
      listingAgent:
        !refinance && listingDraw < 0.2 && agents.length > 1
          ? (agents[Math.floor(listingPick * agents.length)] ?? null)
          : null,
      archived: outcome === 'lost' && archivedDraw < 0.05,
      draws,
    })
  }
  const leadDeal = dealRng.chance(0.25)
  const leadOutcome = dealRng.weighted({
    lost: 55,
    nurture: 25,
    stalled_lead: 12,
    stalled_preapproval: 8,
  } as Record<DealOutcome, number>)
  const earlierLost = dealRng.chance(0.1)
  const appOutcome = dealRng.weighted({
    funded: 77,
    withdrawn: 10,
    denied: 8,
    incomplete: 3,
    approved_not_accepted: 2,
  } as Record<DealOutcome, number>)
  const stalledDraw = dealRng.next()
  const leadDelay = dealRng.int(0, 3) * DAY
  const laterDelay = dealRng.int(60, 400) * DAY
  const soonDelay = dealRng.int(0, 2) * DAY
  const pastDeal = dealRng.chance(0.6)
  if (kind === 'lead' && leadDeal) addDeal(startMs + leadDelay, leadOutcome)
  if (kind === 'borrower') {
    if (earlierLost) addDeal(startMs, 'lost')
    // An old application stuck in the archived Appraisal stage (D29).
    const stalled = scale > 0 && startMs < base - 2 * YEAR && stalledDraw < 0.04
    addDeal(startMs + (earlierLost ? laterDelay : soonDelay), stalled ? 'stalled_appraisal' : appOutcome)
  }
  if (kind === 'past_client' && pastDeal) addDeal(startMs, 'funded')

  // Engagements: counts and times per §11.5, drawn in full.
  const engRng = rr('engagements')
  const lifeEnd = Math.max(startMs, ...deals.map((d) => d.path.at(-1)?.at ?? d.createdMs))
  const funded = deals.at(-1)?.outcome === 'funded'
  const profileScale = PROFILES[world.options.profile].engagementScale
  const [median, p90] = funded ? [70, 180] : kind === 'past_client' ? [8, 30] : [14, 60]
  const noneDraw = engRng.next()
  const countDraw = engRng.lognormal(median, Math.log(p90 / median) / 1.2816)
  const coDraw = engRng.lognormal(10, Math.log(4) / 1.2816)
  const total =
    !funded && noneDraw < 0.25
      ? 0
      : Math.min(PER_STORY.engagements - 64, Math.round(countDraw * profileScale))
  const coCount = co === null ? 0 : Math.min(60, Math.round(coDraw * profileScale))
  const activeSpan = funded ? lifeEnd - startMs + 60 * DAY : kind === 'past_client' ? 3 * YEAR : 120 * DAY
  const mix = funded
    ? { EMAIL: 45, SMS: 20, CALL: 18, TASK: 10, NOTE: 6, MEETING: 1 }
    : { EMAIL: 60, SMS: 15, CALL: 12, TASK: 8, NOTE: 4, MEETING: 1 }
  const primaryId = contactId(serial0)
  const coId = co === null ? null : contactId(serial0 + 1)
  const times: Array<{ when: number; co: boolean }> = []
  for (let k = 0; k < total + coCount; k++) {
    const u = engRng.next()
    const drip = engRng.next()
    const jitter = engRng.int(0, 3_600) * 1000
    const later = engRng.next()
    const offset = funded && drip < 0.15 ? lifeEnd - startMs + later * 2 * YEAR : activeSpan * u ** 2
    times.push({ when: unambiguous(world, startMs + offset + jitter), co: k >= total })
  }
  times.sort((a, b) => a.when - b.when)
  const engagements: EngagementPlan[] = times.map((t, k) => {
    const serial = index * PER_STORY.engagements + k
    const r = streamOf(seed, 'engagement:type', serial)
    const type: EngagementType = t.co ? 'EMAIL' : r.weighted(mix)
    const lead = r.int(1, 5) * DAY
    return {
      serial,
      id: engagementId(serial),
      type,
      whenMs: t.when,
      createdMs: type === 'TASK' ? t.when - lead : t.when,
      contact: t.co && coId !== null ? coId : primaryId,
      co: t.co,
    }
  })
  // D09: one e-mail thread cut at 65,536 characters by the exporter (a world fact).
  let truncatedEmail: string | null = null
  for (const e of engagements) {
    if (e.type !== 'EMAIL' || scale <= 0) continue
    const draw = streamOf(seed, 'd09', e.serial).next()
    if (draw < 0.0005 * scale || (e.createdMs <= base && ctx.quota.take('D09-truncated'))) {
      truncatedEmail = e.id
      facts.push({
        defectId: 'D09',
        variant: 'truncated-body',
        object: 'emails',
        recordId: e.id,
        column: 'body',
      })
      break
    }
  }

  // Attachments per deal (§11.5), drawn in full and revealed as uploaded.
  const attachments: AttachmentPlan[] = []
  const attScale = PROFILES[world.options.profile].attachmentScale
  for (const d of deals) {
    const r = streamOf(seed, `attachments:${d.id}`)
    const fundedDeal = d.outcome === 'funded'
    const applied = d.path.some((s) => s.slug === 'under_contract' || s.slug === 'application_locked')
    const countDraw2 = fundedDeal
      ? r.lognormal(12, Math.log(40 / 12) / 1.2816)
      : applied
        ? r.int(0, 6)
        : r.int(0, 3)
    const count = Math.round(countDraw2 * attScale)
    const from = d.createdMs
    const to = d.path.at(-1)?.at ?? d.createdMs
    for (let k = 0; k < count && attachments.length < PER_STORY.attachments; k++) {
      const serial = index * PER_STORY.attachments + attachments.length
      const ar = streamOf(seed, 'attachment', serial)
      const uploadedMs = unambiguous(world, from + ar.next() * Math.max(DAY, to - from))
      const record = drawAttachment(
        world,
        ctx,
        ar,
        serial,
        uploadedMs,
        primaryId,
        lo,
        successor,
        facts,
        attachments,
      )
      const mail = engagements.find(
        (e) =>
          e.type === 'EMAIL' && !e.co && e.createdMs >= uploadedMs && e.createdMs - uploadedMs < 20 * DAY,
      )
      const attachToMail = ar.chance(0.4)
      const onMail =
        mail !== undefined &&
        attachToMail &&
        attachments.filter((a) => a.emailId === mail.id).length < 5 &&
        mail.id !== truncatedEmail
      attachments.push({
        serial,
        id: record.row['file_id'] ?? '',
        dealId: d.id,
        uploadedMs,
        record,
        emailId: onMail ? mail.id : null,
      })
    }
  }

  // Enrollments in workflows and sequences.
  const enrRng = rr('enrollments')
  const enrCount = enrRng.int(0, 2)
  const enrollments: StoryLife['enrollments'] = []
  for (let k = 0; k < enrCount; k++) {
    const enrolledMs = startMs + enrRng.int(0, 30) * DAY + enrRng.int(0, 86_399) * 1000
    const useSequence = enrRng.chance(0.4)
    const workflow = enrRng.pick(world.automation.workflowIds)
    const sequence = enrRng.pick(world.automation.sequenceIds)
    enrollments.push({
      id: enrollmentId(index * PER_STORY.enrollments + k),
      enrolledMs: unambiguous(world, enrolledMs),
      finishedMs: unambiguous(world, enrolledMs + enrRng.int(3, 60) * DAY),
      workflow: useSequence ? null : workflow,
      sequence: useSequence ? sequence : null,
      status: enrRng.weighted({ completed: 70, unenrolled: 25, failed: 5 }),
      step: String(enrRng.int(1, 3)),
    })
  }

  // D01 duplicates and D17 merge losers: extra contacts, never canonical (§10).
  const dupRng = rr('d01')
  const dupDraw = dupRng.next()
  const mergedDraw = dupRng.next()
  const twoDraw = dupRng.next()
  const duplicates: StoryLife['duplicates'] = []
  let dupGroup: string | null = null
  const dupEligible = kind !== 'vendor' && scale > 0
  if (dupEligible && (dupDraw < 0.04 * scale || (startMs <= base && ctx.quota.take('D01')))) {
    dupGroup = `dup-${index}`
    const merged = mergedDraw < 0.3 || (startMs <= base && ctx.quota.take('D17'))
    const copies = twoDraw < 0.2 || (merged && startMs <= base && ctx.quota.take('D17-chain')) ? 2 : 1
    for (let k = 0; k < copies; k++) {
      const createdMs = unambiguous(world, startMs + (k + 1) * dupRng.int(2, 200) * DAY)
      duplicates.push({
        id: contactId(serial0 + 2 + k),
        createdMs,
        updatedMs: unambiguous(world, createdMs + dupRng.int(0, 10) * DAY),
        firstName: dupRng.chance(0.7)
          ? primary.first
          : primary.first.slice(0, Math.max(3, primary.first.length - 2)),
        email:
          k === 0 && dupRng.chance(0.5) ? primary.email.replace(/^./, (c) => c.toUpperCase()) : primary.email,
        phone: dupRng.chance(0.5),
        leadSource: dupRng.pick(['website', 'zillow', 'facebook_ads']),
        sourceSystem: dupRng.pick(['web_form', 'zillow', 'import_csv']),
        merged,
        archived: merged && dupRng.chance(0.5),
        chain: k > 0,
      })
    }
  }
  const archivedContact = kind === 'lead' && deals.length === 0 && co === null && rr('archived').chance(0.03)
  return {
    index,
    kind,
    startMs,
    lo,
    successor,
    place,
    primary,
    co,
    married,
    sharedEmail,
    leadSource,
    referralText,
    referralTextOnly,
    linkedPartner,
    employer,
    deals,
    engagements,
    attachments,
    enrollments,
    duplicates,
    dupGroup,
    archivedContact,
    truncatedEmail,
    facts,
  }
}

function drawAttachment(
  world: World,
  ctx: LifeContext,
  r: Rng,
  serial: number,
  uploadedMs: number,
  contact: string,
  lo: Owner,
  successor: Owner,
  facts: WorldFact[],
  earlier: ReadonlyArray<AttachmentPlan>,
): AttachmentRecord {
  const id = fileId(serial)
  const scale = world.defectScale
  const baseVisible = uploadedMs <= world.portal.baseExportedAtMs
  const take = (key: string) => scale > 0 && baseVisible && ctx.quota.take(key)
  const docType = r.weighted(DOC_MIX)
  const byBorrower = r.chance(0.4)
  const photoDraw = r.next()
  const heicDraw = r.next()
  const docxDraw = r.next()
  const kind: BinaryKind =
    docType === 'photo_id' || (byBorrower && photoDraw < 0.3)
      ? heicDraw < 0.4
        ? 'heic'
        : 'jpeg'
      : docxDraw < 0.05
        ? 'docx'
        : 'pdf'
  const heicAsJpgDraw = r.next()
  // Phone photos in HEIC named and typed as JPEG (D36 type mismatch, a world fact).
  const heicAsJpg = kind === 'heic' && scale > 0 && (heicAsJpgDraw < 0.5 || take('D36-type'))
  const ext = kind === 'heic' ? (heicAsJpg ? 'jpg' : 'HEIC') : kind === 'jpeg' ? 'jpg' : kind
  const copyDraw = r.next()
  const photoNumber = r.int(1000, 9999)
  const title =
    docType === 'unknown' ? 'Scan' : docType.replace(/_/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase())
  const cleanName =
    kind === 'heic' || kind === 'jpeg'
      ? `IMG_${photoNumber}.${ext}`
      : `${title} ${localDate(world, uploadedMs).slice(0, 7)}${copyDraw < 0.3 ? ` (${1 + (photoNumber % 3)})` : ''}.${ext}`
  const unsafeDraw = r.next()
  const unsafeCandidate = unsafeFilename(r, cleanName)
  // An upload under an unsafe name (D13): canonical holds its normalisation, the export the raw name.
  const unsafe = scale > 0 && (unsafeDraw < 0.002 * scale || take('D13-name')) ? unsafeCandidate : null
  const storedName = normaliseFilename(unsafe ?? cleanName)
  const mime = {
    pdf: 'application/pdf',
    jpeg: 'image/jpeg',
    heic: heicAsJpg ? 'image/jpeg' : 'image/heic',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  }[kind]
  const oversizedDraw = r.next()
  const notIncludedDraw = r.next()
  const zeroDraw = r.next()
  const passwordDraw = r.next()
  const sameDraw = r.next()
  const sizeDraw = r.lognormal(450_000, 1)
  const bigDraw = r.int(1, 400)
  const sourceDraw = r.pick(['email_attachment', 'manual_upload', 'los_sync', 'generated'])
  // World facts about binaries: declared oversized (D14), not included or empty (D12).
  const oversized = scale > 0 && (oversizedDraw < 0.0001 * scale || take('D14'))
  const notIncluded =
    oversized ||
    !world.options.includeBinaries ||
    (scale > 0 && (notIncludedDraw < 0.015 * scale || take('D12-not-included')))
  const zeroByte = !notIncluded && scale > 0 && (zeroDraw < 0.01 * scale || take('D12-zero'))
  const passwordProtected =
    kind === 'pdf' && scale > 0 && (passwordDraw < 0.005 * scale || take('D36-password'))
  // The same document uploaded twice: one binary under two ids (D36, 3 % exact duplicates).
  const previous = earlier.at(-1)?.record
  const original =
    scale > 0 &&
    previous !== undefined &&
    previous.binary !== null &&
    previous.binary.length > 0 &&
    (sameDraw < 0.03 * scale || take('D36-same'))
      ? previous
      : undefined
  const binary = notIncluded
    ? null
    : zeroByte
      ? Buffer.alloc(0)
      : (original?.binary ?? placeholderBinary(kind, id, docType))
  const size = oversized
    ? 131_072_000 + bigDraw * 1_048_576
    : binary === null
      ? Math.round(sizeDraw)
      : binary.length
  const uploader = byBorrower ? null : ownerAt(world, successor, lo, uploadedMs)
  const row: Row = {
    file_id: id,
    original_filename: storedName,
    stored_path: binary === null ? null : `files/${id}/${storedName}`,
    mime_type: mime,
    size_bytes: String(size),
    sha256: binary === null ? null : sha256Hex(binary),
    doc_type: docType,
    uploaded_at: stamp(uploadedMs),
    uploaded_by_owner_id: uploader?.row['owner_id'] ?? null,
    uploaded_by_contact_id: byBorrower ? contact : null,
    upload_source: byBorrower ? 'borrower_portal' : sourceDraw,
    is_password_protected: passwordProtected ? 'true' : 'false',
    binary_present: binary === null ? 'false' : 'true',
    updated_at: stamp(uploadedMs),
    archived: r.chance(0.01) ? 'true' : 'false',
  }
  if (notIncluded && scale > 0)
    facts.push({
      defectId: 'D12',
      variant: 'binary-not-included',
      object: 'attachments',
      recordId: id,
      column: 'binary_present',
    })
  if (zeroByte)
    facts.push({
      defectId: 'D12',
      variant: 'binary-empty',
      object: 'attachments',
      recordId: id,
      column: 'size_bytes',
    })
  if (oversized)
    facts.push({
      defectId: 'D14',
      variant: 'oversized-declared',
      object: 'attachments',
      recordId: id,
      column: 'size_bytes',
    })
  // Content mismatches only show where there is content to compare (§9 D36: actual content wins).
  if (heicAsJpg && binary !== null && binary.length > 0)
    facts.push({
      defectId: 'D36',
      variant: 'type-mismatch',
      object: 'attachments',
      recordId: id,
      column: 'mime_type',
    })
  if (passwordProtected)
    facts.push({
      defectId: 'D36',
      variant: 'password-protected',
      object: 'attachments',
      recordId: id,
      column: 'is_password_protected',
    })
  if (original !== undefined && binary !== null) {
    facts.push({
      defectId: 'D36',
      variant: 'same-binary-two-ids',
      object: 'attachments',
      recordId: id,
      column: 'sha256',
      canonicalId: original.row['file_id'] ?? '',
    })
  }
  return { row, binary, storedName, unsafeOriginalName: unsafe }
}

/** The moment a story is viewed at. */
export type ViewContext = Readonly<{ world: World; atMs: number }>

/** Shows a life as an export at `atMs` sees it; null when the story has not started yet. */
export function viewStory(ctx: ViewContext, life: StoryLife): StoryOutput | null {
  const { world, atMs } = ctx
  if (life.startMs > atMs) return null
  const seed = world.options.seed
  const { primary, co, lo, successor, place } = life
  const primaryId = contactId(life.index * PER_STORY.contacts)
  const coId = co === null ? null : contactId(life.index * PER_STORY.contacts + 1)
  const facts: WorldFact[] = life.facts.filter((f) => isFactVisible(f, life, atMs))
  const assocs: Assoc[] = []
  const link = (
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    value: string | null,
    isPrimary: boolean,
    createdMs: number,
  ) => {
    if (createdMs > atMs) return
    assocs.push({
      fromType,
      fromId,
      toType,
      toId,
      typeId: associationTypeOf(fromType, toType, value).associationTypeId,
      isPrimary,
      createdAt: stamp(createdMs),
    })
  }
  const contactEvents = new Map<string, number[]>([[primaryId, [life.startMs]]])
  if (coId !== null) contactEvents.set(coId, [life.startMs + 60_000])
  const touch = (id: string, ms: number) => {
    if (ms <= atMs) contactEvents.get(id)?.push(ms)
  }
  if (life.employer !== null)
    link('contact', primaryId, 'company', life.employer['id'] ?? '', 'works_at', true, life.startMs)
  if (life.linkedPartner !== null)
    link('contact', primaryId, 'contact', life.linkedPartner.id, 'referred_by', false, life.startMs)
  if (coId !== null)
    link(
      'contact',
      primaryId,
      'contact',
      coId,
      life.married ? 'spouse_partner' : 'co_borrower_of',
      false,
      life.startMs + 60_000,
    )

  // Deals as of atMs.
  const companies: CompanyRecord[] = []
  const deals: DealRecord[] = []
  let latest: {
    slug: string
    updatedMs: number
    id: string
    legacy: boolean
    fundedMs: number | null
  } | null = null
  for (const d of life.deals) {
    if (d.createdMs > atMs) continue
    const steps = pathAt(d.path, atMs)
    const last = steps.at(-1)
    if (last === undefined) continue
    const refinance = d.pipeline === REFI_PIPELINE_ID
    const stageIdOf = (slug: string) =>
      d.legacy ? (d.draws.legacyStages.get(slug) ?? 'l21_tbd') : refinance ? `refi_${slug}` : slug
    const reached = (slug: string) => steps.find((s) => s.slug === slug)?.at ?? null
    const contractMs = reached('under_contract') ?? reached('application_locked')
    const preapprovedMs = reached('pre_approval')
    const ctcMs = reached('clear_to_close')
    const fundedMs = reached('funded')
    const lostMs = reached('lost') ?? reached('withdrawn') ?? reached('denied')
    const dealOwner = ownerAt(world, successor, lo, d.createdMs)
    const history: Row[] = []
    const dateEntered = new Map<string, string>()
    let prevStage: string | null = null
    for (const [k, s] of steps.entries()) {
      const stageId = stageIdOf(s.slug)
      if (stageId === prevStage) continue
      history.push({
        id: historyId(d.serial * HISTORY_PER_DEAL + k),
        deal_id: d.id,
        pipeline_id: d.pipeline,
        from_stage_id: prevStage,
        to_stage_id: stageId,
        changed_at: stamp(s.at),
        changed_by_owner_id:
          k === 0 || d.draws.historyBySystem[k] === true
            ? null
            : (ownerAt(world, successor, dealOwner, s.at).row['owner_id'] ?? null),
        change_source: d.draws.historySources[k] ?? 'ui',
      })
      dateEntered.set(stageId, stamp(s.at))
      prevStage = stageId
    }
    const lastHistory = history.at(-1)
    const currentStage = lastHistory?.['to_stage_id'] ?? stageIdOf(last.slug)
    const tbd = contractMs === null
    const loan = d.loan
    const money = (n: number) => n.toFixed(2)
    const sp = d.draws.subjectPlace
    const closeMs = fundedMs ?? (contractMs !== null ? contractMs + 40 * DAY : d.createdMs + 90 * DAY)
    const row: Row = {
      id: d.id,
      dealname: `${primary.last}${co !== null && !life.married ? ` / ${co.last}` : ''} - ${refinance ? 'Refinance' : loan.purpose === 'construction' ? 'Construction' : 'Purchase'}${tbd ? '' : ` - ${d.draws.subjectHouse} ${sp.city}`}`,
      pipeline_id: d.pipeline,
      dealstage: currentStage,
      amount: money(loan.amount),
      closedate: localDate(world, closeMs),
      owner_id: dealOwner.row['owner_id'] ?? null,
      loan_officer_owner_id: dealOwner.row['owner_id'] ?? null,
      processor_owner_id: contractMs !== null ? (d.draws.processor?.row['owner_id'] ?? null) : null,
      loan_number:
        contractMs !== null
          ? `${new Date(contractMs).getUTCFullYear()}${String(d.serial % 1_000_000).padStart(6, '0')}`
          : null,
      los_loan_guid: contractMs !== null ? guidOf(seed, d.id) : null,
      lender_name: contractMs !== null ? d.draws.lender : null,
      channel: contractMs !== null ? d.draws.channel : null,
      loan_purpose: loan.purpose,
      loan_type: loan.type,
      occupancy: loan.occupancy,
      property_type: tbd ? null : loan.propertyType,
      amortization_type: loan.amortization,
      term_months: String(loan.termMonths),
      loan_amount: money(loan.amount),
      purchase_price: refinance ? null : money(loan.price),
      appraised_value:
        reached('underwriting') !== null
          ? money(Math.round((loan.price * d.draws.appraisedFactor) / 100) * 100)
          : null,
      ltv: String(loan.ltv),
      interest_rate: loan.rate.toFixed(3),
      lock_status:
        contractMs === null
          ? null
          : fundedMs !== null
            ? 'locked'
            : lostMs !== null
              ? 'cancelled'
              : d.draws.lockOpen,
      fico_score: preapprovedMs !== null ? String(loan.fico) : null,
      preapproval_date: preapprovedMs === null ? null : localDate(world, preapprovedMs),
      preapproval_expiration_date: preapprovedMs === null ? null : localDate(world, preapprovedMs + 90 * DAY),
      preapproval_amount:
        preapprovedMs === null ? null : money(Math.round((loan.amount * 1.1) / 1000) * 1000),
      application_date: contractMs === null ? null : localDate(world, contractMs),
      closing_date: ctcMs === null ? null : localDate(world, fundedMs ?? ctcMs + 7 * DAY),
      funded_date: fundedMs === null ? null : localDate(world, fundedMs),
      lost_date: lostMs === null ? null : localDate(world, lostMs),
      lost_reason:
        last.slug === 'lost' ? d.draws.lostReason : last.slug === 'denied' ? d.draws.deniedReason : null,
      hmda_action_taken: hmdaActionOf(d.outcome, last.slug),
      subject_address: tbd ? null : d.draws.subjectAddress,
      subject_city: sp.city,
      subject_state: sp.state,
      subject_zip: tbd ? null : d.draws.subjectZip,
      subject_tbd: tbd ? 'true' : 'false',
      lead_source: life.leadSource === 'blank' ? null : life.leadSource,
      referral_source: life.referralText,
      referral_partner_contact_id: d.partner?.id ?? null,
      date_entered_current_stage: lastHistory?.['changed_at'] ?? stamp(last.at),
      created_at: stamp(d.createdMs),
      updated_at: stamp(Math.max(d.createdMs, last.at)),
      archived: d.archived && lostMs !== null ? 'true' : 'false',
    }
    fillCustomValues(row, world.customProperties, 'deals', streamOf(seed, `custom:${d.id}`), d.createdMs)
    link('contact', primaryId, 'deal', d.id, 'borrower', true, d.createdMs)
    if (coId !== null) link('contact', coId, 'deal', d.id, 'co_borrower', false, d.createdMs)
    if (d.partner !== null) {
      link(
        'contact',
        d.partner.id,
        'deal',
        d.id,
        d.partner === life.linkedPartner ? 'referral_partner' : 'buyers_agent',
        false,
        d.createdMs,
      )
      if (d.partner.companyId !== null && contractMs !== null)
        link('deal', d.id, 'company', d.partner.companyId, 'referring_brokerage', false, contractMs)
    }
    if (d.listingAgent !== null && contractMs !== null && d.listingAgent.id !== d.partner?.id)
      link('contact', d.listingAgent.id, 'deal', d.id, 'listing_agent', false, contractMs)
    if (contractMs !== null && d.draws.title !== null)
      link('deal', d.id, 'company', d.draws.title, 'title_company', false, contractMs + DAY)
    if (loan.purpose === 'construction' && d.draws.builder !== null)
      link('deal', d.id, 'company', d.draws.builder, 'builder', false, d.createdMs)
    // A household/property record for a property under contract (§4.4).
    const hhIndex = life.deals.indexOf(d)
    if (contractMs !== null && hhIndex < PER_STORY.companies) {
      const hhId = companyId(HOUSEHOLD_COMPANY_SERIAL_BASE + life.index * PER_STORY.companies + hhIndex)
      const hhRow: Row = {
        id: hhId,
        name: `${primary.last} Household - ${d.draws.subjectAddress}`,
        domain: null,
        company_type: 'household',
        parent_company_id: null,
        phone: null,
        address: null,
        city: null,
        state: null,
        zip: null,
        property_address: d.draws.subjectAddress,
        property_city: sp.city,
        property_state: sp.state,
        property_zip: d.draws.subjectZip,
        estimated_property_value: money(loan.price),
        owner_id: dealOwner.row['owner_id'] ?? null,
        created_at: stamp(contractMs),
        updated_at: stamp(contractMs),
        archived: 'false',
      }
      fillCustomValues(
        hhRow,
        world.customProperties,
        'companies',
        streamOf(seed, `custom:${hhId}`),
        contractMs,
      )
      companies.push({ row: hhRow, kind: 'household' })
      link('deal', d.id, 'company', hhId, 'household_property', true, contractMs)
      link('contact', primaryId, 'company', hhId, 'household_member', false, contractMs)
      if (coId !== null) link('contact', coId, 'company', hhId, 'household_member', false, contractMs)
    }
    deals.push({ row, history, dateEntered, latest: false })
    for (const s of steps) {
      touch(primaryId, s.at)
      if (coId !== null) touch(coId, s.at)
    }
    const stage = STANDARD_STAGES.get(currentStage)
    if (d.legacy || stage?.archived === true)
      facts.push({
        defectId: 'D29',
        variant: 'archived-stage',
        object: 'deals',
        recordId: d.id,
        column: 'dealstage',
      })
    if (row['archived'] === 'true') continue
    const updatedMs = Date.parse(row['updated_at'] ?? '')
    if (
      latest === null ||
      updatedMs > latest.updatedMs ||
      (updatedMs === latest.updatedMs && BigInt(d.id) > BigInt(latest.id))
    ) {
      latest = { slug: last.slug, updatedMs, id: d.id, legacy: d.legacy, fundedMs }
    }
  }

  // Engagements as of atMs.
  const engagements: EngagementRecord[] = []
  const byId = new Map<string, EngagementRecord>()
  let lastActivityMs: number | null = null
  for (const plan of life.engagements) {
    if (plan.createdMs > atMs) continue
    const person = plan.co && co !== null ? co : primary
    const rec = engagementRecord(world, life, plan, person, atMs)
    if (plan.type === 'NOTE' && world.defectScale >= 0) {
      const body = rec.row['body'] ?? ''
      // World facts of note bodies: HTML (D09, kept, no warning) and plain multi-line text (D23).
      if (body.startsWith('<'))
        facts.push({
          defectId: 'D09',
          variant: 'html-body',
          object: 'notes',
          recordId: plan.id,
          column: 'body',
        })
      else if (body.includes('\n'))
        facts.push({
          defectId: 'D23',
          variant: 'quoted-newline',
          object: 'notes',
          recordId: plan.id,
          column: 'body',
        })
    }
    const deal = life.deals.find(
      (d) => d.createdMs <= plan.createdMs && plan.whenMs <= (d.path.at(-1)?.at ?? d.createdMs) + 30 * DAY,
    )
    if (deal !== undefined) rec.deals.push(deal.id)
    engagements.push(rec)
    byId.set(plan.id, rec)
    lastActivityMs = Math.max(lastActivityMs ?? 0, Math.min(plan.whenMs, atMs))
    touch(plan.contact, Date.parse(rec.row['updated_at'] ?? ''))
  }
  // Attachments as of atMs, with their links.
  const attachments: AttachmentRecord[] = []
  for (const a of life.attachments) {
    if (a.uploadedMs > atMs) continue
    attachments.push(a.record)
    link('attachment', a.id, 'deal', a.dealId, null, false, a.uploadedMs)
    if (a.record.row['uploaded_by_contact_id'] !== null)
      link('attachment', a.id, 'contact', primaryId, null, false, a.uploadedMs)
    const mail = a.emailId === null ? undefined : byId.get(a.emailId)
    if (mail !== undefined) {
      mail.row['attachment_ids'] = [
        ...(mail.row['attachment_ids'] ?? '').split(';').filter((x) => x !== ''),
        a.id,
      ].join(';')
      link(
        'attachment',
        a.id,
        'engagement',
        mail.row['id'] ?? '',
        null,
        false,
        Math.max(a.uploadedMs, Date.parse(mail.row['created_at'] ?? '')),
      )
    }
  }
  // Enrollments as of atMs.
  const enrollments: Row[] = []
  for (const e of life.enrollments) {
    if (e.enrolledMs > atMs) continue
    const finished = e.finishedMs <= atMs
    enrollments.push({
      enrollment_id: e.id,
      workflow_id: e.workflow,
      sequence_id: e.sequence,
      object_type: 'contact',
      object_id: primaryId,
      enrolled_at: stamp(e.enrolledMs),
      current_step: finished ? null : e.step,
      status: finished ? e.status : 'active',
      unenrolled_at: finished && e.status !== 'completed' ? stamp(e.finishedMs) : null,
      updated_at: stamp(finished ? e.finishedMs : e.enrolledMs),
    })
  }

  // Contacts, last: their status and timestamps follow everything above.
  const latestId = (latest as { id: string } | null)?.id
  for (const d of deals) d.latest = d.row['id'] === latestId
  const fundedAge = (ms: number | null) =>
    ms === null ? null : Math.floor((atMs - Date.parse(`${localDate(world, ms)}T00:00:00Z`)) / DAY)
  const latestDeal = latest as { slug: string; legacy: boolean; fundedMs: number | null } | null
  const statusFromDeal =
    latestDeal === null ? null : usualLoanStatus(latestDeal.slug, fundedAge(latestDeal.fundedMs))
  if (latestDeal?.fundedMs != null) {
    // A funded contact turns from closed_funded into past_client at 90 days: an update of its own.
    const switchMs = Date.parse(`${localDate(world, latestDeal.fundedMs)}T00:00:00Z`) + 90 * DAY
    touch(primaryId, switchMs)
    if (coId !== null) touch(coId, switchMs)
  }
  const contacts: ContactRecord[] = []
  const d27Stage = latestDeal === null || latestDeal.legacy ? null : latestDeal.slug
  const contactRow = (p: Person, id: string, role: 'primary' | 'co_borrower'): Row => {
    const r = streamOf(seed, `contact:${id}`)
    const draws = {
      noAddress: r.chance(0.6),
      dob: r.chance(0.6),
      dobValue: `${r.int(1950, 2001)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
      leadStatus: r.weighted({ new_lead: 40, attempted_contact: 30, contacted: 20, nurture: 10 }),
      lifecycle: r.pick(['lead', 'subscriber', 'marketingqualifiedlead']),
      hubspotStatus: r.pick([
        'NEW',
        'ATTEMPTED_TO_CONTACT',
        'CONNECTED',
        'NURTURE',
        'UNQUALIFIED',
        'BAD_TIMING',
      ]),
      assistant: r.chance(0.3),
      assistantPick: r.next(),
      additional: r.chance(0.05),
      phone: r.chance(0.7),
      mobile: r.chance(0.5),
      losSync: r.next(),
      interest: r.chance(0.4),
      interestType: r.pick(['conventional', 'fha', 'va', 'jumbo']),
      fthb: r.chance(0.6),
      fthbValue: r.chance(0.35),
      optOut: r.chance(0.05),
      consent: r.weighted({ opted_in: 55, unknown: 35, opted_out: 10 }),
      dnc: r.chance(0.03),
      tags: r.chance(0.3),
      tag1: r.pick(TAGS),
      tag2: r.pick(TAGS),
      source: r.pick(['web_form', 'manual', 'api', 'zillow', 'lendingtree', 'portal_signup']),
      zillowId: r.chance(0.5),
      zillowValue: r.int(10_000_000, 99_999_999),
      address: streetAddress(r),
      zip: zipOf(r, place),
      detail: r.next(),
    }
    const losSync =
      life.kind === 'past_client' ? draws.losSync < 0.6 : life.deals.length > 0 && draws.losSync < 0.15
    const contactType =
      role === 'co_borrower'
        ? 'co_borrower'
        : life.kind === 'lead'
          ? 'prospect'
          : life.kind === 'borrower'
            ? latestDeal?.slug === 'funded'
              ? 'past_client'
              : 'borrower'
            : life.kind
    const status =
      statusFromDeal ??
      (life.kind === 'vendor' || life.kind === 'other' || role === 'co_borrower' ? null : draws.leadStatus)
    const createdMs = life.startMs + (role === 'co_borrower' ? 60_000 : 0)
    const updatedMs = Math.max(createdMs, ...(contactEvents.get(id) ?? []), lastActivityMs ?? 0)
    const details = LEAD_SOURCE_DETAILS[life.leadSource]
    const assistants = supportOwners(world, 'loan_officer_assistant')
    const row: Row = {
      id,
      first_name: p.first,
      last_name: p.last,
      email: p.email,
      additional_emails: draws.additional ? `${asciiLocal(p.first)}.${p.serial}@work.example.com` : null,
      phone: draws.phone ? phoneFor(place.areaCodes[0] ?? '612', p.serial) : null,
      mobile_phone: draws.mobile
        ? phoneFor(place.areaCodes[1] ?? place.areaCodes[0] ?? '612', p.serial + 5_000_000)
        : null,
      address: life.kind === 'lead' && draws.noAddress ? null : draws.address,
      city: place.city,
      state: place.state,
      zip: draws.zip,
      date_of_birth: life.kind !== 'lead' && draws.dob ? draws.dobValue : null,
      contact_type: contactType,
      lifecycle_stage:
        latestDeal?.slug === 'funded'
          ? 'customer'
          : latestDeal !== null
            ? 'opportunity'
            : life.kind === 'lead'
              ? draws.lifecycle
              : 'other',
      lead_status: life.kind === 'lead' ? draws.hubspotStatus : latestDeal !== null ? 'IN_PROGRESS' : null,
      loan_status: status,
      owner_id: lo.row['owner_id'] ?? null,
      loan_officer_owner_id: lo.row['owner_id'] ?? null,
      assistant_owner_id:
        draws.assistant && assistants.length > 0
          ? (assistants[Math.floor(draws.assistantPick * assistants.length)]?.row['owner_id'] ?? null)
          : null,
      lead_source: role === 'co_borrower' || life.leadSource === 'blank' ? null : life.leadSource,
      lead_source_detail:
        role === 'co_borrower' || details === undefined
          ? null
          : (details[Math.floor(draws.detail * details.length)] ?? null),
      referral_source: role === 'co_borrower' ? null : life.referralText,
      referred_by_contact_id: role === 'co_borrower' ? null : (life.linkedPartner?.id ?? null),
      primary_company_id: role === 'primary' ? (life.employer?.['id'] ?? null) : null,
      loan_type_interest: life.deals.length === 0 && draws.interest ? draws.interestType : null,
      first_time_homebuyer: draws.fthb ? (draws.fthbValue ? 'true' : 'false') : null,
      email_opt_out: draws.optOut ? 'true' : 'false',
      sms_consent: draws.consent,
      sms_consent_at: draws.consent === 'opted_in' ? stamp(createdMs) : null,
      do_not_call: draws.dnc ? 'true' : 'false',
      tags: draws.tags ? [...new Set([draws.tag1, draws.tag2])].join(';') : null,
      partner_type: null,
      last_activity_at: lastActivityMs === null ? null : stamp(lastActivityMs),
      source_system: losSync ? 'los_sync' : life.kind === 'past_client' ? 'import_csv' : draws.source,
      external_ids: losSync
        ? `los:${guidOf(seed, id)}`
        : life.leadSource === 'zillow' && draws.zillowId
          ? `zillow:${draws.zillowValue}`
          : null,
      merged_into_id: null,
      created_at: stamp(createdMs),
      updated_at: stamp(updatedMs),
      archived: role === 'primary' && life.archivedContact ? 'true' : 'false',
    }
    fillCustomValues(row, world.customProperties, 'contacts', streamOf(seed, `custom:${id}`), life.startMs)
    return row
  }
  contacts.push({
    row: contactRow(primary, primaryId, 'primary'),
    role: 'primary',
    latestDealStage: d27Stage,
    duplicateOf: null,
    duplicateGroup: null,
    storyLocal:
      life.deals.length === 0 && life.linkedPartner === null && co === null && life.duplicates.length === 0,
  })
  if (co !== null && coId !== null) {
    contacts.push({
      row: contactRow(co, coId, 'co_borrower'),
      role: 'co_borrower',
      latestDealStage: d27Stage,
      duplicateOf: null,
      duplicateGroup: null,
      storyLocal: false,
    })
    if (life.sharedEmail) {
      const group = `household-${life.index}`
      facts.push({
        defectId: 'D02',
        variant: 'household-shared-email',
        object: 'contacts',
        recordId: primaryId,
        column: 'email',
        group,
      })
      facts.push({
        defectId: 'D02',
        variant: 'household-shared-email',
        object: 'contacts',
        recordId: coId,
        column: 'email',
        group,
      })
    }
  }
  if (life.referralTextOnly) {
    facts.push({
      defectId: 'D28',
      variant: 'referral-text-without-link',
      object: 'contacts',
      recordId: primaryId,
      column: 'referral_source',
    })
    for (const d of deals)
      facts.push({
        defectId: 'D28',
        variant: 'referral-text-without-link',
        object: 'deals',
        recordId: d.row['id'] ?? '',
        column: 'referral_source',
      })
  }
  const primaryRow = contacts[0]?.row
  let target = primaryId
  for (const dup of life.duplicates) {
    if (dup.createdMs > atMs || primaryRow === undefined) break
    const row: Row = {
      ...Object.fromEntries(Object.keys(primaryRow).map((key) => [key, null])),
      id: dup.id,
      first_name: dup.firstName,
      last_name: primary.last,
      email: dup.email,
      phone: dup.phone ? (primaryRow['phone'] ?? null) : null,
      contact_type: 'prospect',
      lifecycle_stage: 'lead',
      lead_status: 'NEW',
      loan_status: 'new_lead',
      owner_id: lo.row['owner_id'] ?? null,
      loan_officer_owner_id: lo.row['owner_id'] ?? null,
      lead_source: dup.leadSource,
      email_opt_out: 'false',
      do_not_call: 'false',
      source_system: dup.sourceSystem,
      merged_into_id: dup.merged ? target : null,
      created_at: stamp(dup.createdMs),
      updated_at: stamp(dup.updatedMs <= atMs ? dup.updatedMs : dup.createdMs),
      archived: dup.archived ? 'true' : 'false',
    }
    contacts.push({
      row,
      role: 'duplicate',
      latestDealStage: null,
      duplicateOf: primaryId,
      duplicateGroup: life.dupGroup,
      storyLocal: true,
    })
    if (dup.merged) {
      facts.push({
        defectId: 'D17',
        variant: dup.chain ? 'merge-chain' : 'merge-loser',
        object: 'contacts',
        recordId: dup.id,
        column: 'merged_into_id',
        canonicalId: primaryId,
        group: life.dupGroup ?? undefined,
      })
      target = dup.id
    }
  }
  const group = contacts.filter(
    (c) => c.row['archived'] === 'false' && (c.role === 'primary' || c.role === 'duplicate'),
  )
  if (life.dupGroup !== null && group.length >= 2) {
    for (const c of group)
      facts.push({
        defectId: 'D01',
        variant: 'duplicate-contact',
        object: 'contacts',
        recordId: c.row['id'] ?? '',
        column: null,
        canonicalId: primaryId,
        group: life.dupGroup,
      })
  }
  return {
    index: life.index,
    contacts,
    companies,
    deals,
    assocs,
    engagements,
    attachments,
    enrollments,
    facts,
  }
}

/** Facts drawn with the life that concern records not visible yet are held back. */
function isFactVisible(fact: WorldFact, life: StoryLife, atMs: number): boolean {
  if (fact.object === 'attachments')
    return (life.attachments.find((a) => a.id === fact.recordId)?.uploadedMs ?? Infinity) <= atMs
  if (fact.object === 'emails')
    return (life.engagements.find((e) => e.id === fact.recordId)?.createdMs ?? Infinity) <= atMs
  return true
}

function engagementRecord(
  world: World,
  life: StoryLife,
  plan: EngagementPlan,
  person: Person,
  atMs: number,
): EngagementRecord {
  const seed = world.options.seed
  const r = streamOf(seed, 'engagement', plan.serial)
  const owner = ownerAt(world, life.successor, life.lo, plan.whenMs)
  const { place } = life
  const contactPhone = phoneFor(place.areaCodes[0] ?? '612', person.serial)
  const automated = r.chance(0.3)
  const bySequence = r.chance(0.5)
  const sequence = r.pick(world.automation.sequenceIds)
  const workflow = r.pick(world.automation.workflowIds)
  const note = r.pick(NOTE_TEXTS)
  const note2 = r.pick(NOTE_TEXTS)
  const archived = r.chance(0.01)
  const row: Row = {
    id: plan.id,
    timestamp: stamp(plan.whenMs),
    owner_id: owner.row['owner_id'] ?? null,
    source: 'crm_ui',
    body: null,
    attachment_ids: null,
    workflow_id: null,
    sequence_id: null,
    created_at: stamp(plan.createdMs),
    updated_at: stamp(plan.createdMs),
    archived: archived ? 'true' : 'false',
  }
  if (automated && plan.type !== 'NOTE' && plan.type !== 'MEETING') {
    if (bySequence) {
      row['sequence_id'] = sequence
      row['source'] = 'sequence'
    } else {
      row['workflow_id'] = workflow
      row['source'] = 'workflow'
    }
  }
  const first = person.first
  const manual = row['source'] === 'crm_ui'
  let contacts = [plan.contact]
  switch (plan.type) {
    case 'CALL': {
      const connected = r.chance(0.4)
      const outbound = r.chance(0.8)
      const disposition = r.pick([
        'left_voicemail',
        'left_voicemail',
        'no_answer',
        'busy',
        'wrong_number',
        'bad_number',
      ])
      const status = r.pick(['NO_ANSWER', 'COMPLETED', 'BUSY', 'FAILED'])
      const talk = Math.round(r.lognormal(240_000, 0.7))
      const ring = r.int(0, 35_000)
      const recorded = r.chance(0.3)
      const noted = r.chance(0.5)
      const integration = r.chance(0.5)
      Object.assign(row, {
        source: manual && integration ? 'phone_integration' : row['source'],
        direction: outbound ? 'OUTBOUND' : 'INBOUND',
        disposition: connected ? 'connected' : disposition,
        status: connected ? 'COMPLETED' : status,
        duration_ms: String(connected ? talk : ring),
        from_number: outbound ? owner.phone : contactPhone,
        to_number: outbound ? contactPhone : owner.phone,
        recording_url: connected && recorded ? `https://recordings.leaf360.example/${plan.id}.mp3` : null,
        title: `Call with ${first}`,
        body: connected && noted ? `<p>${note}</p>` : null,
      })
      break
    }
    case 'EMAIL': {
      const outgoing = plan.co || r.chance(0.7)
      const forwarded = r.chance(0.1)
      const subject = r.pick(EMAIL_SUBJECTS)
      const sendStatus = r.weighted({ SENT: 96, BOUNCED: 2, FAILED: 1, SCHEDULED: 1 })
      const opens = r.chance(0.5)
      const openDelay = r.int(60, 86_400) * 1000
      const cc = r.chance(0.3)
      const outlook = r.chance(0.05)
      const openedMs = plan.whenMs + openDelay
      const opened = outgoing && opens && openedMs <= atMs
      const coPerson = life.co
      Object.assign(row, {
        source: manual ? 'email_integration' : row['source'],
        direction: outgoing ? 'EMAIL' : forwarded ? 'FORWARDED_EMAIL' : 'INCOMING_EMAIL',
        subject,
        from_email: outgoing ? owner.row['email'] : person.email,
        to_emails: outgoing ? person.email : owner.row['email'],
        cc_emails: plan.co ? life.primary.email : coPerson !== null && cc ? coPerson.email : null,
        text: `Hi ${first},\n\n${note}\n\nThanks,\n${owner.fullName}`,
        thread_id: `t-${life.index}-${plan.serial % 7}`,
        send_status: outgoing ? sendStatus : null,
        opened_at: opened ? stamp(openedMs) : null,
        body: `${outlook ? '<style>p.MsoNormal{margin:0in;font-family:Calibri}</style>' : ''}<html><body><p>Hi ${first},</p><p>${note}</p><p>Thanks,<br>${owner.fullName}</p></body></html>`,
      })
      if (opened) row['updated_at'] = stamp(openedMs)
      if (plan.co) contacts = [plan.contact, contactId(life.index * PER_STORY.contacts)]
      if (life.truncatedEmail === plan.id) {
        const filler = '<p>&gt; On a previous message, the borrower wrote about the closing schedule.</p>'
        row['body'] = (String(row['body']) + filler.repeat(Math.ceil(BODY_MAX_CHARS / filler.length))).slice(
          0,
          BODY_MAX_CHARS,
        )
      }
      break
    }
    case 'MEETING': {
      const outcome = r.weighted({ COMPLETED: 80, NO_SHOW: 8, RESCHEDULED: 7, CANCELED: 5 })
      const kind = r.int(0, 3)
      const location = r.pick(['Office', 'Zoom', 'Phone', `${place.city} branch`])
      const withCo = r.chance(0.5)
      const held = plan.whenMs <= atMs
      const coId = life.co === null ? null : contactId(life.index * PER_STORY.contacts + 1)
      const attendees = [plan.contact, ...(coId !== null && plan.contact !== coId && withCo ? [coId] : [])]
      Object.assign(row, {
        title: `${['Consultation', 'Pre-approval review', 'Application', 'Closing'][kind]} with ${first}`,
        start_time: stamp(plan.whenMs),
        end_time: stamp(plan.whenMs + 45 * 60_000),
        location,
        meeting_type: ['consultation', 'pre_approval_review', 'application', 'closing'][kind],
        outcome: held ? outcome : 'SCHEDULED',
        attendee_contact_ids: attendees.join(';'),
        body: `<p>Agenda: ${note}</p>`,
      })
      if (held) row['updated_at'] = stamp(Math.min(atMs, Math.max(plan.createdMs, plan.whenMs + 3_600_000)))
      contacts = attendees
      break
    }
    case 'NOTE': {
      const html = r.chance(0.4)
      const multi = r.chance(0.1)
      const padded = r.chance(0.3)
      const pinned = r.chance(0.05)
      const text = multi ? `${note}\n${note2}\n- ${owner.row['first_name'] ?? ''}` : note
      row['body'] = html ? `<p>${text.replace(/\n/g, '<br>')}</p>${padded ? '<p>&nbsp;</p>' : ''}` : text
      row['pinned'] = pinned ? 'true' : 'false'
      break
    }
    case 'TASK': {
      const completes = r.chance(0.7)
      const completionOffset = r.int(-2, 3) * DAY
      const deferred = r.chance(0.5)
      const startedDraw = r.chance(0.5)
      const subject = r.pick(TASK_SUBJECTS)
      const priority = r.pick(['LOW', 'MEDIUM', 'MEDIUM', 'HIGH'])
      const taskType = r.pick(['CALL', 'EMAIL', 'TODO', 'SMS'])
      const sla = r.chance(0.2)
      const slaPolicy = r.pick(world.automation.slaPolicyIds)
      const completedMs = Math.max(plan.whenMs + completionOffset, plan.createdMs + 60_000)
      const done = completes && completedMs <= atMs
      Object.assign(row, {
        subject,
        status: done
          ? 'COMPLETED'
          : !completes && deferred
            ? 'DEFERRED'
            : plan.whenMs < atMs && startedDraw
              ? 'IN_PROGRESS'
              : 'NOT_STARTED',
        priority,
        task_type: taskType,
        completed_at: done ? stamp(completedMs) : null,
        sla_policy_id: sla ? slaPolicy : null,
      })
      if (done) row['updated_at'] = stamp(completedMs)
      break
    }
    case 'SMS': {
      const outbound = r.chance(0.75)
      const delivery = r.weighted({ delivered: 94, failed: 3, undeliverable: 2, opted_out: 1 })
      const text = r.pick(SMS_TEXTS)
      Object.assign(row, {
        source: manual ? 'sms_integration' : row['source'],
        direction: outbound ? 'OUTBOUND' : 'INBOUND',
        from_number: outbound ? owner.phone : contactPhone,
        to_number: outbound ? contactPhone : owner.phone,
        delivery_status: outbound ? delivery : 'delivered',
        body: text,
      })
      break
    }
  }
  fillCustomValues(
    row,
    world.customProperties,
    'engagements',
    streamOf(seed, `custom:${plan.id}`),
    plan.createdMs,
  )
  return { type: plan.type, row, contacts, companies: [], deals: [] }
}

/** A GUID-shaped LOS loan id derived from the record id. */
function guidOf(seed: number, id: string): string {
  const r = streamOf(seed, `guid:${id}`)
  const hex = (n: number) => Array.from({ length: n }, () => r.int(0, 15).toString(16)).join('')
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`
}
