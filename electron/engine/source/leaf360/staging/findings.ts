/**
 * Tallies what staging found: warnings by defect code (with a few examples each), quarantine
 * reasons, and per-file row accounting (read = staged + quarantined + skipped, §1).
 */

/** One example of a finding, enough for the operator to look it up. */
export type FindingExample = Readonly<{
  file: string | null
  row: number | null
  column: string | null
  raw: string | null
  reason: string | null
  sourceId: string | null
}>

/** Per physical file: rows read and their outcomes. */
export type FileTally = { read: number; staged: number; quarantined: number; skipped: number }

const MAX_EXAMPLES = 5
const MAX_RAW = 200

/** The running tally of one import. */
export class FindingsTally {
  readonly counts = new Map<string, number>()
  readonly reasons = new Map<string, Map<string, number>>()
  readonly examples = new Map<string, FindingExample[]>()
  readonly quarantine = new Map<string, number>()
  readonly files = new Map<string, FileTally>()

  /** Counts one finding of `code`. */
  add(code: string, example: FindingExample): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1)
    if (example.reason !== null) {
      const byReason = this.reasons.get(code) ?? new Map<string, number>()
      byReason.set(example.reason, (byReason.get(example.reason) ?? 0) + 1)
      this.reasons.set(code, byReason)
    }
    const list = this.examples.get(code) ?? []
    if (list.length < MAX_EXAMPLES) {
      list.push({ ...example, raw: example.raw === null ? null : example.raw.slice(0, MAX_RAW) })
      this.examples.set(code, list)
    }
  }

  addQuarantine(reason: string): void {
    this.quarantine.set(reason, (this.quarantine.get(reason) ?? 0) + 1)
  }

  /** The tally of one physical file, created on first use. */
  file(path: string): FileTally {
    let t = this.files.get(path)
    if (t === undefined) {
      t = { read: 0, staged: 0, quarantined: 0, skipped: 0 }
      this.files.set(path, t)
    }
    return t
  }

  /** Findings by code, sorted. */
  countsObject(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)))
  }

  quarantineObject(): Record<string, number> {
    return Object.fromEntries([...this.quarantine].sort(([a], [b]) => a.localeCompare(b)))
  }
}
