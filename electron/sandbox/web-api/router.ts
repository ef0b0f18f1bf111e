/**
 * Routes a Web API request to the operation it names: the service and `$metadata` documents,
 * `$batch`, functions and actions, `EntityDefinitions`, and the record operations on entity sets
 * ([compose], [create], [update], [upsert], [assoc], [cond]).
 */
import type { TableDef } from '../schema/model'
import { splitSegments, type Segment } from '../odata/path'
import { NO_OPTIONS, parseQueryOptions } from '../odata/query-options'
import type { Dataverse } from './dataverse'
import {
  badPayload,
  DataverseError,
  methodNotAllowed,
  noHttpResource,
  propertyNotFound,
  recordNotFound,
  resourceNotFound,
} from './errors'
import {
  emptyResponse,
  jsonResponse,
  parsePrefer,
  type ApiRequest,
  type ApiResponse,
  type Preferences,
} from './http-types'
import { describeKey, parseKeySpec, parseReference, resolveKey, type KeySpec } from './references'
import { queryPage } from './query'
import { annotationFilter, serializeRow, validateSelect } from './serialize'
import { coerceInput, toJson } from './values'

/** What the router calls for the parts it does not implement itself. */
export type RouterServices = Readonly<{
  dv: Dataverse
  /** `$metadata` CSDL text. */
  metadataDocument: () => string
  /** `$batch`; gets the router back to run each part. */
  batch: (request: ApiRequest) => ApiResponse
  /** Unbound functions and actions (WhoAmI, WinOpportunity…); null when the name is not one. */
  operation: (name: string, args: string | null, request: ApiRequest) => ApiResponse | null
  /** Actions bound to an entity set or record (CreateMultiple, QualifyLead…); null when unknown. */
  boundOperation: (
    table: TableDef,
    id: string | null,
    name: string,
    request: ApiRequest,
  ) => ApiResponse | null
  /** `EntityDefinitions…` and the other metadata sets. */
  metadata: (segments: ReadonlyArray<Segment>, request: ApiRequest) => ApiResponse | null
}>

const parseBody = (request: ApiRequest): Record<string, unknown> => {
  if (request.body === null || request.body.trim() === '') return {}
  try {
    const parsed = JSON.parse(request.body) as unknown
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw badPayload('The request body must be a JSON object.')
    }
    return parsed as Record<string, unknown>
  } catch (error) {
    if (error instanceof DataverseError) throw error
    throw badPayload(`The request body is not valid JSON (${(error as Error).message}).`)
  }
}

/** `https://…/api/data/v9.2/accounts(<id>)`, the URI Dataverse puts in OData-EntityId. */
export const entityUri = (request: ApiRequest, table: TableDef, id: string): string =>
  `${request.root.apiBase}${table.setName}(${id})`

/** Headers that echo the preferences the server applied. */
function applied(
  prefs: Preferences,
  used: ReadonlyArray<'return' | 'annotations' | 'maxpagesize'>,
): Record<string, string> {
  const parts: string[] = []
  if (used.includes('return') && prefs.returnRepresentation) parts.push('return=representation')
  if (used.includes('annotations') && prefs.includeAnnotations !== null) {
    parts.push(`odata.include-annotations="${prefs.includeAnnotations}"`)
  }
  if (used.includes('maxpagesize') && prefs.maxPageSize !== null)
    parts.push(`odata.maxpagesize=${prefs.maxPageSize}`)
  return parts.length === 0 ? {} : { 'preference-applied': parts.join(',') }
}

/** Routes one request. Throws DataverseError for Dataverse's error responses. */
export function route(services: RouterServices, request: ApiRequest): ApiResponse {
  const { dv } = services
  const segments = splitSegments(request.path)
  const [first, ...rest] = segments
  const method = request.method.toUpperCase()

  if (first === undefined) {
    if (method !== 'GET') throw methodNotAllowed(method)
    return jsonResponse(200, {
      '@odata.context': `${request.root.apiBase}$metadata`,
      value: [...dv.schema.tables.values()].map((t) => ({
        name: t.setName,
        kind: 'EntitySet',
        url: t.setName,
      })),
    })
  }
  if (first.name === '$metadata' && rest.length === 0) {
    if (method !== 'GET') throw methodNotAllowed(method)
    return {
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: services.metadataDocument(),
      records: 0,
    }
  }
  if (first.name === '$batch' && rest.length === 0) {
    if (method !== 'POST') throw methodNotAllowed(method)
    return services.batch(request)
  }
  const metadata = services.metadata(segments, request)
  if (metadata !== null) return metadata

  const table = dv.schema.tableBySet(first.name)
  if (table === undefined) {
    if (rest.length === 0) {
      const result = services.operation(
        first.name.replace(/^Microsoft\.Dynamics\.CRM\./, ''),
        first.args,
        request,
      )
      if (result !== null) return result
    }
    throw resourceNotFound(first.name)
  }
  return routeTable(services, request, table, first, rest, method)
}

function routeTable(
  services: RouterServices,
  request: ApiRequest,
  table: TableDef,
  first: Segment,
  rest: ReadonlyArray<Segment>,
  method: string,
): ApiResponse {
  const { dv } = services
  const prefs = parsePrefer(request.headers['prefer'])
  const annotations = annotationFilter(prefs.includeAnnotations)
  const options = parseQueryOptions(request.query)
  const [second, third, fourth] = rest

  // --- the entity set
  if (first.args === null) {
    if (second !== undefined) {
      if (second.name === '$count' && rest.length === 1 && method === 'GET') {
        return {
          status: 200,
          headers: { 'content-type': 'text/plain' },
          body: String(dv.store.rows(table.logicalName).size),
          records: 0,
        }
      }
      if (second.name.startsWith('Microsoft.Dynamics.CRM.') && rest.length === 1) {
        const result = services.boundOperation(
          table,
          null,
          second.name.slice('Microsoft.Dynamics.CRM.'.length),
          request,
        )
        if (result !== null) return result
      }
      throw resourceNotFound(second.name)
    }
    if (method === 'GET') {
      validateSelect(table, options.select)
      const page = queryPage(
        dv,
        table,
        dv.store.rows(table.logicalName).values(),
        options,
        prefs.maxPageSize,
        request.ctx.userId,
      )
      const select = options.select === null ? '' : `(${options.select.join(',')})`
      const body: Record<string, unknown> = {
        '@odata.context': `${request.root.apiBase}$metadata#${table.setName}${select}`,
      }
      if (page.count !== null) body['@odata.count'] = page.count
      if (page.countLimitExceeded) body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = true
      body['value'] = page.rows.map((row) =>
        serializeRow(dv, table, row, {
          select: options.select,
          expand: options.expand,
          annotations,
          userId: request.ctx.userId,
        }),
      )
      if (page.nextSkiptoken !== null) body['@odata.nextLink'] = nextLink(request, page.nextSkiptoken)
      return jsonResponse(
        200,
        body,
        applied(prefs, ['annotations', 'maxpagesize']),
        Math.max(1, page.rows.length),
      )
    }
    if (method === 'POST') {
      const body = parseBody(request)
      const id = dv.create(table, body, request.ctx)
      return created(services, request, table, id, prefs, options.select, true)
    }
    throw methodNotAllowed(method)
  }

  // --- one record
  const key = parseKeySpec(first.args, table)
  if (second === undefined) {
    switch (method) {
      case 'GET': {
        const { row } = dv.require(table, key)
        validateSelect(table, options.select)
        const etag = `W/"${String(row['versionnumber'] ?? '')}"`
        if (request.headers['if-none-match'] === etag) return emptyResponse(304, { etag })
        const select = options.select === null ? '' : `(${options.select.join(',')})`
        const body = {
          '@odata.context': `${request.root.apiBase}$metadata#${table.setName}${select}/$entity`,
          ...serializeRow(dv, table, row, {
            select: options.select,
            expand: options.expand,
            annotations,
            userId: request.ctx.userId,
          }),
        }
        return jsonResponse(200, body, { etag, ...applied(prefs, ['annotations']) })
      }
      case 'PATCH': {
        const body = parseBody(request)
        const ifMatch = request.headers['if-match'] ?? null
        const ifNoneMatch = request.headers['if-none-match'] ?? null
        const result = dv.upsert(table, key, body, request.ctx, {
          ifMatch,
          ifNoneMatch: ifNoneMatch === 'null' ? null : ifNoneMatch,
        })
        return created(services, request, table, result.id, prefs, options.select, result.created)
      }
      case 'DELETE': {
        const { id, row } = dv.require(table, key)
        const ifMatch = request.headers['if-match']
        if (
          ifMatch !== undefined &&
          ifMatch !== '*' &&
          ifMatch !== `W/"${String(row['versionnumber'] ?? '')}"`
        ) {
          throw new DataverseError(
            412,
            '0x80060882',
            "The version of the existing record doesn't match the RowVersion property provided.",
          )
        }
        dv.delete(table, id, request.ctx)
        return emptyResponse(204)
      }
      default:
        throw methodNotAllowed(method)
    }
  }

  if (second.name.startsWith('Microsoft.Dynamics.CRM.') && rest.length === 1) {
    const { id } = dv.require(table, key)
    const result = services.boundOperation(
      table,
      id,
      second.name.slice('Microsoft.Dynamics.CRM.'.length),
      request,
    )
    if (result !== null) return result
    throw resourceNotFound(second.name)
  }

  const nav = table.navigations.get(second.name)
  if (nav !== undefined) {
    const { id, row } = dv.require(table, key)
    const isRef = third?.name === '$ref' || fourth?.name === '$ref'
    if (isRef) return routeRef(services, request, table, id, second, method)
    if (third !== undefined) throw resourceNotFound(third.name)
    if (nav.kind === 'single') {
      if (method !== 'GET') throw methodNotAllowed(method)
      const value = row[nav.column]
      const targetName = typeof value === 'object' && value !== null ? value.table : null
      const target = targetName === null ? undefined : dv.schema.table(targetName)
      const related =
        target === undefined || value === null || typeof value !== 'object'
          ? undefined
          : dv.store.get(target.logicalName, value.id)
      if (target === undefined || related === undefined) {
        throw new DataverseError(404, '0x80040217', `No ${second.name} is set on this ${table.logicalName}.`)
      }
      validateSelect(target, options.select)
      return jsonResponse(200, {
        '@odata.context': `${request.root.apiBase}$metadata#${target.setName}/$entity`,
        ...serializeRow(dv, target, related, {
          select: options.select,
          expand: options.expand,
          annotations,
          userId: request.ctx.userId,
        }),
      })
    }
    const target = dv.tableOf(nav.target)
    if (method === 'POST') {
      const body = parseBody(request)
      if (nav.kind === 'one-to-many') {
        const column = target.columns.get(nav.referencingColumn)
        const bindNav = [...target.navigations.values()].find(
          (n) =>
            n.kind === 'single' &&
            n.column === nav.referencingColumn &&
            n.targets.includes(table.logicalName),
        )
        if (column === undefined || bindNav === undefined)
          throw badPayload(`Cannot create through '${second.name}'.`)
        const childId = dv.create(
          target,
          { ...body, [`${bindNav.name}@odata.bind`]: `/${table.setName}(${id})` },
          request.ctx,
        )
        return created(services, request, target, childId, prefs, options.select, true)
      }
      const childId = dv.create(target, body, request.ctx)
      dv.associate(table, id, nav.name, { table: target, id: childId }, request.ctx)
      return created(services, request, target, childId, prefs, options.select, true)
    }
    if (method !== 'GET') throw methodNotAllowed(method)
    validateSelect(target, options.select)
    const source =
      nav.kind === 'one-to-many'
        ? dv.referencing(nav.target, nav.referencingColumn, id)
        : dv.related(table, nav.name, row)
    const page = queryPage(dv, target, source, options, prefs.maxPageSize, request.ctx.userId)
    const body: Record<string, unknown> = {
      '@odata.context': `${request.root.apiBase}$metadata#${target.setName}`,
    }
    if (page.count !== null) body['@odata.count'] = page.count
    body['value'] = page.rows.map((r) =>
      serializeRow(dv, target, r, {
        select: options.select,
        expand: options.expand,
        annotations,
        userId: request.ctx.userId,
      }),
    )
    if (page.nextSkiptoken !== null) body['@odata.nextLink'] = nextLink(request, page.nextSkiptoken)
    return jsonResponse(
      200,
      body,
      applied(prefs, ['annotations', 'maxpagesize']),
      Math.max(1, page.rows.length),
    )
  }

  // --- a single property: GET / PUT / DELETE …/<property>[/$value]
  const column = table.byProperty.get(second.name)
  if (column === undefined) throw propertyNotFound(second.name, table.logicalName)
  const { id, row } = dv.require(table, key)
  const raw = third?.name === '$value'
  switch (method) {
    case 'GET': {
      const value = toJson(column, row[column.logicalName])
      if (raw) {
        if (value === null) return emptyResponse(204, {}, 1)
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: String(value), records: 1 }
      }
      return jsonResponse(200, {
        '@odata.context': `${request.root.apiBase}$metadata#${table.setName}(${id})/${column.property}`,
        value,
      })
    }
    case 'PUT': {
      const body = parseBody(request)
      if (!('value' in body)) throw badPayload('A property update needs {"value": …}.')
      coerceInput(table.logicalName, column, body['value'])
      dv.update(table, id, { [column.property]: body['value'] }, request.ctx)
      return emptyResponse(204)
    }
    case 'DELETE':
      dv.update(table, id, { [column.property]: null }, request.ctx)
      return emptyResponse(204)
    default:
      throw methodNotAllowed(method)
  }
}

function routeRef(
  services: RouterServices,
  request: ApiRequest,
  table: TableDef,
  id: string,
  navSegment: Segment,
  method: string,
): ApiResponse {
  const { dv } = services
  const nav = table.navigations.get(navSegment.name)
  if (nav === undefined) throw resourceNotFound(navSegment.name)
  if (method === 'GET') {
    const row = dv.store.get(table.logicalName, id) ?? {}
    if (nav.kind === 'single') {
      const value = row[nav.column]
      if (value === null || typeof value !== 'object') throw recordNotFound(table.logicalName, id)
      const target = dv.tableOf(value.table)
      return jsonResponse(200, {
        '@odata.context': `${request.root.apiBase}$metadata#$ref`,
        '@odata.id': entityUri(request, target, value.id),
      })
    }
    const target = dv.tableOf(nav.target)
    const related =
      nav.kind === 'one-to-many'
        ? dv.referencing(nav.target, nav.referencingColumn, id)
        : dv.related(table, nav.name, row)
    return jsonResponse(200, {
      '@odata.context': `${request.root.apiBase}$metadata#Collection($ref)`,
      value: related.map((r) => ({ '@odata.id': entityUri(request, target, String(r[target.primaryId])) })),
    })
  }
  if (method === 'POST' || method === 'PUT') {
    const body = parseBody(request)
    const target = parseReference(dv.schema, dv.store, body['@odata.id'])
    if (nav.kind === 'single') {
      if (method !== 'PUT') throw methodNotAllowed(method)
      dv.update(table, id, { [`${nav.name}@odata.bind`]: body['@odata.id'] }, request.ctx)
      return emptyResponse(204)
    }
    dv.associate(table, id, nav.name, target, request.ctx)
    return emptyResponse(204)
  }
  if (method === 'DELETE') {
    if (nav.kind === 'single') {
      dv.disassociate(table, id, nav.name, null)
      return emptyResponse(204)
    }
    let targetId: string | null = null
    if (navSegment.args !== null) {
      const target = dv.tableOf(nav.target)
      const key: KeySpec = parseKeySpec(navSegment.args, target)
      targetId = resolveKey(dv.store, target, key) ?? null
      if (targetId === null) throw recordNotFound(target.logicalName, describeKey(key))
    } else {
      const ref = request.query.get('$id')
      if (ref !== null) targetId = parseReference(dv.schema, dv.store, ref).id
    }
    dv.disassociate(table, id, nav.name, targetId)
    return emptyResponse(204)
  }
  throw methodNotAllowed(method)
}

/** 204 + OData-EntityId, or 201/200 with the record when `return=representation` is asked. */
function created(
  services: RouterServices,
  request: ApiRequest,
  table: TableDef,
  id: string,
  prefs: Preferences,
  select: ReadonlyArray<string> | null,
  isNew: boolean,
): ApiResponse {
  const uri = entityUri(request, table, id)
  if (!prefs.returnRepresentation) return emptyResponse(204, { 'odata-entityid': uri, location: uri })
  const { dv } = services
  const row = dv.store.get(table.logicalName, id) ?? {}
  validateSelect(table, select)
  const selectText = select === null ? '' : `(${select.join(',')})`
  const body = {
    '@odata.context': `${request.root.apiBase}$metadata#${table.setName}${selectText}/$entity`,
    ...serializeRow(dv, table, row, {
      select,
      expand: NO_OPTIONS.expand,
      annotations: annotationFilter(prefs.includeAnnotations),
      userId: request.ctx.userId,
    }),
  }
  return jsonResponse(isNew ? 201 : 200, body, {
    etag: `W/"${String(row['versionnumber'] ?? '')}"`,
    ...applied(prefs, ['return']),
  })
}

/** The next page's link: the same URL with the new `$skiptoken`. */
function nextLink(request: ApiRequest, skiptoken: string): string {
  const params = new URLSearchParams(request.query)
  params.set('$skiptoken', skiptoken)
  const query = [...params.entries()].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')
  return `${request.root.apiBase}${request.path}?${query}`
}

/** Is a method wrong for a function (GET only) or action (POST only)? Then Dataverse answers 404. */
export function checkOperationMethod(kind: 'function' | 'action', request: ApiRequest): void {
  const method = request.method.toUpperCase()
  if ((kind === 'function' && method !== 'GET') || (kind === 'action' && method !== 'POST')) {
    throw noHttpResource(request.url)
  }
}
