/**
 * The sandbox's working schema: tables, columns, navigation properties and alternate keys, resolved
 * from the raw CSDL facts (inheritance merged, lookups tied to their columns) and extended at run
 * time by the metadata API (new columns, keys, BPF instance tables).
 *
 * How the CSDL maps to tables (WEB-API-NOTES §5, README "Derive the sandbox schema"):
 * - an entity type with an entity set is a table; metadata types (EntityMetadata…) are not;
 * - `_x_value` properties are lookup column `x`; a single-valued navigation property binds the
 *   column its ReferentialConstraint names, or, where the CSDL omits it (activity types), the
 *   longest `_<prefix>_value` its name starts with (`regardingobjectid_contact_phonecall` →
 *   `regardingobjectid`);
 * - a collection navigation property is one-to-many through its partner's column, or many-to-many
 *   when the partner is a collection too.
 */
import type { RawEntityType, RawSchema } from './csdl'
import {
  BPF_STATE_MODEL,
  BPF_TABLES,
  DEFAULT_MEMO_LENGTH,
  DEFAULT_STRING_LENGTH,
  INTEGER_CODE_COLUMNS,
  MAX_LENGTHS,
  MEMO_COLUMNS,
  MEMO_LENGTHS,
  TABLE_MEMO_LENGTHS,
  OBJECT_TYPE_CODES,
  PICKLIST_OPTIONS,
  SYSTEM_LOOKUPS,
  TABLE_DISPLAY_NAMES,
  stateModelFor,
  titleCase,
  type OptionDef,
  type StateModel,
} from './augment'
import { stableGuid } from '../util/ids'

/** Dataverse AttributeTypeCode names, as EntityDefinitions report them. */
export type AttributeType =
  | 'Uniqueidentifier'
  | 'String'
  | 'Memo'
  | 'Integer'
  | 'BigInt'
  | 'Decimal'
  | 'Double'
  | 'Money'
  | 'Boolean'
  | 'DateTime'
  | 'Picklist'
  | 'State'
  | 'Status'
  | 'Lookup'
  | 'Customer'
  | 'Owner'
  | 'EntityName'
  | 'Virtual'
  | 'ManagedProperty'

/** How a column's value is validated and stored. */
export type ColumnDef = {
  readonly logicalName: string
  readonly schemaName: string
  readonly attributeType: AttributeType
  /** The Edm type in `$metadata` (lookups are Edm.Guid). */
  readonly edmType: string
  /** The property name in payloads: `_x_value` for lookups, else the logical name. */
  readonly property: string
  readonly isPrimaryId: boolean
  readonly isPrimaryName: boolean
  readonly isCustom: boolean
  /** Accepted on create / update; a system-set column is neither, and client values are ignored. */
  readonly validForCreate: boolean
  readonly validForUpdate: boolean
  /** Lookup columns: the tables they may point to. */
  readonly targets: ReadonlyArray<string>
  readonly maxLength?: number
  readonly minValue?: number
  readonly maxValue?: number
  readonly precision?: number
  /** DateTime columns: `DateOnly` or `DateAndTime`. */
  readonly format?: string
  /** Choice columns: the allowed values; empty means "any integer" (values unknown to the CSDL). */
  readonly options: ReadonlyArray<OptionDef>
  readonly displayName: string
  readonly requiredLevel: 'None' | 'ApplicationRequired' | 'Recommended' | 'SystemRequired'
  readonly metadataId: string
  /** The solution a custom column was created in (MSCRM.SolutionUniqueName). */
  readonly solution?: string
}

/** A navigation property, with what it binds. */
export type NavDef =
  | Readonly<{
      kind: 'single'
      name: string
      targets: ReadonlyArray<string>
      column: string
      partner: string
    }>
  | Readonly<{
      kind: 'one-to-many'
      name: string
      target: string
      referencingColumn: string
      partner: string
    }>
  | Readonly<{
      kind: 'many-to-many'
      name: string
      target: string
      relationship: string
      /** Which side of the stored pair this navigation property's owner is. */
      side: 'first' | 'second'
      partner: string
    }>

/** EntityKeyIndexStatus (WEB-API-NOTES §15). */
export type KeyStatus = 'Pending' | 'InProgress' | 'Active' | 'Failed'

/** An alternate key. */
export type KeyDef = {
  readonly logicalName: string
  readonly schemaName: string
  readonly displayName: string
  readonly attributes: ReadonlyArray<string>
  readonly metadataId: string
  status: KeyStatus
  readonly solution?: string
}

/** A table: one entity type with an entity set. */
export type TableDef = {
  readonly logicalName: string
  readonly schemaName: string
  readonly setName: string
  readonly primaryId: string
  /** The CSDL key property (`ownerid` for systemuser and team, inherited from principal). */
  readonly keyProperty: string
  readonly primaryName: string | null
  readonly columns: Map<string, ColumnDef>
  /** Payload property name → column (`_parentcustomerid_value` → parentcustomerid). */
  readonly byProperty: Map<string, ColumnDef>
  readonly navigations: Map<string, NavDef>
  readonly keys: Map<string, KeyDef>
  readonly isCustom: boolean
  readonly isActivity: boolean
  readonly isBpf: boolean
  readonly isIntersect: boolean
  readonly ownership: 'UserOwned' | 'OrganizationOwned' | 'None'
  readonly objectTypeCode: number
  readonly metadataId: string
  readonly stateModel: StateModel | null
  readonly displayName: string
  readonly displayCollectionName: string
  readonly baseType: string | null
  readonly solution?: string
}

/** Types that describe metadata, not business data; they never become tables. */
const METADATA_ROOTS = new Set(['crmmodelbaseentity', 'MetadataBase'])

const edmToAttributeType = (
  name: string,
  edm: string,
  allNames: ReadonlySet<string>,
  table: string,
): AttributeType => {
  switch (edm) {
    case 'Edm.String':
      if (name.endsWith('objecttypecode') || name === 'objecttypecode') return 'EntityName'
      return MEMO_COLUMNS.has(name) ? 'Memo' : 'String'
    case 'Edm.Int32':
      if (name === 'statecode') return 'State'
      if (name === 'statuscode') return 'Status'
      if (PICKLIST_OPTIONS[`${table}.${name}`] !== undefined) return 'Picklist'
      if (name.endsWith('code') && !INTEGER_CODE_COLUMNS.has(name) && !name.includes('timezone'))
        return 'Picklist'
      return 'Integer'
    case 'Edm.Int64':
      return 'BigInt'
    case 'Edm.Decimal':
      return allNames.has(`${name}_base`) || name.endsWith('_base') ? 'Money' : 'Decimal'
    case 'Edm.Double':
      return 'Double'
    case 'Edm.Boolean':
      return 'Boolean'
    case 'Edm.DateTimeOffset':
    case 'Edm.Date':
      return 'DateTime'
    case 'Edm.Guid':
      return 'Uniqueidentifier'
    case 'Edm.Binary':
      return 'Virtual'
    default:
      return 'ManagedProperty'
  }
}

const optionsFor = (table: string, column: string, type: AttributeType): ReadonlyArray<OptionDef> => {
  if (type === 'State') return stateModelFor(table).states
  if (type === 'Status') return stateModelFor(table).statuses
  if (type === 'Boolean')
    return [
      { value: 0, label: 'No' },
      { value: 1, label: 'Yes' },
    ]
  return PICKLIST_OPTIONS[`${table}.${column}`] ?? PICKLIST_OPTIONS[`*.${column}`] ?? []
}

const pickPrimaryName = (columns: ReadonlyMap<string, unknown>): string | null => {
  for (const candidate of [
    'name',
    'fullname',
    'subject',
    'title',
    'stagename',
    'currencyname',
    'friendlyname',
  ]) {
    if (columns.has(candidate)) return candidate
  }
  return null
}

/** The tables built from one raw schema, shared read-only by every sandbox of the process. */
class BaseSchema {
  readonly tables = new Map<string, TableDef>()
  readonly bySet = new Map<string, TableDef>()
  readonly raw: RawSchema
  nextTypeCode = 20000

  constructor(raw: RawSchema) {
    this.raw = raw
    this.#build()
  }

  addTable(table: TableDef): void {
    this.tables.set(table.logicalName, table)
    this.bySet.set(table.setName, table)
  }

  #build(): void {
    const raw = this.raw
    const setOf = new Map<string, string>()
    for (const [set, type] of Object.entries(raw.entitySets)) if (!setOf.has(type)) setOf.set(type, set)

    const chains = new Map<string, RawEntityType[]>()
    const chain = (name: string): RawEntityType[] => {
      const cached = chains.get(name)
      if (cached !== undefined) return cached
      const built = buildChain(name)
      chains.set(name, built)
      return built
    }
    const mergedNavs = new Map<string, Map<string, readonly [string, string, boolean, string, string]>>()
    const navsOf = (name: string) => {
      let merged = mergedNavs.get(name)
      if (merged === undefined) {
        merged = new Map()
        for (const level of chain(name)) for (const n of level.navigations) merged.set(n[0], n)
        mergedNavs.set(name, merged)
      }
      return merged
    }
    const buildChain = (name: string): RawEntityType[] => {
      const out: RawEntityType[] = []
      let current: string | null = name
      const seen = new Set<string>()
      while (current !== null && !seen.has(current)) {
        seen.add(current)
        const type: RawEntityType | undefined = raw.entityTypes[current]
        if (type === undefined) break
        out.unshift(type)
        current = type.base
      }
      return out
    }
    const isMetadata = (name: string): boolean => {
      let current: string | null = name
      while (current !== null) {
        if (METADATA_ROOTS.has(current)) return true
        current = raw.entityTypes[current]?.base ?? null
      }
      return false
    }

    for (const [name, type] of Object.entries(raw.entityTypes)) {
      const setName = setOf.get(name)
      if (setName === undefined || isMetadata(name)) continue
      const lineage = chain(name)
      const properties = new Map<string, readonly [string, string, string]>()
      const navs = new Map<string, readonly [string, string, boolean, string, string]>()
      for (const level of lineage) {
        for (const p of level.properties) properties.set(p[0], p)
        for (const n of level.navigations) navs.set(n[0], n)
      }
      const keyProperty = type.key[0] ?? lineage.find((l) => l.key.length > 0)?.key[0] ?? `${name}id`
      const primaryId = keyProperty === 'ownerid' && properties.has(`${name}id`) ? `${name}id` : keyProperty
      const allNames = new Set(properties.keys())
      const columns = new Map<string, ColumnDef>()
      const byProperty = new Map<string, ColumnDef>()
      const isBpf = BPF_TABLES.has(name)

      // Single-valued navigations first, so lookup columns know their targets.
      const lookupTargets = new Map<string, string[]>()
      const singleNavs: Array<{ name: string; column: string; targets: string[]; partner: string }> = []
      const lookupProperty = (navName: string, constraint: string): string | null => {
        if (constraint !== '') return constraint
        const parts = navName.split('_')
        for (let i = parts.length; i > 0; i--) {
          const prefix = parts.slice(0, i).join('_')
          if (properties.has(`_${prefix}_value`)) return `_${prefix}_value`
        }
        return null
      }
      for (const [navName, target, collection, partner, constraint] of navs.values()) {
        if (collection) continue
        const property = lookupProperty(navName, constraint)
        if (property === null) continue
        const column =
          property.startsWith('_') && property.endsWith('_value') ? property.slice(1, -6) : property
        const targets = target === 'principal' ? ['systemuser', 'team'] : [target]
        singleNavs.push({ name: navName, column, targets, partner })
        const known = lookupTargets.get(column) ?? []
        for (const t of targets) if (!known.includes(t)) known.push(t)
        lookupTargets.set(column, known)
      }

      for (const [propName, edm, flags] of properties.values()) {
        const isLookup = propName.startsWith('_') && propName.endsWith('_value')
        const logicalName = isLookup ? propName.slice(1, -6) : propName
        if (logicalName === keyProperty && keyProperty !== primaryId) {
          // systemuser/team: `ownerid` mirrors the primary id; kept readable, never written.
          const column = this.#column(name, logicalName, 'Uniqueidentifier', edm, propName, {
            validForCreate: false,
            validForUpdate: false,
          })
          columns.set(logicalName, column)
          byProperty.set(propName, column)
          continue
        }
        let attributeType: AttributeType
        let targets: string[] = []
        if (isLookup) {
          targets = lookupTargets.get(logicalName) ?? []
          attributeType =
            logicalName === 'ownerid'
              ? 'Owner'
              : targets.includes('account') &&
                  targets.includes('contact') &&
                  logicalName.endsWith('customerid')
                ? 'Customer'
                : 'Lookup'
        } else {
          attributeType = edmToAttributeType(logicalName, edm, allNames, name)
        }
        const readOnly = flags.includes('r') || flags.includes('c')
        let validForCreate: boolean
        let validForUpdate: boolean
        if (logicalName === primaryId) {
          validForCreate = true
          validForUpdate = false
        } else if (isLookup) {
          // `_x_value` is always read-only in OData; what decides is whether a nav binds it.
          const bindable = targets.length > 0 && !SYSTEM_LOOKUPS.has(logicalName)
          validForCreate = bindable
          validForUpdate = bindable
        } else if (logicalName === 'overriddencreatedon') {
          // Create-only, "Date and time that the record was migrated" (WEB-API-NOTES §8).
          validForCreate = true
          validForUpdate = false
        } else {
          validForCreate = !readOnly
          validForUpdate = !readOnly
        }
        if (isBpf && (logicalName === 'traversedpath' || logicalName === 'activestagestartedon')) {
          validForCreate = true
          validForUpdate = true
        }
        const column = this.#column(name, logicalName, attributeType, edm, propName, {
          validForCreate,
          validForUpdate,
          targets,
          isPrimaryId: logicalName === primaryId,
        })
        columns.set(logicalName, column)
        byProperty.set(propName, column)
      }

      const primaryName = pickPrimaryName(columns)
      if (primaryName !== null) {
        const current = columns.get(primaryName)
        if (current !== undefined) {
          const updated = { ...current, isPrimaryName: true }
          columns.set(primaryName, updated)
          byProperty.set(updated.property, updated)
        }
      }

      const navigations = new Map<string, NavDef>()
      for (const nav of singleNavs) {
        navigations.set(nav.name, {
          kind: 'single',
          name: nav.name,
          targets: nav.targets,
          column: nav.column,
          partner: nav.partner,
        })
      }
      const display = TABLE_DISPLAY_NAMES[name] ?? [titleCase(name), `${titleCase(name)}s`]
      const isActivity =
        lineage.some((l) => l === raw.entityTypes['activitypointer']) && name !== 'activitypointer'
      const table: TableDef = {
        logicalName: name,
        schemaName: name.charAt(0).toUpperCase() + name.slice(1),
        setName,
        primaryId,
        keyProperty,
        primaryName,
        columns,
        byProperty,
        navigations,
        keys: new Map(),
        isCustom: name === 'he_employee',
        isActivity,
        isBpf,
        isIntersect: !columns.has('createdon') && navs.size === 0,
        ownership:
          columns.get('ownerid')?.attributeType === 'Owner'
            ? 'UserOwned'
            : columns.has('organizationid')
              ? 'OrganizationOwned'
              : 'None',
        objectTypeCode: OBJECT_TYPE_CODES[name] ?? this.nextTypeCode++,
        metadataId: stableGuid('entity', name),
        stateModel: columns.has('statecode') ? (isBpf ? BPF_STATE_MODEL : stateModelFor(name)) : null,
        displayName: display[0],
        displayCollectionName: display[1],
        baseType: type.base,
      }
      this.addTable(table)
    }

    // Collection navigations need every table built first: they resolve through their partner.
    for (const name of Object.keys(raw.entityTypes)) {
      const table = this.tables.get(name)
      if (table === undefined) continue
      for (const [navName, target, collection, partner] of navsOf(name).values()) {
        if (!collection) continue
        const other = this.tables.get(target)
        if (other === undefined) continue
        const partnerNav = other.navigations.get(partner)
        const partnerRaw = navsOf(target).get(partner)
        if (partnerRaw !== undefined && partnerRaw[2]) {
          const first = [navName, partner].sort()[0] === navName
          table.navigations.set(navName, {
            kind: 'many-to-many',
            name: navName,
            target,
            relationship: first ? navName : partner,
            side: first ? 'first' : 'second',
            partner,
          })
        } else if (partnerNav !== undefined && partnerNav.kind === 'single') {
          table.navigations.set(navName, {
            kind: 'one-to-many',
            name: navName,
            target,
            referencingColumn: partnerNav.column,
            partner,
          })
        }
      }
    }
  }

  #column(
    table: string,
    logicalName: string,
    attributeType: AttributeType,
    edmType: string,
    property: string,
    extra: Partial<Pick<ColumnDef, 'validForCreate' | 'validForUpdate' | 'targets' | 'isPrimaryId'>>,
  ): ColumnDef {
    const isString = attributeType === 'String' || attributeType === 'Memo'
    const maxLength = !isString
      ? undefined
      : attributeType === 'Memo'
        ? (TABLE_MEMO_LENGTHS[`${table}.${logicalName}`] ?? MEMO_LENGTHS[logicalName] ?? DEFAULT_MEMO_LENGTH)
        : (MAX_LENGTHS[logicalName] ?? DEFAULT_STRING_LENGTH)
    return {
      logicalName,
      schemaName: titleCase(logicalName).replaceAll(' ', ''),
      attributeType,
      edmType,
      property,
      isPrimaryId: extra.isPrimaryId ?? false,
      isPrimaryName: false,
      isCustom: logicalName.startsWith('he_'),
      validForCreate: extra.validForCreate ?? true,
      validForUpdate: extra.validForUpdate ?? true,
      targets: extra.targets ?? [],
      ...(maxLength === undefined ? {} : { maxLength }),
      ...(attributeType === 'DateTime' ? { format: 'DateAndTime' } : {}),
      options: optionsFor(table, logicalName, attributeType),
      displayName: titleCase(logicalName),
      requiredLevel: 'None',
      metadataId: stableGuid('attribute', table, logicalName),
    }
  }
}

const bases = new WeakMap<RawSchema, BaseSchema>()

const cloneTable = (table: TableDef): TableDef => ({
  ...table,
  columns: new Map(table.columns),
  byProperty: new Map(table.byProperty),
  navigations: new Map(table.navigations),
  keys: new Map([...table.keys].map(([name, key]) => [name, { ...key }])),
})

/**
 * The schema of one running sandbox: the process-wide tables built from the raw schema (built once,
 * never mutated), overlaid copy-on-write with what this sandbox changed (new columns, keys, BPF
 * tables). Every change goes through the methods below, so sandboxes never see each other's.
 */
export class Schema {
  readonly raw: RawSchema
  readonly #base: BaseSchema
  readonly #own = new Map<string, TableDef>()
  readonly #ownSets = new Map<string, TableDef>()
  #merged: Map<string, TableDef> | null = null
  #nextTypeCode: number

  constructor(raw: RawSchema) {
    this.raw = raw
    let base = bases.get(raw)
    if (base === undefined) {
      base = new BaseSchema(raw)
      bases.set(raw, base)
    }
    this.#base = base
    this.#nextTypeCode = base.nextTypeCode
  }

  /** Every table, this sandbox's changes included. */
  get tables(): ReadonlyMap<string, TableDef> {
    if (this.#merged === null) {
      const merged = new Map(this.#base.tables)
      for (const [name, table] of this.#own) merged.set(name, table)
      this.#merged = merged
    }
    return this.#merged
  }

  /** The table with this logical name, or undefined. */
  table(logicalName: string): TableDef | undefined {
    return this.#own.get(logicalName) ?? this.#base.tables.get(logicalName)
  }

  /** The table behind an entity set name (case-sensitive, as in Dataverse). */
  tableBySet(setName: string): TableDef | undefined {
    const own = this.#ownSets.get(setName)
    if (own !== undefined) return own
    const base = this.#base.bySet.get(setName)
    return base === undefined ? undefined : this.table(base.logicalName)
  }

  /** Adds a table (custom BPF instance tables). */
  addTable(table: TableDef): void {
    this.#own.set(table.logicalName, table)
    this.#ownSets.set(table.setName, table)
    this.#merged = null
  }

  /** Adds a column to a table (POST …/Attributes). */
  addColumn(tableName: string, column: ColumnDef): void {
    const table = this.#mutable(tableName)
    table.columns.set(column.logicalName, column)
    table.byProperty.set(column.property, column)
  }

  /** Adds or replaces an alternate key; returns the live key object. */
  addKey(tableName: string, key: KeyDef): KeyDef {
    const table = this.#mutable(tableName)
    const live = { ...key }
    table.keys.set(key.logicalName, live)
    return live
  }

  /** Removes an alternate key. */
  removeKey(tableName: string, keyName: string): void {
    this.#mutable(tableName).keys.delete(keyName)
  }

  /** Adds a navigation property (the reverse navigation of a new BPF table's lookup). */
  addNavigation(tableName: string, navigation: NavDef): void {
    this.#mutable(tableName).navigations.set(navigation.name, navigation)
  }

  /** A fresh object type code for a custom table. */
  nextObjectTypeCode(): number {
    return this.#nextTypeCode++
  }

  #mutable(tableName: string): TableDef {
    const own = this.#own.get(tableName)
    if (own !== undefined) return own
    const base = this.#base.tables.get(tableName)
    if (base === undefined) throw new Error(`The sandbox schema has no table ${tableName}.`)
    const copy = cloneTable(base)
    this.#own.set(tableName, copy)
    this.#ownSets.set(copy.setName, copy)
    this.#merged = null
    return copy
  }
}
