/**
 * Prepares a sandbox environment the way the schema setup plan does (issue 5) for the loader's
 * tests and benchmark: the publisher, every custom column of the mapping, the source-id alternate
 * key on every loaded table (waited for until Active), the connection roles, and one business
 * process flow per active pipeline with its stages, all through the Web API.
 */
import { customColumnsOf } from '../../../electron/engine/plan/mapping/template'
import { logicalNameOf, type MappingDocument } from '../../../electron/engine/plan/mapping/model'
import type { DataverseClient } from '../../../electron/engine/target/dataverse/client'

const label = (text: string) => ({ LocalizedLabels: [{ Label: text, LanguageCode: 1033 }] })

async function ok(client: DataverseClient, req: Parameters<DataverseClient['send']>[0], what: string) {
  const res = await client.send(req)
  if (res.verdict.kind !== 'ok') throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 300)}`)
  return res
}

const idOf = (entityId: string | undefined): string => /\(([0-9a-f-]{36})\)/i.exec(entityId ?? '')?.[1] ?? ''

/** Applies the mapping's schema to the environment behind `client`. */
export async function applyTestSchema(client: DataverseClient, mapping: MappingDocument): Promise<void> {
  const prefix = mapping.prefix
  const publishers = await client.all<{ publisherid: string }>(
    `publishers?$select=publisherid&$filter=customizationprefix eq '${prefix}'`,
    'publishers',
  )
  if (publishers.length === 0) {
    await ok(
      client,
      {
        method: 'POST',
        path: 'publishers',
        body: {
          uniquename: 'leafbridge',
          friendlyname: 'Leafbridge',
          customizationprefix: prefix,
          customizationoptionvalueprefix: Math.floor(mapping.optionValueBase / 10000),
        },
      },
      'publisher',
    )
  }

  for (const { table, column } of customColumnsOf(mapping)) {
    const base = {
      SchemaName: column.schemaName,
      DisplayName: label(column.displayName),
      Description: label(column.description || column.displayName),
      RequiredLevel: { Value: 'None' },
    }
    const typed: Record<string, unknown> = (() => {
      switch (column.type) {
        case 'string':
          return {
            '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
            MaxLength: column.maxLength ?? 100,
          }
        case 'memo':
          return {
            '@odata.type': 'Microsoft.Dynamics.CRM.MemoAttributeMetadata',
            MaxLength: column.maxLength ?? 4000,
          }
        case 'int':
          return { '@odata.type': 'Microsoft.Dynamics.CRM.IntegerAttributeMetadata' }
        case 'decimal':
          return {
            '@odata.type': 'Microsoft.Dynamics.CRM.DecimalAttributeMetadata',
            Precision: column.precision ?? 2,
          }
        case 'money':
          return {
            '@odata.type': 'Microsoft.Dynamics.CRM.MoneyAttributeMetadata',
            Precision: column.precision ?? 2,
          }
        case 'datetime':
          return { '@odata.type': 'Microsoft.Dynamics.CRM.DateTimeAttributeMetadata', Format: 'DateAndTime' }
        case 'date':
          return { '@odata.type': 'Microsoft.Dynamics.CRM.DateTimeAttributeMetadata', Format: 'DateOnly' }
        case 'bool':
          return { '@odata.type': 'Microsoft.Dynamics.CRM.BooleanAttributeMetadata' }
        case 'option': {
          const map = mapping.valueMaps.find((m) => m.name === column.optionSet)
          return {
            '@odata.type': 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata',
            OptionSet: {
              IsGlobal: false,
              OptionSetType: 'Picklist',
              Options: (map?.entries ?? [])
                .filter((e) => e.option !== null)
                .map((e) => ({ Value: e.option, Label: label(e.label) })),
            },
          }
        }
      }
    })()
    const res = await client.send({
      method: 'POST',
      path: `EntityDefinitions(LogicalName='${table}')/Attributes`,
      body: { ...base, ...typed },
    })
    if (res.verdict.kind !== 'ok' && !/already exists/.test(res.text)) {
      throw new Error(`column ${table}.${column.schemaName}: HTTP ${res.status} ${res.text.slice(0, 300)}`)
    }
  }

  const keyColumn = logicalNameOf(`${prefix}_SourceId`)
  const tables = [
    ...new Set(mapping.objects.flatMap((o) => (o.target.kind === 'table' ? [o.target.table] : []))),
  ]
  for (const table of tables) {
    const res = await client.send({
      method: 'POST',
      path: `EntityDefinitions(LogicalName='${table}')/Keys`,
      body: {
        SchemaName: `${prefix}_SourceIdKey`,
        DisplayName: label('Leaf360 Source Id'),
        KeyAttributes: [keyColumn],
      },
    })
    if (res.verdict.kind !== 'ok' && !/already exists/.test(res.text)) {
      throw new Error(`key on ${table}: HTTP ${res.status} ${res.text.slice(0, 300)}`)
    }
  }
  for (const table of tables) {
    for (let i = 0; ; i++) {
      const keys = await client.json<{ value: Array<{ EntityKeyIndexStatus: string }> }>(
        {
          method: 'GET',
          path: `EntityDefinitions(LogicalName='${table}')/Keys?$select=EntityKeyIndexStatus`,
          headers: { consistency: 'Strong' },
        },
        'keys',
      )
      if (keys.value.every((k) => k.EntityKeyIndexStatus === 'Active')) break
      if (keys.value.some((k) => k.EntityKeyIndexStatus === 'Failed'))
        throw new Error(`key on ${table} failed`)
      if (i > 400) throw new Error(`key on ${table} not active`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  const roles = await client.all<{ name: string }>('connectionroles?$select=name', 'roles')
  const have = new Set(roles.map((r) => r.name.toLowerCase()))
  const { referredBy, referred } = mapping.settings.referralRoles
  const { member, organization } = mapping.settings.companyLinkRoles
  for (const name of [referredBy, referred, member, organization]) {
    if (have.has(name.toLowerCase())) continue
    await ok(
      client,
      { method: 'POST', path: 'connectionroles', body: { name, category: 1000 } },
      `role ${name}`,
    )
    have.add(name.toLowerCase())
  }

  const pipelines = [...new Map(mapping.stages.map((s) => [s.pipelineId, s])).values()].filter(
    (p) => !mapping.stages.filter((s) => s.pipelineId === p.pipelineId).every((s) => s.archived),
  )
  for (const p of pipelines) {
    const created = await ok(
      client,
      {
        method: 'POST',
        path: 'workflows',
        body: {
          name: p.pipelineLabel,
          uniquename: `${prefix}_bpf_${p.pipelineId.replace(/[^a-z0-9]/gi, '').toLowerCase()}`,
          category: 4,
          type: 1,
          primaryentity: 'opportunity',
          businessprocesstype: 0,
          processorder: 10,
        },
      },
      `BPF ${p.pipelineLabel}`,
    )
    const workflowId = idOf(created.headers['odata-entityid'])
    const stages = mapping.stages.filter((s) => s.pipelineId === p.pipelineId && !s.archived)
    for (const [index, s] of stages.entries()) {
      await ok(
        client,
        {
          method: 'POST',
          path: 'processstages',
          body: {
            stagename: s.bpfStage,
            stagecategory: Math.min(s.salesstage, 5),
            primaryentitytypecode: 'opportunity',
            'processid@odata.bind': `/workflows(${workflowId})`,
          },
        },
        `stage ${s.bpfStage} (${index})`,
      )
    }
    await ok(
      client,
      { method: 'PATCH', path: `workflows(${workflowId})`, body: { statecode: 1, statuscode: 2 } },
      `activate ${p.pipelineLabel}`,
    )
  }
}
