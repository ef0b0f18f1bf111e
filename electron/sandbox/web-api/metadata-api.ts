/**
 * The metadata Web API the planner calls ([columns], WEB-API-NOTES §15):
 *
 * - `GET EntityDefinitions` with `$select`, `$filter`, `$expand=Attributes,Keys`; by
 *   `(LogicalName='…')` or `(<MetadataId>)`; `…/Attributes`, `…/Keys`, `…/ManyToOneRelationships`,
 *   typed casts (`…/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet`);
 * - `POST …/Attributes` for String, Memo, Integer, Decimal, Money, DateTime (DateOnly too), Boolean
 *   and Picklist columns, which really add the column, so later writes with it validate;
 * - `POST …/Keys`: the key is Pending, then InProgress, then Active after a time-scaled delay, or
 *   Failed when existing rows clash; only an Active key is enforced and addressable
 *   ([s-createkey], [s-retrievekey], [altkey-def]); ReactivateEntityKey retries a failed one;
 * - `MSCRM.SolutionUniqueName` records the new component in that solution ([compose]).
 *
 * Every change is a metadata event, persisted and replayed at start-up, and part of the metadata
 * hash (not of the data hash; README, "State hashes").
 */
import { createHash } from 'node:crypto'
import type { AttributeType, ColumnDef, KeyDef, KeyStatus, NavDef, TableDef } from '../schema/model'
import { BPF_STATE_MODEL, titleCase, type OptionDef } from '../schema/augment'
import type { Row } from '../store/store'
import { isLookup } from '../store/store'
import { stableGuid, newGuid } from '../util/ids'
import { compileFilter } from '../odata/filter'
import { parseArgs, type Segment } from '../odata/path'
import { parseQueryOptions, type QueryOptions } from '../odata/query-options'
import type { CallContext } from './context'
import type { Dataverse } from './dataverse'
import {
  badPayload,
  DataverseError,
  invalidArgument,
  methodNotAllowed,
  propertyNotFound,
  resourceNotFound,
} from './errors'
import { emptyResponse, jsonResponse, type ApiRequest, type ApiResponse } from './http-types'
import { lookup } from './values'

/** A persisted metadata change. */
export type MetadataChange =
  | Readonly<{ kind: 'column'; table: string; data: ColumnDef }>
  | Readonly<{ kind: 'key'; table: string; data: KeyDef }>
  | Readonly<{ kind: 'key-status'; table: string; data: { key: string; status: KeyStatus } }>
  | Readonly<{ kind: 'table'; table: string; data: BpfTableSpec }>

/** What defines a BPF instance table created with its process (workflow category 4). */
export type BpfTableSpec = Readonly<{
  logicalName: string
  setName: string
  primaryEntity: string
  displayName: string
  solution: string | null
}>

/** Hooks the environment provides. */
export type MetadataHooks = Readonly<{
  persist: (change: MetadataChange) => void
  /** Milliseconds from key creation to Active (already divided by the time scale). */
  keyActivationMs: number
  /** Called whenever metadata changes (the `$metadata` document is rebuilt lazily). */
  changed: () => void
}>

const LANGUAGE = 1033

/** A Dataverse Label with one English localized label. */
export function label(text: string): Record<string, unknown> {
  const localized = {
    Label: text,
    LanguageCode: LANGUAGE,
    IsManaged: false,
    MetadataId: stableGuid('label', text),
    HasChanged: null,
  }
  return { LocalizedLabels: [localized], UserLocalizedLabel: localized }
}

const labelText = (value: unknown): string | null => {
  if (value === null || typeof value !== 'object') return null
  const labels = (value as { LocalizedLabels?: Array<{ Label?: unknown }> }).LocalizedLabels
  const first = labels?.[0]?.Label
  return typeof first === 'string' ? first : null
}

const managed = (value: boolean, name: string) => ({
  Value: value,
  CanBeChanged: true,
  ManagedPropertyLogicalName: name,
})

const TYPE_NAMES: Readonly<Record<AttributeType, readonly [odataType: string, typeName: string]>> = {
  Uniqueidentifier: ['UniqueIdentifierAttributeMetadata', 'UniqueidentifierType'],
  String: ['StringAttributeMetadata', 'StringType'],
  Memo: ['MemoAttributeMetadata', 'MemoType'],
  Integer: ['IntegerAttributeMetadata', 'IntegerType'],
  BigInt: ['BigIntAttributeMetadata', 'BigIntType'],
  Decimal: ['DecimalAttributeMetadata', 'DecimalType'],
  Double: ['DoubleAttributeMetadata', 'DoubleType'],
  Money: ['MoneyAttributeMetadata', 'MoneyType'],
  Boolean: ['BooleanAttributeMetadata', 'BooleanType'],
  DateTime: ['DateTimeAttributeMetadata', 'DateTimeType'],
  Picklist: ['PicklistAttributeMetadata', 'PicklistType'],
  State: ['StateAttributeMetadata', 'StateType'],
  Status: ['StatusAttributeMetadata', 'StatusType'],
  Lookup: ['LookupAttributeMetadata', 'LookupType'],
  Customer: ['LookupAttributeMetadata', 'CustomerType'],
  Owner: ['LookupAttributeMetadata', 'OwnerType'],
  EntityName: ['EntityNameAttributeMetadata', 'EntityNameType'],
  Virtual: ['ImageAttributeMetadata', 'VirtualType'],
  ManagedProperty: ['ManagedPropertyAttributeMetadata', 'ManagedPropertyType'],
}

const CREATABLE: Readonly<Record<string, AttributeType>> = {
  StringAttributeMetadata: 'String',
  MemoAttributeMetadata: 'Memo',
  IntegerAttributeMetadata: 'Integer',
  DecimalAttributeMetadata: 'Decimal',
  MoneyAttributeMetadata: 'Money',
  DateTimeAttributeMetadata: 'DateTime',
  BooleanAttributeMetadata: 'Boolean',
  PicklistAttributeMetadata: 'Picklist',
  DoubleAttributeMetadata: 'Double',
  BigIntAttributeMetadata: 'BigInt',
}

/** [altkey-def]: column types allowed in an alternate key. */
const KEY_TYPES = new Set<AttributeType>([
  'Decimal',
  'Integer',
  'String',
  'DateTime',
  'Lookup',
  'Customer',
  'Owner',
  'Picklist',
])

/** Plural entity set name for a new table, in Dataverse's manner (`…y` → `…ies`, `…s` → `…ses`). */
export function pluralise(name: string): string {
  if (/[^aeiou]y$/.test(name)) return `${name.slice(0, -1)}ies`
  if (/(s|x|ch|sh)$/.test(name)) return `${name}es`
  return `${name}s`
}

/** Synthetic tables so `$filter` works on metadata objects with the same compiler as on records. */
function syntheticTable(name: string, columns: Readonly<Record<string, AttributeType>>): TableDef {
  const map = new Map<string, ColumnDef>()
  for (const [logicalName, attributeType] of Object.entries(columns)) {
    map.set(logicalName, {
      logicalName,
      schemaName: logicalName,
      attributeType,
      edmType:
        attributeType === 'Boolean'
          ? 'Edm.Boolean'
          : attributeType === 'Integer'
            ? 'Edm.Int32'
            : 'Edm.String',
      property: logicalName,
      isPrimaryId: false,
      isPrimaryName: false,
      isCustom: false,
      validForCreate: false,
      validForUpdate: false,
      targets: [],
      options: [],
      displayName: logicalName,
      requiredLevel: 'None',
      metadataId: stableGuid('synthetic', name, logicalName),
    })
  }
  return {
    logicalName: name,
    schemaName: name,
    setName: name,
    primaryId: 'MetadataId',
    keyProperty: 'MetadataId',
    primaryName: 'LogicalName',
    columns: map,
    byProperty: map,
    navigations: new Map(),
    keys: new Map(),
    isCustom: false,
    isActivity: false,
    isBpf: false,
    isIntersect: false,
    ownership: 'None',
    objectTypeCode: 0,
    metadataId: stableGuid('synthetic', name),
    stateModel: null,
    displayName: name,
    displayCollectionName: name,
    baseType: null,
  }
}

const ENTITY_FILTER_TABLE = syntheticTable('EntityMetadata', {
  MetadataId: 'String',
  LogicalName: 'String',
  SchemaName: 'String',
  EntitySetName: 'String',
  LogicalCollectionName: 'String',
  PrimaryIdAttribute: 'String',
  PrimaryNameAttribute: 'String',
  ObjectTypeCode: 'Integer',
  OwnershipType: 'String',
  IsCustomEntity: 'Boolean',
  IsActivity: 'Boolean',
  IsBPFEntity: 'Boolean',
  IsIntersect: 'Boolean',
  IsManaged: 'Boolean',
  IsValidForAdvancedFind: 'Boolean',
  HasActivities: 'Boolean',
  HasNotes: 'Boolean',
})

const ATTRIBUTE_FILTER_TABLE = syntheticTable('AttributeMetadata', {
  MetadataId: 'String',
  LogicalName: 'String',
  SchemaName: 'String',
  AttributeType: 'String',
  EntityLogicalName: 'String',
  IsCustomAttribute: 'Boolean',
  IsPrimaryId: 'Boolean',
  IsPrimaryName: 'Boolean',
  IsValidForCreate: 'Boolean',
  IsValidForRead: 'Boolean',
  IsValidForUpdate: 'Boolean',
  IsLogical: 'Boolean',
  AttributeOf: 'String',
})

/** The metadata API of one environment. */
export class MetadataApi {
  readonly #dv: Dataverse
  readonly #hooks: MetadataHooks
  readonly #timers = new Set<NodeJS.Timeout>()

  constructor(dv: Dataverse, hooks: MetadataHooks) {
    this.#dv = dv
    this.#hooks = hooks
  }

  /** Stops pending key activations (sandbox close). */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }

  // ------------------------------------------------------------ JSON shapes

  /** EntityMetadata JSON for a table. */
  entityJson(table: TableDef): Record<string, unknown> {
    return {
      MetadataId: table.metadataId,
      LogicalName: table.logicalName,
      SchemaName: table.schemaName,
      EntitySetName: table.setName,
      LogicalCollectionName: table.setName,
      CollectionSchemaName: `${table.schemaName}s`,
      PrimaryIdAttribute: table.primaryId,
      PrimaryNameAttribute: table.primaryName,
      ObjectTypeCode: table.objectTypeCode,
      OwnershipType:
        table.ownership === 'UserOwned'
          ? 'UserOwned'
          : table.ownership === 'OrganizationOwned'
            ? 'OrganizationOwned'
            : 'None',
      IsCustomEntity: table.isCustom,
      IsActivity: table.isActivity,
      IsActivityParty: ['account', 'contact', 'lead', 'systemuser', 'queue'].includes(table.logicalName),
      IsBPFEntity: table.isBpf,
      IsIntersect: table.isIntersect,
      IsManaged: !table.isCustom,
      IsValidForAdvancedFind: !table.isIntersect,
      IsCustomizable: managed(true, 'iscustomizable'),
      IsConnectionsEnabled: managed(
        [
          'account',
          'contact',
          'lead',
          'opportunity',
          'systemuser',
          'phonecall',
          'task',
          'email',
          'appointment',
        ].includes(table.logicalName),
        'isconnectionsenabled',
      ),
      IsDuplicateDetectionEnabled: managed(false, 'isduplicatedetectionenabled'),
      ChangeTrackingEnabled: false,
      HasActivities:
        table.navigations.has(`${table.schemaName}_Tasks`) ||
        table.navigations.has(`${table.logicalName}_Tasks`),
      HasNotes: table.navigations.has(`${table.schemaName}_Annotation`),
      DisplayName: label(table.displayName),
      DisplayCollectionName: label(table.displayCollectionName),
      Description: label(''),
      IntroducedVersion: table.isCustom ? '1.0' : '5.0.0.0',
    }
  }

  /** AttributeMetadata JSON for a column (typed: MaxLength, OptionSet, Targets, Format…). */
  attributeJson(table: TableDef, column: ColumnDef, expandOptionSet: boolean): Record<string, unknown> {
    const [odataType, typeName] = TYPE_NAMES[column.attributeType]
    const out: Record<string, unknown> = {
      '@odata.type': `#Microsoft.Dynamics.CRM.${odataType}`,
      MetadataId: column.metadataId,
      LogicalName: column.logicalName,
      SchemaName: column.schemaName,
      EntityLogicalName: table.logicalName,
      AttributeType: column.attributeType,
      AttributeTypeName: { Value: typeName },
      IsCustomAttribute: column.isCustom,
      IsPrimaryId: column.isPrimaryId,
      IsPrimaryName: column.isPrimaryName,
      IsValidForCreate: column.validForCreate,
      IsValidForRead: true,
      IsValidForUpdate: column.validForUpdate,
      IsLogical: false,
      IsManaged: !column.isCustom,
      AttributeOf: column.logicalName.endsWith('_base') ? column.logicalName.slice(0, -5) : null,
      RequiredLevel: {
        Value: column.requiredLevel,
        CanBeChanged: true,
        ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings',
      },
      DisplayName: label(column.displayName),
      Description: label(''),
      SourceType: 0,
      IntroducedVersion: column.isCustom ? '1.0' : '5.0.0.0',
    }
    switch (column.attributeType) {
      case 'String':
        out['MaxLength'] = column.maxLength ?? null
        out['Format'] = 'Text'
        out['FormatName'] = { Value: 'Text' }
        break
      case 'Memo':
        out['MaxLength'] = column.maxLength ?? null
        out['Format'] = 'TextArea'
        break
      case 'Integer':
      case 'BigInt':
        out['MinValue'] = column.minValue ?? -2147483648
        out['MaxValue'] = column.maxValue ?? 2147483647
        out['Format'] = 'None'
        break
      case 'Decimal':
      case 'Double':
      case 'Money':
        out['Precision'] = column.precision ?? 2
        out['MinValue'] =
          column.minValue ?? (column.attributeType === 'Money' ? -922337203685477 : -100000000000)
        out['MaxValue'] =
          column.maxValue ?? (column.attributeType === 'Money' ? 922337203685477 : 100000000000)
        if (column.attributeType === 'Money') out['PrecisionSource'] = 2
        break
      case 'DateTime':
        out['Format'] = column.format ?? 'DateAndTime'
        out['DateTimeBehavior'] = { Value: column.format === 'DateOnly' ? 'DateOnly' : 'UserLocal' }
        break
      case 'Lookup':
      case 'Customer':
      case 'Owner':
        out['Targets'] = column.targets
        break
      default:
        break
    }
    if (column.attributeType === 'Boolean') {
      out['DefaultValue'] = false
      if (expandOptionSet) {
        out['OptionSet'] = {
          MetadataId: stableGuid('optionset', table.logicalName, column.logicalName),
          OptionSetType: 'Boolean',
          IsGlobal: false,
          TrueOption: { Value: 1, Label: label('Yes') },
          FalseOption: { Value: 0, Label: label('No') },
        }
      }
    }
    if (['Picklist', 'State', 'Status'].includes(column.attributeType) && expandOptionSet) {
      out['OptionSet'] = {
        MetadataId: stableGuid('optionset', table.logicalName, column.logicalName),
        Name: `${table.logicalName}_${column.logicalName}`,
        OptionSetType: column.attributeType,
        IsGlobal: false,
        Options: column.options.map((o: OptionDef) => ({
          Value: o.value,
          Label: label(o.label),
          ...(o.state === undefined ? {} : { State: o.state }),
        })),
      }
    }
    return out
  }

  /** EntityKeyMetadata JSON. */
  keyJson(table: TableDef, key: KeyDef): Record<string, unknown> {
    return {
      MetadataId: key.metadataId,
      LogicalName: key.logicalName,
      SchemaName: key.schemaName,
      EntityLogicalName: table.logicalName,
      KeyAttributes: key.attributes,
      DisplayName: label(key.displayName),
      EntityKeyIndexStatus: key.status,
      IsManaged: false,
      IsCustomizable: managed(true, 'iscustomizable'),
      IntroducedVersion: '1.0',
      AsyncJob: null,
    }
  }

  // ------------------------------------------------------------ routing

  /** Handles metadata paths; null when the path is not a metadata path. */
  handle(segments: ReadonlyArray<Segment>, request: ApiRequest): ApiResponse | null {
    const [first, second, third, fourth] = segments
    if (first === undefined) return null
    if (first.name === 'GlobalOptionSetDefinitions' || first.name === 'RelationshipDefinitions') {
      if (request.method !== 'GET') throw methodNotAllowed(request.method)
      return jsonResponse(200, {
        '@odata.context': `${request.root.apiBase}$metadata#${first.name}`,
        value: first.name === 'RelationshipDefinitions' ? this.#relationships(null) : [],
      })
    }
    if (first.name !== 'EntityDefinitions') return null
    const options = parseQueryOptions(request.query)
    const method = request.method.toUpperCase()
    if (first.args === null) {
      if (second !== undefined) throw resourceNotFound(second.name)
      if (method !== 'GET') throw methodNotAllowed(method)
      const tables = [...this.#dv.schema.tables.values()]
      let items = tables.map((t) => ({ table: t, json: this.entityJson(t) }))
      if (options.filter !== null) {
        const predicate = this.#predicate(ENTITY_FILTER_TABLE, options)
        items = items.filter((i) => predicate(i.json as Row))
      }
      return jsonResponse(
        200,
        {
          '@odata.context': `${request.root.apiBase}$metadata#EntityDefinitions${options.select === null ? '' : `(${options.select.join(',')})`}`,
          value: items.map((i) => this.#shapeEntity(i.table, i.json, options)),
        },
        {},
        items.length,
      )
    }
    const table = this.#entityByArgs(first.args)
    if (second === undefined) {
      if (method !== 'GET') throw methodNotAllowed(method)
      return jsonResponse(200, {
        '@odata.context': `${request.root.apiBase}$metadata#EntityDefinitions${options.select === null ? '' : `(${options.select.join(',')})`}/$entity`,
        ...this.#shapeEntity(table, this.entityJson(table), options),
      })
    }
    switch (second.name) {
      case 'Attributes':
        return this.#attributes(table, second, third, fourth, options, request)
      case 'Keys':
        return this.#keys(table, second, third, options, request)
      case 'ManyToOneRelationships':
      case 'OneToManyRelationships':
      case 'ManyToManyRelationships': {
        if (method !== 'GET') throw methodNotAllowed(method)
        const all = this.#relationships(table)
        const kind =
          second.name === 'ManyToManyRelationships'
            ? 'many'
            : second.name === 'ManyToOneRelationships'
              ? 'm1'
              : '1m'
        const value = all.filter((r) =>
          kind === 'many'
            ? r['RelationshipType'] === 'ManyToManyRelationship'
            : kind === 'm1'
              ? r['ReferencingEntity'] === table.logicalName &&
                r['RelationshipType'] === 'OneToManyRelationship'
              : r['ReferencedEntity'] === table.logicalName &&
                r['RelationshipType'] === 'OneToManyRelationship',
        )
        return jsonResponse(
          200,
          {
            '@odata.context': `${request.root.apiBase}$metadata#EntityDefinitions('${table.metadataId}')/${second.name}`,
            value,
          },
          {},
          value.length,
        )
      }
      default:
        throw resourceNotFound(second.name)
    }
  }

  #predicate(table: TableDef, options: QueryOptions): (row: Row) => boolean {
    if (options.filter === null) return () => true
    return compileFilter(options.filter, {
      table,
      tableOf: () => undefined,
      get: () => undefined,
      referencing: () => [],
      related: () => [],
      aliases: options.aliases,
      userId: '',
    })
  }

  #entityByArgs(args: string): TableDef {
    const parsed = parseArgs(args)
    const name = parsed.get('LogicalName')
    const bare = parsed.get('') ?? parsed.get('MetadataId')
    let table: TableDef | undefined
    if (name !== undefined && name.kind === 'string') table = this.#dv.schema.table(name.value)
    else if (bare !== undefined && bare.kind === 'guid') {
      table = [...this.#dv.schema.tables.values()].find((t) => t.metadataId === bare.value)
    }
    if (table === undefined) {
      throw new DataverseError(
        404,
        '0x80060888',
        `Could not find entity with ${name !== undefined && 'value' in name ? `LogicalName = ${String(name.value)}` : `MetadataId = ${args}`}.`,
      )
    }
    return table
  }

  #shapeEntity(
    table: TableDef,
    json: Record<string, unknown>,
    options: QueryOptions,
  ): Record<string, unknown> {
    const out = pick(json, options.select, 'MetadataId')
    for (const item of options.expand) {
      if (item.navigation === 'Attributes') {
        let columns = [...table.columns.values()].map((c) => this.attributeJson(table, c, false))
        if (item.options.filter !== null) {
          const predicate = this.#predicate(ATTRIBUTE_FILTER_TABLE, item.options)
          columns = columns.filter((c) => predicate(c as Row))
        }
        out['Attributes'] = columns.map((c) => pick(c, item.options.select, 'MetadataId', '@odata.type'))
      } else if (item.navigation === 'Keys') {
        out['Keys'] = [...table.keys.values()].map((k) =>
          pick(this.keyJson(table, k), item.options.select, 'MetadataId'),
        )
      } else if (item.navigation === 'ManyToOneRelationships') {
        out['ManyToOneRelationships'] = this.#relationships(table).filter(
          (r) =>
            r['ReferencingEntity'] === table.logicalName && r['RelationshipType'] === 'OneToManyRelationship',
        )
      } else throw propertyNotFound(item.navigation, 'EntityMetadata')
    }
    return out
  }

  #attributes(
    table: TableDef,
    segment: Segment,
    next: Segment | undefined,
    after: Segment | undefined,
    options: QueryOptions,
    request: ApiRequest,
  ): ApiResponse {
    const method = request.method.toUpperCase()
    const base = `${request.root.apiBase}$metadata#EntityDefinitions('${table.metadataId}')/Attributes`
    const cast = (s: Segment | undefined) =>
      s !== undefined && s.name.startsWith('Microsoft.Dynamics.CRM.') ? s.name.slice(23) : null
    const expandOptionSet = options.expand.some(
      (e) => e.navigation === 'OptionSet' || e.navigation === 'GlobalOptionSet',
    )
    if (segment.args === null) {
      if (method === 'POST') {
        if (next !== undefined) throw methodNotAllowed(method)
        const column = this.createAttribute(table, parseJson(request.body), request.ctx)
        return emptyResponse(204, {
          'odata-entityid': `${request.root.apiBase}EntityDefinitions(${table.metadataId})/Attributes(${column.metadataId})`,
        })
      }
      if (method !== 'GET') throw methodNotAllowed(method)
      const typeFilter = cast(next)
      let columns = [...table.columns.values()]
      if (typeFilter !== null) columns = columns.filter((c) => TYPE_NAMES[c.attributeType][0] === typeFilter)
      let items = columns.map((c) => this.attributeJson(table, c, expandOptionSet))
      if (options.filter !== null) {
        const predicate = this.#predicate(ATTRIBUTE_FILTER_TABLE, options)
        items = items.filter((c) => predicate(c as Row))
      }
      return jsonResponse(
        200,
        {
          '@odata.context': base,
          value: items.map((c) => pick(c, options.select, 'MetadataId', '@odata.type', 'OptionSet')),
        },
        {},
        items.length,
      )
    }
    const parsed = parseArgs(segment.args)
    const name = parsed.get('LogicalName')
    const bare = parsed.get('') ?? parsed.get('MetadataId')
    const column = [...table.columns.values()].find((c) =>
      name !== undefined && name.kind === 'string'
        ? c.logicalName === name.value
        : bare !== undefined && bare.kind === 'guid' && c.metadataId === bare.value,
    )
    if (column === undefined) {
      throw new DataverseError(
        404,
        '0x80060888',
        `Could not find attribute ${segment.args} on entity ${table.logicalName}.`,
      )
    }
    if (method === 'DELETE') {
      if (!column.isCustom)
        throw invalidArgument(
          `The attribute ${column.logicalName} is not a custom attribute and cannot be deleted.`,
        )
      throw invalidArgument('Deleting columns is not supported by the sandbox; reset it instead.')
    }
    if (method !== 'GET') throw methodNotAllowed(method)
    const typeCast = cast(next ?? after)
    if (typeCast !== null && TYPE_NAMES[column.attributeType][0] !== typeCast) {
      throw new DataverseError(
        400,
        '0x0',
        `The attribute ${column.logicalName} is not of type Microsoft.Dynamics.CRM.${typeCast}.`,
      )
    }
    return jsonResponse(200, {
      '@odata.context': `${base}/$entity`,
      ...pick(
        this.attributeJson(table, column, expandOptionSet),
        options.select,
        'MetadataId',
        '@odata.type',
        'OptionSet',
      ),
    })
  }

  #keys(
    table: TableDef,
    segment: Segment,
    _next: Segment | undefined,
    options: QueryOptions,
    request: ApiRequest,
  ): ApiResponse {
    const method = request.method.toUpperCase()
    const base = `${request.root.apiBase}$metadata#EntityDefinitions('${table.metadataId}')/Keys`
    if (segment.args === null) {
      if (method === 'POST') {
        const key = this.createKey(table, parseJson(request.body), request.ctx)
        return emptyResponse(204, {
          'odata-entityid': `${request.root.apiBase}EntityDefinitions(${table.metadataId})/Keys(${key.metadataId})`,
        })
      }
      if (method !== 'GET') throw methodNotAllowed(method)
      return jsonResponse(200, {
        '@odata.context': base,
        value: [...table.keys.values()].map((k) =>
          pick(this.keyJson(table, k), options.select, 'MetadataId'),
        ),
      })
    }
    const parsed = parseArgs(segment.args)
    const name = parsed.get('LogicalName')
    const bare = parsed.get('') ?? parsed.get('MetadataId')
    const key = [...table.keys.values()].find((k) =>
      name !== undefined && name.kind === 'string'
        ? k.logicalName === name.value
        : bare !== undefined && bare.kind === 'guid' && k.metadataId === bare.value,
    )
    if (key === undefined)
      throw new DataverseError(
        404,
        '0x80060888',
        `Could not find key ${segment.args} on entity ${table.logicalName}.`,
      )
    if (method === 'DELETE') {
      this.#dv.schema.removeKey(table.logicalName, key.logicalName)
      this.#dv.store.dropIndex(table.logicalName, key.logicalName)
      this.#hooks.persist({
        kind: 'key-status',
        table: table.logicalName,
        data: { key: key.logicalName, status: 'Failed' },
      })
      this.#hooks.changed()
      return emptyResponse(204)
    }
    if (method !== 'GET') throw methodNotAllowed(method)
    return jsonResponse(200, {
      '@odata.context': `${base}/$entity`,
      ...pick(this.keyJson(table, key), options.select, 'MetadataId'),
    })
  }

  #relationships(table: TableDef | null): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = []
    const tables =
      table === null
        ? [...this.#dv.schema.tables.values()]
        : [...this.#dv.schema.tables.values()].filter(
            (t) =>
              t === table ||
              [...t.navigations.values()].some(
                (n) => n.kind === 'single' && n.targets.includes(table.logicalName),
              ) ||
              [...table.navigations.values()].some((n) => n.kind !== 'single' && n.target === t.logicalName),
          )
    for (const t of tables) {
      for (const nav of t.navigations.values()) {
        if (nav.kind === 'single') {
          for (const target of nav.targets) {
            const targetTable = this.#dv.schema.table(target)
            if (targetTable === undefined) continue
            out.push({
              '@odata.type': '#Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata',
              MetadataId: stableGuid('relationship', t.logicalName, nav.name, target),
              SchemaName: nav.partner || nav.name,
              RelationshipType: 'OneToManyRelationship',
              ReferencedEntity: target,
              ReferencedAttribute: targetTable.primaryId,
              ReferencingEntity: t.logicalName,
              ReferencingAttribute: nav.column,
              ReferencingEntityNavigationPropertyName: nav.name,
              ReferencedEntityNavigationPropertyName: nav.partner,
              IsCustomRelationship: t.isCustom,
            })
          }
        } else if (nav.kind === 'many-to-many' && nav.side === 'first') {
          out.push({
            '@odata.type': '#Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata',
            MetadataId: stableGuid('relationship', nav.relationship),
            SchemaName: nav.relationship,
            RelationshipType: 'ManyToManyRelationship',
            Entity1LogicalName: t.logicalName,
            Entity2LogicalName: nav.target,
            Entity1NavigationPropertyName: nav.name,
            Entity2NavigationPropertyName: nav.partner,
            IntersectEntityName: nav.relationship,
          })
        }
      }
    }
    const unique = new Map(out.map((r) => [String(r['MetadataId']), r]))
    return [...unique.values()]
  }

  // ------------------------------------------------------------ creating columns

  #checkPrefix(schemaName: string, ctx: CallContext): void {
    const prefix = schemaName.includes('_') ? schemaName.slice(0, schemaName.indexOf('_')).toLowerCase() : ''
    const publishers = [...this.#dv.store.rows('publisher').values()]
    let allowed = publishers
      .map((p) => String(p['customizationprefix'] ?? '').toLowerCase())
      .filter((p) => p !== '')
    if (ctx.solution !== null) {
      const solution = this.#solution(ctx.solution)
      const publisher = solution['publisherid']
      const row = isLookup(publisher) ? this.#dv.store.get('publisher', publisher.id) : undefined
      allowed = row === undefined ? allowed : [String(row['customizationprefix'] ?? '').toLowerCase()]
    }
    if (prefix === '' || !allowed.includes(prefix)) {
      throw invalidArgument(
        `The schema name ${schemaName} must start with the customization prefix of ${ctx.solution === null ? 'a publisher' : `the publisher of solution ${ctx.solution}`} (${allowed.map((p) => `${p}_`).join(', ')}).`,
      )
    }
  }

  #solution(uniqueName: string): Row {
    const solution = [...this.#dv.store.rows('solution').values()].find(
      (s) => String(s['uniquename'] ?? '').toLowerCase() === uniqueName.toLowerCase(),
    )
    if (solution === undefined) {
      throw new DataverseError(
        404,
        '0x8004f016',
        `The solution with unique name ${uniqueName} was not found.`,
      )
    }
    return solution
  }

  /** Records a solution component for a new metadata item (MSCRM.SolutionUniqueName). */
  addSolutionComponent(ctx: CallContext, componentType: number, objectId: string): void {
    if (ctx.solution === null) return
    const solution = this.#solution(ctx.solution)
    const id = newGuid()
    this.#dv.store.put('solutioncomponent', id, {
      solutioncomponentid: id,
      componenttype: componentType,
      objectid: objectId,
      solutionid: lookup('solution', String(solution['solutionid'])),
      rootcomponentbehavior: 0,
      ismetadata: componentType !== 29,
      createdon: new Date(ctx.now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      modifiedon: new Date(ctx.now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    })
  }

  /** POST …/Attributes: adds a column ([columns]). */
  createAttribute(table: TableDef, body: Record<string, unknown>, ctx: CallContext): ColumnDef {
    const rawType = String(body['@odata.type'] ?? '').replace(/^#?Microsoft\.Dynamics\.CRM\./, '')
    const attributeType = CREATABLE[rawType]
    if (attributeType === undefined) {
      throw invalidArgument(
        `Creating attributes of type '${rawType || '(missing @odata.type)'}' is not supported; use String, Memo, Integer, Decimal, Money, DateTime, Boolean or Picklist attribute metadata.`,
      )
    }
    const schemaName = body['SchemaName']
    if (typeof schemaName !== 'string' || !/^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+$/.test(schemaName)) {
      throw invalidArgument(
        'SchemaName is required: a customization prefix, an underscore and letters or digits (e.g. lb_SourceId).',
      )
    }
    this.#checkPrefix(schemaName, ctx)
    const logicalName = schemaName.toLowerCase()
    if (table.columns.has(logicalName)) {
      throw new DataverseError(
        400,
        '0x80047013',
        `An attribute with the name ${logicalName} already exists on entity ${table.logicalName}.`,
      )
    }
    const displayName = labelText(body['DisplayName']) ?? titleCase(logicalName)
    const required = (body['RequiredLevel'] as { Value?: unknown } | undefined)?.Value
    const num = (name: string): number | undefined =>
      typeof body[name] === 'number' ? (body[name] as number) : undefined
    const format = body['Format'] ?? (body['FormatName'] as { Value?: unknown } | undefined)?.Value
    let options: OptionDef[] = []
    if (attributeType === 'Picklist') {
      const set = body['OptionSet'] as { Options?: Array<{ Value?: unknown; Label?: unknown }> } | undefined
      const publisherPrefix = this.#optionPrefix(ctx)
      options = (set?.Options ?? []).map((o, i) => ({
        value: typeof o.Value === 'number' ? o.Value : publisherPrefix * 10000 + i,
        label: labelText(o.Label) ?? `Option ${i + 1}`,
      }))
      if (options.length === 0) throw invalidArgument('A Picklist attribute needs OptionSet.Options.')
    }
    const maxLength =
      attributeType === 'String'
        ? (num('MaxLength') ?? 100)
        : attributeType === 'Memo'
          ? (num('MaxLength') ?? 2000)
          : undefined
    if (attributeType === 'String' && (maxLength === undefined || maxLength < 1 || maxLength > 4000)) {
      throw invalidArgument('MaxLength of a String attribute must be between 1 and 4000.')
    }
    if (attributeType === 'Memo' && (maxLength === undefined || maxLength < 1 || maxLength > 1048576)) {
      throw invalidArgument('MaxLength of a Memo attribute must be between 1 and 1048576.')
    }
    const precision = num('Precision')
    const column: ColumnDef = {
      logicalName,
      schemaName,
      attributeType,
      edmType:
        (
          {
            String: 'Edm.String',
            Memo: 'Edm.String',
            Integer: 'Edm.Int32',
            BigInt: 'Edm.Int64',
            Decimal: 'Edm.Decimal',
            Double: 'Edm.Double',
            Money: 'Edm.Decimal',
            Boolean: 'Edm.Boolean',
            DateTime: 'Edm.DateTimeOffset',
            Picklist: 'Edm.Int32',
          } as Record<string, string>
        )[attributeType] ?? 'Edm.String',
      property: logicalName,
      isPrimaryId: false,
      isPrimaryName: false,
      isCustom: true,
      validForCreate: true,
      validForUpdate: true,
      targets: [],
      ...(maxLength === undefined ? {} : { maxLength }),
      ...(num('MinValue') === undefined ? {} : { minValue: num('MinValue') }),
      ...(num('MaxValue') === undefined ? {} : { maxValue: num('MaxValue') }),
      ...(precision === undefined ? {} : { precision }),
      ...(attributeType === 'DateTime' ? { format: format === 'DateOnly' ? 'DateOnly' : 'DateAndTime' } : {}),
      options:
        attributeType === 'Boolean'
          ? [
              { value: 0, label: 'No' },
              { value: 1, label: 'Yes' },
            ]
          : options,
      displayName,
      requiredLevel:
        required === 'ApplicationRequired' || required === 'Recommended' || required === 'SystemRequired'
          ? required
          : 'None',
      metadataId: typeof body['MetadataId'] === 'string' ? body['MetadataId'].toLowerCase() : newGuid(),
      ...(ctx.solution === null ? {} : { solution: ctx.solution }),
    }
    this.applyChange({ kind: 'column', table: table.logicalName, data: column })
    this.#hooks.persist({ kind: 'column', table: table.logicalName, data: column })
    this.addSolutionComponent(ctx, 2, column.metadataId)
    if (attributeType === 'Money') {
      const base: ColumnDef = {
        ...column,
        logicalName: `${logicalName}_base`,
        schemaName: `${schemaName}_Base`,
        property: `${logicalName}_base`,
        validForCreate: false,
        validForUpdate: false,
        displayName: `${displayName} (Base)`,
        metadataId: stableGuid('attribute', table.logicalName, `${logicalName}_base`),
      }
      this.applyChange({ kind: 'column', table: table.logicalName, data: base })
      this.#hooks.persist({ kind: 'column', table: table.logicalName, data: base })
    }
    return column
  }

  #optionPrefix(ctx: CallContext): number {
    if (ctx.solution === null) return 10000
    const publisher = this.#solution(ctx.solution)['publisherid']
    const row = isLookup(publisher) ? this.#dv.store.get('publisher', publisher.id) : undefined
    return Number(row?.['customizationoptionvalueprefix'] ?? 10000)
  }

  // ------------------------------------------------------------ keys

  /** POST …/Keys: a new alternate key, Pending until activated ([s-createkey]). */
  createKey(table: TableDef, body: Record<string, unknown>, ctx: CallContext): KeyDef {
    const schemaName = body['SchemaName']
    const attributes = body['KeyAttributes']
    if (typeof schemaName !== 'string' || schemaName === '') throw invalidArgument('SchemaName is required.')
    if (
      !Array.isArray(attributes) ||
      attributes.length === 0 ||
      attributes.some((a) => typeof a !== 'string')
    ) {
      throw invalidArgument('KeyAttributes must list the logical names of the key columns.')
    }
    this.#checkPrefix(schemaName, ctx)
    const logicalName = schemaName.toLowerCase()
    if (table.keys.has(logicalName))
      throw invalidArgument(`A key named ${logicalName} already exists on ${table.logicalName}.`)
    // [altkey-def]: at most 10 keys per table, 16 columns per key, 900 bytes, allowed types only.
    if (table.keys.size >= 10)
      throw invalidArgument(`The table ${table.logicalName} already has 10 alternate keys, the maximum.`)
    if (attributes.length > 16) throw invalidArgument('An alternate key may have at most 16 columns.')
    let bytes = 0
    for (const name of attributes as string[]) {
      const column = table.columns.get(name)
      if (column === undefined)
        throw invalidArgument(`The attribute ${name} does not exist on ${table.logicalName}.`)
      if (!KEY_TYPES.has(column.attributeType)) {
        throw invalidArgument(
          `The attribute ${name} is of type ${column.attributeType}, which cannot be part of an alternate key.`,
        )
      }
      bytes +=
        column.attributeType === 'String'
          ? (column.maxLength ?? 100) * 2
          : column.attributeType === 'DateTime'
            ? 8
            : 16
    }
    if (bytes > 900)
      throw invalidArgument(`The key columns take ${bytes} bytes; an alternate key may take at most 900.`)
    const key: KeyDef = {
      logicalName,
      schemaName,
      displayName: labelText(body['DisplayName']) ?? schemaName,
      attributes: attributes as string[],
      metadataId: newGuid(),
      status: 'Pending',
      ...(ctx.solution === null ? {} : { solution: ctx.solution }),
    }
    this.applyChange({ kind: 'key', table: table.logicalName, data: key })
    this.#hooks.persist({ kind: 'key', table: table.logicalName, data: key })
    this.addSolutionComponent(ctx, 14, key.metadataId)
    this.#scheduleActivation(table, key)
    return key
  }

  #scheduleActivation(table: TableDef, key: KeyDef): void {
    const delay = Math.max(0, this.#hooks.keyActivationMs)
    const current = () => {
      const found = this.#dv.schema.table(table.logicalName)?.keys.get(key.logicalName)
      return found !== undefined && found.metadataId === key.metadataId ? found : undefined
    }
    const step = (status: KeyStatus | 'build', after: number, then?: () => void) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        const live = current()
        if (live === undefined) return
        this.#setKeyStatus(
          table,
          live,
          status === 'build' ? (this.#buildKey(table, live) ? 'Active' : 'Failed') : status,
        )
        then?.()
      }, after)
      timer.unref()
      this.#timers.add(timer)
    }
    step('InProgress', delay / 2, () => step('build', delay / 2))
  }

  /** Tries to index the key's existing rows; false when two rows share key values. */
  #buildKey(table: TableDef, key: KeyDef): boolean {
    return this.#dv.store.buildIndex(table.logicalName, key.logicalName, key.attributes).length === 0
  }

  #setKeyStatus(table: TableDef, key: KeyDef, status: KeyStatus): void {
    if (
      status === 'Active' &&
      !this.#dv.store.hasIndex(table.logicalName, key.logicalName) &&
      !this.#buildKey(table, key)
    ) {
      status = 'Failed'
    }
    key.status = status
    if (status !== 'Active') this.#dv.store.dropIndex(table.logicalName, key.logicalName)
    this.#hooks.persist({
      kind: 'key-status',
      table: table.logicalName,
      data: { key: key.logicalName, status },
    })
    this.#hooks.changed()
  }

  /** ReactivateEntityKey: retries a Failed (or stuck) key. */
  reactivateKey(tableName: string, keyName: string): void {
    const table = this.#dv.tableOf(tableName)
    const key = table.keys.get(keyName.toLowerCase())
    if (key === undefined) throw invalidArgument(`The key ${keyName} does not exist on ${tableName}.`)
    if (key.status === 'Active') return
    this.#setKeyStatus(table, key, 'Pending')
    this.#scheduleActivation(table, key)
  }

  // ------------------------------------------------------------ BPF instance tables

  /** Creates the instance table of a new BPF definition (custom-BPF pattern of [bpf]). */
  createBpfTable(workflow: Row, ctx: CallContext): TableDef | null {
    const primary = String(workflow['primaryentity'] ?? '')
    const uniqueName =
      typeof workflow['uniquename'] === 'string' && workflow['uniquename'] !== ''
        ? String(workflow['uniquename']).toLowerCase()
        : `new_bpf_${String(workflow['workflowid']).replaceAll('-', '')}`
    const existing = this.#dv.schema.table(uniqueName)
    if (existing !== undefined) return existing.isBpf ? existing : null
    const spec: BpfTableSpec = {
      logicalName: uniqueName,
      setName: pluralise(uniqueName),
      primaryEntity: primary,
      displayName: typeof workflow['name'] === 'string' ? workflow['name'] : titleCase(uniqueName),
      solution: ctx.solution,
    }
    const table = this.applyChange({ kind: 'table', table: uniqueName, data: spec })
    this.#hooks.persist({ kind: 'table', table: uniqueName, data: spec })
    if (table !== null) this.addSolutionComponent(ctx, 1, table.metadataId)
    return table
  }

  /** Applies a change to the schema (new or replayed at start-up); returns a new table if any. */
  applyChange(change: MetadataChange): TableDef | null {
    const schema = this.#dv.schema
    this.#hooks.changed()
    switch (change.kind) {
      case 'column': {
        const table = schema.table(change.table)
        if (table !== undefined) schema.addColumn(change.table, change.data)
        return null
      }
      case 'key': {
        const table = schema.table(change.table)
        if (table !== undefined) schema.addKey(change.table, change.data)
        return null
      }
      case 'key-status': {
        const table = schema.table(change.table)
        const key = table?.keys.get(change.data.key)
        if (table !== undefined && key !== undefined) key.status = change.data.status
        return null
      }
      case 'table': {
        const table = bpfTable(change.data, schema.nextObjectTypeCode(), (name) => schema.table(name))
        schema.addTable(table)
        const primary = schema.table(change.data.primaryEntity)
        const reverse = `bpf_${change.data.primaryEntity}id_${change.data.logicalName}`
        if (primary !== undefined)
          schema.addNavigation(primary.logicalName, {
            kind: 'one-to-many',
            name: reverse,
            target: table.logicalName,
            referencingColumn: `bpf_${change.data.primaryEntity}id`,
            partner: `bpf_${change.data.primaryEntity}id`,
          })
        return table
      }
      default:
        return null
    }
  }

  /** After replaying persisted changes: index active keys, resume pending activations. */
  resumeKeys(): void {
    for (const table of this.#dv.schema.tables.values()) {
      for (const key of table.keys.values()) {
        if (key.status === 'Active') {
          if (!this.#buildKey(table, key)) this.#setKeyStatus(table, key, 'Failed')
        } else if (key.status === 'Pending' || key.status === 'InProgress')
          this.#scheduleActivation(table, key)
      }
    }
  }

  /** Hash of the customisations: custom columns, keys (with status), BPF tables, solutions. */
  metadataHash(): string {
    const hash = createHash('sha256')
    const tables = [...this.#dv.schema.tables.values()].sort((a, b) =>
      a.logicalName.localeCompare(b.logicalName),
    )
    for (const table of tables) {
      if (table.isCustom && table.isBpf) hash.update(`table:${table.logicalName}:${table.setName}\n`)
      for (const column of [...table.columns.values()]
        .filter((c) => c.isCustom)
        .sort((a, b) => a.logicalName.localeCompare(b.logicalName))) {
        hash.update(
          `column:${table.logicalName}.${column.logicalName}:${column.attributeType}:${column.maxLength ?? ''}:${column.format ?? ''}:${JSON.stringify(column.options)}\n`,
        )
      }
      for (const key of [...table.keys.values()].sort((a, b) => a.logicalName.localeCompare(b.logicalName))) {
        hash.update(`key:${table.logicalName}.${key.logicalName}:${key.attributes.join(',')}:${key.status}\n`)
      }
    }
    for (const name of ['publisher', 'solution', 'solutioncomponent']) {
      const rows = [...this.#dv.store.rows(name).values()]
        .map((r) =>
          JSON.stringify(
            Object.fromEntries(
              Object.entries(r)
                .filter(
                  ([k]) =>
                    ![
                      'modifiedon',
                      'createdon',
                      'versionnumber',
                      'solutioncomponentid',
                      'modifiedby',
                      'createdby',
                    ].includes(k),
                )
                .sort(([a], [b]) => a.localeCompare(b)),
            ),
          ),
        )
        .sort()
      for (const row of rows) hash.update(`${name}:${row}\n`)
    }
    return hash.digest('hex')
  }
}

/** Builds the TableDef of a BPF instance table from its spec (deterministic, so replays agree). */
export function bpfTable(
  spec: BpfTableSpec,
  objectTypeCode: number,
  tableOf: (name: string) => TableDef | undefined,
): TableDef {
  const name = spec.logicalName
  const columns = new Map<string, ColumnDef>()
  const add = (logicalName: string, attributeType: AttributeType, extra: Partial<ColumnDef> = {}) => {
    const isLookupColumn = ['Lookup', 'Owner', 'Customer'].includes(attributeType)
    const column: ColumnDef = {
      logicalName,
      schemaName: logicalName,
      attributeType,
      edmType:
        isLookupColumn || attributeType === 'Uniqueidentifier'
          ? 'Edm.Guid'
          : attributeType === 'DateTime'
            ? 'Edm.DateTimeOffset'
            : attributeType === 'String'
              ? 'Edm.String'
              : attributeType === 'BigInt'
                ? 'Edm.Int64'
                : 'Edm.Int32',
      property: isLookupColumn ? `_${logicalName}_value` : logicalName,
      isPrimaryId: false,
      isPrimaryName: false,
      isCustom: true,
      validForCreate: true,
      validForUpdate: true,
      targets: [],
      options: [],
      displayName: titleCase(logicalName),
      requiredLevel: 'None',
      metadataId: stableGuid('attribute', name, logicalName),
      ...extra,
    }
    columns.set(logicalName, column)
  }
  const system = { validForCreate: false, validForUpdate: false }
  add('businessprocessflowinstanceid', 'Uniqueidentifier', { isPrimaryId: true, validForUpdate: false })
  add('bpf_name', 'String', { isPrimaryName: true, maxLength: 200 })
  add(`bpf_${spec.primaryEntity}id`, 'Lookup', { targets: [spec.primaryEntity] })
  add('activestageid', 'Lookup', { targets: ['processstage'] })
  add('activestagestartedon', 'DateTime', { format: 'DateAndTime' })
  add('traversedpath', 'String', { maxLength: 1250 })
  add('processid', 'Lookup', { targets: ['workflow'] })
  add('statecode', 'State', { options: BPF_STATE_MODEL.states })
  add('statuscode', 'Status', { options: BPF_STATE_MODEL.statuses })
  add('completedon', 'DateTime', { format: 'DateAndTime' })
  add('duration', 'Integer', system)
  add('importsequencenumber', 'Integer')
  add('overriddencreatedon', 'DateTime', { format: 'DateAndTime', validForUpdate: false })
  add('createdon', 'DateTime', { ...system, format: 'DateAndTime' })
  add('modifiedon', 'DateTime', { ...system, format: 'DateAndTime' })
  for (const who of ['createdby', 'modifiedby', 'createdonbehalfby', 'modifiedonbehalfby'])
    add(who, 'Lookup', { ...system, targets: ['systemuser'] })
  add('organizationid', 'Lookup', { ...system, targets: ['organization'] })
  add('versionnumber', 'BigInt', system)
  const byProperty = new Map([...columns.values()].map((c) => [c.property, c]))
  const navigations = new Map<string, NavDef>()
  const single = (navName: string, column: string, target: string) => {
    if (tableOf(target) === undefined && target !== name) return
    navigations.set(navName, { kind: 'single', name: navName, targets: [target], column, partner: '' })
  }
  single(`bpf_${spec.primaryEntity}id`, `bpf_${spec.primaryEntity}id`, spec.primaryEntity)
  single('activestageid', 'activestageid', 'processstage')
  single('processid', 'processid', 'workflow')
  for (const who of ['createdby', 'modifiedby', 'createdonbehalfby', 'modifiedonbehalfby'])
    single(who, who, 'systemuser')
  single('organizationid', 'organizationid', 'organization')
  return {
    logicalName: name,
    schemaName: name,
    setName: spec.setName,
    primaryId: 'businessprocessflowinstanceid',
    keyProperty: 'businessprocessflowinstanceid',
    primaryName: 'bpf_name',
    columns,
    byProperty,
    navigations,
    keys: new Map(),
    isCustom: true,
    isActivity: false,
    isBpf: true,
    isIntersect: false,
    ownership: 'OrganizationOwned',
    objectTypeCode,
    metadataId: stableGuid('entity', name),
    stateModel: BPF_STATE_MODEL,
    displayName: spec.displayName,
    displayCollectionName: spec.displayName,
    baseType: 'crmbaseentity',
    ...(spec.solution === null ? {} : { solution: spec.solution }),
  }
}

function pick(
  json: Record<string, unknown>,
  select: ReadonlyArray<string> | null,
  ...always: string[]
): Record<string, unknown> {
  if (select === null) return json
  const out: Record<string, unknown> = {}
  for (const key of always) if (key in json) out[key] = json[key]
  for (const key of select) {
    if (!(key in json)) throw propertyNotFound(key, 'EntityMetadata')
    out[key] = json[key]
  }
  return out
}

function parseJson(body: string | null): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body ?? '{}') as unknown
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object')
    return parsed as Record<string, unknown>
  } catch (error) {
    throw badPayload(`The request body is not valid JSON (${(error as Error).message}).`)
  }
}
