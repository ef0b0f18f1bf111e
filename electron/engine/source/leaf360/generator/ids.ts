/**
 * Deterministic ids. Every id is a pure function of a serial number, so any story can name a
 * record of another (a partner, a company) without looking it up, and a delta regenerates the same
 * ids. Ids are opaque digit strings (§5); engagement ids have 19 digits, beyond 2^53, so a reader
 * that turns ids into JS numbers corrupts them visibly.
 */
import { hash32 } from './random'

const jitter = (kind: string, serial: number, span: number) => hash32(`${kind}:${serial}`) % span

/** Owner ids: 8 digits. */
export const ownerId = (serial: number): string =>
  String(41_000_000 + serial * 1_009 + jitter('o', serial, 1_000))
/** Team ids: 6 digits. */
export const teamId = (serial: number): string => String(610_000 + serial * 17 + jitter('t', serial, 17))
/** Contact ids: 11 digits. */
export const contactId = (serial: number): string =>
  String(51_200_000_000 + serial * 37 + jitter('c', serial, 37))
/** Company ids: 11 digits. */
export const companyId = (serial: number): string =>
  String(91_700_000_000 + serial * 31 + jitter('co', serial, 31))
/** Deal ids: 11 digits. */
export const dealId = (serial: number): string =>
  String(38_400_000_000 + serial * 29 + jitter('d', serial, 29))
/** Engagement ids: 19 digits, built as a string so no arithmetic exceeds 2^53. */
export const engagementId = (serial: number): string =>
  `74${String(serial * 97 + jitter('e', serial, 97)).padStart(17, '0')}`
/** Stage history row ids: 12 digits. */
export const historyId = (serial: number): string =>
  String(203_000_000_000 + serial * 7 + jitter('h', serial, 7))
/** Attachment file ids: 12 digits. */
export const fileId = (serial: number): string =>
  String(880_000_000_000 + serial * 13 + jitter('f', serial, 13))
/** Enrollment ids: 10 digits. */
export const enrollmentId = (serial: number): string =>
  String(6_600_000_000 + serial * 11 + jitter('n', serial, 11))
/** Automation ids (workflows, sequences, templates, rules, SLA policies): 7 digits. */
export const automationId = (kind: string, serial: number): string =>
  String(1_000_000 + (hash32(kind) % 8) * 1_000_000 + serial * 101 + jitter(kind, serial, 101))

/** A UUID-shaped (version 4 layout) id derived from text, for `export_id`. */
export function uuidFrom(text: string): string {
  const hex = [0, 1, 2, 3].map((i) => hash32(`${text}#${i}`).toString(16).padStart(8, '0')).join('')
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** Serial ranges per story, so stories never collide (a story holds at most this many of each). */
export const PER_STORY = {
  contacts: 4,
  deals: 4,
  engagements: 1_024,
  attachments: 128,
  companies: 2,
  enrollments: 4,
} as const

/** Serials of partner contacts start here (regular stories use `index * PER_STORY.contacts`). */
export const PARTNER_CONTACT_SERIAL_BASE = 40_000_000
/** Household companies start here (fixed companies use 0…). */
export const HOUSEHOLD_COMPANY_SERIAL_BASE = 1_000_000
/** History serials per deal. */
export const HISTORY_PER_DEAL = 32
