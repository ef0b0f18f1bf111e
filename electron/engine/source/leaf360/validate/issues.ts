/**
 * Warnings the validators attach to a row. A validator returns the normalised value and reports
 * what it found to an IssueSink, so the clean path allocates nothing.
 */

/** A §9 defect id: `D01` … `D43`. */
export type DefectCode = `D${number}${number}`

/** One warning on one value (or on the row when `column` is null). */
export type RowIssue = Readonly<{
  code: DefectCode
  column: string | null
  /** The raw value the warning is about (null for row-level warnings). */
  raw: string | null
  /** A short kebab-case or snake_case qualifier where the spec names one (`target_quarantined`, `truncated`). */
  reason?: string
}>

/** Where validators report warnings. */
export interface IssueSink {
  warn(code: DefectCode, column: string | null, raw: string | null, reason?: string): void
}

/** An IssueSink that collects into an array (row validation, tests). */
export class IssueList implements IssueSink {
  readonly items: RowIssue[] = []

  warn(code: DefectCode, column: string | null, raw: string | null, reason?: string): void {
    this.items.push(reason === undefined ? { code, column, raw } : { code, column, raw, reason })
  }

  clear(): void {
    this.items.length = 0
  }
}
