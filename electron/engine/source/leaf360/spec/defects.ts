/**
 * The data-quality defect catalogue of EXPORT-FORMAT.md §9 (D01–D43), the quarantine reason codes,
 * and the row outcomes of §1 "Row accounting".
 *
 * Each defect lists its variants: the distinct appearances the generator injects and the reader
 * action the spec prescribes for each (`expect` of `_truth/defects.jsonl`, §10). `variant` names are
 * Leafbridge's own (kebab-case) and appear as the optional `variant` field of truth lines.
 */

/** A §9 defect id. */
export type DefectId =
  | 'D01'
  | 'D02'
  | 'D03'
  | 'D04'
  | 'D05'
  | 'D06'
  | 'D07'
  | 'D08'
  | 'D09'
  | 'D10'
  | 'D11'
  | 'D12'
  | 'D13'
  | 'D14'
  | 'D15'
  | 'D16'
  | 'D17'
  | 'D18'
  | 'D19'
  | 'D20'
  | 'D21'
  | 'D22'
  | 'D23'
  | 'D24'
  | 'D25'
  | 'D26'
  | 'D27'
  | 'D28'
  | 'D29'
  | 'D30'
  | 'D31'
  | 'D32'
  | 'D33'
  | 'D34'
  | 'D35'
  | 'D36'
  | 'D37'
  | 'D38'
  | 'D39'
  | 'D40'
  | 'D41'
  | 'D42'
  | 'D43'

/** The reader actions of §9: warn, normalise, quarantine. */
export type ReaderAction = 'warn' | 'normalise' | 'quarantine'

/**
 * The quarantine reason codes (§4, §4.11, §9). A quarantined row is not staged; it is kept with file,
 * row, raw text and one of these.
 */
export const QUARANTINE_REASONS = {
  missing_id_column: 'The file has no id column, so none of its rows can be identified (§4).',
  duplicate_row: 'An identical copy of an earlier row (D21, D42).',
  duplicate_id_conflict:
    'Same id (or association identity) as another row with different values (D21, D42, §4.7).',
  column_count_mismatch: 'More or fewer fields than the header, not all extra fields empty (D22).',
  malformed_csv: 'Inside an unterminated quote (D24).',
  orphan_association: 'An association or engagement link to a record that does not exist (D11).',
  orphan_history: 'A stage history row of a deal that does not exist (D11).',
  unsafe_path: 'An attachment stored_path that escapes files/{file_id}/ or names a reserved file (D13).',
  id_unrecoverable: 'The row id was mangled to an exponent by a spreadsheet (D33).',
  missing_id: 'The id is empty, or empty after removing invisible characters (D37, D38, §4.11).',
  invalid_json: 'An automation file that does not parse as JSON is rejected (§4.11).',
} as const

/** One quarantine reason code. */
export type QuarantineReason = keyof typeof QUARANTINE_REASONS

/** Every quarantine reason code. */
export const QUARANTINE_REASON_CODES = Object.keys(QUARANTINE_REASONS) as ReadonlyArray<QuarantineReason>

/** Warning reasons the spec names (§9): carried in the warning, and in `reason` of truth lines. */
export const WARNING_REASONS = {
  target_quarantined: 'A reference matching no staged row but a quarantined one (D11).',
  truncated: 'A body of 65,536 characters or more (D09).',
  oversized: 'An attachment over 128 MB, flagged for manual handling (D14).',
} as const

/** One named warning reason. */
export type WarningReason = keyof typeof WARNING_REASONS

/** The outcome of one input row (§1): staged, quarantined, or (typed association copies only) skipped. */
export type RowOutcome = 'staged' | 'quarantined' | 'skipped'

/** The only skip outcome (§4.7): a typed-copy row identical to an associations.csv row. */
export const SKIPPED_DUPLICATE_COPY = 'skipped-duplicate-copy'

/** One appearance of a defect and the reader action the spec prescribes for it. */
export type DefectVariant = Readonly<{
  variant: string
  /** Null where the spec prescribes no warning: D18 (flagged), D23 (parsed), D09 HTML bodies, D42 synthesised inverses. */
  expect: ReaderAction | null
  reason: QuarantineReason | WarningReason | null
  /** File-level: `row` is null in truth lines. */
  fileLevel: boolean
  /** Refuses the whole export (D13 hostile zip entries, §2); the generator writes it only on request. */
  refusesExport?: true
}>

/** One §9 catalogue entry. */
export type DefectSpec = Readonly<{
  id: DefectId
  name: string
  /** The §9 "Reader action", abridged. */
  readerAction: string
  variants: ReadonlyArray<DefectVariant>
}>

type V = readonly [
  variant: string,
  expect: ReaderAction | null,
  reason?: QuarantineReason | WarningReason | null,
  fileLevel?: boolean,
  refusesExport?: true,
]

const d = (id: DefectId, name: string, readerAction: string, variants: ReadonlyArray<V>): DefectSpec => ({
  id,
  name,
  readerAction,
  variants: variants.map(([variant, expect, reason, fileLevel, refusesExport]) => ({
    variant,
    expect,
    reason: reason ?? null,
    fileLevel: fileLevel === true,
    ...(refusesExport === true ? { refusesExport } : {}),
  })),
})

/** The §9 table, D01–D43. */
export const DEFECTS: ReadonlyArray<DefectSpec> = [
  d('D01', 'Duplicate contact by e-mail', 'warn; assign a duplicate group; never auto-merge', [
    ['duplicate-contact', 'warn'],
  ]),
  d('D02', 'Household shared e-mail', 'warn; e-mail is not a key for them', [
    ['household-shared-email', 'warn'],
  ]),
  d(
    'D03',
    'Phone format drift',
    'normalise to E.164 (US default); unparseable or a null token: null + warn',
    [
      ['non-canonical', 'normalise'],
      ['unparseable', 'warn'],
      ['null-token', 'warn'],
    ],
  ),
  d('D04', 'Mixed date formats', 'normalise (§5, §9 rules for ambiguity, 2-digit years, DST)', [
    ['api-offset', 'normalise'],
    ['api-space-separator', 'normalise'],
    ['api-no-zone', 'normalise'],
    ['api-epoch-ms', 'normalise'],
    ['api-us-date', 'normalise'],
    ['ui-unpadded', 'normalise'],
    ['ui-seconds', 'normalise'],
    ['ui-24-hour', 'normalise'],
    ['ui-bare-date', 'normalise'],
    ['ui-iso', 'normalise'],
    ['dmy-date', 'normalise'],
    ['two-digit-year', 'normalise'],
    ['dst-repeated', 'normalise'],
    ['dst-skipped', 'normalise'],
    ['datetime-in-date-column', 'normalise'],
  ]),
  d('D05', 'Placeholder dates', 'normalise to null', [['placeholder-date', 'normalise']]),
  d('D06', 'TBD addresses', 'normalise street to null, subject_tbd=true; keep real city/state', [
    ['tbd-address', 'normalise'],
  ]),
  d('D07', 'UTF-8 BOM / Windows-1252', 'normalise the decoding; one warning per file not UTF-8 without BOM', [
    ['utf-8-bom', 'normalise', null, true],
    ['windows-1252', 'normalise', null, true],
    ['windows-1252-undeclared', 'normalise', null, true],
  ]),
  d('D08', 'ZIP lost leading zero', 'normalise: pad 3–4 digits to 5; 8 digits → NNNNN-NNNN', [
    ['zip5-lost-zero', 'normalise'],
    ['zip9-lost-zero', 'normalise'],
  ]),
  d(
    'D09',
    'HTML and line breaks in bodies',
    'keep HTML, derive plain text without a warning; ≥ 65,536 chars: warn',
    [
      ['html-body', null],
      ['truncated-body', 'warn', 'truncated'],
    ],
  ),
  d('D10', 'Unknown or renamed enum value', 'normalise via §5; otherwise warn, stage raw as unmapped', [
    ['legacy-spelling', 'normalise'],
    ['label-in-api', 'normalise'],
    ['wrong-case', 'normalise'],
    ['multi-separator', 'normalise'],
    ['unmapped', 'warn'],
  ]),
  d(
    'D11',
    'Orphan foreign key',
    'field: warn, keep raw; association row: quarantine; history row: quarantine',
    [
      ['orphan-field', 'warn'],
      ['orphan-association', 'quarantine', 'orphan_association'],
      ['orphan-history', 'quarantine', 'orphan_history'],
      ['target-quarantined', 'warn', 'target_quarantined'],
    ],
  ),
  d('D12', 'Missing or zero-byte binary', 'warn; stage metadata with binary state missing/empty', [
    ['binary-not-included', 'warn'],
    ['binary-absent', 'warn'],
    ['binary-empty', 'warn'],
  ]),
  d(
    'D13',
    'Unsafe attachment filename',
    'normalise original_filename; unsafe stored_path: quarantine; zip entry: refuse',
    [
      ['unsafe-original-filename', 'normalise'],
      ['unsafe-stored-path', 'quarantine', 'unsafe_path'],
      // A tampered zip entry: the whole export is refused before anything is staged (§2).
      ['hostile-zip-entry', null, null, true, true],
    ],
  ),
  d('D14', 'Oversized attachment', 'warn; flag oversized for manual handling; stream, never buffer', [
    ['oversized-declared', 'warn', 'oversized'],
  ]),
  d('D15', 'Truncated e-mail', 'warn; mark suspect; not used for dedupe or owner matching', [
    ['truncated-email', 'warn'],
  ]),
  d('D16', 'ALL-CAPS names from LOS sync', 'normalise per the §9 capitalisation rule', [
    ['all-caps-name', 'normalise'],
  ]),
  d('D17', 'Merge losers', 'warn; follow ≤ 10 hops; cycles: latest updated_at wins', [
    ['merge-loser', 'warn'],
    ['merge-chain', 'warn'],
  ]),
  d('D18', 'Archived records', 'stage flagged, no warning; excluded from migration by default', [
    ['archived', null],
  ]),
  d('D19', 'Deactivated owner still owns records', 'warn once per owner; still resolve by e-mail', [
    ['deactivated-owner', 'warn'],
  ]),
  d(
    'D20',
    'Circular company parents',
    'normalise: clear parent_company_id on the cycle member with the lowest id',
    [
      ['self-parent', 'normalise'],
      ['parent-cycle', 'normalise'],
    ],
  ),
  d(
    'D21',
    'Duplicate id in a file',
    'identical: stage first, quarantine duplicate_row; different: stage latest updated_at',
    [
      ['identical-row', 'quarantine', 'duplicate_row'],
      ['conflicting-row', 'quarantine', 'duplicate_id_conflict'],
    ],
  ),
  d('D22', 'Wrong column count', 'extra fields all empty: normalise; else quarantine column_count_mismatch', [
    ['extra-empty-fields', 'normalise'],
    ['column-count-mismatch', 'quarantine', 'column_count_mismatch'],
  ]),
  d('D23', 'Quoted newlines', 'parse per RFC 4180 as one row; no warning', [['quoted-newline', null]]),
  d('D24', 'Broken quoting', 'stray quote: keep literally, warn; unterminated: quarantine malformed_csv', [
    ['stray-quote', 'warn'],
    ['unterminated-quote', 'quarantine', 'malformed_csv'],
  ]),
  d('D25', 'Mojibake', 'normalise when Windows-1252 → UTF-8 re-decoding yields clean text', [
    ['mojibake', 'normalise'],
  ]),
  d(
    'D26',
    'Invalid or fake e-mail',
    'warn; mark invalid; never a key; a null token reads as null with this warning',
    [
      ['invalid-email', 'warn'],
      ['placeholder-email', 'warn'],
      ['null-token', 'warn'],
    ],
  ),
  d('D27', 'loan_status contradicts latest deal', 'warn (informational)', [
    ['loan-status-contradiction', 'warn'],
  ]),
  d('D28', 'Referral text without partner link', 'warn; never infer links', [
    ['referral-text-without-link', 'warn'],
  ]),
  d('D29', 'Archived or unknown stage', 'warn; unknown stage staged raw as unmapped', [
    ['archived-stage', 'warn'],
    ['unknown-stage', 'warn'],
  ]),
  d('D30', 'Number/boolean formatting', 'normalise where §5 allows; else null + warn', [
    ['formatted-number-in-api', 'normalise'],
    ['unparseable-number', 'warn'],
    ['unknown-boolean', 'warn'],
  ]),
  d('D31', 'Manifest mismatch', 'warn (file level)', [
    ['rows-mismatch', 'warn', null, true],
    ['bytes-mismatch', 'warn', null, true],
    ['sha256-mismatch', 'warn', null, true],
    ['object-counts-mismatch', 'warn', null, true],
    ['listed-file-missing', 'warn', null, true],
    ['unlisted-file', 'warn', null, true],
    ['key-invalid', 'warn', null, true],
    ['typed-copy-lacking-rows', 'warn', null, true],
    ['invalid-json', 'quarantine', 'invalid_json', true],
  ]),
  d('D32', 'Association cap reached', 'warn: associations may be incomplete', [['association-cap', 'warn']]),
  d(
    'D33',
    'Spreadsheet-mangled ids',
    'normalise .0 and leading apostrophe; exponent in the row id: quarantine',
    [
      ['dot-zero', 'normalise'],
      ['leading-apostrophe', 'normalise'],
      ['exponent-row-id', 'quarantine', 'id_unrecoverable'],
      ['exponent-reference', 'warn'],
    ],
  ),
  d('D34', 'Owner name unresolvable (ui)', 'normalise spaces and suffix; still ambiguous: warn, unresolved', [
    ['owner-name-spaces', 'normalise'],
    ['unknown-owner-name', 'warn'],
    ['ambiguous-owner-name', 'warn'],
  ]),
  d('D35', 'Stage history anomalies', 'warn; order by changed_at, id; deals.csv wins for the current stage', [
    ['gap', 'warn'],
    ['out-of-order', 'warn'],
    ['outside-life', 'warn'],
    ['last-stage-mismatch', 'warn'],
  ]),
  d('D36', 'Attachment metadata mismatch', 'warn; actual content wins; declared values kept', [
    ['size-mismatch', 'warn'],
    ['sha256-mismatch', 'warn'],
    ['type-mismatch', 'warn'],
    ['password-protected', 'warn'],
    ['same-binary-two-ids', 'warn'],
  ]),
  d('D37', 'Missing id or required value', 'id: quarantine missing_id (reported as D37 only); other: warn', [
    ['missing-id', 'quarantine', 'missing_id'],
    ['missing-required', 'warn'],
  ]),
  d('D38', 'Invisible characters', 'normalise: trim, NBSP → space, drop zero-width; before D37', [
    ['nbsp', 'normalise'],
    ['zero-width', 'normalise'],
    ['tab', 'normalise'],
  ]),
  d('D39', 'Inconsistent timestamps', 'warn', [
    ['updated-before-created', 'warn'],
    ['created-after-export', 'warn'],
    ['completed-before-created', 'warn'],
  ]),
  d('D40', 'Template tag names unknown property', 'warn (rebuild report)', [['unknown-merge-tag', 'warn']]),
  d('D41', 'Delta anomalies', 'warn; treat as changed', [
    ['changed-same-updated-at', 'warn'],
    ['updated-at-backwards', 'warn'],
  ]),
  d(
    'D42',
    'Association row problems (api)',
    'missing inverse: synthesise; duplicates: quarantine; copy rows: §4.7',
    [
      ['missing-inverse', 'normalise'],
      ['identical-row', 'quarantine', 'duplicate_row'],
      ['conflicting-row', 'quarantine', 'duplicate_id_conflict'],
      ['copy-without-match', 'warn'],
    ],
  ),
  d('D43', 'Duplicate or unknown headers', 'warn (file level); resolve per §4 and §7', [
    ['duplicate-ui-label', 'warn', null, true],
    ['unknown-column', 'warn', null, true],
    ['missing-id-column', 'quarantine', 'missing_id_column'],
  ]),
]

/** The §9 catalogue by id. */
export const DEFECTS_BY_ID: ReadonlyMap<DefectId, DefectSpec> = new Map(DEFECTS.map((x) => [x.id, x]))

/** Every defect id, D01–D43 in order. */
export const DEFECT_IDS: ReadonlyArray<DefectId> = DEFECTS.map((x) => x.id)

/** The catalogue variant of a defect; undefined for an unknown pair. */
export function defectVariant(id: DefectId, variant: string): DefectVariant | undefined {
  return DEFECTS_BY_ID.get(id)?.variants.find((v) => v.variant === variant)
}

/**
 * §11.6 default defect rates, as fractions of the population each names. Defects the spec gives no
 * rate ("every other defect: at least one instance per tiny export and a few per 10k rows") use
 * `DEFAULT_OTHER_DEFECT_RATE`.
 */
export const DEFAULT_DEFECT_RATES: Readonly<Partial<Record<DefectId, number>>> = {
  D01: 0.04, // of contacts
  D02: 0.03,
  D03: 0.35, // non-canonical phones; 3 % of phones unparseable on top (DEFAULT_UNPARSEABLE_PHONE_RATE)
  D04: 0.15, // of ui date values
  D07: 0.2, // one ui file in five
  D08: 1, // all affected ZIPs in XLSX-derived files
  D09: 0.4, // of notes HTML (10 % multi-line: DEFAULT_MULTILINE_NOTE_RATE)
  D10: 0.02, // of enum values
  D11: 0.02, // of owner references (1 % of association rows: DEFAULT_ORPHAN_ASSOCIATION_RATE)
  D13: 0.002, // of attachments
  D14: 0.0001,
  D15: 0.005,
  D16: 0.6, // of los_sync contacts
  D17: 0.3, // of D01 groups
  D25: 0.003,
  D26: 0.02,
  D27: 0.15,
  D28: 0.25, // of referral texts
  D29: 0.03, // of deals
}

/** §11.6 "3 % unparseable" phones, beside D03's 35 % non-canonical. */
export const DEFAULT_UNPARSEABLE_PHONE_RATE = 0.03
/** §11.6 "10 % multi-line" notes, beside D09's 40 % HTML. */
export const DEFAULT_MULTILINE_NOTE_RATE = 0.1
/** §11.6 "1 % of association rows" orphaned (D11). */
export const DEFAULT_ORPHAN_ASSOCIATION_RATE = 0.01
/** §11.6 "a few per 10k rows" for defects without a stated rate. */
export const DEFAULT_OTHER_DEFECT_RATE = 0.0005
