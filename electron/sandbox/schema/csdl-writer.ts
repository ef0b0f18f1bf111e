/**
 * Writes the sandbox's `$metadata`: the CSDL entity types, complex and enum types and operations it
 * was built from, plus what the environment added since (custom columns, BPF instance tables) and
 * the v9 messages the 8.x document lacks (CreateMultiple, UpdateMultiple, UpsertMultiple,
 * DeleteMultiple, the chunked file messages, ReactivateEntityKey, RetrieveTotalRecordCount; README
 * of shared/dataverse, "What it lacks"). Descriptions and annotations of the source are not kept.
 */
import type { RawOperation } from './csdl'
import type { Schema, TableDef } from './model'

const esc = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')

const qualify = (type: string): string => {
  const inner = type.startsWith('Collection(') ? type.slice(11, -1) : type
  const full = inner.startsWith('Edm.') ? inner : `mscrm.${inner}`
  return type.startsWith('Collection(') ? `Collection(${full})` : full
}

/** The v9 operations the 8.x CSDL does not have ([bulk], [upsertmultiple], [files], [altkey-def]). */
export const V9_OPERATIONS: ReadonlyArray<RawOperation> = [
  {
    name: 'CreateMultiple',
    kind: 'action',
    bound: true,
    parameters: [
      ['entityset', 'Collection(crmbaseentity)', false],
      ['Targets', 'Collection(crmbaseentity)', false],
    ],
    returnType: 'CreateMultipleResponse',
  },
  {
    name: 'UpdateMultiple',
    kind: 'action',
    bound: true,
    parameters: [
      ['entityset', 'Collection(crmbaseentity)', false],
      ['Targets', 'Collection(crmbaseentity)', false],
    ],
    returnType: null,
  },
  {
    name: 'UpsertMultiple',
    kind: 'action',
    bound: true,
    parameters: [
      ['entityset', 'Collection(crmbaseentity)', false],
      ['Targets', 'Collection(crmbaseentity)', false],
    ],
    returnType: null,
  },
  {
    name: 'DeleteMultiple',
    kind: 'action',
    bound: true,
    parameters: [
      ['entityset', 'Collection(crmbaseentity)', false],
      ['Targets', 'Collection(crmbaseentity)', false],
    ],
    returnType: null,
  },
  {
    name: 'InitializeAnnotationBlocksUpload',
    kind: 'action',
    bound: false,
    parameters: [['Target', 'crmbaseentity', false]],
    returnType: 'InitializeAnnotationBlocksUploadResponse',
  },
  {
    name: 'InitializeAttachmentBlocksUpload',
    kind: 'action',
    bound: false,
    parameters: [['Target', 'crmbaseentity', false]],
    returnType: 'InitializeAttachmentBlocksUploadResponse',
  },
  {
    name: 'UploadBlock',
    kind: 'action',
    bound: false,
    parameters: [
      ['BlockId', 'Edm.String', false],
      ['BlockData', 'Edm.Binary', false],
      ['FileContinuationToken', 'Edm.String', false],
    ],
    returnType: null,
  },
  {
    name: 'CommitAnnotationBlocksUpload',
    kind: 'action',
    bound: false,
    parameters: [
      ['Target', 'crmbaseentity', false],
      ['BlockList', 'Collection(Edm.String)', false],
      ['FileContinuationToken', 'Edm.String', false],
    ],
    returnType: 'CommitAnnotationBlocksUploadResponse',
  },
  {
    name: 'CommitAttachmentBlocksUpload',
    kind: 'action',
    bound: false,
    parameters: [
      ['Target', 'crmbaseentity', false],
      ['BlockList', 'Collection(Edm.String)', false],
      ['FileContinuationToken', 'Edm.String', false],
    ],
    returnType: 'CommitAttachmentBlocksUploadResponse',
  },
  {
    name: 'InitializeAnnotationBlocksDownload',
    kind: 'action',
    bound: false,
    parameters: [['Target', 'crmbaseentity', false]],
    returnType: 'InitializeAnnotationBlocksDownloadResponse',
  },
  {
    name: 'DownloadBlock',
    kind: 'action',
    bound: false,
    parameters: [
      ['Offset', 'Edm.Int64', false],
      ['BlockLength', 'Edm.Int64', false],
      ['FileContinuationToken', 'Edm.String', false],
    ],
    returnType: 'DownloadBlockResponse',
  },
  {
    name: 'ReactivateEntityKey',
    kind: 'action',
    bound: false,
    parameters: [
      ['EntityLogicalName', 'Edm.String', false],
      ['EntityKeyLogicalName', 'Edm.String', false],
    ],
    returnType: null,
  },
  {
    name: 'RetrieveTotalRecordCount',
    kind: 'function',
    bound: false,
    parameters: [['EntityNames', 'Collection(Edm.String)', false]],
    returnType: 'RetrieveTotalRecordCountResponse',
  },
]

const V9_COMPLEX: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  CreateMultipleResponse: [['Ids', 'Collection(Edm.Guid)']],
  InitializeAnnotationBlocksUploadResponse: [['FileContinuationToken', 'Edm.String']],
  InitializeAttachmentBlocksUploadResponse: [['FileContinuationToken', 'Edm.String']],
  CommitAnnotationBlocksUploadResponse: [
    ['AnnotationId', 'Edm.Guid'],
    ['FileSizeInBytes', 'Edm.Int64'],
  ],
  CommitAttachmentBlocksUploadResponse: [
    ['ActivityMimeAttachmentId', 'Edm.Guid'],
    ['FileSizeInBytes', 'Edm.Int64'],
  ],
  InitializeAnnotationBlocksDownloadResponse: [
    ['FileContinuationToken', 'Edm.String'],
    ['FileSizeInBytes', 'Edm.Int64'],
    ['FileName', 'Edm.String'],
  ],
  DownloadBlockResponse: [['Data', 'Edm.Binary']],
  RetrieveTotalRecordCountResponse: [['EntityRecordCountCollection', 'EntityRecordCountCollection']],
  EntityRecordCountCollection: [
    ['Count', 'Edm.Int32'],
    ['IsReadOnly', 'Edm.Boolean'],
    ['Keys', 'Collection(Edm.String)'],
    ['Values', 'Collection(Edm.Int64)'],
  ],
}

/** The `$metadata` document for the schema as it is now. */
export function writeCsdl(schema: Schema): string {
  const raw = schema.raw
  const out: string[] = []
  out.push('<?xml version="1.0" encoding="utf-8"?>')
  out.push('<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">')
  out.push('<edmx:DataServices>')
  out.push(
    `<Schema Namespace="${raw.namespace}" Alias="${raw.alias}" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
  )
  const extraColumns = (name: string): TableDef | undefined => schema.table(name)
  for (const [name, type] of Object.entries(raw.entityTypes)) {
    const attrs = [`Name="${esc(name)}"`]
    if (type.base !== null) attrs.push(`BaseType="mscrm.${esc(type.base)}"`)
    if (type.abstract) attrs.push('Abstract="true"')
    out.push(`<EntityType ${attrs.join(' ')}>`)
    if (type.key.length > 0)
      out.push(`<Key>${type.key.map((k) => `<PropertyRef Name="${esc(k)}" />`).join('')}</Key>`)
    const declared = new Set(type.properties.map((p) => p[0]))
    for (const [pname, ptype, flags] of type.properties) {
      out.push(
        `<Property Name="${esc(pname)}" Type="${esc(qualify(ptype))}"${flags.includes('n') ? ' Nullable="false"' : ''} />`,
      )
    }
    const table = extraColumns(name)
    if (table !== undefined) {
      for (const column of table.columns.values()) {
        if (!column.isCustom || declared.has(column.property)) continue
        out.push(`<Property Name="${esc(column.property)}" Type="${column.edmType}" />`)
      }
    }
    for (const [nname, target, collection, partner, constraint] of type.navigations) {
      const t = collection ? `Collection(mscrm.${target})` : `mscrm.${target}`
      const p = partner === '' ? '' : ` Partner="${esc(partner)}"`
      if (constraint === '')
        out.push(
          `<NavigationProperty Name="${esc(nname)}" Type="${esc(t)}"${collection ? '' : ' Nullable="false"'}${p} />`,
        )
      else {
        const targetKey = raw.entityTypes[target]?.key[0] ?? `${target}id`
        out.push(
          `<NavigationProperty Name="${esc(nname)}" Type="${esc(t)}" Nullable="false"${p}><ReferentialConstraint Property="${esc(constraint)}" ReferencedProperty="${esc(targetKey)}" /></NavigationProperty>`,
        )
      }
    }
    if (table !== undefined) {
      for (const nav of table.navigations.values()) {
        if (nav.kind !== 'one-to-many' || !nav.name.startsWith('bpf_')) continue
        out.push(
          `<NavigationProperty Name="${esc(nav.name)}" Type="Collection(mscrm.${esc(nav.target)})" Partner="${esc(nav.partner)}" />`,
        )
      }
    }
    out.push('</EntityType>')
  }
  for (const table of schema.tables.values()) {
    if (raw.entityTypes[table.logicalName] !== undefined) continue
    out.push(`<EntityType Name="${esc(table.logicalName)}" BaseType="mscrm.crmbaseentity">`)
    out.push(`<Key><PropertyRef Name="${esc(table.primaryId)}" /></Key>`)
    for (const column of table.columns.values())
      out.push(`<Property Name="${esc(column.property)}" Type="${column.edmType}" />`)
    for (const nav of table.navigations.values()) {
      if (nav.kind !== 'single') continue
      const target = nav.targets[0] ?? 'crmbaseentity'
      const targetKey = schema.table(target)?.primaryId ?? `${target}id`
      out.push(
        `<NavigationProperty Name="${esc(nav.name)}" Type="mscrm.${esc(target)}" Nullable="false"><ReferentialConstraint Property="_${esc(nav.column)}_value" ReferencedProperty="${esc(targetKey)}" /></NavigationProperty>`,
      )
    }
    out.push('</EntityType>')
  }
  for (const [name, type] of Object.entries(raw.complexTypes)) {
    out.push(
      `<ComplexType Name="${esc(name)}"${type.base === null ? '' : ` BaseType="mscrm.${esc(type.base)}"`}>`,
    )
    for (const [pname, ptype] of type.properties)
      out.push(`<Property Name="${esc(pname)}" Type="${esc(qualify(ptype))}" />`)
    out.push('</ComplexType>')
  }
  for (const [name, props] of Object.entries(V9_COMPLEX)) {
    if (raw.complexTypes[name] !== undefined) continue
    out.push(
      `<ComplexType Name="${name}">${props.map(([p, t]) => `<Property Name="${p}" Type="${esc(qualify(t))}" />`).join('')}</ComplexType>`,
    )
  }
  for (const [name, members] of Object.entries(raw.enumTypes)) {
    out.push(
      `<EnumType Name="${esc(name)}">${members.map(([m, v]) => `<Member Name="${esc(m)}" Value="${v}" />`).join('')}</EnumType>`,
    )
  }
  const operations = [
    ...raw.operations,
    ...V9_OPERATIONS.filter((o) => !raw.operations.some((r) => r.name === o.name)),
  ]
  for (const op of operations) {
    const tag = op.kind === 'action' ? 'Action' : 'Function'
    out.push(`<${tag} Name="${esc(op.name)}"${op.bound ? ' IsBound="true"' : ''}>`)
    for (const [pname, ptype, nullable] of op.parameters) {
      out.push(
        `<Parameter Name="${esc(pname)}" Type="${esc(qualify(ptype))}"${nullable ? '' : ' Nullable="false"'} />`,
      )
    }
    if (op.returnType !== null)
      out.push(`<ReturnType Type="${esc(qualify(op.returnType))}" Nullable="false" />`)
    out.push(`</${tag}>`)
  }
  out.push('<EntityContainer Name="System">')
  const sets = new Map(Object.entries(raw.entitySets))
  for (const table of schema.tables.values())
    if (!sets.has(table.setName)) sets.set(table.setName, table.logicalName)
  for (const [set, type] of sets)
    out.push(`<EntitySet Name="${esc(set)}" EntityType="${raw.namespace}.${esc(type)}" />`)
  const imports = new Set(raw.imports)
  for (const op of operations) {
    if (op.bound || (imports.has(op.name) && raw.operations.includes(op))) continue
    imports.add(op.name)
  }
  for (const name of imports) {
    const op = operations.find((o) => o.name === name && !o.bound)
    if (op === undefined) continue
    out.push(
      op.kind === 'action'
        ? `<ActionImport Name="${esc(name)}" Action="${raw.namespace}.${esc(name)}" />`
        : `<FunctionImport Name="${esc(name)}" Function="${raw.namespace}.${esc(name)}" />`,
    )
  }
  out.push('</EntityContainer>')
  out.push('</Schema>')
  out.push('</edmx:DataServices>')
  out.push('</edmx:Edmx>')
  return out.join('\n')
}
