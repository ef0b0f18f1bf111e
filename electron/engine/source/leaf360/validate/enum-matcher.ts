/**
 * Enumeration matching in the order of EXPORT-FORMAT.md §5: exact value; value case-insensitively;
 * label case-insensitively with whitespace collapsed; the portal's options from the property
 * definitions; the §6.1 aliases. No match is D10, staged raw as unmapped.
 */
import type { EnumOption } from '../spec'

/** The outcome of matching one enum cell. */
export type EnumMatch = Readonly<{
  /** The internal value; the raw text when unmapped; null when an alias maps to null. */
  value: string | null
  /** A D10 warning is due (normalised, or unmapped). */
  d10: boolean
  unmapped: boolean
  /** The D10 variant, for the warning. */
  how: 'exact' | 'label' | 'wrong-case' | 'label-in-api' | 'value-in-ui' | 'legacy-spelling' | 'unmapped'
}>

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim()

/** A compiled matcher for one enumeration column. */
export class EnumMatcher {
  readonly #values = new Set<string>()
  readonly #byLabel = new Map<string, string>()
  readonly #byLowerValue = new Map<string, string>()
  readonly #byLooseLabel = new Map<string, string>()
  readonly #aliases = new Map<string, string | null>()

  /**
   * `standard` is the §6 table (empty for custom enumerations); `portal` the property's options,
   * which extend the standard values and win on conflict (§4.10).
   */
  constructor(
    standard: ReadonlyArray<EnumOption>,
    portal: ReadonlyArray<EnumOption>,
    aliases: ReadonlyArray<Readonly<{ spelling: string; value: string | null }>> = [],
  ) {
    const labels = new Map<string, string>()
    for (const o of standard) labels.set(o.value, o.label)
    for (const o of portal) labels.set(o.value, o.label)
    for (const [value, label] of labels) {
      this.#values.add(value)
      if (!this.#byLabel.has(label)) this.#byLabel.set(label, value)
      const lower = value.toLowerCase()
      if (!this.#byLowerValue.has(lower)) this.#byLowerValue.set(lower, value)
      const loose = collapse(label).toLowerCase()
      if (!this.#byLooseLabel.has(loose)) this.#byLooseLabel.set(loose, value)
    }
    for (const a of aliases) this.#aliases.set(collapse(a.spelling), a.value)
  }

  /** Matches a trimmed, non-empty cell written by `flavour`. */
  match(raw: string, flavour: 'api' | 'ui'): EnumMatch {
    if (flavour === 'api') {
      if (this.#values.has(raw)) return { value: raw, d10: false, unmapped: false, how: 'exact' }
    } else {
      const byLabel = this.#byLabel.get(raw)
      if (byLabel !== undefined) return { value: byLabel, d10: false, unmapped: false, how: 'label' }
      if (this.#values.has(raw)) return { value: raw, d10: true, unmapped: false, how: 'value-in-ui' }
    }
    const lower = this.#byLowerValue.get(raw.toLowerCase())
    if (lower !== undefined) return { value: lower, d10: true, unmapped: false, how: 'wrong-case' }
    const collapsed = collapse(raw)
    const loose = this.#byLooseLabel.get(collapsed.toLowerCase())
    if (loose !== undefined) {
      return {
        value: loose,
        d10: true,
        unmapped: false,
        how: flavour === 'api' ? 'label-in-api' : 'wrong-case',
      }
    }
    if (this.#aliases.has(collapsed)) {
      return {
        value: this.#aliases.get(collapsed) ?? null,
        d10: true,
        unmapped: false,
        how: 'legacy-spelling',
      }
    }
    return { value: raw, d10: true, unmapped: true, how: 'unmapped' }
  }
}
