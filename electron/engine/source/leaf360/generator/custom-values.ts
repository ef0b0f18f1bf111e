/**
 * Values of custom properties (§4.10) in api form, drawn per record.
 */
import type { Rng } from './random'
import { isoDatetime } from './time'
import type { CustomProperty } from './world'

const DAY = 86_400_000

/** Fills `row` with a value (or null) for every custom property of `object`. */
export function fillCustomValues(
  row: Record<string, string | null>,
  properties: ReadonlyArray<CustomProperty>,
  object: CustomProperty['object'],
  rng: Rng,
  createdMs: number,
): void {
  for (const p of properties) {
    if (p.object !== object) continue
    // Archived properties keep old values on old records only; others are sparsely filled.
    const fillRate = p.archived ? 0.15 : p.fieldType === 'textarea' ? 0.1 : 0.35
    if (!rng.chance(fillRate)) {
      row[p.name] = null
      continue
    }
    switch (p.type) {
      case 'enumeration': {
        const values = p.options.map((o) => o.value)
        row[p.name] =
          p.fieldType === 'checkbox'
            ? values.filter(() => rng.chance(0.4)).join(';') || (values[0] ?? null)
            : rng.pick(values)
        break
      }
      case 'number':
        row[p.name] = p.name.endsWith('_pct')
          ? String(rng.int(3, 25))
          : p.name === 'lead_score'
            ? String(rng.int(1, 100))
            : String(rng.int(20, 400) * 500)
        break
      case 'bool':
        row[p.name] = rng.chance(0.5) ? 'true' : 'false'
        break
      case 'date':
        row[p.name] = isoDatetime(createdMs + rng.int(-400, 400) * DAY).slice(0, 10)
        break
      case 'datetime':
        row[p.name] = isoDatetime(Math.floor((createdMs + rng.int(0, 200) * DAY) / 60_000) * 60_000)
        break
      case 'string':
        row[p.name] =
          p.fieldType === 'phonenumber'
            ? `+1612${rng.int(2_000_000, 9_999_999)}`
            : p.name.endsWith('_id')
              ? String(rng.int(10_000_000, 99_999_999))
              : rng.pick([
                  'See notes',
                  'Prefers evenings',
                  'Call after 5',
                  'Spouse handles paperwork',
                  'VIP',
                  'Met at seminar',
                ])
        break
    }
  }
}
