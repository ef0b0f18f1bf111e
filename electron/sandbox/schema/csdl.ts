/**
 * Reads an OData v4 CSDL `$metadata` document (Microsoft's Dataverse flavour) into the raw facts the
 * sandbox needs: entity types with their keys, properties and navigation properties, entity sets,
 * complex and enum types, actions and functions.
 *
 * The output is plain JSON ("raw schema"), so it can be written to disk deterministically by
 * `generate-schema.ts` and read back at start-up without the 4 MB XML. Descriptions are dropped (the
 * source organisation's are German); permissions and `Computed` annotations are kept as flags.
 * Source document: shared/dataverse/crm_schema.xml (README.md there gives its origin and licence).
 */
import { SaxesParser } from 'saxes'

/** A property: [name, Edm or mscrm type, flags]; flags hold `r` (read-only), `c` (computed), `w` (write-only), `n` (not nullable). */
export type RawProperty = readonly [name: string, type: string, flags: string]

/**
 * A navigation property: [name, target type, collection?, partner, referential-constraint property].
 * The constraint property (e.g. `_parentcustomerid_value`) is empty when the CSDL declares none.
 */
export type RawNavigation = readonly [
  name: string,
  target: string,
  collection: boolean,
  partner: string,
  constraint: string,
]

/** An entity type as the CSDL declares it (inheritance not yet resolved). */
export type RawEntityType = {
  base: string | null
  abstract: boolean
  key: string[]
  properties: RawProperty[]
  navigations: RawNavigation[]
}

/** A complex type (action results, labels, managed properties). */
export type RawComplexType = { base: string | null; properties: RawProperty[] }

/** An operation parameter: [name, type, nullable]. */
export type RawParameter = readonly [name: string, type: string, nullable: boolean]

/** An action or function signature; `bound` means the first parameter is the binding parameter. */
export type RawOperation = {
  name: string
  kind: 'action' | 'function'
  bound: boolean
  parameters: RawParameter[]
  returnType: string | null
}

/** Everything the sandbox keeps from a CSDL document. */
export type RawSchema = {
  namespace: string
  alias: string
  entityTypes: Record<string, RawEntityType>
  /** Entity set name → entity type name (without namespace). */
  entitySets: Record<string, string>
  complexTypes: Record<string, RawComplexType>
  enumTypes: Record<string, Array<readonly [member: string, value: number]>>
  operations: RawOperation[]
  /** Names of operations exposed at the service root (action and function imports). */
  imports: string[]
}

const PERMISSIONS = 'Org.OData.Core.V1.Permissions'
const COMPUTED = 'Org.OData.Core.V1.Computed'

/** Strips `mscrm.` / `Microsoft.Dynamics.CRM.` prefixes inside a (possibly `Collection(...)`) type name. */
function shortType(type: string, namespace: string, alias: string): string {
  return type.replaceAll(`${namespace}.`, '').replaceAll(`${alias}.`, '')
}

/**
 * Parses CSDL text. Deterministic: the same document always gives the same structure, in document
 * order, so the generated JSON diffs cleanly.
 */
export function parseCsdl(xml: string): RawSchema {
  const parser = new SaxesParser({ xmlns: false })
  const schema: RawSchema = {
    namespace: 'Microsoft.Dynamics.CRM',
    alias: 'mscrm',
    entityTypes: {},
    entitySets: {},
    complexTypes: {},
    enumTypes: {},
    operations: [],
    imports: [],
  }

  // Element stack by name; the parent decides what a Property or Annotation belongs to.
  const stack: string[] = []
  let entity: RawEntityType | null = null
  let complex: RawComplexType | null = null
  let enumMembers: Array<readonly [string, number]> | null = null
  let operation: RawOperation | null = null
  let property: { name: string; type: string; flags: Set<string> } | null = null
  let inKey = false
  let inPermissions = false

  const short = (type: string) => shortType(type, schema.namespace, schema.alias)
  const flush = () => {
    if (property === null) return
    const flags = [...property.flags].sort().join('')
    const target = entity ?? complex
    target?.properties.push([property.name, short(property.type), flags])
    property = null
  }

  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>
    const parent = stack.at(-1)
    stack.push(tag.name)
    switch (tag.name) {
      case 'Schema':
        schema.namespace = a['Namespace'] ?? schema.namespace
        schema.alias = a['Alias'] ?? schema.alias
        return
      case 'EntityType':
        entity = {
          base: a['BaseType'] ? short(a['BaseType']) : null,
          abstract: a['Abstract'] === 'true',
          key: [],
          properties: [],
          navigations: [],
        }
        schema.entityTypes[a['Name'] ?? ''] = entity
        return
      case 'ComplexType':
        complex = { base: a['BaseType'] ? short(a['BaseType']) : null, properties: [] }
        schema.complexTypes[a['Name'] ?? ''] = complex
        return
      case 'EnumType':
        enumMembers = []
        schema.enumTypes[a['Name'] ?? ''] = enumMembers
        return
      case 'Member':
        enumMembers?.push([a['Name'] ?? '', Number(a['Value'] ?? 0)])
        return
      case 'Key':
        inKey = true
        return
      case 'PropertyRef':
        if (inKey && entity !== null) entity.key.push(a['Name'] ?? '')
        return
      case 'Property':
        if (parent !== 'EntityType' && parent !== 'ComplexType') return
        property = { name: a['Name'] ?? '', type: a['Type'] ?? 'Edm.String', flags: new Set() }
        if (a['Nullable'] === 'false') property.flags.add('n')
        return
      case 'NavigationProperty': {
        if (entity === null) return
        const rawType = a['Type'] ?? ''
        const collection = rawType.startsWith('Collection(')
        const target = short(collection ? rawType.slice('Collection('.length, -1) : rawType)
        entity.navigations.push([a['Name'] ?? '', target, collection, a['Partner'] ?? '', ''])
        return
      }
      case 'ReferentialConstraint': {
        if (entity === null) return
        const last = entity.navigations.at(-1)
        if (last !== undefined && last[4] === '') {
          entity.navigations[entity.navigations.length - 1] = [
            last[0],
            last[1],
            last[2],
            last[3],
            a['Property'] ?? '',
          ]
        }
        return
      }
      case 'Annotation':
        if (property === null) return
        if (a['Term'] === COMPUTED && a['Bool'] === 'true') property.flags.add('c')
        if (a['Term'] === PERMISSIONS) inPermissions = true
        return
      case 'Action':
      case 'Function':
        operation = {
          name: a['Name'] ?? '',
          kind: tag.name === 'Action' ? 'action' : 'function',
          bound: a['IsBound'] === 'true',
          parameters: [],
          returnType: null,
        }
        schema.operations.push(operation)
        return
      case 'Parameter':
        operation?.parameters.push([a['Name'] ?? '', short(a['Type'] ?? ''), a['Nullable'] !== 'false'])
        return
      case 'ReturnType':
        if (operation !== null) operation.returnType = short(a['Type'] ?? '')
        return
      case 'EntitySet':
        schema.entitySets[a['Name'] ?? ''] = short(a['EntityType'] ?? '')
        return
      case 'ActionImport':
      case 'FunctionImport':
        schema.imports.push(a['Name'] ?? '')
        return
      default:
        return
    }
  })

  parser.on('text', (text) => {
    if (!inPermissions || property === null) return
    const value = text.trim()
    if (value.endsWith('PermissionType/Read')) property.flags.add('r')
    if (value.endsWith('PermissionType/Write')) property.flags.add('w')
  })

  parser.on('closetag', (tag) => {
    stack.pop()
    switch (tag.name) {
      case 'Property':
        flush()
        return
      case 'Annotation':
        inPermissions = false
        return
      case 'Key':
        inKey = false
        return
      case 'EntityType':
        entity = null
        return
      case 'ComplexType':
        complex = null
        return
      case 'EnumType':
        enumMembers = null
        return
      case 'Action':
      case 'Function':
        operation = null
        return
      default:
        return
    }
  })

  parser.write(xml).close()
  return schema
}
