/**
 * Functions and actions: WhoAmI, RetrieveVersion, RetrieveTotalRecordCount, WinOpportunity,
 * LoseOpportunity, QualifyLead, the bulk messages (CreateMultiple, UpdateMultiple,
 * UpsertMultiple; DeleteMultiple refused on standard tables), the chunked file messages for notes
 * and attachments, and ReactivateEntityKey.
 *
 * Sources: [functions] (WhoAmI), [actions] and [lose82] (Win/Lose, Status -1 = default), [qualify],
 * [bulk] and [upsertmultiple] (bulk messages, all-or-nothing on standard tables), [files] (chunks).
 */
import type { TableDef } from '../schema/model'
import type { Row } from '../store/store'
import { isLookup } from '../store/store'
import { newGuid } from '../util/ids'
import { parseLiteral, type Literal } from '../odata/path'
import type { Dataverse } from './dataverse'
import {
  attachmentTooBig,
  badPayload,
  invalidArgument,
  invalidState,
  messageNotSupported,
  recordNotFound,
} from './errors'
import { emptyResponse, jsonResponse, type ApiRequest, type ApiResponse } from './http-types'
import { parseKeySpec, relativePath } from './references'
import { checkOperationMethod } from './router'
import { splitSegments } from '../odata/path'

/** The version a current environment reports (RetrieveVersion). */
export const SANDBOX_VERSION = '9.2.25013.148'

/** Bulk messages and the tables they are registered for (sdkmessagefilters). */
export type BulkSupport = (message: string, table: string) => boolean

type Upload = {
  table: 'annotation' | 'activitymimeattachment'
  target: Record<string, unknown>
  blocks: Map<string, Buffer>
}
type Download = { data: Buffer }

const body = (request: ApiRequest): Record<string, unknown> => {
  if (request.body === null || request.body.trim() === '') return {}
  try {
    const parsed = JSON.parse(request.body) as unknown
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object')
    return parsed as Record<string, unknown>
  } catch (error) {
    throw badPayload(`The request body is not valid JSON (${(error as Error).message}).`)
  }
}

const MAX_BLOCK_BYTES = 4 * 1024 * 1024

/** The operations of one environment. */
export class Operations {
  readonly #dv: Dataverse
  readonly #bulk: BulkSupport
  readonly #reactivateKey: (table: string, key: string) => void
  readonly #uploads = new Map<string, Upload>()
  readonly #downloads = new Map<string, Download>()

  constructor(dv: Dataverse, bulk: BulkSupport, reactivateKey: (table: string, key: string) => void) {
    this.#dv = dv
    this.#bulk = bulk
    this.#reactivateKey = reactivateKey
  }

  /** Unbound functions and actions; null when the name is none of them. */
  unbound(name: string, args: string | null, request: ApiRequest): ApiResponse | null {
    const dv = this.#dv
    const base = request.root.apiBase
    switch (name) {
      case 'WhoAmI': {
        checkOperationMethod('function', request)
        const user = dv.store.get('systemuser', request.ctx.userId) ?? {}
        const bu = user['businessunitid']
        return jsonResponse(200, {
          '@odata.context': `${base}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
          BusinessUnitId: isLookup(bu) ? bu.id : dv.ids.businessUnitId,
          UserId: request.ctx.userId,
          OrganizationId: dv.ids.organizationId,
        })
      }
      case 'RetrieveVersion':
        checkOperationMethod('function', request)
        return jsonResponse(200, {
          '@odata.context': `${base}$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse`,
          Version: SANDBOX_VERSION,
        })
      case 'RetrieveTotalRecordCount': {
        checkOperationMethod('function', request)
        const names = this.#arrayArg(args, 'EntityNames', request)
        const values = names.map((n) => {
          dv.tableOf(n)
          return dv.store.rows(n).size
        })
        return jsonResponse(200, {
          '@odata.context': `${base}$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse`,
          EntityRecordCountCollection: {
            Count: names.length,
            IsReadOnly: false,
            Keys: names,
            Values: values,
          },
        })
      }
      case 'WinOpportunity':
      case 'LoseOpportunity':
        checkOperationMethod('action', request)
        this.#closeOpportunity(name === 'WinOpportunity', body(request), request)
        return emptyResponse(204)
      case 'InitializeAnnotationBlocksUpload':
      case 'InitializeAttachmentBlocksUpload':
        checkOperationMethod('action', request)
        return this.#initializeUpload(
          name === 'InitializeAnnotationBlocksUpload' ? 'annotation' : 'activitymimeattachment',
          body(request),
          request,
        )
      case 'UploadBlock':
        checkOperationMethod('action', request)
        this.#uploadBlock(body(request))
        return emptyResponse(204)
      case 'CommitAnnotationBlocksUpload':
      case 'CommitAttachmentBlocksUpload':
        checkOperationMethod('action', request)
        return this.#commitUpload(body(request), request)
      case 'InitializeAnnotationBlocksDownload':
        checkOperationMethod('action', request)
        return this.#initializeDownload(body(request), request)
      case 'DownloadBlock':
        checkOperationMethod('action', request)
        return this.#downloadBlock(body(request), request)
      case 'ReactivateEntityKey': {
        checkOperationMethod('action', request)
        const b = body(request)
        const table = b['EntityLogicalName']
        const key = b['EntityKeyLogicalName']
        if (typeof table !== 'string' || typeof key !== 'string') {
          throw invalidArgument('ReactivateEntityKey needs EntityLogicalName and EntityKeyLogicalName.')
        }
        this.#reactivateKey(table, key)
        return emptyResponse(204)
      }
      default:
        return null
    }
  }

  /** Actions bound to a set or a record; null when unknown. */
  bound(table: TableDef, id: string | null, name: string, request: ApiRequest): ApiResponse | null {
    switch (name) {
      case 'CreateMultiple':
      case 'UpdateMultiple':
      case 'UpsertMultiple':
      case 'DeleteMultiple':
        if (id !== null) return null
        checkOperationMethod('action', request)
        return this.#bulkMessage(table, name, body(request), request)
      case 'QualifyLead':
        if (id === null || table.logicalName !== 'lead') return null
        checkOperationMethod('action', request)
        return this.#qualifyLead(id, body(request), request)
      default:
        return null
    }
  }

  #arrayArg(args: string | null, name: string, request: ApiRequest): string[] {
    // [functions]: `RetrieveTotalRecordCount(EntityNames=["account","contact"])` or `(EntityNames=@p1)?@p1=…`.
    const match = new RegExp(`^\\s*${name}\\s*=\\s*(.*)$`, 's').exec(args ?? '')
    let raw = match?.[1]?.trim() ?? ''
    if (raw.startsWith('@')) {
      const aliased = request.query.get(raw)
      if (aliased === null) throw invalidArgument(`The parameter alias ${raw} is not defined.`)
      raw = aliased
    }
    let literal: Literal
    try {
      literal = parseLiteral(raw.startsWith('[') && raw.includes("'") ? raw.replaceAll("'", '"') : raw)
    } catch {
      throw invalidArgument(`${name} must be an array of strings.`)
    }
    if (literal.kind !== 'array') throw invalidArgument(`${name} must be an array of strings.`)
    return literal.items.map((i) => (i.kind === 'string' ? i.value : ''))
  }

  // ------------------------------------------------------------ bulk messages

  #bulkMessage(
    table: TableDef,
    message: string,
    payload: Record<string, unknown>,
    request: ApiRequest,
  ): ApiResponse {
    const dv = this.#dv
    if (message === 'DeleteMultiple' || !this.#bulk(message, table.logicalName)) {
      // [bulk]: DeleteMultiple is for elastic tables; the others only where sdkmessagefilters list them.
      throw messageNotSupported(message, table.logicalName)
    }
    const targets = payload['Targets']
    if (!Array.isArray(targets))
      throw badPayload(`${message} needs Targets: an array of ${table.logicalName} records.`)
    const expectedType = `Microsoft.Dynamics.CRM.${table.logicalName}`
    const entries = targets.map((t, index) => {
      if (t === null || typeof t !== 'object' || Array.isArray(t))
        throw badPayload(`Targets[${index}] is not a record.`)
      const record = t as Record<string, unknown>
      const type = record['@odata.type']
      if (type !== expectedType && type !== `#${expectedType}`) {
        throw badPayload(`Targets[${index}] needs "@odata.type": "${expectedType}" (one table per call).`)
      }
      return record
    })
    // Standard tables: one bad record rolls back the whole call ([bulk]).
    const ids = dv.store.transaction(() =>
      entries.map((record) => {
        if (message === 'CreateMultiple') return dv.create(table, record, request.ctx)
        if (message === 'UpdateMultiple') {
          const id = record[table.primaryId]
          if (typeof id !== 'string') throw badPayload(`UpdateMultiple targets need ${table.primaryId}.`)
          const rest = { ...record }
          delete rest[table.primaryId]
          dv.update(table, id.toLowerCase(), rest, request.ctx)
          return id.toLowerCase()
        }
        return this.#upsertTarget(table, record, request)
      }),
    )
    if (message === 'CreateMultiple') {
      return jsonResponse(
        200,
        {
          '@odata.context': `${request.root.apiBase}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`,
          Ids: ids,
        },
        {},
        ids.length,
      )
    }
    return emptyResponse(204, {}, ids.length)
  }

  #upsertTarget(table: TableDef, record: Record<string, unknown>, request: ApiRequest): string {
    const dv = this.#dv
    const rest = { ...record }
    const odataId = rest['@odata.id']
    delete rest['@odata.id']
    if (typeof odataId === 'string') {
      const [segment] = splitSegments(relativePath(odataId))
      if (segment === undefined || segment.args === null || segment.name !== table.setName) {
        throw badPayload(`@odata.id '${odataId}' must name a ${table.setName} record by key.`)
      }
      return dv.upsert(table, parseKeySpec(segment.args, table), rest, request.ctx).id
    }
    const id = rest[table.primaryId]
    if (typeof id === 'string') {
      delete rest[table.primaryId]
      return dv.upsert(table, { kind: 'id', id }, rest, request.ctx).id
    }
    // [s-upsertmultiple]: a target without a key is created.
    return dv.create(table, rest, request.ctx)
  }

  // ------------------------------------------------------------ opportunities and leads

  #closeOpportunity(win: boolean, payload: Record<string, unknown>, request: ApiRequest): void {
    const dv = this.#dv
    const close = payload['OpportunityClose']
    const status = payload['Status']
    if (close === null || typeof close !== 'object' || typeof status !== 'number') {
      throw invalidArgument('OpportunityClose and Status are required.')
    }
    const opportunity = dv.tableOf('opportunity')
    const closeTable = dv.tableOf('opportunityclose')
    const model = opportunity.stateModel
    const targetState = win ? 1 : 2
    // [lose82]: -1 asks for the default status of the closed state.
    const statusValue =
      status === -1 ? (model?.statuses.find((s) => s.state === targetState)?.value ?? (win ? 3 : 4)) : status
    const option = model?.statuses.find((s) => s.value === statusValue)
    if (option === undefined || option.state !== targetState) {
      throw invalidState(
        `${statusValue} is not a valid status code for state code OpportunityState.${win ? 'Won' : 'Lost'} on opportunity.`,
      )
    }
    const closeBody = close as Record<string, unknown>
    const bind = closeBody['opportunityid@odata.bind']
    if (typeof bind !== 'string') throw invalidArgument('OpportunityClose needs "opportunityid@odata.bind".')
    dv.store.transaction(() => {
      const closeId = dv.create(closeTable, closeBody, request.ctx)
      const closeRow = dv.store.get('opportunityclose', closeId) ?? {}
      const opportunityRef = closeRow['opportunityid']
      if (!isLookup(opportunityRef))
        throw invalidArgument('OpportunityClose needs "opportunityid@odata.bind".')
      const current = dv.store.get('opportunity', opportunityRef.id)
      if (current === undefined) throw recordNotFound('opportunity', opportunityRef.id)
      if (current['statecode'] !== 0)
        throw invalidState('The opportunity is already closed. Reopen it before closing it again.')
      dv.store.put('opportunityclose', closeId, { ...closeRow, statecode: 1, statuscode: 2 })
      const update: Record<string, unknown> = { statecode: targetState, statuscode: statusValue }
      const actualEnd = closeRow['actualend']
      update['actualclosedate'] =
        typeof actualEnd === 'string'
          ? actualEnd.slice(0, 10)
          : new Date(request.ctx.now).toISOString().slice(0, 10)
      if (typeof closeRow['actualrevenue'] === 'number') update['actualvalue'] = closeRow['actualrevenue']
      if (!opportunity.columns.has('actualclosedate')) delete update['actualclosedate']
      if (!opportunity.columns.has('actualvalue')) delete update['actualvalue']
      dv.update(opportunity, opportunityRef.id, update, request.ctx, { allowState: true })
    })
  }

  #qualifyLead(leadId: string, payload: Record<string, unknown>, request: ApiRequest): ApiResponse {
    const dv = this.#dv
    for (const name of ['CreateAccount', 'CreateContact', 'CreateOpportunity']) {
      if (typeof payload[name] !== 'boolean') throw invalidArgument(`${name} is required (true or false).`)
    }
    const status = payload['Status']
    if (typeof status !== 'number') throw invalidArgument('Status is required.')
    const leadTable = dv.tableOf('lead')
    const option = leadTable.stateModel?.statuses.find((s) => s.value === status)
    if (option === undefined || option.state !== 1) {
      throw invalidState(
        `${status} is not a valid status code for state code LeadState.Qualified on lead with Id ${leadId}.`,
      )
    }
    const lead = dv.store.get('lead', leadId)
    if (lead === undefined) throw recordNotFound('lead', leadId)
    if (lead['statecode'] !== 0) throw invalidState('The lead is already closed.')
    const base = request.root.apiBase
    const created: Array<Record<string, unknown>> = []
    const entityRef = (
      value: unknown,
      expected: ReadonlyArray<string>,
    ): { table: string; id: string } | null => {
      if (value === null || value === undefined || typeof value !== 'object') return null
      const ref = value as Record<string, unknown>
      const type = String(ref['@odata.type'] ?? '').replace(/^#?Microsoft\.Dynamics\.CRM\./, '')
      if (!expected.includes(type)) throw invalidArgument(`Expected ${expected.join(' or ')}, got ${type}.`)
      const id = ref[`${type}id`]
      if (typeof id !== 'string') throw invalidArgument(`The ${type} reference needs ${type}id.`)
      if (dv.store.get(type, id.toLowerCase()) === undefined) throw recordNotFound(type, id)
      return { table: type, id: id.toLowerCase() }
    }
    dv.store.transaction(() => {
      const copy = (names: ReadonlyArray<readonly [string, string]>): Record<string, unknown> => {
        const out: Record<string, unknown> = {}
        for (const [from, to] of names)
          if (lead[from] !== undefined && lead[from] !== null) out[to] = lead[from]
        return out
      }
      const leadBind = { 'originatingleadid@odata.bind': `/leads(${leadId})` }
      let accountId: string | null = null
      let contactId: string | null = null
      if (payload['CreateAccount'] === true) {
        const account = {
          name: lead['companyname'] ?? lead['fullname'] ?? 'Qualified lead',
          ...copy([
            ['telephone1', 'telephone1'],
            ['websiteurl', 'websiteurl'],
            ['address1_line1', 'address1_line1'],
            ['address1_city', 'address1_city'],
            ['address1_postalcode', 'address1_postalcode'],
            ['emailaddress1', 'emailaddress1'],
          ]),
          ...leadBind,
        }
        accountId = dv.create(dv.tableOf('account'), account, request.ctx)
        created.push({ '@odata.type': '#Microsoft.Dynamics.CRM.account', accountid: accountId })
      }
      if (payload['CreateContact'] === true) {
        const contact: Record<string, unknown> = {
          ...copy([
            ['firstname', 'firstname'],
            ['lastname', 'lastname'],
            ['emailaddress1', 'emailaddress1'],
            ['telephone1', 'telephone1'],
            ['mobilephone', 'mobilephone'],
            ['jobtitle', 'jobtitle'],
          ]),
          ...leadBind,
        }
        if (accountId !== null) contact['parentcustomerid_account@odata.bind'] = `/accounts(${accountId})`
        contactId = dv.create(dv.tableOf('contact'), contact, request.ctx)
        created.push({ '@odata.type': '#Microsoft.Dynamics.CRM.contact', contactid: contactId })
      }
      let opportunityId: string | null = null
      if (payload['CreateOpportunity'] === true) {
        const customer =
          entityRef(payload['OpportunityCustomerId'], ['account', 'contact']) ??
          (accountId !== null
            ? { table: 'account', id: accountId }
            : contactId !== null
              ? { table: 'contact', id: contactId }
              : null)
        const currency = entityRef(payload['OpportunityCurrencyId'], ['transactioncurrency'])
        const opportunity: Record<string, unknown> = {
          name: lead['subject'] ?? lead['fullname'] ?? 'Qualified lead',
          ...leadBind,
        }
        if (customer !== null)
          opportunity[`customerid_${customer.table}@odata.bind`] =
            `/${customer.table === 'account' ? 'accounts' : 'contacts'}(${customer.id})`
        if (currency !== null)
          opportunity['transactioncurrencyid@odata.bind'] = `/transactioncurrencies(${currency.id})`
        opportunityId = dv.create(dv.tableOf('opportunity'), opportunity, request.ctx)
        created.push({ '@odata.type': '#Microsoft.Dynamics.CRM.opportunity', opportunityid: opportunityId })
      }
      const update: Record<string, unknown> = { statecode: 1, statuscode: status }
      if (accountId !== null) update['parentaccountid@odata.bind'] = `/accounts(${accountId})`
      if (contactId !== null) update['parentcontactid@odata.bind'] = `/contacts(${contactId})`
      if (opportunityId !== null)
        update['qualifyingopportunityid@odata.bind'] = `/opportunities(${opportunityId})`
      dv.update(leadTable, leadId, update, request.ctx, { allowState: true })
    })
    return jsonResponse(
      200,
      {
        '@odata.context': `${base}$metadata#Collection(Microsoft.Dynamics.CRM.crmbaseentity)`,
        value: created,
      },
      {},
      created.length + 1,
    )
  }

  // ------------------------------------------------------------ chunked files ([files])

  #initializeUpload(
    table: Upload['table'],
    payload: Record<string, unknown>,
    request: ApiRequest,
  ): ApiResponse {
    const target = payload['Target']
    if (target === null || typeof target !== 'object') throw invalidArgument('Target is required.')
    const token = newGuid()
    this.#uploads.set(token, { table, target: target as Record<string, unknown>, blocks: new Map() })
    return jsonResponse(200, {
      '@odata.context': `${request.root.apiBase}$metadata#Microsoft.Dynamics.CRM.Initialize${table === 'annotation' ? 'Annotation' : 'Attachment'}BlocksUploadResponse`,
      FileContinuationToken: token,
    })
  }

  #uploadBlock(payload: Record<string, unknown>): void {
    const token = payload['FileContinuationToken']
    const blockId = payload['BlockId']
    const data = payload['BlockData']
    const upload = typeof token === 'string' ? this.#uploads.get(token) : undefined
    if (upload === undefined) throw invalidArgument('FileContinuationToken is missing or expired.')
    if (typeof blockId !== 'string' || Buffer.from(blockId, 'base64').length > 64) {
      throw invalidArgument('BlockId must be Base64 text of at most 64 bytes.')
    }
    if (typeof data !== 'string') throw invalidArgument('BlockData is required (Base64).')
    const bytes = Buffer.from(data, 'base64')
    if (bytes.length > MAX_BLOCK_BYTES) throw invalidArgument('A block may hold at most 4 MB.')
    const lengths = new Set([...upload.blocks.keys()].map((k) => k.length))
    if (lengths.size > 0 && !lengths.has(blockId.length))
      throw invalidArgument('All BlockIds of one upload must have the same length.')
    upload.blocks.set(blockId, bytes)
  }

  #commitUpload(payload: Record<string, unknown>, request: ApiRequest): ApiResponse {
    const dv = this.#dv
    const token = payload['FileContinuationToken']
    const upload = typeof token === 'string' ? this.#uploads.get(token) : undefined
    if (upload === undefined) throw invalidArgument('FileContinuationToken is missing or expired.')
    const list = payload['BlockList']
    if (!Array.isArray(list)) throw invalidArgument('BlockList is required.')
    const parts = list.map((id) => {
      const block = typeof id === 'string' ? upload.blocks.get(id) : undefined
      if (block === undefined) throw invalidArgument(`Block ${String(id)} was not uploaded.`)
      return block
    })
    const content = Buffer.concat(parts).toString('base64')
    const limit = Number(dv.organization()['maxuploadfilesize'] ?? 5242880)
    if (content.length > limit) throw attachmentTooBig()
    const table = dv.tableOf(upload.table)
    const target = { ...upload.target, ...((payload['Target'] as Record<string, unknown> | undefined) ?? {}) }
    delete target['@odata.type']
    const bodyColumn = upload.table === 'annotation' ? 'documentbody' : 'body'
    const idColumn = table.primaryId
    const givenId = target[idColumn]
    let id: string
    if (typeof givenId === 'string' && dv.store.get(table.logicalName, givenId.toLowerCase()) !== undefined) {
      id = givenId.toLowerCase()
      const rest = { ...target, [bodyColumn]: content }
      delete rest[idColumn]
      dv.update(table, id, rest, request.ctx)
    } else {
      id = dv.create(table, { ...target, [bodyColumn]: content }, request.ctx)
    }
    this.#uploads.delete(String(token))
    const size = Buffer.concat(parts).length
    return jsonResponse(
      200,
      upload.table === 'annotation'
        ? {
            '@odata.context': `${request.root.apiBase}$metadata#Microsoft.Dynamics.CRM.CommitAnnotationBlocksUploadResponse`,
            AnnotationId: id,
            FileSizeInBytes: size,
          }
        : {
            '@odata.context': `${request.root.apiBase}$metadata#Microsoft.Dynamics.CRM.CommitAttachmentBlocksUploadResponse`,
            ActivityMimeAttachmentId: id,
            FileSizeInBytes: size,
          },
    )
  }

  #initializeDownload(payload: Record<string, unknown>, request: ApiRequest): ApiResponse {
    const dv = this.#dv
    const target = payload['Target'] as Record<string, unknown> | undefined
    const id = target?.['annotationid']
    if (typeof id !== 'string') throw invalidArgument('Target needs annotationid.')
    const row: Row | undefined = dv.store.get('annotation', id.toLowerCase())
    if (row === undefined) throw recordNotFound('annotation', id)
    const data = Buffer.from(String(row['documentbody'] ?? ''), 'base64')
    const token = newGuid()
    this.#downloads.set(token, { data })
    return jsonResponse(200, {
      '@odata.context': `${request.root.apiBase}$metadata#Microsoft.Dynamics.CRM.InitializeAnnotationBlocksDownloadResponse`,
      FileContinuationToken: token,
      FileSizeInBytes: data.length,
      FileName: row['filename'] ?? null,
    })
  }

  #downloadBlock(payload: Record<string, unknown>, request: ApiRequest): ApiResponse {
    const token = payload['FileContinuationToken']
    const download = typeof token === 'string' ? this.#downloads.get(token) : undefined
    if (download === undefined) throw invalidArgument('FileContinuationToken is missing or expired.')
    const offset = Number(payload['Offset'] ?? 0)
    const length = Math.min(Number(payload['BlockLength'] ?? MAX_BLOCK_BYTES), MAX_BLOCK_BYTES)
    return jsonResponse(200, {
      '@odata.context': `${request.root.apiBase}$metadata#Microsoft.Dynamics.CRM.DownloadBlockResponse`,
      Data: download.data.subarray(offset, offset + length).toString('base64'),
    })
  }
}
