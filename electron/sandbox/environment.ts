/**
 * One Dataverse environment: schema, store, business core, metadata API and operations, seeded
 * with what a new Dynamics 365 Sales environment has (organisation, root business unit and team,
 * USD, application users and people, the default publisher and solution, the Opportunity Sales
 * Process with its stages, connection roles, and the sdkmessagefilters that say which tables take
 * the bulk messages). Also the state hashes, statistics sources and reset.
 */
import { createHash } from 'node:crypto'
import type { Identity } from './auth/identity'
import { createSchema } from './schema/load-schema'
import { writeCsdl } from './schema/csdl-writer'
import type { Schema, TableDef } from './schema/model'
import type { LoadedState, Persistence } from './store/persistence'
import { Store, isLookup, type Row } from './store/store'
import { stableGuid, newGuid } from './util/ids'
import type { CallContext, ServiceRoot } from './web-api/context'
import { Dataverse, SYSTEM_MANAGED, type EnvironmentIds } from './web-api/dataverse'
import { executeBatch } from './web-api/batch'
import { MetadataApi, type MetadataChange } from './web-api/metadata-api'
import { Operations } from './web-api/operations'
import { route, type RouterServices } from './web-api/router'
import type { ApiRequest, ApiResponse } from './web-api/http-types'
import { lookup } from './web-api/values'

/**
 * Left out of the state hash besides the system-managed columns: the currency and exchange rate
 * the platform sets on a record the first time a money value is written to it. They stay when
 * the value is cleared again, and no client can set them back to empty, so a rollback of a run
 * that gave a pre-existing record an amount leaves them behind (as it would in Dataverse).
 */
const CURRENCY_DERIVED: ReadonlySet<string> = new Set(['transactioncurrencyid', 'exchangerate'])

/** A person to seed as a systemuser (`--users FILE.json`). */
export type SeedUser = Readonly<{ email: string; firstName: string; lastName: string; disabled?: boolean }>

/** The people a new sandbox has by default: loan officers and processors, two of them disabled. */
export const DEFAULT_USERS: ReadonlyArray<SeedUser> = [
  { email: 'avery.admin@sandbox.example', firstName: 'Avery', lastName: 'Admin' },
  { email: 'jordan.lee@sandbox.example', firstName: 'Jordan', lastName: 'Lee' },
  { email: 'maria.gomez@sandbox.example', firstName: 'Maria', lastName: 'Gomez' },
  { email: 'sam.patel@sandbox.example', firstName: 'Sam', lastName: 'Patel' },
  { email: 'chris.ng@sandbox.example', firstName: 'Chris', lastName: 'Ng', disabled: true },
  { email: 'dana.whitfield@sandbox.example', firstName: 'Dana', lastName: 'Whitfield', disabled: true },
]

/**
 * Tables registered for CreateMultiple / UpdateMultiple / UpsertMultiple by default. Current
 * environments have the messages on most standard tables, account and contact included ([bulk];
 * the Aug 2023 note in [optimize] predates that), and on every custom table. Activity parties,
 * connections, opportunity close activities and BPF instance tables are left out, so a client's
 * `$batch` fallback has tables to exercise it on.
 */
export const DEFAULT_BULK_TABLES: ReadonlyArray<string> = [
  'account',
  'contact',
  'lead',
  'opportunity',
  'phonecall',
  'task',
  'email',
  'appointment',
  'annotation',
]

/** The bulk messages the sandbox implements. */
export const BULK_MESSAGES = ['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple'] as const

/** Stages of the default Opportunity Sales Process. */
export const OPPORTUNITY_STAGES = ['Qualify', 'Develop', 'Propose', 'Close'] as const

/** What shapes a new environment. */
export type EnvironmentOptions = Readonly<{
  users: ReadonlyArray<SeedUser>
  bulkTables: ReadonlyArray<string>
  maxUploadFileSize: number
  keyActivationMs: number
  csdlFile?: string
}>

/** Hashes and counts of the environment's state. */
export type StateHash = Readonly<{
  data: string
  metadata: string
  records: number
  tables: Readonly<Record<string, number>>
}>

const SYSTEM_USER_KEY = 'system'

/** Tables whose rows are customisations, not business data (they go into the metadata hash). */
const METADATA_TABLES = new Set([
  'publisher',
  'solution',
  'solutioncomponent',
  'sdkmessage',
  'sdkmessagefilter',
])

/** One running environment. */
export class Environment {
  readonly #persistence: Persistence | null
  readonly #options: EnvironmentOptions
  readonly #identity: Identity
  #schema!: Schema
  #store!: Store
  #dv!: Dataverse
  #metadata!: MetadataApi
  #operations!: Operations
  #csdl: string | null = null
  #loaded: LoadedState | null

  /** `loaded` is what the state file held (read once by the caller), or null for a new state. */
  constructor(
    identity: Identity,
    options: EnvironmentOptions,
    persistence: Persistence | null,
    loaded: LoadedState | null,
  ) {
    this.#identity = identity
    this.#options = options
    this.#persistence = persistence
    this.#loaded = loaded
    this.#open(true)
  }

  get dv(): Dataverse {
    return this.#dv
  }

  get schema(): Schema {
    return this.#schema
  }

  get store(): Store {
    return this.#store
  }

  get metadata(): MetadataApi {
    return this.#metadata
  }

  /** The id of the SYSTEM user (seeding, token-less operations). */
  get systemUserId(): string {
    return stableGuid('systemuser', SYSTEM_USER_KEY, this.#identity.tenantId)
  }

  /** Routes one Web API request. */
  handle(request: ApiRequest): ApiResponse {
    const services: RouterServices = {
      dv: this.#dv,
      metadataDocument: () => (this.#csdl ??= writeCsdl(this.#schema)),
      batch: (batch) =>
        executeBatch(
          batch,
          (inner) => route(services, inner),
          (fn) => this.#store.transaction(fn),
        ),
      operation: (name, args, req) => this.#operations.unbound(name, args, req),
      boundOperation: (table, id, name, req) => this.#operations.bound(table, id, name, req),
      metadata: (segments, req) => this.#metadata.handle(segments, req),
    }
    return route(services, request)
  }

  /** Empties the environment and seeds it again (identity kept). */
  reset(): void {
    this.#metadata.close()
    this.#store.clear()
    this.#open(false)
  }

  /** Stops timers (key activations). */
  close(): void {
    this.#metadata.close()
  }

  /** Data hash (business rows, platform-managed columns and empty values left out) and metadata hash. */
  stateHash(): StateHash {
    const hash = createHash('sha256')
    const counts: Record<string, number> = {}
    let records = 0
    const tables = this.#store
      .tableNames()
      .filter((t) => !METADATA_TABLES.has(t))
      .sort()
    for (const table of tables) {
      const rows = [...this.#store.rows(table).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      if (rows.length === 0) continue
      counts[table] = rows.length
      records += rows.length
      for (const [id, row] of rows) {
        const entries = Object.entries(row)
          .filter(
            ([k, v]) =>
              v !== null &&
              v !== undefined &&
              !SYSTEM_MANAGED.has(k) &&
              !CURRENCY_DERIVED.has(k) &&
              !k.startsWith('__'),
          )
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, isLookup(v) ? `${v.table}:${v.id}` : v])
        hash.update(`${table}\u0000${id}\u0000${JSON.stringify(entries)}\n`)
      }
    }
    return { data: hash.digest('hex'), metadata: this.#metadata.metadataHash(), records, tables: counts }
  }

  /** A context acting as SYSTEM (seeding). */
  systemContext(): CallContext {
    return {
      callerId: this.systemUserId,
      userId: this.systemUserId,
      solution: null,
      now: Date.now(),
      duplicateDetection: false,
    }
  }

  /** Which tables a bulk message is registered for, read from sdkmessagefilters like a client would. */
  supportsBulk(message: string, table: string): boolean {
    const messageRow = [...this.#store.rows('sdkmessage').values()].find((m) => m['name'] === message)
    if (messageRow === undefined) return false
    const messageId = String(messageRow['sdkmessageid'])
    return [...this.#store.rows('sdkmessagefilter').values()].some((f) => {
      const ref = f['sdkmessageid']
      return isLookup(ref) && ref.id === messageId && f['primaryobjecttypecode'] === table
    })
  }

  // ------------------------------------------------------------ opening and seeding

  #open(first: boolean): void {
    this.#schema = createSchema(this.#options.csdlFile)
    this.#csdl = null
    if (first) {
      this.#store = new Store(this.#persistence)
    }
    const loaded = first ? this.#loaded : null
    this.#loaded = null
    if (loaded !== null) this.#store.loadFrom(loaded.rows, loaded.kv)
    const ids = this.#ids()
    this.#dv = new Dataverse(this.#schema, this.#store, ids)
    this.#metadata = new MetadataApi(this.#dv, {
      persist: (change) => this.#persistence?.appendMetadata(change),
      keyActivationMs: this.#options.keyActivationMs,
      changed: () => {
        this.#csdl = null
      },
    })
    this.#operations = new Operations(
      this.#dv,
      (message, table) => this.supportsBulk(message, table),
      (table, key) => this.#metadata.reactivateKey(table, key),
    )
    this.#dv.onCreated = (table, id, row, ctx, skipProcess) =>
      this.#onCreated(table, id, row, ctx, skipProcess)
    if (loaded !== null) {
      for (const event of loaded.metadata) this.#metadata.applyChange(event as unknown as MetadataChange)
    }
    if (this.#store.getSetting('env.seeded') !== 'true') this.#seed(ids)
    this.#metadata.resumeKeys()
  }

  #ids(): EnvironmentIds {
    const saved = this.#store.getSetting('env.ids')
    if (saved !== undefined) return JSON.parse(saved) as EnvironmentIds
    const ids: EnvironmentIds = {
      organizationId: newGuid(),
      businessUnitId: newGuid(),
      currencyId: newGuid(),
      defaultTeamId: newGuid(),
    }
    this.#store.setSetting('env.ids', JSON.stringify(ids))
    return ids
  }

  #seed(ids: EnvironmentIds): void {
    const dv = this.#dv
    const store = this.#store
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
    const systemId = this.systemUserId
    const put = (table: string, row: Row) => {
      const def = this.#schema.table(table)
      if (def === undefined) return
      const id = String(row[def.primaryId])
      const full: Row = { ...row }
      if (def.columns.has('createdon')) full['createdon'] ??= now
      if (def.columns.has('modifiedon')) full['modifiedon'] ??= now
      if (def.columns.has('versionnumber')) full['versionnumber'] = dv.nextVersion()
      if (def.columns.has('statecode')) full['statecode'] ??= 0
      if (def.columns.has('statuscode'))
        full['statuscode'] ??= def.stateModel?.statuses.find((s) => s.state === full['statecode'])?.value ?? 1
      if (def.keyProperty !== def.primaryId && def.columns.has(def.keyProperty)) full[def.keyProperty] = id
      store.put(table, id, full)
    }
    store.transaction(() => {
      put('transactioncurrency', {
        transactioncurrencyid: ids.currencyId,
        currencyname: 'US Dollar',
        isocurrencycode: 'USD',
        currencysymbol: '$',
        currencyprecision: 2,
        exchangerate: 1,
      })
      put('organization', {
        organizationid: ids.organizationId,
        name: 'Leafbridge Sandbox',
        maxuploadfilesize: this.#options.maxUploadFileSize,
        basecurrencyid: lookup('transactioncurrency', ids.currencyId),
        languagecode: 1033,
        blockedattachments:
          'ade;adp;app;asa;ashx;asmx;asp;bas;bat;cdx;cer;chm;class;cmd;com;config;cpl;crt;csh;dll;exe;fxp;hlp;hta;htr;htw;ida;idc;idq;inf;ins;isp;its;js;jse;ksh;lnk;mad;maf;mag;mam;maq;mar;mas;mat;mau;mav;maw;mda;mdb;mde;mdt;mdw;mdz;msc;msh;msh1;msh1xml;msh2;msh2xml;mshxml;msi;msp;mst;ops;pcd;pif;prf;prg;printer;pst;reg;rem;scf;scr;sct;shb;shs;shtm;shtml;soap;stm;tmp;url;vb;vbe;vbs;vsmacros;vss;vst;vsw;ws;wsc;wsf;wsh',
      })
      put('businessunit', {
        businessunitid: ids.businessUnitId,
        name: 'leafbridgesandbox',
        organizationid: lookup('organization', ids.organizationId),
      })
      const user = (id: string, first: string, last: string, email: string, extra: Row) =>
        put('systemuser', {
          systemuserid: id,
          firstname: first,
          lastname: last,
          fullname: `${first} ${last}`.trim(),
          internalemailaddress: email,
          domainname: email,
          isdisabled: false,
          accessmode: 0,
          businessunitid: lookup('businessunit', ids.businessUnitId),
          organizationid: lookup('organization', ids.organizationId),
          ...extra,
        })
      user(systemId, '', 'SYSTEM', '', { fullname: 'SYSTEM', accessmode: 3, domainname: '' })
      for (const app of this.#identity.apps) {
        user(app.systemUserId, '#', app.displayName, '', {
          fullname: `# ${app.displayName}`,
          applicationid: app.clientId,
          azureactivedirectoryobjectid: app.servicePrincipalId,
          accessmode: 4,
          isintegrationuser: false,
          domainname: `${app.clientId}@sandbox.example`,
        })
      }
      for (const person of this.#options.users) {
        user(
          stableGuid('person', person.email.toLowerCase(), this.#identity.tenantId),
          person.firstName,
          person.lastName,
          person.email,
          {
            isdisabled: person.disabled === true,
            azureactivedirectoryobjectid: stableGuid(
              'aad',
              person.email.toLowerCase(),
              this.#identity.tenantId,
            ),
            islicensed: person.disabled !== true,
          },
        )
      }
      put('team', {
        teamid: ids.defaultTeamId,
        name: 'leafbridgesandbox',
        isdefault: true,
        teamtype: 0,
        businessunitid: lookup('businessunit', ids.businessUnitId),
      })

      const publisherId = stableGuid('publisher', 'DefaultPublisher')
      put('publisher', {
        publisherid: publisherId,
        uniquename: 'DefaultPublisher',
        friendlyname: 'Default Publisher for Leafbridge Sandbox',
        customizationprefix: 'new',
        customizationoptionvalueprefix: 10000,
      })
      put('solution', {
        solutionid: stableGuid('solution', 'Default'),
        uniquename: 'Default',
        friendlyname: 'Default Solution',
        version: '1.0',
        ismanaged: false,
        isvisible: false,
        publisherid: lookup('publisher', publisherId),
      })

      for (const message of [...BULK_MESSAGES, 'DeleteMultiple']) {
        const messageId = stableGuid('sdkmessage', message)
        put('sdkmessage', {
          sdkmessageid: messageId,
          name: message,
          isactive: true,
          isprivate: false,
          categoryname: 'Bulk',
        })
        if (message === 'DeleteMultiple') continue
        const tables = new Set([
          ...this.#options.bulkTables,
          ...[...this.#schema.tables.values()]
            .filter((t) => t.isCustom && !t.isBpf)
            .map((t) => t.logicalName),
        ])
        for (const table of tables) {
          if (this.#schema.table(table) === undefined) continue
          const filterId = stableGuid('sdkmessagefilter', message, table)
          put('sdkmessagefilter', {
            sdkmessagefilterid: filterId,
            sdkmessageid: lookup('sdkmessage', messageId),
            primaryobjecttypecode: table,
            secondaryobjecttypecode: 'none',
            availability: 0,
            iscustomprocessingstepallowed: true,
            isvisible: true,
          })
        }
      }

      const processId = stableGuid('workflow', 'opportunitysalesprocess')
      put('workflow', {
        workflowid: processId,
        name: 'Opportunity Sales Process',
        uniquename: 'opportunitysalesprocess',
        category: 4,
        type: 1,
        primaryentity: 'opportunity',
        businessprocesstype: 0,
        processorder: 1,
        statecode: 1,
        statuscode: 2,
        ownerid: lookup('systemuser', systemId),
      })
      OPPORTUNITY_STAGES.forEach((stage, index) => {
        put('processstage', {
          processstageid: stableGuid('processstage', 'opportunitysalesprocess', stage),
          stagename: stage,
          stagecategory: index,
          primaryentitytypecode: 'opportunity',
          processid: lookup('workflow', processId),
          __order: index,
        })
      })

      const roles: Array<readonly [string, number, boolean]> = [
        ['Colleague', 1, true],
        ['Friend', 3, true],
        ['Stakeholder', 1000, false],
      ]
      for (const [name, category, reciprocal] of roles) {
        const id = stableGuid('connectionrole', name)
        put('connectionrole', { connectionroleid: id, name, category, statecode: 0, statuscode: 1 })
        if (reciprocal)
          store.put('assoc:connectionroleassociation_association', `${id}|${id}`, { first: id, second: id })
      }
    })
    store.setSetting('env.seeded', 'true')
  }

  // ------------------------------------------------------------ create hooks

  #onCreated(table: TableDef, id: string, row: Row, ctx: CallContext, skipProcess: boolean): void {
    if (table.logicalName === 'workflow') {
      if (row['category'] === 4) this.#metadata.createBpfTable(row, ctx)
      this.#metadata.addSolutionComponent(ctx, 29, id)
    }
    if (table.logicalName === 'connectionrole') this.#metadata.addSolutionComponent(ctx, 63, id)
    if (!skipProcess && !table.isBpf && table.logicalName !== 'workflow') this.#startProcess(table, id, ctx)
  }

  /** [bpf]: a new record starts the first active BPF of its table, at the first stage. */
  #startProcess(table: TableDef, id: string, ctx: CallContext): void {
    const processes = [...this.#store.rows('workflow').values()]
      .filter(
        (w) =>
          w['category'] === 4 &&
          w['statecode'] === 1 &&
          w['primaryentity'] === table.logicalName &&
          w['type'] !== 2,
      )
      .sort((a, b) => Number(a['processorder'] ?? 0) - Number(b['processorder'] ?? 0))
    const process = processes[0]
    if (process === undefined) return
    const instanceTable = this.#schema.table(String(process['uniquename'] ?? '').toLowerCase())
    if (instanceTable === undefined || !instanceTable.isBpf) return
    const nav = [...instanceTable.navigations.values()].find(
      (n) => n.kind === 'single' && n.targets.length === 1 && n.targets[0] === table.logicalName,
    )
    if (nav === undefined) return
    const processId = String(process['workflowid'])
    this.#dv.create(
      instanceTable,
      {
        [`${nav.name}@odata.bind`]: `/${table.setName}(${id})`,
        'processid@odata.bind': `/workflows(${processId})`,
        ...(instanceTable.columns.has('name')
          ? { name: String(process['name'] ?? '') }
          : { bpf_name: String(process['name'] ?? '') }),
      },
      ctx,
    )
  }

  /** The service root for a given origin. */
  static root(origin: string): ServiceRoot {
    return { origin, apiBase: `${origin}/api/data/v9.2/` }
  }
}
