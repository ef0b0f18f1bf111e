/**
 * The value types of EXPORT-FORMAT.md §5, the CSV dialect, and the tokens the spec gives special meaning.
 *
 * Every column of every data file is described with one of these types (see `columns.ts`), so the
 * generator and the reader agree on how a value is written and read in each flavour.
 */

/** The base types of §5 (`multi t` and foreign keys are modifiers on a column, see `ColumnSpec`). */
export const VALUE_TYPES = [
  'id',
  'key',
  'string',
  'email',
  'phone',
  'state',
  'zip',
  'int',
  'decimal',
  'money',
  'pct',
  'prob',
  'bool',
  'date',
  'datetime',
  'enum',
  'owner',
] as const

/** One §5 base type. `owner` is `→owners` (ui: the owner's full name); `enum` names its enumeration. */
export type ValueType = (typeof VALUE_TYPES)[number]

/** The export flavours of §1. */
export const FLAVOURS = ['api', 'ui'] as const
/** `api` (machine dump) or `ui` (export from the Leaf360 screens), §1. */
export type Flavour = (typeof FLAVOURS)[number]

/** CSV dialect of §5: RFC 4180 with `,` and `"`; api writes LF, ui CRLF. */
export const CSV_DIALECT = {
  delimiter: ',',
  quote: '"',
  /** Line ending generators write, per flavour (§5); readers accept LF, CRLF and CR. */
  lineEnding: { api: '\n', ui: '\r\n' } as const satisfies Record<Flavour, string>,
} as const

/** Separator of `multi t` values (§5; manifest `multi_value_separator`). */
export const MULTI_VALUE_SEPARATOR = ';'

/**
 * Separators a multi-valued cell without `;` may use instead, for emails, ids, states and keys (§5, D10).
 */
export const MULTI_VALUE_FALLBACK_SEPARATORS = [',', '|'] as const

/** Base types whose multi cells are also split on `,` and `|` when they contain no `;` (§5). */
export const MULTI_FALLBACK_SPLIT_TYPES: ReadonlySet<ValueType> = new Set(['email', 'id', 'state', 'key'])

/**
 * Tokens that read as null in non-string columns without a warning (§5 "Empty and null").
 *
 * In phone and e-mail columns they read as null with D03 / D26; in string columns they are text.
 * Matching is exact (the list carries both spellings the spec gives).
 */
export const NULL_TOKENS = ['NULL', 'null', 'N/A', 'n/a', 'none', '-'] as const

/** Boolean spellings accepted case-insensitively in both flavours (§5 "Booleans"). */
export const BOOL_TRUE_TOKENS = ['true', 'yes', 'y', 't', '1'] as const
/** Boolean false spellings accepted case-insensitively in both flavours (§5). */
export const BOOL_FALSE_TOKENS = ['false', 'no', 'n', 'f', '0'] as const
/** A ui-only true spelling (§5: "ui also `X`"), case-insensitive. */
export const BOOL_UI_TRUE_EXTRA = 'x'

/** How each flavour writes a boolean (§5, §7). */
export const BOOL_WRITTEN = {
  api: { true: 'true', false: 'false' },
  ui: { true: 'Yes', false: 'No' },
} as const satisfies Record<Flavour, { true: string; false: string }>

/** The pattern of an api id (§5): 1–19 ASCII digits, an opaque string, never a JS number. */
export const ID_PATTERN = /^[0-9]{1,19}$/
/** The pattern of an api key (§5): pipeline, stage and enum values. */
export const KEY_PATTERN = /^[A-Za-z0-9_]{1,64}$/
/** A property `name` (§4.10). */
export const PROPERTY_NAME_PATTERN = /^[a-z][a-z0-9_]{0,99}$/
/** api int (§5). */
export const INT_PATTERN = /^-?\d+$/
/** api decimal (§5). */
export const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/
/** api money in USD (§5): exact decimal with at most two places. */
export const MONEY_PATTERN = /^-?\d+(\.\d{1,2})?$/
/** api date (§5). */
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/
/** api datetime (§5): ISO-8601 UTC with optional milliseconds. */
export const DATETIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/
/** A ZIP code (§5): `NNNNN` or `NNNNN-NNNN`, always a string. */
export const ZIP_PATTERN = /^\d{5}(-\d{4})?$/
/** Canonical phone (§5): E.164 plus an optional `x` extension. */
export const PHONE_CANONICAL_PATTERN = /^\+[1-9]\d{1,14}(x\d{1,6})?$/

/** The ui datetime format string of §7 (also the manifest `datetime_format` for ui). */
export const UI_DATETIME_FORMAT = 'MM/DD/YYYY hh:mm AM/PM'
/** The ui date format string (manifest `date_format` for ui). */
export const UI_DATE_FORMAT = 'MM/DD/YYYY'
/** The api datetime format name (manifest `datetime_format` for api). */
export const API_DATETIME_FORMAT = 'iso8601_utc'
/** The api date format string (manifest `date_format` for api). */
export const API_DATE_FORMAT = 'YYYY-MM-DD'

/** Body columns are never trimmed by readers (§5): `body`, the e-mail `text`, and the ui `Body`. */
export const BODY_COLUMNS: ReadonlySet<string> = new Set(['body', 'text', 'Body'])

/** Bodies are cut at this many characters; a body this long or longer is D09 "truncated" (§4.8, D09). */
export const BODY_MAX_CHARS = 65_536

/** Attachments larger than this are D14 oversized (128 MB, §9). */
export const OVERSIZED_ATTACHMENT_BYTES = 131_072_000

/** A quoted field longer than this counts as an unterminated quote (D24). */
export const MAX_QUOTED_FIELD_BYTES = 1_048_576

/** Most data rows in one XLSX sheet (§2, §7). */
export const XLSX_MAX_DATA_ROWS = 1_048_575

/**
 * Characters D38 calls invisible: NBSP and the zero-width family. Trimming removes only ASCII
 * whitespace (space, tab, CR, LF) silently; these are normalised with a warning.
 */
export const INVISIBLE_CHARACTERS = {
  nbsp: '\u00a0',
  zeroWidthSpace: '\u200b',
  zeroWidthNonJoiner: '\u200c',
  zeroWidthJoiner: '\u200d',
  wordJoiner: '\u2060',
  byteOrderMark: '\ufeff',
} as const

/** ASCII whitespace trimmed silently from every non-body field (§5). */
export const ASCII_TRIM_PATTERN = /^[ \t\r\n]+|[ \t\r\n]+$/g

/** Trims ASCII whitespace (space, tab, CR, LF) from both ends, as §5 asks of every non-body field. */
export function trimAscii(value: string): string {
  return value.replace(ASCII_TRIM_PATTERN, '')
}

/** The file encodings the manifest may declare (§3), null for XLSX. */
export const ENCODINGS = ['utf-8', 'utf-8-bom', 'windows-1252'] as const
/** One declared file encoding (§3). */
export type Encoding = (typeof ENCODINGS)[number]

/** The file formats of the manifest `files` entries (§3). */
export const FILE_FORMATS = ['csv', 'xlsx', 'json'] as const
/** One file format (§3). */
export type FileFormat = (typeof FILE_FORMATS)[number]
