/**
 * Referral partners' own records (§6.6): the partner contact, its company link and its engagements
 * (monthly check-ins, a few meetings, §11.5). Their rows are written after every story, since in ui
 * they list the deals and contacts that all stories link to them.
 */
import { associationTypeOf } from '../spec/association-types'
import { engagementId, PER_STORY } from './ids'
import type { Assoc, EngagementRecord, Row } from './model'
import { NOTE_TEXTS, SMS_TEXTS } from './pools'
import { streamOf } from './random'
import { fillCustomValues } from './custom-values'
import { isoDatetime } from './time'
import { phoneFor, streetAddress, zipOf, type PartnerIdentity, type World } from './world'

const DAY = 86_400_000

/** Story indices of partner stories start here (engagement serials derive from them). */
export const PARTNER_STORY_BASE = 5_000_000

/** A partner as one export sees it. */
export type PartnerView = {
  row: Row
  assocs: Assoc[]
  engagements: EngagementRecord[]
  lastActivityMs: number | null
}

const stamp = (ms: number) => isoDatetime(Math.floor(ms / 1000) * 1000)

/** The partner `p` viewed at `atMs` (its row's updated_at is settled by the writer, who sees its links). */
export function viewPartner(world: World, p: PartnerIdentity, atMs: number): PartnerView {
  const seed = world.options.seed
  const r = streamOf(seed, 'partner', p.index)
  const { historyStartMs, baseExportedAtMs } = world.portal
  const createdMs = Math.round(
    historyStartMs - r.int(0, 400) * DAY + r.next() * (baseExportedAtMs - historyStartMs) * 0.3,
  )
  const place = r.pick(world.homePlaces)
  const lo = r.pick(world.owners.filter((o) => o.role === 'loan_officer' && o.deactivatedAtMs === null))
  const phone = r.chance(0.9)
  const address = streetAddress(r)
  const zip = zipOf(r, place)
  const count = Math.min(
    PER_STORY.engagements - 1,
    Math.round(r.lognormal(35, Math.log(150 / 35) / 1.2816) * (world.options.profile === 'tiny' ? 0.3 : 1)),
  )
  const email = `${p.firstName.toLowerCase().replace(/[^a-z]/g, '')}.${p.lastName.toLowerCase().replace(/[^a-z]/g, '')}.${p.index}@${(p.companyName ?? 'realty').toLowerCase().replace(/[^a-z]+/g, '')}.com`
  const id = p.id
  const row: Row = {
    id,
    first_name: p.firstName,
    last_name: p.lastName,
    email,
    additional_emails: null,
    phone: phone ? phoneFor(place.areaCodes[0] ?? '612', 7_000_000 + p.index) : null,
    mobile_phone: phoneFor(place.areaCodes[0] ?? '612', 7_500_000 + p.index),
    address,
    city: place.city,
    state: place.state,
    zip,
    date_of_birth: null,
    contact_type: 'referral_partner',
    lifecycle_stage: 'evangelist',
    lead_status: null,
    loan_status: 'referral_partner',
    owner_id: lo.row['owner_id'] ?? null,
    loan_officer_owner_id: lo.row['owner_id'] ?? null,
    assistant_owner_id: null,
    lead_source: 'sphere',
    lead_source_detail: null,
    referral_source: null,
    referred_by_contact_id: null,
    primary_company_id: p.companyId,
    loan_type_interest: null,
    first_time_homebuyer: null,
    email_opt_out: 'false',
    sms_consent: 'opted_in',
    sms_consent_at: stamp(createdMs),
    do_not_call: 'false',
    tags: 'referral-vip',
    partner_type: p.partnerType,
    last_activity_at: null,
    source_system: 'manual',
    external_ids: null,
    merged_into_id: null,
    created_at: stamp(createdMs),
    updated_at: stamp(createdMs),
    archived: 'false',
  }
  fillCustomValues(row, world.customProperties, 'contacts', streamOf(seed, `custom:${id}`), createdMs)
  const assocs: Assoc[] = []
  if (p.companyId !== null) {
    const at = stamp(createdMs)
    assocs.push({
      fromType: 'contact',
      fromId: id,
      toType: 'company',
      toId: p.companyId,
      typeId: associationTypeOf('contact', 'company', null).associationTypeId,
      isPrimary: true,
      createdAt: at,
    })
    if (p.partnerType === 'real_estate_agent') {
      assocs.push({
        fromType: 'contact',
        fromId: id,
        toType: 'company',
        toId: p.companyId,
        typeId: associationTypeOf('contact', 'company', 'agent_at_brokerage').associationTypeId,
        isPrimary: false,
        createdAt: at,
      })
    }
  }
  const engagements: EngagementRecord[] = []
  let lastActivityMs: number | null = null
  for (let k = 0; k < count; k++) {
    const serial = (PARTNER_STORY_BASE + p.index) * PER_STORY.engagements + k
    const e = streamOf(seed, 'partner-engagement', serial)
    const whenMs = createdMs + (k + e.next()) * 30 * DAY
    const meeting = e.chance(0.05)
    const sms = e.chance(0.3)
    const note = e.pick(NOTE_TEXTS)
    const text = e.pick(SMS_TEXTS)
    if (whenMs > atMs) continue
    const when = stamp(whenMs)
    const base: Row = {
      id: engagementId(serial),
      timestamp: when,
      owner_id: lo.row['owner_id'] ?? null,
      source: 'crm_ui',
      body: null,
      attachment_ids: null,
      workflow_id: null,
      sequence_id: null,
      created_at: when,
      updated_at: when,
      archived: 'false',
    }
    if (meeting) {
      Object.assign(base, {
        title: `Partner lunch with ${p.firstName}`,
        start_time: when,
        end_time: stamp(whenMs + 3_600_000),
        location: 'Office',
        meeting_type: 'partner_meeting',
        outcome: 'COMPLETED',
        attendee_contact_ids: id,
        body: `<p>${note}</p>`,
      })
    } else if (sms) {
      Object.assign(base, {
        source: 'sms_integration',
        direction: 'OUTBOUND',
        from_number: lo.phone,
        to_number: row['mobile_phone'],
        delivery_status: 'delivered',
        body: text,
      })
    } else {
      Object.assign(base, {
        direction: 'OUTBOUND',
        disposition: 'connected',
        status: 'COMPLETED',
        duration_ms: String(e.int(60_000, 900_000)),
        from_number: lo.phone,
        to_number: row['mobile_phone'],
        recording_url: null,
        title: `Check-in with ${p.firstName}`,
      })
    }
    fillCustomValues(
      base,
      world.customProperties,
      'engagements',
      streamOf(seed, `custom:${base['id'] ?? ''}`),
      whenMs,
    )
    engagements.push({
      type: meeting ? 'MEETING' : sms ? 'SMS' : 'CALL',
      row: base,
      contacts: [id],
      companies: [],
      deals: [],
    })
    lastActivityMs = whenMs
  }
  row['last_activity_at'] = lastActivityMs === null ? null : stamp(lastActivityMs)
  row['updated_at'] = stamp(Math.max(createdMs, lastActivityMs ?? 0))
  return { row, assocs, engagements, lastActivityMs }
}
