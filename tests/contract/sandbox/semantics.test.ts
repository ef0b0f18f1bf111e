/**
 * The semantics migrations trip on, replayed from Microsoft's documentation: closing opportunities,
 * qualifying leads, connections and their reciprocal rows, activity parties, note attachments
 * against maxuploadfilesize and the chunked upload messages, and business process flows.
 */
import { describe, expect, it } from 'vitest'
import { useSandbox } from '../../support/sandbox'

const ACTIONS = 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-actions'
const QUALIFY = 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/qualifylead'
const CONNECTIONS = 'https://learn.microsoft.com/power-apps/developer/data-platform/connection-entities'
const ROLES =
  'https://learn.microsoft.com/power-apps/developer/data-platform/describe-relationship-entities-connection-roles'
const PARTIES = 'https://learn.microsoft.com/power-apps/developer/data-platform/activityparty-entity'
const FILES = 'https://learn.microsoft.com/power-apps/developer/data-platform/attachment-annotation-files'
const BPF = 'https://learn.microsoft.com/power-automate/developer/business-process-flows-code'

const idOf = (entityId: string | undefined): string => /\(([0-9a-f-]{36})\)/.exec(entityId ?? '')?.[1] ?? ''

type Rows<T = Record<string, unknown>> = { value: T[] }

describe('sandbox semantics', () => {
  const sb = useSandbox()
  const create = async (set: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await sb().request('POST', set, { body, headers })
    expect(res.status, res.text).toBe(204)
    return idOf(res.headers['odata-entityid'])
  }

  it(`wins an opportunity with WinOpportunity, creating an opportunityclose (${ACTIONS})`, async () => {
    const id = await create('opportunities', { name: 'Refinance 30y', estimatedvalue: 350000 })
    const res = await sb().request('POST', 'WinOpportunity', {
      body: {
        Status: 3,
        OpportunityClose: {
          subject: 'Won Opportunity',
          actualrevenue: 350000,
          'opportunityid@odata.bind': `${sb().api}opportunities(${id})`,
        },
      },
    })
    expect(res.status).toBe(204)
    const opportunity = await sb().request(
      'GET',
      `opportunities(${id})?$select=statecode,statuscode,actualvalue`,
    )
    expect(opportunity.json()).toMatchObject({ statecode: 1, statuscode: 3, actualvalue: 350000 })
    const closes = await sb().request(
      'GET',
      `opportunitycloses?$select=subject,statecode&$filter=_opportunityid_value eq ${id}`,
    )
    expect(closes.json<Rows>().value).toEqual([
      expect.objectContaining({ subject: 'Won Opportunity', statecode: 1 }),
    ])
    const twice = await sb().request('POST', 'WinOpportunity', {
      body: {
        Status: 3,
        OpportunityClose: { subject: 'Again', 'opportunityid@odata.bind': `/opportunities(${id})` },
      },
    })
    expect(twice.status).toBe(400)
  })

  it(`loses an opportunity with LoseOpportunity and Status -1 (the default status) (${ACTIONS}, https://learn.microsoft.com/previous-versions/dynamicscrm-2016/developers-guide/gg332329(v=crm.8))`, async () => {
    const id = await create('opportunities', { name: 'Purchase' })
    const bad = await sb().request('POST', 'LoseOpportunity', {
      body: {
        Status: 3,
        OpportunityClose: { subject: 'x', 'opportunityid@odata.bind': `/opportunities(${id})` },
      },
    })
    expect(bad.status).toBe(400)
    const res = await sb().request('POST', 'LoseOpportunity', {
      body: {
        Status: -1,
        OpportunityClose: { subject: 'Lost', 'opportunityid@odata.bind': `/opportunities(${id})` },
      },
    })
    expect(res.status).toBe(204)
    expect(
      (await sb().request('GET', `opportunities(${id})?$select=statecode,statuscode`)).json(),
    ).toMatchObject({ statecode: 2, statuscode: 4 })
  })

  it(`qualifies a lead into an account, a contact and an opportunity (${QUALIFY})`, async () => {
    const lead = await create('leads', {
      subject: 'Jumbo loan inquiry',
      firstname: 'Rae',
      lastname: 'Kim',
      companyname: 'Kim Holdings',
      emailaddress1: 'rae@kim.example',
    })
    const currency = (
      await sb().request(
        'GET',
        "transactioncurrencies?$select=transactioncurrencyid&$filter=isocurrencycode eq 'USD'",
      )
    ).json<Rows<{ transactioncurrencyid: string }>>().value[0]
    const res = await sb().request('POST', `leads(${lead})/Microsoft.Dynamics.CRM.QualifyLead`, {
      body: {
        CreateAccount: true,
        CreateContact: true,
        CreateOpportunity: true,
        OpportunityCurrencyId: {
          '@odata.type': 'Microsoft.Dynamics.CRM.transactioncurrency',
          transactioncurrencyid: currency?.transactioncurrencyid,
        },
        Status: 3,
      },
    })
    expect(res.status).toBe(200)
    const created = res.json<Rows<Record<string, string>>>().value
    expect(created.map((c) => c['@odata.type'])).toEqual([
      '#Microsoft.Dynamics.CRM.account',
      '#Microsoft.Dynamics.CRM.contact',
      '#Microsoft.Dynamics.CRM.opportunity',
    ])
    const after = await sb().request(
      'GET',
      `leads(${lead})?$select=statecode,statuscode,_qualifyingopportunityid_value`,
    )
    expect(after.json()).toMatchObject({
      statecode: 1,
      statuscode: 3,
      _qualifyingopportunityid_value: created[2]?.['opportunityid'],
    })
    const contact = await sb().request(
      'GET',
      `contacts(${created[1]?.['contactid'] ?? ''})?$select=fullname,_parentcustomerid_value,_originatingleadid_value`,
    )
    expect(contact.json()).toMatchObject({
      fullname: 'Rae Kim',
      _parentcustomerid_value: created[0]?.['accountid'],
      _originatingleadid_value: lead,
    })
  })

  it(`associates reciprocal connection roles and writes both rows of a connection (${ROLES}, ${CONNECTIONS})`, async () => {
    const borrower = await create('connectionroles', { name: 'Borrower', category: 4 })
    const coBorrower = await create('connectionroles', { name: 'Co-Borrower', category: 4 })
    const assoc = await sb().request(
      'POST',
      `connectionroles(${borrower})/connectionroleassociation_association/$ref`,
      { body: { '@odata.id': `connectionroles(${coBorrower})` } },
    )
    expect(assoc.status).toBe(204)
    const matching = await sb().request(
      'GET',
      `connectionroles(${borrower})/connectionroleassociation_association?$select=name`,
    )
    expect(matching.json<Rows>().value).toEqual([expect.objectContaining({ name: 'Co-Borrower' })])
    const reverse = await sb().request(
      'GET',
      `connectionroles(${coBorrower})/connectionroleassociation_association_referenced?$select=name`,
    )
    expect(reverse.json<Rows>().value).toEqual([expect.objectContaining({ name: 'Borrower' })])

    const a = await create('contacts', { firstname: 'Pat', lastname: 'One' })
    const b = await create('contacts', { firstname: 'Lee', lastname: 'Two' })
    const before = sb().sandbox.stateHash().data
    const connection = await create('connections', {
      'record1id_contact@odata.bind': `/contacts(${a})`,
      'record2id_contact@odata.bind': `/contacts(${b})`,
      'record1roleid@odata.bind': `/connectionroles(${borrower})`,
      'record2roleid@odata.bind': `/connectionroles(${coBorrower})`,
    })
    const rows = await sb().request(
      'GET',
      `connections?$select=_record1id_value,_record2id_value,_record1roleid_value,_record2roleid_value,ismaster,_relatedconnectionid_value&$filter=_record1id_value eq ${a} or _record1id_value eq ${b}`,
    )
    const value = rows.json<Rows<Record<string, unknown>>>().value
    expect(value).toHaveLength(2)
    const master = value.find((r) => r['connectionid'] === connection || r['ismaster'] === true)
    const other = value.find((r) => r !== master)
    expect(master).toMatchObject({
      _record1id_value: a,
      _record2id_value: b,
      _record1roleid_value: borrower,
      ismaster: true,
    })
    expect(other).toMatchObject({
      _record1id_value: b,
      _record2id_value: a,
      _record1roleid_value: coBorrower,
      _record2roleid_value: borrower,
      ismaster: false,
      _relatedconnectionid_value: connection,
    })
    expect((await sb().request('DELETE', `connections(${connection})`)).status).toBe(204)
    expect(sb().sandbox.stateHash().data).toBe(before)
  })

  it(`creates activity parties through phonecall_activity_parties with participationtypemask (${PARTIES})`, async () => {
    const contact = await create('contacts', { lastname: 'Caller' })
    const users = await sb().request(
      'GET',
      "systemusers?$select=systemuserid&$filter=internalemailaddress eq 'sam.patel@sandbox.example'",
    )
    const sam = users.json<Rows<{ systemuserid: string }>>().value[0]?.systemuserid ?? ''
    const call = await create('phonecalls', {
      subject: 'Rate-lock follow-up',
      directioncode: true,
      phonecall_activity_parties: [
        { 'partyid_systemuser@odata.bind': `/systemusers(${sam})`, participationtypemask: 1 },
        { 'partyid_contact@odata.bind': `/contacts(${contact})`, participationtypemask: 2 },
      ],
    })
    const parties = await sb().request(
      'GET',
      `phonecalls(${call})/phonecall_activity_parties?$select=participationtypemask,_partyid_value&$orderby=participationtypemask`,
    )
    expect(parties.json<Rows>().value).toEqual([
      expect.objectContaining({ participationtypemask: 1, _partyid_value: sam }),
      expect.objectContaining({ participationtypemask: 2, _partyid_value: contact }),
    ])
    const badMask = await sb().request('POST', 'phonecalls', {
      body: {
        subject: 'x',
        phonecall_activity_parties: [
          { 'partyid_contact@odata.bind': `/contacts(${contact})`, participationtypemask: 13 },
        ],
      },
    })
    expect(badMask.status).toBe(400)
    const direct = await sb().request('POST', 'activityparties', { body: { participationtypemask: 2 } })
    expect(direct.status).toBe(400)
    const close = await sb().request('PATCH', `phonecalls(${call})`, {
      body: { statecode: 1, statuscode: 2 },
    })
    expect(close.status).toBe(204)
    expect((await sb().request('DELETE', `phonecalls(${call})`)).status).toBe(204)
    expect(
      (
        await sb().request(
          'GET',
          `activityparties?$select=activitypartyid&$filter=_partyid_value eq ${contact}`,
        )
      ).json<Rows>().value,
    ).toHaveLength(0)
  })

  it(`checks note documents against organization.maxuploadfilesize (${FILES})`, async () => {
    const org = (await sb().request('GET', 'organizations?$select=organizationid,maxuploadfilesize')).json<
      Rows<{ organizationid: string; maxuploadfilesize: number }>
    >().value[0]
    expect(org?.maxuploadfilesize).toBe(5242880)
    const account = await create('accounts', { name: 'With notes' })
    const small = Buffer.from('hello note').toString('base64')
    const note = await create('annotations', {
      subject: 'Doc',
      filename: 'a.txt',
      mimetype: 'text/plain',
      documentbody: small,
      'objectid_account@odata.bind': `/accounts(${account})`,
    })
    expect(
      (
        await sb().request(
          'GET',
          `annotations(${note})?$select=filesize,isdocument,objecttypecode,_objectid_value`,
        )
      ).json(),
    ).toMatchObject({ filesize: 10, isdocument: true, objecttypecode: 'account', _objectid_value: account })
    expect(
      (
        await sb().request('PATCH', `organizations(${org?.organizationid ?? ''})`, {
          body: { maxuploadfilesize: 64 },
        })
      ).status,
    ).toBe(204)
    const big = await sb().request('POST', 'annotations', {
      body: {
        subject: 'Big',
        documentbody: Buffer.alloc(100).toString('base64'),
        'objectid_account@odata.bind': `/accounts(${account})`,
      },
    })
    expect(big.status).toBe(400)
    expect(big.json()).toEqual({ error: { code: '0x80044a02', message: 'Attachment file size is too big.' } })
    await sb().request('PATCH', `organizations(${org?.organizationid ?? ''})`, {
      body: { maxuploadfilesize: 5242880 },
    })
  })

  it(`uploads a note in blocks and downloads it again (${FILES})`, async () => {
    const account = await create('accounts', { name: 'Chunked' })
    const content = Buffer.from('0123456789'.repeat(1000))
    const init = await sb().request('POST', 'InitializeAnnotationBlocksUpload', {
      body: {
        Target: {
          '@odata.type': 'Microsoft.Dynamics.CRM.annotation',
          subject: 'Chunked',
          filename: 'big.txt',
          mimetype: 'text/plain',
          'objectid_account@odata.bind': `/accounts(${account})`,
        },
      },
    })
    const token = init.json<{ FileContinuationToken: string }>().FileContinuationToken
    const blocks: string[] = []
    for (let offset = 0, n = 0; offset < content.length; offset += 4096, n++) {
      const blockId = Buffer.from(`block-${String(n).padStart(4, '0')}`).toString('base64')
      blocks.push(blockId)
      const res = await sb().request('POST', 'UploadBlock', {
        body: {
          BlockId: blockId,
          BlockData: content.subarray(offset, offset + 4096).toString('base64'),
          FileContinuationToken: token,
        },
      })
      expect(res.status).toBe(204)
    }
    const commit = await sb().request('POST', 'CommitAnnotationBlocksUpload', {
      body: {
        Target: { '@odata.type': 'Microsoft.Dynamics.CRM.annotation', subject: 'Chunked' },
        BlockList: blocks,
        FileContinuationToken: token,
      },
    })
    expect(commit.status).toBe(200)
    const { AnnotationId, FileSizeInBytes } = commit.json<{ AnnotationId: string; FileSizeInBytes: number }>()
    expect(FileSizeInBytes).toBe(content.length)
    const download = await sb().request('POST', 'InitializeAnnotationBlocksDownload', {
      body: { Target: { '@odata.type': 'Microsoft.Dynamics.CRM.annotation', annotationid: AnnotationId } },
    })
    const downloadToken = download.json<{ FileContinuationToken: string }>().FileContinuationToken
    const block = await sb().request('POST', 'DownloadBlock', {
      body: { Offset: 0, BlockLength: content.length, FileContinuationToken: downloadToken },
    })
    expect(Buffer.from(block.json<{ Data: string }>().Data, 'base64').equals(content)).toBe(true)
  })

  it(`starts the Opportunity Sales Process on a new opportunity and moves it one stage at a time (${BPF})`, async () => {
    const process =
      (
        await sb().request(
          'GET',
          "workflows?$select=workflowid,name&$filter=category eq 4 and uniquename eq 'opportunitysalesprocess'",
        )
      ).json<Rows<{ workflowid: string }>>().value[0]?.workflowid ?? ''
    const stages = (
      await sb().request(
        'GET',
        `processstages?$select=stagename&$filter=processid/workflowid eq ${process}&$orderby=stagecategory`,
      )
    ).json<Rows<{ stagename: string; processstageid: string }>>().value
    expect(stages.map((s) => s.stagename)).toEqual(['Qualify', 'Develop', 'Propose', 'Close'])
    const opportunity = await create('opportunities', { name: 'With process' })
    const instances = await sb().request(
      'GET',
      `opportunitysalesprocesses?$select=traversedpath,_activestageid_value,statecode,statuscode&$filter=_opportunityid_value eq ${opportunity}`,
    )
    const [instance] =
      instances.json<
        Rows<{ businessprocessflowinstanceid: string; traversedpath: string; _activestageid_value: string }>
      >().value
    expect(instance).toMatchObject({
      _activestageid_value: stages[0]?.processstageid,
      traversedpath: stages[0]?.processstageid,
      statecode: 0,
      statuscode: 1,
    })
    const id = instance?.businessprocessflowinstanceid ?? ''
    const skip = await sb().request('PATCH', `opportunitysalesprocesses(${id})`, {
      body: {
        'activestageid@odata.bind': `/processstages(${stages[2]?.processstageid ?? ''})`,
        traversedpath: `${stages[0]?.processstageid ?? ''},${stages[2]?.processstageid ?? ''}`,
      },
    })
    expect(skip.status).toBe(400)
    const move = await sb().request('PATCH', `opportunitysalesprocesses(${id})`, {
      body: {
        'activestageid@odata.bind': `/processstages(${stages[1]?.processstageid ?? ''})`,
        traversedpath: `${stages[0]?.processstageid ?? ''},${stages[1]?.processstageid ?? ''}`,
      },
    })
    expect(move.status).toBe(204)
    const finishEarly = await sb().request('PATCH', `opportunitysalesprocesses(${id})`, {
      body: { statuscode: 2 },
    })
    expect(finishEarly.status).toBe(400)
    const noProcess = await create('opportunities', {
      name: 'No process',
      processid: '00000000-0000-0000-0000-000000000000',
    })
    expect(
      (
        await sb().request(
          'GET',
          `opportunitysalesprocesses?$select=businessprocessflowinstanceid&$filter=_opportunityid_value eq ${noProcess}`,
        )
      ).json<Rows>().value,
    ).toHaveLength(0)
    const duplicate = await sb().request('POST', 'opportunitysalesprocesses', {
      body: {
        'opportunityid@odata.bind': `/opportunities(${opportunity})`,
        'processid@odata.bind': `/workflows(${process})`,
      },
    })
    expect(duplicate.status).toBe(412)
  })

  it(`creates a new BPF definition with its stages and an instance table with bpf_opportunityid (${BPF})`, async () => {
    const workflow = await create('workflows', {
      name: 'Mortgage Pipeline',
      uniquename: 'new_mortgagepipeline',
      category: 4,
      type: 1,
      primaryentity: 'opportunity',
      businessprocesstype: 0,
      processorder: 5,
    })
    const names = ['Application', 'Processing', 'Underwriting', 'Closing']
    const stageIds: string[] = []
    for (const [index, stagename] of names.entries()) {
      stageIds.push(
        await create('processstages', {
          stagename,
          stagecategory: index,
          primaryentitytypecode: 'opportunity',
          'processid@odata.bind': `/workflows(${workflow})`,
        }),
      )
    }
    expect(
      (await sb().request('PATCH', `workflows(${workflow})`, { body: { statecode: 1, statuscode: 2 } }))
        .status,
    ).toBe(204)
    const definition = await sb().request(
      'GET',
      "EntityDefinitions(LogicalName='new_mortgagepipeline')?$select=LogicalName,EntitySetName,IsBPFEntity,PrimaryIdAttribute",
    )
    expect(definition.json()).toMatchObject({
      LogicalName: 'new_mortgagepipeline',
      EntitySetName: 'new_mortgagepipelines',
      IsBPFEntity: true,
      PrimaryIdAttribute: 'businessprocessflowinstanceid',
    })
    const opportunity = await create('opportunities', {
      name: 'Pipeline deal',
      processid: '00000000-0000-0000-0000-000000000000',
    })
    const midway = await sb().request('POST', 'new_mortgagepipelines', {
      body: {
        'bpf_opportunityid@odata.bind': `/opportunities(${opportunity})`,
        'processid@odata.bind': `/workflows(${workflow})`,
        'activestageid@odata.bind': `/processstages(${stageIds[2] ?? ''})`,
      },
    })
    expect(midway.status).toBe(400)
    const instance = await sb().request(
      'POST',
      'new_mortgagepipelines?$select=traversedpath,_bpf_opportunityid_value',
      {
        body: {
          'bpf_opportunityid@odata.bind': `/opportunities(${opportunity})`,
          'processid@odata.bind': `/workflows(${workflow})`,
          'activestageid@odata.bind': `/processstages(${stageIds[2] ?? ''})`,
          traversedpath: stageIds.slice(0, 3).join(','),
        },
        headers: { prefer: 'return=representation' },
      },
    )
    expect(instance.status).toBe(201)
    expect(instance.json()).toMatchObject({
      _bpf_opportunityid_value: opportunity,
      traversedpath: stageIds.slice(0, 3).join(','),
    })
    const metadata = await sb().request('GET', '$metadata')
    expect(metadata.text).toContain(
      '<EntitySet Name="new_mortgagepipelines" EntityType="Microsoft.Dynamics.CRM.new_mortgagepipeline" />',
    )
  })
})
