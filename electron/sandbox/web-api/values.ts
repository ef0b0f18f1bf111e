/**
 * Column values in and out: validating a JSON payload value against its column (type, length,
 * range, choice options), writing stored values back as JSON, and the formatted values that
 * `Prefer: odata.include-annotations` adds ([compose], [select]).
 *
 * Storage forms: DateAndTime as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds, as Dataverse returns
 * them), DateOnly as `YYYY-MM-DD`, money and decimals as JS numbers, GUIDs lower-case.
 */
import type { ColumnDef } from '../schema/model'
import type { Lookup, Value } from '../store/store'
import { isLookup } from '../store/store'
import { GUID_PATTERN } from '../util/ids'
import type { Literal } from '../odata/path'
import { cannotConvert, numberOutOfRange, outsideValidRange, tooLong } from './errors'

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647
/** Money range of Dataverse currency columns. */
const MONEY_MAX = 922337203685477
/** Decimal column default range. */
const DECIMAL_MAX = 100000000000

const describe = (raw: unknown): string => (typeof raw === 'string' ? raw : JSON.stringify(raw))

/** Normalises an ISO date-time to `YYYY-MM-DDTHH:MM:SSZ`; null when it does not parse. */
export function normaliseDateTime(text: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text)
  if (Number.isNaN(ms)) return null
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/** Validates and converts a payload value for a column; throws the Dataverse error otherwise. */
export function coerceInput(table: string, column: ColumnDef, raw: unknown): Value {
  if (raw === null) return null
  const edm = column.edmType
  switch (column.attributeType) {
    case 'String':
    case 'Memo':
    case 'EntityName': {
      if (typeof raw !== 'string') throw cannotConvert(describe(raw), 'Edm.String')
      const max = column.maxLength
      if (max !== undefined && raw.length > max) throw tooLong(column.logicalName, table, max)
      return raw
    }
    case 'Integer':
    case 'BigInt': {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw cannotConvert(describe(raw), edm)
      const min = column.minValue ?? (column.attributeType === 'BigInt' ? Number.MIN_SAFE_INTEGER : INT32_MIN)
      const max = column.maxValue ?? (column.attributeType === 'BigInt' ? Number.MAX_SAFE_INTEGER : INT32_MAX)
      if (raw < min || raw > max) throw numberOutOfRange(column.logicalName, table, min, max)
      return raw
    }
    case 'Decimal':
    case 'Double':
    case 'Money': {
      const value = typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw
      if (typeof value !== 'number' || !Number.isFinite(value)) throw cannotConvert(describe(raw), edm)
      const bound = column.attributeType === 'Money' ? MONEY_MAX : DECIMAL_MAX
      const min = column.minValue ?? -bound
      const max = column.maxValue ?? bound
      if (column.attributeType !== 'Double' && (value < min || value > max)) {
        throw numberOutOfRange(column.logicalName, table, min, max)
      }
      const precision =
        column.precision ??
        (column.attributeType === 'Money' ? 4 : column.attributeType === 'Decimal' ? 10 : undefined)
      return precision === undefined ? value : Number(value.toFixed(precision))
    }
    case 'Boolean':
      if (typeof raw !== 'boolean') throw cannotConvert(describe(raw), 'Edm.Boolean')
      return raw
    case 'DateTime': {
      if (typeof raw !== 'string') throw cannotConvert(describe(raw), edm)
      const normalised = normaliseDateTime(raw)
      if (normalised === null) throw cannotConvert(raw, edm)
      return column.format === 'DateOnly' ? normalised.slice(0, 10) : normalised
    }
    case 'Picklist':
    case 'State':
    case 'Status': {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw cannotConvert(describe(raw), 'Edm.Int32')
      if (column.options.length > 0 && !column.options.some((o) => o.value === raw)) {
        throw outsideValidRange(
          raw,
          column.logicalName,
          table,
          column.options.map((o) => o.value),
        )
      }
      return raw
    }
    case 'Uniqueidentifier':
      if (typeof raw !== 'string' || !GUID_PATTERN.test(raw)) throw cannotConvert(describe(raw), 'Edm.Guid')
      return raw.toLowerCase()
    case 'Lookup':
    case 'Customer':
    case 'Owner':
      // Lookups are written through @odata.bind; a raw value here is a GUID on a plain Guid column.
      if (typeof raw !== 'string' || !GUID_PATTERN.test(raw)) throw cannotConvert(describe(raw), 'Edm.Guid')
      return raw.toLowerCase()
    case 'Virtual':
      if (typeof raw !== 'string') throw cannotConvert(describe(raw), 'Edm.Binary')
      return raw
    case 'ManagedProperty':
      return typeof raw === 'object' ? JSON.stringify(raw) : (raw as Value)
    default:
      return raw as Value
  }
}

/** A stored value as the Web API returns it. */
export function toJson(column: ColumnDef, value: Value | undefined): unknown {
  if (value === undefined || value === null) return null
  if (isLookup(value)) return value.id
  if (column.attributeType === 'ManagedProperty' && typeof value === 'string' && value.startsWith('{')) {
    try {
      return JSON.parse(value) as unknown
    } catch {
      return value
    }
  }
  return value
}

const NUMBER_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 0 })
const MONEY_FORMAT = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' })
const DECIMAL_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })

/**
 * The `OData.Community.Display.V1.FormattedValue` text of a value (en-US, UTC), or null when the
 * column has none (strings and GUIDs carry no formatted value). `lookupName` is the target's name.
 */
export function formattedValue(
  column: ColumnDef,
  value: Value | undefined,
  lookupName?: string | null,
): string | null {
  if (value === undefined || value === null) return null
  switch (column.attributeType) {
    case 'Picklist':
    case 'State':
    case 'Status': {
      const option = column.options.find((o) => o.value === value)
      return option?.label ?? String(value)
    }
    case 'Boolean':
      return value === true ? 'Yes' : 'No'
    case 'Money':
      return typeof value === 'number' ? MONEY_FORMAT.format(value) : null
    case 'Decimal':
    case 'Double':
      return typeof value === 'number' ? DECIMAL_FORMAT.format(value) : null
    case 'Integer':
    case 'BigInt':
      return typeof value === 'number' ? NUMBER_FORMAT.format(value) : null
    case 'DateTime': {
      if (typeof value !== 'string') return null
      const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value)
      const day = `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()}`
      if (column.format === 'DateOnly') return day
      const hours = date.getUTCHours()
      const minutes = String(date.getUTCMinutes()).padStart(2, '0')
      return `${day} ${hours % 12 === 0 ? 12 : hours % 12}:${minutes} ${hours < 12 ? 'AM' : 'PM'}`
    }
    case 'Lookup':
    case 'Customer':
    case 'Owner':
      return lookupName ?? null
    default:
      return null
  }
}

/** Converts a URL literal (key segment, filter operand) to a stored value for comparison. */
export function literalToValue(column: ColumnDef | null, literal: Literal): Value {
  switch (literal.kind) {
    case 'string':
      if (column?.attributeType === 'DateTime') return normaliseDateTime(literal.value) ?? literal.value
      return literal.value
    case 'number':
      return literal.value
    case 'guid':
      return literal.value.toLowerCase()
    case 'datetime': {
      const normalised = normaliseDateTime(literal.value) ?? literal.value
      return column?.format === 'DateOnly' ? normalised.slice(0, 10) : normalised
    }
    case 'boolean':
      return literal.value
    case 'null':
      return null
    default:
      return null
  }
}

/** A lookup value for a column. */
export const lookup = (table: string, id: string): Lookup => ({ table, id: id.toLowerCase() })
