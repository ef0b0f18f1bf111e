/**
 * A small Leaf360 export for the planning tests: owners that match, match a disabled user, or match
 * nobody; contacts across loan statuses; deals in the Purchase, Refinance and archived Legacy 2021
 * pipelines; custom properties on contacts, companies and deals; attachments, one over the default
 * upload limit; and automation definitions. Staged into a fresh workspace.
 */
import { join } from 'node:path'
import type { SeedUser } from '../../../electron/sandbox/environment'
import { Workspace } from '../../../electron/engine/workspace/workspace'
import { customProperty, dataCsv } from '../../support/leaf360-fixture'
import { stageInto, type Staged } from '../../support/stage-fixture'
import { writeExport } from '../../support/leaf360-fixture'

/** The sandbox's people for this export: Jordan and Maria enabled, Chris disabled; Pat is unknown. */
export const PLAN_USERS: ReadonlyArray<SeedUser> = [
  { email: 'avery.admin@sandbox.example', firstName: 'Avery', lastName: 'Admin' },
  { email: 'jordan.lee@sandbox.example', firstName: 'Jordan', lastName: 'Lee' },
  { email: 'maria.gomez@sandbox.example', firstName: 'Maria', lastName: 'Gomez' },
  { email: 'chris.ng@sandbox.example', firstName: 'Chris', lastName: 'Ng', disabled: true },
]

const owner = (id: string, email: string, first: string, last: string, active = 'true') => ({
  owner_id: id,
  email,
  first_name: first,
  last_name: last,
  role: 'loan_officer',
  is_active: active,
  created_at: '2020-01-02T15:00:00Z',
  updated_at: '2021-01-02T15:00:00Z',
})

const at = (day: number) => `2024-01-${String(day).padStart(2, '0')}T10:00:00Z`

const contact = (id: string, status: string, ownerId: string, extra: Record<string, string> = {}) => ({
  id,
  first_name: `First${id}`,
  last_name: `Last${id}`,
  email: `c${id}@example.org`,
  contact_type: status === 'referral_partner' ? 'referral_partner' : 'borrower',
  loan_status: status,
  owner_id: ownerId,
  loan_officer_owner_id: ownerId,
  lead_source: 'zillow',
  created_at: at(1),
  updated_at: at(2),
  archived: 'false',
  ...extra,
})

const deal = (
  id: string,
  pipeline: string,
  stage: string,
  ownerId: string,
  extra: Record<string, string> = {},
) => ({
  id,
  dealname: `Loan ${id}`,
  pipeline_id: pipeline,
  dealstage: stage,
  amount: '350000.00',
  loan_amount: '350000.00',
  owner_id: ownerId,
  loan_officer_owner_id: ownerId,
  loan_type: 'fha',
  loan_purpose: 'purchase',
  occupancy: 'primary_residence',
  property_type: 'sf_detached',
  created_at: at(3),
  updated_at: at(4),
  archived: 'false',
  ...extra,
})

const attachment = (id: string, name: string, bytes: number) => ({
  file_id: id,
  original_filename: name,
  mime_type: 'application/pdf',
  size_bytes: String(bytes),
  doc_type: 'paystub',
  uploaded_at: at(5),
  uploaded_by_owner_id: '101',
  binary_present: 'false',
  updated_at: at(5),
  archived: 'false',
})

const filter = (property: string, operator: string, value: unknown) => ({ property, operator, value })

/** The automation files of the fixture. */
export const AUTOMATION = {
  workflows: [
    {
      workflow_id: '3001',
      name: 'New lead routing',
      type: 'LEAD_ROUTING',
      object_type: 'contact',
      is_enabled: true,
      enrollment_trigger: {
        event: 'property_change',
        filters: [filter('contact.lead_status', 'eq', 'NEW')],
        re_enroll: false,
      },
      actions: [
        { action_id: '3001-1', type: 'rotate_owner', params: {}, next_action_id: '3001-2', branches: [] },
        {
          action_id: '3001-2',
          type: 'set_property',
          params: { property: 'contact.loan_status', value: 'contacted' },
          next_action_id: null,
          branches: [],
        },
      ],
      goal_filters: [filter('contact.loan_status', 'eq', 'application')],
      suppression_filters: [filter('contact.do_not_call', 'eq', true)],
      created_at: at(1),
      updated_at: at(2),
      revision: 2,
    },
    {
      workflow_id: '3002',
      name: 'Pre-approval nurture',
      type: 'DRIP',
      object_type: 'contact',
      is_enabled: true,
      enrollment_trigger: {
        event: 'property_change',
        filters: [filter('contact.loan_status', 'in', ['pre_approved'])],
        re_enroll: false,
      },
      actions: [
        {
          action_id: '3002-1',
          type: 'send_email',
          params: { template_id: '4001' },
          next_action_id: null,
          branches: [],
        },
      ],
      goal_filters: [],
      suppression_filters: [],
      created_at: at(1),
      updated_at: at(2),
      revision: 1,
    },
  ],
  templates: [
    {
      template_id: '4001',
      channel: 'email',
      name: 'Pre-approval check-in',
      subject: 'Hi {{contact.first_name}}',
      body_html: '<p>Your {{deal.loan_type}} pre-approval</p>',
      body_text: null,
      updated_at: at(1),
      archived: false,
    },
  ],
  sequences: [
    {
      sequence_id: '5001',
      name: 'Speed to lead',
      audience: 'borrower',
      steps: [{ order: 0, channel: 'email', delay_days: 0, template_id: '4001' }],
      unenroll_on: ['reply'],
      requires_sms_consent: true,
      is_enabled: true,
      updated_at: at(1),
    },
  ],
  lead_routing_rules: [
    {
      rule_id: '6001',
      name: 'Zillow round robin',
      priority: 1,
      conditions: [filter('contact.lead_source', 'eq', 'zillow')],
      method: 'round_robin',
      eligible_owner_ids: ['101', '104'],
      weights: [1, 1],
      claim_timeout_minutes: null,
      fallback_owner_id: '101',
      is_enabled: true,
      updated_at: at(1),
    },
  ],
  sla_policies: [
    {
      sla_policy_id: '7001',
      name: 'Pre-approval dwell',
      applies_to: 'stage_dwell',
      stage_id: 'pre_approval',
      target_minutes: 43200,
      business_hours_only: true,
      breach_actions: [{ type: 'notify_owner' }],
      escalate_to_owner_id: '101',
      updated_at: at(1),
    },
  ],
}

/** The fixture's files (api flavour). */
export function planExportFiles(): Record<string, string> {
  const props = (object: string, list: ReadonlyArray<Record<string, unknown>>) =>
    JSON.stringify({ object_type: object, properties: list })
  return {
    'schema/property_definitions_contacts.json': props('contacts', [
      customProperty('favorite_branch', 'Favorite Branch', 'string', 'text', 100),
      customProperty('lo_notes_2', 'LO Notes 2', 'string', 'textarea', 101, { archived: true }),
    ]),
    'schema/property_definitions_companies.json': props('companies', [
      customProperty('hoa_name', 'HOA Name', 'string', 'text', 100),
    ]),
    'schema/property_definitions_deals.json': props('deals', [
      customProperty('zillow_lead_id', 'Zillow Lead ID', 'number', 'number', 100),
      customProperty('rate_lock_date', 'Rate Lock Date', 'date', 'date', 101),
    ]),
    'data/owners.csv': dataCsv('owners', 'api', [
      owner('101', 'Jordan.Lee@Sandbox.example', 'Jordan', 'Lee'),
      owner('102', 'chris.ng@sandbox.example', 'Chris', 'Ng', 'false'),
      owner('103', 'pat.unknown@lender.example', 'Pat', 'Unknown'),
      owner('104', 'maria.gomez@sandbox.example', 'Maria', 'Gomez'),
    ]),
    'data/contacts.csv': dataCsv(
      'contacts',
      'api',
      [
        contact('5001', 'new_lead', '101', { favorite_branch: 'North' }),
        contact('5002', 'contacted', '102'),
        contact('5003', 'pre_approved', '101', { lo_notes_2: 'call back' }),
        contact('5004', 'referral_partner', '103', { partner_type: 'real_estate_agent' }),
        contact('5005', 'closed_funded', '102'),
        contact('5006', 'in_process', '101'),
      ],
      { extraHeaders: ['favorite_branch', 'lo_notes_2'] },
    ),
    'data/companies.csv': dataCsv(
      'companies',
      'api',
      [
        {
          id: '7001',
          name: 'Acme Realty',
          company_type: 'real_estate_brokerage',
          owner_id: '101',
          created_at: at(1),
          updated_at: at(2),
          archived: 'false',
        },
        {
          id: '7002',
          name: 'Doe Household',
          company_type: 'household',
          property_address: '1 Main St',
          owner_id: '103',
          hoa_name: 'Oak HOA',
          created_at: at(1),
          updated_at: at(2),
          archived: 'false',
        },
      ],
      { extraHeaders: ['hoa_name'] },
    ),
    'data/deals.csv': dataCsv(
      'deals',
      'api',
      [
        deal('9001', 'default', 'processing', '101', { zillow_lead_id: '88123' }),
        deal('9002', 'default', 'funded', '102', { rate_lock_date: '2024-02-01' }),
        deal('9003', 'refi', 'refi_underwriting', '101'),
        deal('9004', 'legacy_2021', 'l21_contract', '103'),
        deal('9005', 'default', 'appraisal', '101'),
      ],
      { extraHeaders: ['zillow_lead_id', 'rate_lock_date'] },
    ),
    'data/attachments.csv': dataCsv('attachments', 'api', [
      attachment('880001', 'paystub.pdf', 120_000),
      attachment('880002', 'appraisal-scan.pdf', 9_000_000),
    ]),
    ...Object.fromEntries(
      Object.entries(AUTOMATION).map(([name, list]) => [
        `automation/${name}.json`,
        JSON.stringify({ [name]: list }),
      ]),
    ),
  }
}

/** Writes the fixture under `dir` and stages it into `dir`/w.leafbridge; returns the staged workspace. */
export async function stagePlanFixture(dir: string): Promise<Staged> {
  const root = writeExport(join(dir, 'export'), {
    flavour: 'api',
    files: planExportFiles(),
    manifest: { includes_binaries: false },
  })
  const workspace = Workspace.create(join(dir, 'w'), { appVersion: 'test' })
  try {
    return await stageInto(workspace, root)
  } catch (error) {
    workspace.close()
    throw error
  }
}
