/**
 * The loader's view of the staged export: the source records each object mapping selects, in the
 * flavour-independent shape the record builder reads (api column names plus the derived `$…`
 * fields of the default template), and where every source record lands (`targetOf`).
 *
 * Derived fields come from the associations (api `associations.csv`, ui `Associated … IDs`
 * cells), the engagement links and the stage history (EXPORT-FORMAT.md §4.6–§4.9, §7):
 * - deals: `$primary_contact_id` (primary borrower, else a borrower, else a primary or first
 *   contact), `$primary_company_id` (primary, else household/property, else first company);
 * - engagements: `$regarding` (the linked deal, else the contact or lead, else the company, each
 *   only if migrated), `$parties`, and per type `$phone_number`, `$start`, `$end`;
 * - attachments: `$attached_to` (deal, else contact or lead, else engagement), `$doc_type_label`;
 * - connections (synthesised): referrals recorded three ways (402 links, referred_by_contact_id,
 *   212 links and referral_partner_contact_id) once each, and contacts' extra companies.
 */
import type { SourceParty, SourceRecord, SourceRef } from '../plan/mapping/build-record'
import type { MappingDocument, ObjectMapping } from '../plan/mapping/model'
import type { TargetTableName } from '../plan/mapping/target-tables'
import { ENUMS } from '../source/leaf360/spec/enums'
import { stageSlug } from '../source/leaf360/spec/pipelines'
import { RunSourceRepository, type SourceImport } from '../workspace/run-source-repository'
import type { Workspace } from '../workspace/workspace'

type Json = Record<string, unknown>

/** One staged owner (Leaf360 user). */
export type SourceOwner = Readonly<{ ownerId: string; email: string; name: string; active: boolean }>

/** An attachment's binary as staging found it (`_binary` in its data). */
export type AttachmentBinary = Readonly<{
  state: string
  path: string | null
  size: number | null
  sha256: string | null
}>

/** A synthesised connection before it becomes a source record. */
type ConnectionLink = Readonly<{
  id: string
  record1: SourceRef
  record2: SourceRef
  role1: string
  role2: string
  createdAt: string | null
  typeId: number
}>

type Link = Readonly<{ id: string; typeId: number | null; primary: boolean }>

const ENGAGEMENT_OBJECTS = ['calls', 'emails', 'meetings', 'notes', 'tasks', 'sms'] as const
type EngagementObject = (typeof ENGAGEMENT_OBJECTS)[number]

const UI_ACTIVITY_TYPES: Readonly<Record<string, EngagementObject>> = {
  call: 'calls',
  email: 'emails',
  meeting: 'meetings',
  note: 'notes',
  task: 'tasks',
  sms: 'sms',
}

const TABLE_OF_ENGAGEMENT: Readonly<Record<EngagementObject, TargetTableName>> = {
  calls: 'phonecall',
  emails: 'email',
  meetings: 'appointment',
  notes: 'annotation',
  tasks: 'task',
  sms: 'task',
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)
const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []

/** A ui label or an api value of an enumeration, as the api value. */
function enumValue(name: keyof typeof ENUMS, raw: unknown): string | null {
  const text = str(raw)
  if (text === null) return null
  const t = text.trim().toLowerCase()
  const found = ENUMS[name].find((o) => o.value.toLowerCase() === t || o.label.toLowerCase() === t)
  return found?.value ?? text
}

/** `hh:mm:ss` → milliseconds (ui call durations). */
function durationMs(raw: unknown): number | null {
  const m = /^(\d+):(\d{2}):(\d{2})$/.exec(String(raw ?? '').trim())
  return m ? (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000 : null
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const existing = map.get(key)
  if (existing === undefined) map.set(key, [value])
  else existing.push(value)
}

/** The built view: selections, lookups and where records land. */
export type SourceView = Readonly<{
  source: SourceImport
  mapping: MappingDocument
  owners: ReadonlyMap<string, SourceOwner>
  /** Where a source record landed; null when it is not migrated (archived, quarantined, unknown). */
  targetOf: (ref: SourceRef) => TargetTableName | null
  /** When a deal last entered a stage (by slug), ISO-8601 UTC. */
  stageEntered: (dealId: string, slug: string) => string | null
  /** A contact or lead by one of its e-mail addresses (lower case). */
  contactByEmail: (address: string) => SourceRef | null
  /** The source records an object mapping selects, with derived fields, in a stable order. */
  records: (objectMapping: ObjectMapping) => Generator<SourceRecord>
  /** How many records `records` yields (cheap for stored objects, built for connections). */
  count: (objectMapping: ObjectMapping) => number
  /** An attachment's binary. */
  binaryOf: (attachmentId: string) => AttachmentBinary | null
  /** Owner ids the records of the given mappings name (record owners), with how often. */
  ownerReferences: (mappings: ReadonlyArray<ObjectMapping>) => ReadonlyMap<string, number>
}>

/** Builds the source view of the workspace's current staged state. */
export function loadSourceView(workspace: Workspace, mapping: MappingDocument): SourceView {
  const repo = new RunSourceRepository(workspace)
  const source = repo.latestImport()
  if (source === undefined) {
    throw new Error('no finished import: stage an export before a run')
  }
  const importId = source.importId
  const ui = source.flavour === 'ui'
  const includeArchived = mapping.settings.includeArchived
  const parse = (data: string) => JSON.parse(data) as Json
  const ids = (object: string) => {
    const out = new Set<string>()
    for (const r of repo.current(object, importId, includeArchived)) out.add(r.sourceId)
    return out
  }

  // ---- owners
  const owners = new Map<string, SourceOwner>()
  for (const r of repo.current('owners', importId, true)) {
    const d = parse(r.data)
    owners.set(r.sourceId, {
      ownerId: r.sourceId,
      email: String(d['email'] ?? '').toLowerCase(),
      name: [d['first_name'], d['last_name']].filter((x) => typeof x === 'string' && x !== '').join(' '),
      active: d['is_active'] !== false,
    })
  }

  const companyIds = ids('companies')
  const dealIds = ids('deals')

  // ---- links
  const dealContacts = new Map<string, Link[]>()
  const dealCompanies = new Map<string, Link[]>()
  const contactCompanies = new Map<string, Link[]>()
  const attachmentParents = new Map<string, SourceRef[]>()
  const contactHasDeal = new Set<string>()
  const referrals: Array<{ referred: string; partner: string; createdAt: string | null }> = []
  const dealPartners: Array<{ deal: string; partner: string; createdAt: string | null }> = []

  if (!ui) {
    for (const r of repo.current('associations', importId, true)) {
      const d = parse(r.data)
      const from = String(d['from_object_type'])
      const to = String(d['to_object_type'])
      const fromId = String(d['from_id'])
      const toId = String(d['to_id'])
      const typeId = Number(d['association_type_id'])
      const primary = d['is_primary'] === true
      const createdAt = str(d['created_at'])
      if (from === 'contact' && to === 'deal' && typeId % 2 === 0) {
        pushTo(dealContacts, toId, { id: fromId, typeId, primary })
        contactHasDeal.add(fromId)
        if (typeId === 212) dealPartners.push({ deal: toId, partner: fromId, createdAt })
      } else if (from === 'deal' && to === 'company' && typeId % 2 === 0) {
        pushTo(dealCompanies, fromId, { id: toId, typeId, primary })
      } else if (from === 'contact' && to === 'company' && typeId % 2 === 0) {
        pushTo(contactCompanies, fromId, { id: toId, typeId, primary })
      } else if (from === 'contact' && to === 'contact' && typeId === 402) {
        referrals.push({ referred: fromId, partner: toId, createdAt })
      } else if (from === 'attachment' && typeId >= 600 && typeId <= 605 && typeId % 2 === 0) {
        const object = to === 'deal' ? 'deals' : to === 'contact' ? 'contacts' : null
        if (object !== null) pushTo(attachmentParents, fromId, { object, id: toId } as SourceRef)
        else if (to === 'engagement')
          pushTo(attachmentParents, fromId, { object: 'calls', id: toId } as SourceRef)
      }
    }
  } else {
    for (const ref of repo.uiReferences('contacts', importId, 'Associated ')) {
      const label = /\(([^)]+)\)$/.exec(ref.column)?.[1] ?? null
      if (ref.column.startsWith('Associated Deal IDs')) {
        pushTo(dealContacts, ref.targetId, {
          id: ref.sourceId,
          typeId: label === 'Borrower' ? 202 : null,
          primary: false,
        })
        contactHasDeal.add(ref.sourceId)
      } else if (ref.column.startsWith('Associated Company IDs')) {
        pushTo(contactCompanies, ref.sourceId, { id: ref.targetId, typeId: null, primary: false })
      } else if (ref.column === 'Associated Contact IDs (Referred By)') {
        referrals.push({ referred: ref.sourceId, partner: ref.targetId, createdAt: null })
      }
    }
    for (const ref of repo.uiReferences('deals', importId, 'Associated ')) {
      const label = /\(([^)]+)\)$/.exec(ref.column)?.[1] ?? null
      if (ref.column.startsWith('Associated Contact IDs')) {
        pushTo(dealContacts, ref.sourceId, {
          id: ref.targetId,
          typeId: label === 'Borrower' ? 202 : null,
          primary: false,
        })
        contactHasDeal.add(ref.targetId)
        if (label === 'Referral Partner')
          dealPartners.push({ deal: ref.sourceId, partner: ref.targetId, createdAt: null })
      } else if (ref.column.startsWith('Associated Company IDs')) {
        pushTo(dealCompanies, ref.sourceId, { id: ref.targetId, typeId: null, primary: label === 'Primary' })
      }
    }
  }

  // ---- contacts: lead split, e-mails, referred_by
  const leadStatuses = new Set(mapping.settings.leadSplit.leadStatuses)
  const neverLead = new Set(mapping.settings.leadSplit.neverLead)
  const contactSide = new Map<string, 'contact' | 'lead'>()
  const emailIndex = new Map<string, string>()
  const primaryCompanyOf = new Map<string, string>()
  for (const r of repo.current('contacts', importId, includeArchived)) {
    const d = parse(r.data)
    const status = str(d['loan_status'])
    const lead =
      status !== null && leadStatuses.has(status) && !neverLead.has(status) && !contactHasDeal.has(r.sourceId)
    contactSide.set(r.sourceId, lead ? 'lead' : 'contact')
    for (const address of [str(d['email']), ...list(d['additional_emails'])]) {
      if (address === null) continue
      const key = address.trim().toLowerCase()
      if (!emailIndex.has(key)) emailIndex.set(key, r.sourceId)
    }
    const referredBy = str(d['referred_by_contact_id'])
    if (referredBy !== null)
      referrals.push({ referred: r.sourceId, partner: referredBy, createdAt: str(d['created_at']) })
    const company = str(d['primary_company_id'])
    if (company !== null) primaryCompanyOf.set(r.sourceId, company)
  }

  // ---- deals: stage history and referral partner column
  const stageHistory = new Map<string, Map<string, string>>()
  if (!ui) {
    for (const r of repo.current('deal_stage_history', importId, true)) {
      const d = parse(r.data)
      const deal = String(d['deal_id'])
      const slug = stageSlug(String(d['to_stage_id']))
      const at = str(d['changed_at'])
      if (at === null) continue
      let byStage = stageHistory.get(deal)
      if (byStage === undefined) stageHistory.set(deal, (byStage = new Map()))
      const previous = byStage.get(slug)
      if (previous === undefined || previous < at) byStage.set(slug, at)
    }
  }

  // ---- engagements: links and which ui activities are which type
  const engagementLinks = new Map<string, { deal?: string; contact?: string; company?: string }>()
  const engagementObject = new Map<string, EngagementObject>()
  const addEngagementLink = (engagement: string, type: string, id: string) => {
    let links = engagementLinks.get(engagement)
    if (links === undefined) engagementLinks.set(engagement, (links = {}))
    if (type === 'deal') links.deal ??= id
    else if (type === 'contact') links.contact ??= id
    else if (type === 'company') links.company ??= id
  }
  const engagementAttachments = new Map<string, string>()
  if (!ui) {
    for (const r of repo.current('engagement_associations', importId, true)) {
      const d = parse(r.data)
      addEngagementLink(String(d['engagement_id']), String(d['object_type']), String(d['object_id']))
    }
    for (const object of ENGAGEMENT_OBJECTS) {
      for (const r of repo.current(object, importId, includeArchived)) {
        engagementObject.set(r.sourceId, object)
        for (const a of list(parse(r.data)['attachment_ids']))
          if (!engagementAttachments.has(a)) engagementAttachments.set(a, r.sourceId)
      }
    }
  } else {
    for (const r of repo.current('activities', importId, includeArchived)) {
      const d = parse(r.data)
      const object = UI_ACTIVITY_TYPES[String(d['activity_type'] ?? '').toLowerCase()]
      if (object === undefined) continue
      engagementObject.set(r.sourceId, object)
      for (const id of list(d['associated_deal_ids'])) addEngagementLink(r.sourceId, 'deal', id)
      for (const id of list(d['associated_contact_ids'])) addEngagementLink(r.sourceId, 'contact', id)
      for (const id of list(d['associated_company_ids'])) addEngagementLink(r.sourceId, 'company', id)
      for (const a of list(d['attachment_ids']))
        if (!engagementAttachments.has(a)) engagementAttachments.set(a, r.sourceId)
    }
  }

  // ---- attachments
  const attachmentIds = ids('attachments')

  const targetOf = (ref: SourceRef): TargetTableName | null => {
    switch (ref.object) {
      case 'contacts':
        return contactSide.get(ref.id) ?? null
      case 'companies':
        return companyIds.has(ref.id) ? 'account' : null
      case 'deals':
        return dealIds.has(ref.id) ? 'opportunity' : null
      default: {
        const object = engagementObject.get(ref.id)
        return object === undefined ? null : TABLE_OF_ENGAGEMENT[object]
      }
    }
  }
  /** Engagement refs carry the object they really are (ids are unique across types, §4.8). */
  const engagementRef = (id: string): SourceRef | null => {
    const object = engagementObject.get(id)
    return object === undefined ? null : ({ object, id } as SourceRef)
  }

  const regardingOf = (engagementId: string): SourceRef | null => {
    const links = engagementLinks.get(engagementId)
    if (links === undefined) return null
    const candidates: SourceRef[] = [
      ...(links.deal !== undefined ? [{ object: 'deals', id: links.deal } as SourceRef] : []),
      ...(links.contact !== undefined ? [{ object: 'contacts', id: links.contact } as SourceRef] : []),
      ...(links.company !== undefined ? [{ object: 'companies', id: links.company } as SourceRef] : []),
    ]
    return candidates.find((c) => targetOf(c) !== null) ?? null
  }

  const bestLink = (
    links: ReadonlyArray<Link> | undefined,
    preferred: ReadonlyArray<number>,
    exists: (id: string) => boolean,
  ) => {
    const usable = (links ?? []).filter((l) => exists(l.id))
    for (const typeId of preferred) {
      const primary = usable.find((l) => l.typeId === typeId && l.primary)
      if (primary) return primary.id
    }
    for (const typeId of preferred) {
      const any = usable.find((l) => l.typeId === typeId)
      if (any) return any.id
    }
    return (usable.find((l) => l.primary) ?? usable[0])?.id ?? null
  }

  const contactParties = (ids: ReadonlyArray<string>, role: SourceParty['role']): SourceParty[] =>
    ids.filter((id) => contactSide.has(id)).map((id) => ({ role, kind: 'contact', id }))
  const ownerParty = (ownerId: string | null, role: SourceParty['role']): SourceParty[] =>
    ownerId !== null && owners.has(ownerId) ? [{ role, kind: 'owner', id: ownerId }] : []
  const addressParties = (addresses: ReadonlyArray<string>, role: SourceParty['role']): SourceParty[] =>
    addresses
      .map((a) => a.trim())
      .filter((a) => a !== '')
      .map((address) => ({ role, kind: 'address', address }))

  /** Normalises a ui activity row to its api engagement shape (§7 activities.csv). */
  const fromUiActivity = (object: EngagementObject, d: Json): Json => {
    const base: Json = {
      id: d['id'],
      timestamp: d['timestamp'],
      owner_id: d['owner_id'],
      body: d['body'],
      attachment_ids: d['attachment_ids'],
      created_at: d['created_at'],
      updated_at: d['updated_at'],
      archived: false,
    }
    const to = list(d['to'])
    switch (object) {
      case 'calls':
        return {
          ...base,
          title: d['subject'],
          direction: enumValue('call_direction', d['direction']),
          status: null,
          duration_ms: durationMs(d['duration']),
          from_number: d['from'],
          to_number: to[0] ?? null,
        }
      case 'emails':
        return {
          ...base,
          subject: d['subject'],
          direction: enumValue('email_direction', d['direction']),
          from_email: d['from'],
          to_emails: to,
          cc_emails: [],
          send_status: enumValue('email_send_status', d['outcome']),
        }
      case 'meetings':
        return {
          ...base,
          title: d['subject'],
          start_time: d['timestamp'],
          end_time: null,
          outcome: enumValue('meeting_outcome', d['outcome']),
        }
      case 'tasks':
        return {
          ...base,
          subject: d['subject'],
          timestamp: d['due_date'] ?? d['timestamp'],
          status: enumValue('task_status', d['outcome']),
          completed_at: d['completed_at'],
          priority: null,
          task_type: null,
        }
      case 'sms':
        return {
          ...base,
          direction: enumValue('call_direction', d['direction']),
          from_number: d['from'],
          to_number: to[0] ?? null,
        }
      case 'notes':
        return base
    }
  }

  const engagementFields = (object: EngagementObject, id: string, d: Json): Json => {
    const regarding = regardingOf(id)
    const owner = str(d['owner_id'])
    const links = engagementLinks.get(id)
    const linkedContacts = links?.contact !== undefined ? [links.contact] : []
    const out: Json = { ...d, $regarding: regarding }
    switch (object) {
      case 'calls': {
        const outbound = d['direction'] !== 'INBOUND'
        out['$phone_number'] = outbound ? (d['to_number'] ?? null) : (d['from_number'] ?? null)
        out['$parties'] = outbound
          ? [...ownerParty(owner, 'sender'), ...contactParties(linkedContacts, 'to')]
          : [...contactParties(linkedContacts, 'sender'), ...ownerParty(owner, 'to')]
        break
      }
      case 'emails':
        out['$parties'] = [
          ...addressParties(str(d['from_email']) === null ? [] : [String(d['from_email'])], 'sender'),
          ...addressParties(list(d['to_emails']), 'to'),
          ...addressParties(list(d['cc_emails']), 'cc'),
        ]
        break
      case 'meetings':
        out['$start'] = d['start_time'] ?? d['timestamp'] ?? null
        out['$end'] = d['end_time'] ?? null
        out['$parties'] = [
          ...ownerParty(owner, 'organizer'),
          ...contactParties(
            list(d['attendee_contact_ids']).length > 0 ? list(d['attendee_contact_ids']) : linkedContacts,
            'requiredAttendee',
          ),
        ]
        break
      default:
        out['$parties'] = []
    }
    return out
  }

  const docTypeLabel = (value: unknown): string | null => {
    const v = str(value)
    if (v === null) return null
    return ENUMS.doc_type.find((o) => o.value === v)?.label ?? v
  }

  const attachmentParent = (attachmentId: string): SourceRef | null => {
    const refs = [...(attachmentParents.get(attachmentId) ?? [])]
    const engagement = engagementAttachments.get(attachmentId)
    const resolved = refs
      .map((r) => (r.object === 'calls' ? engagementRef(r.id) : r))
      .filter((r): r is SourceRef => r !== null)
    if (engagement !== undefined) {
      const ref = engagementRef(engagement)
      if (ref !== null) resolved.push(ref)
    }
    const order = (r: SourceRef) =>
      r.object === 'deals' ? 0 : r.object === 'contacts' ? 1 : r.object === 'companies' ? 3 : 2
    return resolved.filter((r) => targetOf(r) !== null).sort((a, b) => order(a) - order(b))[0] ?? null
  }

  const binaries = new Map<string, AttachmentBinary>()

  // ---- connections
  let connectionCache: ConnectionLink[] | null = null
  const connections = (typeIds: ReadonlySet<number>): ConnectionLink[] => {
    if (connectionCache !== null) return connectionCache
    const out = new Map<string, ConnectionLink>()
    const { referredBy, referred } = mapping.settings.referralRoles
    const { member, organization } = mapping.settings.companyLinkRoles
    const add = (link: ConnectionLink) => {
      if (targetOf(link.record1) === null || targetOf(link.record2) === null) return
      if (!out.has(link.id)) out.set(link.id, link)
    }
    if (typeIds.has(402)) {
      for (const r of referrals) {
        if (r.referred === r.partner) continue
        add({
          id: `ref_${r.referred}_${r.partner}`,
          record1: { object: 'contacts', id: r.referred },
          record2: { object: 'contacts', id: r.partner },
          role1: referred,
          role2: referredBy,
          createdAt: r.createdAt,
          typeId: 402,
        })
      }
    }
    if (typeIds.has(212)) {
      const partners = [...dealPartners]
      for (const r of repo.current('deals', importId, includeArchived)) {
        const partner = str(parse(r.data)['referral_partner_contact_id'])
        if (partner !== null)
          partners.push({ deal: r.sourceId, partner, createdAt: str(parse(r.data)['created_at']) })
      }
      for (const p of partners) {
        add({
          id: `refdeal_${p.deal}_${p.partner}`,
          record1: { object: 'deals', id: p.deal },
          record2: { object: 'contacts', id: p.partner },
          role1: referred,
          role2: referredBy,
          createdAt: p.createdAt,
          typeId: 212,
        })
      }
    }
    for (const [contact, links] of contactCompanies) {
      const primary = primaryCompanyOf.get(contact) ?? links.find((l) => l.primary)?.id ?? null
      for (const l of links) {
        if (l.id === primary || (l.typeId !== null && !typeIds.has(l.typeId))) continue
        add({
          id: `co_${contact}_${l.id}`,
          record1: { object: 'contacts', id: contact },
          record2: { object: 'companies', id: l.id },
          role1: member,
          role2: organization,
          createdAt: null,
          typeId: l.typeId ?? 100,
        })
      }
    }
    connectionCache = [...out.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    return connectionCache
  }

  const selectTypeIds = (m: ObjectMapping): ReadonlySet<number> =>
    new Set(
      m.source.select.kind === 'association-types' ? m.source.select.typeIds : [402, 212, 100, 102, 104, 106],
    )

  function* records(m: ObjectMapping): Generator<SourceRecord> {
    const object = m.source.object
    const select = m.source.select
    if (object === 'associations') {
      for (const c of connections(selectTypeIds(m))) {
        yield {
          object: 'associations',
          id: c.id,
          fields: {
            created_at: c.createdAt,
            $record1: c.record1,
            $record2: c.record2,
            $role1: c.role1,
            $role2: c.role2,
            $type_id: c.typeId,
          },
        }
      }
      return
    }
    if ((ENGAGEMENT_OBJECTS as ReadonlyArray<string>).includes(object)) {
      const eo = object as EngagementObject
      if (ui) {
        for (const r of repo.current('activities', importId, includeArchived)) {
          if (engagementObject.get(r.sourceId) !== eo) continue
          const d = fromUiActivity(eo, parse(r.data))
          yield { object, id: r.sourceId, fields: engagementFields(eo, r.sourceId, d) }
        }
      } else {
        for (const r of repo.current(object, importId, includeArchived)) {
          yield { object, id: r.sourceId, fields: engagementFields(eo, r.sourceId, parse(r.data)) }
        }
      }
      return
    }
    for (const r of repo.current(object, importId, includeArchived)) {
      const d = parse(r.data)
      if (
        object === 'contacts' &&
        select.kind === 'lead-split' &&
        contactSide.get(r.sourceId) !== select.side
      )
        continue
      if (object === 'deals') {
        d['$primary_contact_id'] = bestLink(
          dealContacts.get(r.sourceId),
          [202, 204, 206],
          (id) => contactSide.get(id) === 'contact',
        )
        d['$primary_company_id'] = bestLink(dealCompanies.get(r.sourceId), [308, 300], (id) =>
          companyIds.has(id),
        )
      }
      if (object === 'attachments') {
        d['$attached_to'] = attachmentParent(r.sourceId)
        d['$doc_type_label'] = docTypeLabel(d['doc_type']) ?? str(d['original_filename']) ?? 'Attachment'
        const b = d['_binary'] as Json | undefined
        binaries.set(r.sourceId, {
          state: String(b?.['state'] ?? 'missing'),
          path: str(b?.['path']),
          size: typeof b?.['size'] === 'number' ? b['size'] : null,
          sha256: str(b?.['sha256']),
        })
      }
      yield { object, id: r.sourceId, fields: d }
    }
  }

  const count = (m: ObjectMapping): number => {
    const object = m.source.object
    if (object === 'associations') return connections(selectTypeIds(m)).length
    if ((ENGAGEMENT_OBJECTS as ReadonlyArray<string>).includes(object)) {
      let n = 0
      for (const o of engagementObject.values()) if (o === object) n++
      return n
    }
    if (object === 'contacts' && m.source.select.kind === 'lead-split') {
      const side = m.source.select.side
      let n = 0
      for (const s of contactSide.values()) if (s === side) n++
      return n
    }
    return repo.countCurrent(object, importId, includeArchived)
  }

  const binaryOf = (attachmentId: string): AttachmentBinary | null => {
    const known = binaries.get(attachmentId)
    if (known !== undefined) return known
    if (!attachmentIds.has(attachmentId)) return null
    for (const r of repo.current('attachments', importId, includeArchived)) {
      if (r.sourceId !== attachmentId) continue
      const b = parse(r.data)['_binary'] as Json | undefined
      return {
        state: String(b?.['state'] ?? 'missing'),
        path: str(b?.['path']),
        size: typeof b?.['size'] === 'number' ? b['size'] : null,
        sha256: str(b?.['sha256']),
      }
    }
    return null
  }

  const ownerReferences = (mappings: ReadonlyArray<ObjectMapping>): ReadonlyMap<string, number> => {
    const out = new Map<string, number>()
    for (const m of mappings) {
      const ownerField = m.fields.find((f) => f.transform.kind === 'owner' && f.status !== 'unmapped')
      if (ownerField === undefined || ownerField.source === null) continue
      for (const r of records(m)) {
        const id = str(r.fields[ownerField.source]) ?? ''
        out.set(id, (out.get(id) ?? 0) + 1)
      }
    }
    return out
  }

  return {
    source,
    mapping,
    owners,
    targetOf,
    stageEntered: (dealId, slug) => stageHistory.get(dealId)?.get(slug) ?? null,
    contactByEmail: (address) => {
      const id = emailIndex.get(address.trim().toLowerCase())
      return id === undefined ? null : { object: 'contacts', id }
    },
    records,
    count,
    binaryOf,
    ownerReferences,
  }
}
