/**
 * What a migration left in a sandbox, in a form two sandboxes can be compared by: every business
 * row with the columns the platform sets at load time left out (createdon of rows without an
 * original time, modifiedon, overriddencreatedon — which holds the load time —, versionnumber,
 * created/modified by), rows whose id the platform chose (activity parties, the reciprocal half of
 * a connection) named by what they are, and lookups to metadata named by name rather than id.
 * The sandbox's own state hash covers the same rows with those volatile values in; its per-table
 * counts are compared as they are.
 */
import { createHash } from 'node:crypto'
import type { RunningSandbox } from '../../../electron/sandbox/index'

type Row = Record<string, unknown>
type LookupValue = { table: string; id: string }

const isLookup = (v: unknown): v is LookupValue =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as LookupValue).table === 'string' &&
  typeof (v as LookupValue).id === 'string'

/** The tables a migration writes (BPF instance tables are found by prefix). */
const DATA_TABLES = [
  'account',
  'contact',
  'lead',
  'opportunity',
  'phonecall',
  'email',
  'appointment',
  'task',
  'annotation',
  'connection',
  'activityparty',
  'opportunityclose',
]

const VOLATILE = new Set([
  'modifiedon',
  'modifiedby',
  'modifiedonbehalfby',
  'createdby',
  'createdonbehalfby',
  'overriddencreatedon',
  'versionnumber',
  'activestagestartedon',
  'actualclosedate',
])

/** Names of metadata rows lookups may point at. */
function nameOf(env: RunningSandbox['environment'], table: string, id: string): string {
  const row = env.store.get(table, id) as Row | undefined
  if (row === undefined) return `${table}:missing`
  if (table === 'systemuser') {
    const email = typeof row['internalemailaddress'] === 'string' ? row['internalemailaddress'] : ''
    return `systemuser:${email !== '' ? email : row['applicationid'] ? 'application-user' : String(row['fullname'])}`
  }
  for (const c of ['uniquename', 'name', 'stagename', 'isocurrencycode', 'fullname']) {
    if (typeof row[c] === 'string' && row[c] !== '') return `${table}:${String(row[c])}`
  }
  return `${table}:${id}`
}

/** Canonical rows of every data table, by table. */
export function canonicalRows(sandbox: RunningSandbox): Record<string, string[]> {
  const env = sandbox.environment
  const tables = [...DATA_TABLES, ...env.store.tableNames().filter((t) => /_bpf_/.test(t))]
  const canonicalId = new Map<string, string>()
  const key = (table: string, id: string) => `${table}\u0000${id}`
  // Pass 1: a stable name for every row.
  for (const table of tables) {
    for (const [id, row] of env.store.rows(table)) {
      const r = row as Row
      let name = id
      if (table === 'connection' && r['ismaster'] === false)
        name = `reciprocal-of:${String(r['lb_sourceid'])}`
      else if (typeof r['lb_sourceid'] === 'string') name = String(r['lb_sourceid'])
      canonicalId.set(key(table, id), name)
    }
  }
  for (const [id, row] of env.store.rows('activityparty')) {
    const r = row as Row
    const activity = r['activityid']
    const party = r['partyid']
    const activityName = isLookup(activity)
      ? (canonicalId.get(key(activity.table, activity.id)) ?? activity.id)
      : '?'
    const partyName = isLookup(party)
      ? (canonicalId.get(key(party.table, party.id)) ?? nameOf(env, party.table, party.id))
      : String(r['addressused'] ?? '')
    canonicalId.set(
      key('activityparty', id),
      `${activityName}|${String(r['participationtypemask'])}|${partyName}|${String(r['addressused'] ?? '')}`,
    )
  }
  const out: Record<string, string[]> = {}
  for (const table of tables) {
    const lines: string[] = []
    for (const [id, row] of env.store.rows(table)) {
      const r = row as Row
      const hasOriginalTime = typeof r['overriddencreatedon'] === 'string'
      const entries = Object.entries(r)
        .filter(([k, v]) => v !== null && v !== undefined && !VOLATILE.has(k) && !k.startsWith('__'))
        .filter(([k]) => k !== 'createdon' || hasOriginalTime)
        .map(([k, v]): [string, unknown] => {
          if (isLookup(v)) {
            const mapped = canonicalId.get(key(v.table, v.id))
            return [k, mapped !== undefined ? `${v.table}:${mapped}` : nameOf(env, v.table, v.id)]
          }
          if (typeof v === 'string' && /^[0-9a-f-]{36}$/i.test(v) && canonicalId.has(key(table, v))) {
            return [k, canonicalId.get(key(table, v))]
          }
          if (k === 'traversedpath' && typeof v === 'string') {
            return [
              k,
              v
                .split(',')
                .map((s) => nameOf(env, 'processstage', s.trim()))
                .join(','),
            ]
          }
          return [k, v]
        })
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      lines.push(`${canonicalId.get(key(table, id)) ?? id}\u0000${JSON.stringify(entries)}`)
    }
    if (lines.length > 0) out[table] = lines.sort()
  }
  return out
}

/** One SHA-256 over the canonical rows. */
export function contentDigest(sandbox: RunningSandbox): string {
  const hash = createHash('sha256')
  const rows = canonicalRows(sandbox)
  for (const table of Object.keys(rows).sort())
    for (const line of rows[table]!) hash.update(`${table}\u0000${line}\n`)
  return hash.digest('hex')
}

/** Source keys that occur on more than one row of a table (reciprocal connections aside). */
export function duplicateKeys(sandbox: RunningSandbox): string[] {
  const env = sandbox.environment
  const out: string[] = []
  for (const table of DATA_TABLES) {
    const seen = new Map<string, number>()
    for (const row of env.store.rows(table).values()) {
      const r = row as Row
      if (typeof r['lb_sourceid'] !== 'string') continue
      if (table === 'connection' && r['ismaster'] === false) continue
      seen.set(r['lb_sourceid'], (seen.get(r['lb_sourceid']) ?? 0) + 1)
    }
    for (const [k, n] of seen) if (n > 1) out.push(`${table}:${k}×${n}`)
  }
  return out
}
