/**
 * The real `$metadata` (../shared/dataverse/crm_schema.xml) read independently of the sandbox, to
 * check the loader's requests against it: entity sets, properties and navigation properties of
 * every entity type (base types included), and the parameters of actions.
 */
import { readFileSync } from 'node:fs'
import { SaxesParser } from 'saxes'
import { DEFAULT_CSDL_FILE } from '../../../electron/sandbox/schema/generate-schema'

export type EntityTypeIndex = Readonly<{
  name: string
  baseType: string | null
  properties: ReadonlySet<string>
  /** Navigation property → target type name and whether it is a collection. */
  navigations: ReadonlyMap<string, Readonly<{ type: string; collection: boolean }>>
}>

export type CsdlIndex = Readonly<{
  entitySets: ReadonlyMap<string, string>
  entityTypes: ReadonlyMap<string, EntityTypeIndex>
  actions: ReadonlyMap<string, ReadonlyMap<string, string>>
  functions: ReadonlySet<string>
  /** Every property of a type, its base types' included. */
  propertiesOf: (type: string) => ReadonlySet<string>
  navigationOf: (type: string, name: string) => Readonly<{ type: string; collection: boolean }> | undefined
}>

const strip = (t: string) =>
  t.replace(/^Collection\((.*)\)$/, '$1').replace(/^(mscrm|Microsoft\.Dynamics\.CRM)\./, '')

let cached: CsdlIndex | null = null

/** Parses the CSDL once per process. */
export function csdlIndex(file: string = DEFAULT_CSDL_FILE): CsdlIndex {
  if (cached !== null) return cached
  const entitySets = new Map<string, string>()
  const types = new Map<
    string,
    {
      name: string
      baseType: string | null
      properties: Set<string>
      navigations: Map<string, { type: string; collection: boolean }>
    }
  >()
  const actions = new Map<string, Map<string, string>>()
  const functions = new Set<string>()
  let currentType: ReturnType<typeof types.get> | null = null
  let currentAction: Map<string, string> | null = null
  const parser = new SaxesParser()
  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>
    switch (tag.name) {
      case 'EntityType':
        currentType = {
          name: a['Name']!,
          baseType: a['BaseType'] ? strip(a['BaseType']) : null,
          properties: new Set(),
          navigations: new Map(),
        }
        types.set(currentType.name, currentType)
        break
      case 'Property':
        currentType?.properties.add(a['Name']!)
        break
      case 'NavigationProperty':
        currentType?.navigations.set(a['Name']!, {
          type: strip(a['Type']!),
          collection: a['Type']!.startsWith('Collection('),
        })
        break
      case 'EntitySet':
        entitySets.set(a['Name']!, strip(a['EntityType']!))
        break
      case 'Action':
        currentAction = new Map()
        actions.set(a['Name']!, currentAction)
        break
      case 'Function':
        functions.add(a['Name']!)
        break
      case 'Parameter':
        currentAction?.set(a['Name']!, strip(a['Type']!))
        break
    }
  })
  parser.on('closetag', (tag) => {
    if (tag.name === 'EntityType') currentType = null
    if (tag.name === 'Action') currentAction = null
  })
  parser.write(readFileSync(file, 'utf8')).close()
  const chain = (type: string) => {
    const out: Array<NonNullable<ReturnType<typeof types.get>>> = []
    for (let t = types.get(type); t !== undefined; t = t.baseType ? types.get(t.baseType) : undefined)
      out.push(t)
    return out
  }
  cached = {
    entitySets,
    entityTypes: types,
    actions,
    functions,
    propertiesOf: (type) => new Set(chain(type).flatMap((t) => [...t.properties])),
    navigationOf: (type, name) => {
      for (const t of chain(type)) {
        const nav = t.navigations.get(name)
        if (nav !== undefined) return nav
      }
      return undefined
    },
  }
  return cached
}
