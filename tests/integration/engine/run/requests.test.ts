/**
 * Every request the loader sends in a full run, recorded on the wire and checked against the real
 * `$metadata` (crm_schema.xml): entity sets, properties and navigation properties of each body
 * (deep inserts and `$batch` parts included), action parameters, plus the v9 messages the 8.x
 * document lacks as Microsoft documents them (the bulk messages, the chunked upload messages).
 * Custom columns must be ones the schema plan creates for the mapping.
 */
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../../electron/engine/clock'
import { logicalNameOf } from '../../../../electron/engine/plan/mapping/model'
import { customColumnsOf } from '../../../../electron/engine/plan/mapping/template'
import { runMigration } from '../../../../electron/engine/run/run-migration'
import { applicationTokenProviders } from '../../../../electron/engine/target/dataverse/auth'
import { DataverseClient } from '../../../../electron/engine/target/dataverse/client'
import {
  createHttpTransport,
  type HttpRequest,
  type HttpTransport,
} from '../../../../electron/engine/target/dataverse/http'
import { csdlIndex } from '../../../support/run/csdl-index'
import { prepareMigration } from '../../../support/run/migration-fixture'
import { useTempDirs } from '../../../support/temp-dir'

type Json = Record<string, unknown>

/** The v9 operations Microsoft documents that the 8.x CSDL does not have (WEB-API-NOTES §18). */
const BULK = new Set(['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple'])
const CHUNKED = new Set(['InitializeAnnotationBlocksUpload', 'UploadBlock', 'CommitAnnotationBlocksUpload'])

/** A `$batch` request body's parts: method, relative url, JSON body. */
function batchParts(
  contentType: string,
  body: string,
): Array<{ method: string; url: string; body: Json | null }> {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2]
  if (boundary === undefined) throw new Error(`no boundary in ${contentType}`)
  const out: Array<{ method: string; url: string; body: Json | null }> = []
  for (const part of body.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) continue
    const http = part.split('\r\n\r\n')
    const requestLine = (http[1] ?? '').split('\r\n')[0] ?? ''
    const [method, url] = requestLine.split(' ')
    const json = (http[2] ?? '').trim()
    out.push({
      method: method!,
      url: url!.replace(/^\/api\/data\/v9\.2\//, ''),
      body: json === '' ? null : (JSON.parse(json) as Json),
    })
  }
  return out
}

describe('the requests the loader sends', () => {
  const tempDir = useTempDirs()

  it('all validate against crm_schema.xml and the documented v9 messages', async () => {
    const f = await prepareMigration(tempDir())
    try {
      const recorded: HttpRequest[] = []
      const inner = createHttpTransport({ caCertFile: f.profile.caCertFile! })
      const http: HttpTransport = {
        send: (req) => {
          if (req.url.includes('/api/data/')) recorded.push(req)
          return inner.send(req)
        },
        close: () => inner.close(),
      }
      const clients = applicationTokenProviders(f.profile, http)
        .slice(0, 2)
        .map((tokens) => new DataverseClient({ profile: f.profile, http, tokens }))
      const summary = await runMigration({
        workspace: f.workspace,
        connection: { profile: f.profile, clients, primary: clients[0]!, close: () => http.close() },
        clock: systemClock,
      })
      await http.close()
      expect(summary.records.failed).toBe(0)

      const csdl = csdlIndex()
      const prefix = f.mapping.prefix
      const custom = new Map<string, Set<string>>()
      for (const { table, column } of customColumnsOf(f.mapping)) {
        const set = custom.get(table) ?? new Set<string>()
        set.add(logicalNameOf(column.schemaName))
        custom.set(table, set)
      }
      const bpfType = (set: string) => (set.startsWith(`${prefix}_bpf_`) ? 'opportunitysalesprocess' : null)
      const typeOfSet = (set: string) => csdl.entitySets.get(set) ?? bpfType(set)
      const problems: string[] = []
      const seen = new Set<string>()

      const checkBind = (where: string, value: unknown) => {
        const m = /^\/?([A-Za-z_]+)\(/.exec(String(value))
        if (m === null || typeOfSet(m[1]!) === null)
          problems.push(`${where}: bind to an unknown set in ${String(value)}`)
      }
      const checkBody = (where: string, type: string, body: Json, bpf = false) => {
        const properties = csdl.propertiesOf(type)
        for (const [key, value] of Object.entries(body)) {
          if (key === '@odata.type') {
            if (value !== `Microsoft.Dynamics.CRM.${type}` && !bpf)
              problems.push(`${where}: @odata.type ${String(value)} for ${type}`)
            continue
          }
          if (key === '@odata.id') {
            if (!new RegExp(`^[a-z_]+\\(${prefix}_sourceid='[^']*'\\)$`).test(String(value)))
              problems.push(`${where}: @odata.id ${String(value)}`)
            continue
          }
          if (key.endsWith('@odata.bind')) {
            const nav = key.slice(0, -'@odata.bind'.length)
            const navName = bpf && nav === 'bpf_opportunityid' ? 'opportunityid' : nav
            if (csdl.navigationOf(type, navName) === undefined)
              problems.push(`${where}: ${type} has no navigation ${nav}`)
            checkBind(where, value)
            continue
          }
          const nav = csdl.navigationOf(type, key)
          if (nav !== undefined && Array.isArray(value)) {
            if (!nav.collection) problems.push(`${where}: ${key} is not a collection`)
            for (const item of value as Json[]) checkBody(`${where}.${key}`, nav.type, item)
            continue
          }
          if (!properties.has(key) && !(custom.get(type)?.has(key) ?? false))
            problems.push(`${where}: ${type} has no property ${key}`)
        }
      }
      const checkWrite = (method: string, url: string, body: Json | null) => {
        const path = url.split('?')[0]!
        const segments = path.split('/')
        const set = segments[0]!.replace(/\(.*$/, '')
        if (segments.length === 2 && segments[1]!.startsWith('Microsoft.Dynamics.CRM.')) {
          const message = segments[1]!.slice('Microsoft.Dynamics.CRM.'.length)
          seen.add(message)
          if (!BULK.has(message)) problems.push(`${url}: not a documented bulk message`)
          const type = typeOfSet(set)
          if (type === null) return void problems.push(`${url}: unknown entity set ${set}`)
          for (const target of (body?.['Targets'] as Json[] | undefined) ?? [])
            checkBody(`${message} ${set}`, type, target)
          return
        }
        if (csdl.actions.has(set) || CHUNKED.has(set)) {
          seen.add(set)
          const parameters = csdl.actions.get(set)
          if (parameters) {
            for (const name of Object.keys(body ?? {}))
              if (!parameters.has(name)) problems.push(`${set}: no parameter ${name}`)
            for (const [name, type] of parameters) {
              const value = body?.[name]
              if (value !== null && typeof value === 'object' && csdl.entityTypes.has(type))
                checkBody(`${set}.${name}`, type, value as Json)
            }
          } else if (body?.['Target'] !== undefined) checkBody(set, 'annotation', body['Target'] as Json)
          return
        }
        const type = typeOfSet(set)
        if (type === null) return void problems.push(`${method} ${url}: unknown entity set ${set}`)
        seen.add(`${method} ${set}`)
        if (body !== null) checkBody(`${method} ${set}`, type, body, bpfType(set) !== null)
      }
      const checkRead = (url: string) => {
        const [path, query = ''] = url.split('?')
        const set = path!.replace(/\(.*$/, '').split('/')[0]!
        if (set === 'EntityDefinitions' || csdl.functions.has(set)) return
        const type = typeOfSet(set)
        if (type === null) return void problems.push(`GET ${url}: unknown entity set ${set}`)
        const select = new URLSearchParams(query).get('$select')
        for (const column of select?.split(',') ?? []) {
          if (
            !csdl.propertiesOf(type).has(column) &&
            !(custom.get(type)?.has(column) ?? false) &&
            bpfType(set) === null
          ) {
            problems.push(`GET ${set}: ${type} has no property ${column}`)
          }
        }
      }

      for (const req of recorded) {
        const url = decodeURIComponent(req.url.replace(/^.*\/api\/data\/v9\.2\//, ''))
        if (url === '$batch') {
          seen.add('$batch')
          const contentType =
            Object.entries(req.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? ''
          for (const part of batchParts(contentType, req.body ?? ''))
            checkWrite(part.method, decodeURIComponent(part.url), part.body)
          continue
        }
        if (req.method === 'GET') checkRead(url)
        else checkWrite(req.method, url, req.body ? (JSON.parse(req.body) as Json) : null)
      }
      expect(problems).toEqual([])
      // The check itself sees what it must: an unknown column, an undeclared navigation, a bad set.
      checkWrite('POST', 'contacts', { nosuchcolumn: 1, 'parentcustomerid@odata.bind': '/accounts(x)' })
      checkWrite('POST', 'contactz', {})
      expect(problems).toEqual([
        'POST contacts: contact has no property nosuchcolumn',
        'POST contacts: contact has no navigation parentcustomerid',
        'POST contactz: unknown entity set contactz',
      ])
      for (const kind of [
        'UpsertMultiple',
        'UpdateMultiple',
        '$batch',
        'WinOpportunity',
        'LoseOpportunity',
        'InitializeAnnotationBlocksUpload',
        'UploadBlock',
        'CommitAnnotationBlocksUpload',
      ]) {
        expect(seen, kind).toContain(kind)
      }
      expect(recorded.length).toBeGreaterThan(20)
    } finally {
      await f.close()
    }
  }, 120_000)
})
