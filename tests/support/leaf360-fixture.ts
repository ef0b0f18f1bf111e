/**
 * Small hand-written Leaf360 exports for tests: a valid minimal export of either flavour, whose
 * files a test replaces or adds to, with a manifest computed from what is written (rows, bytes,
 * sha256) unless the test supplies or removes it.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import {
  DATA_FILES,
  STANDARD_PIPELINES,
  headerOf,
  standardColumnsOf,
  type DataObject,
  type Flavour,
} from '../../electron/engine/source/leaf360/spec'

/** One data row by api column name (ui headers are derived). Unlisted columns are empty. */
export type FixtureRow = Readonly<Record<string, string>>

/** A CSV line from fields, quoted where RFC 4180 requires. */
export const csvLine = (fields: ReadonlyArray<string>): string =>
  fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')

/**
 * The CSV text of a data file: the standard header of `flavour` plus `extraHeaders`, one line per
 * row. Values are looked up by api name first, then by the header itself.
 */
export function dataCsv(
  object: DataObject,
  flavour: Flavour,
  rows: ReadonlyArray<FixtureRow>,
  options: { extraHeaders?: ReadonlyArray<string>; eol?: string } = {},
): string {
  const spec = DATA_FILES.find((f) => f.object === object)!
  const columns = standardColumnsOf(spec, flavour)
  const headers = [...columns.map((c) => headerOf(spec, c, flavour)), ...(options.extraHeaders ?? [])]
  const names = [...columns.map((c) => c.name), ...(options.extraHeaders ?? [])]
  const eol = options.eol ?? (flavour === 'ui' ? '\r\n' : '\n')
  const lines = [csvLine(headers)]
  for (const row of rows) lines.push(csvLine(names.map((n, i) => row[n] ?? row[headers[i]!] ?? '')))
  return lines.join(eol) + eol
}

/** pipelines.json with the standard pipelines of §6.2. */
export function pipelinesJson(): string {
  return JSON.stringify({
    pipelines: STANDARD_PIPELINES.map((p) => ({
      pipeline_id: p.pipelineId,
      label: p.label,
      object_type: 'deals',
      display_order: p.displayOrder,
      is_default: p.isDefault,
      active: p.active,
      archived: p.archived,
      created_at: '2020-01-01T00:00:00Z',
      updated_at: '2020-01-01T00:00:00Z',
      stages: p.stages.map((s) => ({
        stage_id: s.stageId,
        label: s.label,
        display_order: s.displayOrder,
        probability: s.probability,
        is_closed: s.isClosed,
        outcome: s.outcome,
        milestone_group: s.milestoneGroup,
        sla_hours: null,
        archived: s.archived,
      })),
    })),
  })
}

const propertyDefinitions = (object: string, properties: ReadonlyArray<Record<string, unknown>> = []) =>
  JSON.stringify({ object_type: object, properties })

/** A custom property definition (§4.10). */
export const customProperty = (
  name: string,
  label: string,
  type: string,
  fieldType: string,
  displayOrder: number,
  extra: Record<string, unknown> = {},
) => ({
  name,
  label,
  type,
  field_type: fieldType,
  is_custom: true,
  display_order: displayOrder,
  ...extra,
})

/** Two owners, one contact, one company, one deal: the smallest valid export of a flavour. */
export function baseFiles(flavour: Flavour): Record<string, string> {
  const ui = flavour === 'ui'
  const owner = (id: string, first: string, last: string, active: string) => ({
    owner_id: id,
    email: `${first.toLowerCase()}@lender.example`,
    first_name: first,
    last_name: last,
    role: ui ? 'Loan Officer' : 'loan_officer',
    is_active: ui ? (active === 'true' ? 'Yes' : 'No') : active,
    created_at: ui ? '01/02/2020 09:00 AM' : '2020-01-02T15:00:00Z',
    updated_at: ui ? '01/02/2021 09:00 AM' : '2021-01-02T15:00:00Z',
  })
  const when = (api: string, uiText: string) => (ui ? uiText : api)
  return {
    'schema/pipelines.json': pipelinesJson(),
    'schema/property_definitions_contacts.json': propertyDefinitions('contacts'),
    'schema/property_definitions_companies.json': propertyDefinitions('companies'),
    'schema/property_definitions_deals.json': propertyDefinitions('deals'),
    'data/owners.csv': dataCsv('owners', flavour, [
      owner('101', 'Ann', 'Lee', 'true'),
      owner('102', 'Bob', 'Ray', 'true'),
    ]),
    'data/contacts.csv': dataCsv('contacts', flavour, [
      {
        id: '5001',
        first_name: 'Jane',
        last_name: 'Doe',
        email: 'jane.doe@example.org',
        contact_type: ui ? 'Borrower' : 'borrower',
        owner_id: ui ? 'Ann Lee' : '101',
        created_at: when('2023-01-05T10:00:00Z', '01/05/2023 04:00 AM'),
        updated_at: when('2024-01-05T10:00:00Z', '01/05/2024 04:00 AM'),
        archived: 'false',
      },
    ]),
    'data/companies.csv': dataCsv('companies', flavour, [
      {
        id: '7001',
        name: 'Acme Realty',
        created_at: when('2022-01-01T00:00:00Z', '12/31/2021 06:00 PM'),
        updated_at: when('2023-01-01T00:00:00Z', '12/31/2022 06:00 PM'),
        archived: 'false',
      },
    ]),
    'data/deals.csv': dataCsv('deals', flavour, [
      {
        id: '9001',
        dealname: 'Doe purchase',
        pipeline_id: ui ? 'Purchase' : 'default',
        dealstage: ui ? 'Processing' : 'processing',
        amount: ui ? '$350,000.00' : '350000.00',
        created_at: when('2024-02-01T12:00:00Z', '02/01/2024 06:00 AM'),
        updated_at: when('2024-03-01T12:00:00Z', '03/01/2024 06:00 AM'),
        archived: 'false',
      },
    ]),
  }
}

/** Options of a fixture export. */
export type FixtureOptions = Readonly<{
  flavour: Flavour
  /** Files to add or replace (path → content); null removes a base file. */
  files?: Readonly<Record<string, string | Buffer | null>>
  /** Manifest keys to override; null writes no manifest at all. */
  manifest?: Readonly<Record<string, unknown>> | null
  /** Paths whose manifest entry is omitted. */
  unlisted?: ReadonlyArray<string>
  /** Declared encodings per path (default utf-8 for CSV). */
  encodings?: Readonly<Record<string, string | null>>
  timezone?: string
}>

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** Counts rows per Terms the simple way fixtures allow: records after the header, or JSON elements. */
function rowsOf(path: string, content: Buffer): number {
  if (path.endsWith('.json')) {
    const value = JSON.parse(content.toString('utf8')) as Record<string, unknown>
    const array = Object.values(value).find(Array.isArray)
    return Array.isArray(array) ? array.length : 0
  }
  // Fixtures quote newlines only inside fields, so count records with a minimal RFC 4180 scan.
  const text = content.toString('latin1')
  let records = 0
  let quoted = false
  let hasContent = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') quoted = !quoted
    if (!quoted && (c === '\n' || (c === '\r' && text[i + 1] !== '\n'))) {
      if (hasContent) records++
      hasContent = false
    } else if (c !== '\r') hasContent = true
  }
  if (hasContent) records++
  return Math.max(0, records - 1)
}

/** Writes a fixture export under `dir` (the export root); returns the root. */
export function writeExport(dir: string, options: FixtureOptions): string {
  const files: Record<string, string | Buffer> = { ...baseFiles(options.flavour) }
  for (const [path, content] of Object.entries(options.files ?? {})) {
    if (content === null) delete files[path]
    else files[path] = content
  }
  const entries = Object.entries(files).map(([path, content]) => {
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8')
    const full = join(dir, path)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, bytes)
    return { path, bytes }
  })
  if (options.manifest === null) return dir
  const listed = entries.filter(
    (e) =>
      !e.path.startsWith('files/') &&
      !e.path.startsWith('_truth/') &&
      !(options.unlisted ?? []).includes(e.path),
  )
  const fileEntries = listed.map((e) => ({
    path: e.path,
    object: e.path
      .replace(/^(schema|data|automation)\//, '')
      .replace(/^associations\//, 'associations_')
      .replace(/(_part\d+)?\.(csv|xlsx|json)$/, ''),
    format: e.path.endsWith('.json') ? 'json' : e.path.endsWith('.xlsx') ? 'xlsx' : 'csv',
    encoding: e.path.endsWith('.csv') ? (options.encodings?.[e.path] ?? 'utf-8') : null,
    rows: e.path.endsWith('.xlsx') ? 0 : rowsOf(e.path, e.bytes),
    bytes: e.bytes.length,
    sha256: sha256(e.bytes),
    part: /_part(\d+)\./.exec(e.path) ? Number(/_part(\d+)\./.exec(e.path)![1]) : null,
  }))
  const objectCounts: Record<string, number> = {}
  for (const f of fileEntries) objectCounts[f.object] = (objectCounts[f.object] ?? 0) + f.rows
  const ui = options.flavour === 'ui'
  const manifest = {
    format_version: '1.0',
    export_id: '6f1c2a9e-1111-4222-8333-944455556666',
    portal_id: '4400123',
    source_system: 'Leaf360',
    flavour: options.flavour,
    export_kind: 'full',
    since: null,
    previous_export_id: null,
    exported_at: '2025-06-30T12:00:00Z',
    exported_by: 'admin@lender.example',
    timezone: options.timezone ?? 'America/Chicago',
    currency: 'USD',
    delimiter: ',',
    multi_value_separator: ';',
    datetime_format: ui ? 'MM/DD/YYYY hh:mm AM/PM' : 'iso8601_utc',
    date_format: ui ? 'MM/DD/YYYY' : 'YYYY-MM-DD',
    association_row_cap: 1000,
    max_rows_per_file: 1000000,
    includes_binaries: true,
    partial: false,
    object_counts: objectCounts,
    files: fileEntries,
    ...(options.manifest ?? {}),
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2))
  return dir
}

/** An api contacts.csv of `n` contacts, each written twice (so `n` duplicate rows, D21). */
export function apiContactsWithDuplicates(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: String(6000 + i),
    first_name: 'Pat',
    last_name: `Doe${i}`,
    email: `pat${i}@example.org`,
    contact_type: 'borrower',
    created_at: '2023-01-05T10:00:00Z',
    updated_at: '2024-01-05T10:00:00Z',
    archived: 'false',
  }))
  return dataCsv(
    'contacts',
    'api',
    rows.flatMap((r) => [r, r]),
  )
}
