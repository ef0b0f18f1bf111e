/**
 * Column values: payload validation with Dataverse's errors, and formatted values.
 */
import { describe, expect, it } from 'vitest'
import { createSchema } from '../../../../electron/sandbox/schema/load-schema'
import { coerceInput, formattedValue, normaliseDateTime } from '../../../../electron/sandbox/web-api/values'
import { DataverseError } from '../../../../electron/sandbox/web-api/errors'

const schema = createSchema()
const column = (table: string, name: string) => {
  const def = schema.table(table)?.columns.get(name)
  if (def === undefined) throw new Error(`${table}.${name} missing`)
  return def
}
const errorOf = (fn: () => unknown): DataverseError => {
  try {
    fn()
  } catch (error) {
    if (error instanceof DataverseError) return error
  }
  throw new Error('no DataverseError')
}

describe('sandbox column values', () => {
  it('refuses strings over MaxLength with 0x80044331 and the documented text', () => {
    const error = errorOf(() => coerceInput('task', column('task', 'subject'), 'x'.repeat(201)))
    expect(error.code).toBe('0x80044331')
    expect(error.message).toBe(
      "A validation error occurred.  The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed length of '200'.",
    )
  })

  it('refuses values of the wrong type with "Cannot convert the literal"', () => {
    expect(
      errorOf(() => coerceInput('account', column('account', 'numberofemployees'), 'ten')).message,
    ).toContain("Cannot convert the literal 'ten' to the expected type 'Edm.Int32'.")
    expect(errorOf(() => coerceInput('account', column('account', 'creditonhold'), 'yes')).status).toBe(400)
  })

  it('checks state and status values against the table options', () => {
    expect(coerceInput('opportunity', column('opportunity', 'statuscode'), 3)).toBe(3)
    expect(
      errorOf(() => coerceInput('opportunity', column('opportunity', 'statuscode'), 9)).message,
    ).toContain('Accepted Values: 1,2,3,4,5')
  })

  it('normalises date-times to whole-second UTC and keeps date-only values as dates', () => {
    expect(normaliseDateTime('2024-05-06T07:08:09.123+02:00')).toBe('2024-05-06T05:08:09Z')
    expect(normaliseDateTime('2024-05-06')).toBe('2024-05-06T00:00:00Z')
    expect(normaliseDateTime('not a date')).toBeNull()
  })

  it('formats money, booleans, choices and dates as en-US', () => {
    expect(formattedValue(column('account', 'revenue'), 1234.5)).toBe('$1,234.50')
    expect(formattedValue(column('account', 'creditonhold'), true)).toBe('Yes')
    expect(formattedValue(column('opportunity', 'statecode'), 1)).toBe('Won')
    expect(formattedValue(column('account', 'createdon'), '2024-01-15T15:30:00Z')).toBe('1/15/2024 3:30 PM')
  })
})
