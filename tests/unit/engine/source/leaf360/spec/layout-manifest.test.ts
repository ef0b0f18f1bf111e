import { describe, expect, it } from 'vitest'
import {
  REQUIRED_PATHS,
  dataFileOfPath,
  exportRootName,
  objectOfPath,
  partOfPath,
  partitionPath,
} from '../../../../../../electron/engine/source/leaf360/spec/layout'
import {
  MANIFEST_KEYS,
  manifestKeySchemas,
  manifestSchema,
} from '../../../../../../electron/engine/source/leaf360/spec/manifest'

describe('§2 layout', () => {
  it('names the export root after the portal and exported_at', () => {
    expect(exportRootName('4410023', '2025-03-01T14:05:09.000Z')).toBe(
      'leaf360_export_4410023_20250301T140509Z',
    )
  })

  it('derives manifest objects from paths, prefixing typed association copies', () => {
    expect(objectOfPath('data/contacts_part2.csv')).toBe('contacts')
    expect(objectOfPath('data/associations/contact_deal.csv')).toBe('associations_contact_deal')
    expect(objectOfPath('data/engagements/engagement_associations.csv')).toBe('engagement_associations')
    expect(objectOfPath('schema/property_definitions_deals.json')).toBe('property_definitions_deals')
    expect(objectOfPath('automation/workflow_enrollments.csv')).toBe('workflow_enrollments')
    expect(objectOfPath('files/1/a.pdf')).toBeNull()
    expect(partOfPath('data/deals_part12.xlsx')).toBe(12)
    expect(partitionPath('data/deals.csv', 3, 'xlsx')).toBe('data/deals_part3.xlsx')
    expect(dataFileOfPath('data/associations/contact_contact.csv')?.object).toBe(
      'associations_contact_contact',
    )
    expect(dataFileOfPath('data/contact_contact.csv')).toBeUndefined()
  })

  it('requires the manifest, pipelines, three property definition files and the four core data files', () => {
    expect([...REQUIRED_PATHS].sort()).toEqual([
      'data/companies.csv',
      'data/contacts.csv',
      'data/deals.csv',
      'data/owners.csv',
      'manifest.json',
      'schema/pipelines.json',
      'schema/property_definitions_companies.json',
      'schema/property_definitions_contacts.json',
      'schema/property_definitions_deals.json',
    ])
  })
})

describe('§3 manifest schema', () => {
  const manifest = {
    format_version: '1.0',
    export_id: '2f1c9a8e-3b7d-4c1e-9a2b-5d6e7f809a1b',
    portal_id: '4410023',
    source_system: 'Leaf360',
    flavour: 'api',
    export_kind: 'full',
    since: null,
    previous_export_id: null,
    exported_at: '2025-03-01T14:05:09Z',
    exported_by: 'admin@example.com',
    timezone: 'America/Chicago',
    currency: 'USD',
    delimiter: ',',
    multi_value_separator: ';',
    datetime_format: 'iso8601_utc',
    date_format: 'YYYY-MM-DD',
    association_row_cap: 1000,
    max_rows_per_file: 1000000,
    includes_binaries: true,
    partial: false,
    object_counts: { contacts: 3 },
    files: [
      {
        path: 'data/contacts.csv',
        object: 'contacts',
        format: 'csv',
        encoding: 'utf-8',
        rows: 3,
        bytes: 120,
        sha256: 'a'.repeat(64),
        part: null,
      },
    ],
    a_future_key: 1,
  }

  it('accepts a conformant manifest, unknown keys included', () => {
    expect(manifestSchema.safeParse(manifest).success).toBe(true)
    expect(MANIFEST_KEYS).toHaveLength(22)
  })

  it('rejects an invalid key on its own, so a reader can report it as D31', () => {
    expect(manifestKeySchemas.max_rows_per_file.safeParse(0).success).toBe(false)
    expect(manifestKeySchemas.portal_id.safeParse('44a').success).toBe(false)
    expect(manifestSchema.safeParse({ ...manifest, flavour: 'xml' }).success).toBe(false)
  })
})
