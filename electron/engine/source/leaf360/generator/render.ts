/**
 * Rendering of api-form rows into each flavour's cells (§5, §7): the column plan of every file
 * (standard, custom and ui appended columns, in file order) and the value formatters — labels, owner
 * names, `MM/DD/YYYY hh:mm AM/PM` in the manifest timezone, `$` money, `Yes`/`No` — and, for XLSX,
 * typed cells (numbers, Excel dates with formats).
 */
import type { ColumnSpec, DataFileSpec } from '../spec/columns'
import { headerOf, standardColumnsOf } from '../spec/columns'
import { enumLabel } from '../spec/enums'
import { STANDARD_PIPELINES, STANDARD_STAGES } from '../spec/pipelines'
import type { UiAppendedColumn } from '../spec/ui-columns'
import { uiAppendedColumns } from '../spec/ui-columns'
import type { Flavour } from '../spec/value-types'
import type { Row } from './model'
import { uiDate, uiDatetime, type Zone } from './time'
import type { Cell } from './writers/table'
import type { XlsxColumnFormat } from './writers/xlsx-writer'
import type { CustomProperty, Owner, World } from './world'

/** One column of a file as written: its header, the name truth lines use, and what it holds. */
export type PlannedColumn = Readonly<
  | { kind: 'standard'; header: string; name: string; spec: ColumnSpec }
  | { kind: 'custom'; header: string; name: string; property: CustomProperty }
  | { kind: 'appended'; header: string; name: string; appended: UiAppendedColumn }
  | { kind: 'unknown'; header: string; name: string }
>

/** The columns of `spec` in `flavour`, in file order (§4, §4.10, §7). */
export function planColumns(world: World, spec: DataFileSpec, flavour: Flavour): PlannedColumn[] {
  const columns: PlannedColumn[] = standardColumnsOf(spec, flavour).map((c) => ({
    kind: 'standard' as const,
    header: headerOf(spec, c, flavour),
    name: c.name,
    spec: c,
  }))
  if (spec.customProperties !== null) {
    const uiForm = flavour === 'ui' && !spec.apiFormInBothFlavours
    for (const p of world.customProperties.filter((x) => x.object === spec.customProperties)) {
      columns.push({ kind: 'custom', header: uiForm ? p.label : p.name, name: p.name, property: p })
    }
  }
  if (
    flavour === 'ui' &&
    (spec.object === 'contacts' || spec.object === 'companies' || spec.object === 'deals')
  ) {
    for (const a of uiAppendedColumns(spec.object))
      columns.push({ kind: 'appended', header: a.header, name: a.header, appended: a })
  }
  return columns
}

/** Formats money as ui writes it: `$1,250,000.00`, `-$1,200.00` (§5). */
export function uiMoney(value: string): string {
  const negative = value.startsWith('-')
  const [whole = '0', cents = '00'] = value.replace(/^-/, '').split('.')
  return `${negative ? '-' : ''}$${Number(whole).toLocaleString('en-US')}.${cents.padEnd(2, '0').slice(0, 2)}`
}

/** The ui name of an owner (§7): `first last`, ` (Deactivated User)` for inactive owners. */
export function ownerDisplayName(owner: Owner): string {
  return `${owner.row['first_name'] ?? ''} ${owner.row['last_name'] ?? ''}${owner.row['is_active'] === 'false' ? ' (Deactivated User)' : ''}`
}

/** Lookups the ui renderer needs. */
export type RenderLookups = Readonly<{
  zone: Zone
  owners: ReadonlyMap<string, Owner>
  teamNames: ReadonlyMap<string, string>
}>

/** Builds the lookups of a world. */
export function renderLookups(world: World): RenderLookups {
  return {
    zone: world.portal.zone,
    owners: new Map(world.owners.map((o) => [o.row['owner_id'] ?? '', o])),
    teamNames: new Map(world.teams.map((t) => [t['team_id'] ?? '', t['name'] ?? ''])),
  }
}

const pipelineLabels = new Map(STANDARD_PIPELINES.map((p) => [p.pipelineId, p.label]))

/** Renders one standard column's api value in the ui flavour (CSV text). */
export function uiText(spec: ColumnSpec, value: string | null, lookups: RenderLookups): string | null {
  if (value === null) return null
  const one = (v: string): string => {
    switch (spec.uiRendering) {
      case 'enum-label':
        return spec.enum === null ? v : (enumLabel(spec.enum, v) ?? v)
      case 'owner-name': {
        const owner = lookups.owners.get(v)
        return owner === undefined ? v : ownerDisplayName(owner)
      }
      case 'team-name':
        return lookups.teamNames.get(v) ?? v
      case 'pipeline-label':
        return pipelineLabels.get(v) ?? v
      case 'stage-label':
        return STANDARD_STAGES.get(v)?.label ?? v
      case 'typed':
        switch (spec.type) {
          case 'money':
            return uiMoney(v)
          case 'pct':
            return `${v}%`
          case 'bool':
            return v === 'true' ? 'Yes' : v === 'false' ? 'No' : v
          case 'date':
            return uiDate(v)
          case 'datetime':
            return uiDatetime(lookups.zone, Date.parse(v))
          default:
            return v
        }
    }
  }
  return spec.multi ? value.split(';').map(one).join(';') : one(value)
}

/** Renders a custom property's api value in the ui flavour (§4.10 options, §7 values). */
export function uiCustomText(
  property: CustomProperty,
  value: string | null,
  lookups: RenderLookups,
): string | null {
  if (value === null) return null
  switch (property.type) {
    case 'enumeration':
      return value
        .split(';')
        .map((v) => property.options.find((o) => o.value === v)?.label ?? v)
        .join(';')
    case 'bool':
      return value === 'true' ? 'Yes' : 'No'
    case 'date':
      return uiDate(value)
    case 'datetime':
      return uiDatetime(lookups.zone, Date.parse(value))
    default:
      return value
  }
}

/** The XLSX number format of a planned column, for typed cells. */
export function xlsxFormatOf(column: PlannedColumn): XlsxColumnFormat {
  if (column.kind === 'appended') return column.appended.kind === 'date-entered' ? 'datetime' : null
  if (column.kind === 'custom')
    return column.property.type === 'date' ? 'date' : column.property.type === 'datetime' ? 'datetime' : null
  if (column.kind !== 'standard' || column.spec.uiRendering !== 'typed' || column.spec.multi) return null
  switch (column.spec.type) {
    case 'date':
      return 'date'
    case 'datetime':
      return 'datetime'
    case 'money':
      return 'money'
    default:
      return null
  }
}

/**
 * An XLSX cell for a ui value (§7): dates as Excel serials of the wall-clock time in the manifest
 * zone, money and whole numbers as numbers, ZIPs as numbers when `numericZips` (Excel's habit, which
 * drops a leading zero: D08), everything else text.
 */
export function xlsxCell(
  column: PlannedColumn,
  apiValue: string | null,
  text: string | null,
  lookups: RenderLookups,
  numericZips: boolean,
): Cell {
  if (apiValue === null || text === null) return text
  const format = xlsxFormatOf(column)
  if (format === 'datetime') return new Date(lookups.zone.localAsUtc(Date.parse(apiValue)))
  if (format === 'date') return new Date(`${apiValue.slice(0, 10)}T00:00:00Z`)
  if (format === 'money') return Number(apiValue)
  if (column.kind === 'standard' && column.spec.uiRendering === 'typed' && !column.spec.multi) {
    if (column.spec.type === 'int' && /^-?\d{1,15}$/.test(apiValue)) return Number(apiValue)
    if (column.spec.type === 'zip' && numericZips && /^\d{5}$/.test(apiValue)) return Number(apiValue)
  }
  return text
}

/** The value of a planned column for a row in api form (appended columns are computed elsewhere). */
export function apiValueOf(column: PlannedColumn, row: Row): string | null {
  return column.kind === 'appended' ? null : (row[column.name] ?? null)
}
