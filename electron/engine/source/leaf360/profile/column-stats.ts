/**
 * Observed values of custom and undeclared columns, accumulated while rows are staged, so the
 * custom fields inventory can infer a target type without a second pass over the data.
 */

/** What was seen in one column. */
export type ColumnStats = {
  nonNull: number
  maxLength: number
  /** Up to MAX_DISTINCT distinct values; `distinctOverflow` once there were more. */
  distinct: Set<string>
  distinctOverflow: boolean
  allInteger: boolean
  allDecimal: boolean
  allBoolean: boolean
  allDate: boolean
  allDatetime: boolean
  multiValued: boolean
}

const MAX_DISTINCT = 50
const INTEGER = /^-?\d{1,15}$/
const DECIMAL = /^-?\$?[\d,]*\.?\d+%?$/
const BOOLEAN = /^(true|false|yes|no|y|n|t|f|x)$/i
const DATE = /^(\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/\d{2,4})$/
const DATETIME = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{1,2}\/\d{1,2}\/\d{2,4} \d{1,2}:\d{2})/

/** A fresh accumulator. */
export const newColumnStats = (): ColumnStats => ({
  nonNull: 0,
  maxLength: 0,
  distinct: new Set(),
  distinctOverflow: false,
  allInteger: true,
  allDecimal: true,
  allBoolean: true,
  allDate: true,
  allDatetime: true,
  multiValued: false,
})

/** Observes one staged value (null and empty lists are not counted). */
export function observe(stats: ColumnStats, value: unknown): void {
  if (value === null || value === undefined) return
  if (Array.isArray(value)) {
    if (value.length === 0) return
    stats.multiValued = true
  }
  const text = Array.isArray(value)
    ? value.join(';')
    : typeof value === 'string'
      ? value
      : JSON.stringify(value)
  stats.nonNull++
  if (text.length > stats.maxLength) stats.maxLength = text.length
  if (!stats.distinctOverflow) {
    stats.distinct.add(text)
    if (stats.distinct.size > MAX_DISTINCT) {
      stats.distinctOverflow = true
      stats.distinct.clear()
    }
  }
  if (typeof value === 'boolean') {
    stats.allInteger = stats.allDecimal = stats.allDate = stats.allDatetime = false
    return
  }
  if (stats.allInteger && !INTEGER.test(text)) stats.allInteger = false
  if (stats.allDecimal && !DECIMAL.test(text)) stats.allDecimal = false
  if (stats.allBoolean && !BOOLEAN.test(text)) stats.allBoolean = false
  if (stats.allDate && !DATE.test(text)) stats.allDate = false
  if (stats.allDatetime && !DATETIME.test(text)) stats.allDatetime = false
}

/** A Dataverse-oriented target type for a column seen only through its values. */
export function inferTargetType(stats: ColumnStats): string {
  if (stats.nonNull === 0) return 'text(100)'
  if (stats.multiValued) return 'multi-select choice'
  if (stats.allBoolean && !stats.allInteger) return 'yes/no'
  if (stats.allInteger) return 'whole number'
  if (stats.allDecimal) return 'decimal'
  if (stats.allDatetime) return 'date and time'
  if (stats.allDate) return 'date only'
  if (!stats.distinctOverflow && stats.distinct.size <= 20 && stats.nonNull >= 20) return 'choice'
  return textType(stats.maxLength)
}

/** Text for short values, multiline text beyond the single-line limit (4,000). */
export const textType = (maxLength: number): string =>
  maxLength > 4000 ? 'multiline text' : `text(${Math.max(100, Math.ceil(maxLength / 50) * 50)})`
