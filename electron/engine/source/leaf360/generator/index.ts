/**
 * The synthetic Leaf360 export generator (issue 3 items 5 and 6): `generateExport(options)` is what
 * the CLI (`leafbridge generate-export`), the tests, the demo script and the benchmarks call.
 *
 * `out` is the export root folder to create (it must be new or empty); with `zip`, it is the .zip
 * file to write, whose single root entry is the `leaf360_export_{portal_id}_{YYYYMMDDTHHMMSSZ}/`
 * folder (§2). The same options give byte-identical output (the clock defaults to one derived from
 * the seed), zip included, on any machine and timezone.
 *
 * How to read the oracle (`_truth/`, §10) in reader tests:
 * - `canonical/` is the clean world as an api export. A staged record should equal its canonical
 *   row, except where a `defects.jsonl` line on that record and column says otherwise: `normalise`
 *   lines carry the canonical value as `clean_value` (what the reader must stage); `warn` lines carry
 *   it too while the reader keeps `dirty_value` raw (D26, D15, D11 fields, D27, D29, D30 null+warn).
 * - Quarantine lines are almost all on extra rows that exist only in the export (D21 copies, D22
 *   broken copies, D24 unterminated last rows, D33 exponent ids, D37 empty ids, D42 duplicates, D11
 *   orphan association/history rows, D13 unsafe stored paths): nothing else refers to them. The one
 *   exception is D22 `column-count-mismatch` on a real story-local lead contact: every reference to it
 *   carries a D11 `target-quarantined` line.
 * - D01 duplicates (and D17 merge losers) are export-only records: `record_id` is the duplicate,
 *   `canonical_id` the real contact, `group` ties a group together.
 * - Lines with no `expect` are handled without a warning: D18 archived (api), D09 HTML note bodies,
 *   D23 quoted newlines, D13 `hostile-zip-entry` (the archive is refused whole, `--hostile-zip`).
 * - File-level lines (`row: null`): D07 encodings (`clean_value` actual encoding, `dirty_value`
 *   declared), D31 manifest mismatches (`column` names the manifest key or files field), D43 headers.
 * - D42 `missing-inverse` sits on the forward row whose inverse was left out; `copy-without-match`
 *   on the typed copy row.
 * - In ui, archived records are absent and so is every id of an archived record in `Associated …
 *   IDs` cells and activities; activities.csv columns are named as `ACTIVITIES_COLUMNS` names them.
 * - D27: the latest deal is the non-archived deal with the greatest updated_at (ties: greatest id);
 *   closed_funded vs past_client splits at 90 whole days from funded_date (UTC midnight) to
 *   exported_at. Only injected contradictions are D27; every other status is the usual one.
 * - `delta.jsonl` (deltas only) lists every record of the previous and this export by manifest
 *   object and id (associations: both directions by §4.7 identity joined with `|`; engagement links:
 *   the whole row) with the classification a delta-staging reader must reach.
 */
export { generateExport, GENERATOR_VERSION, type GenerateResult } from './generate'
export {
  PROFILES,
  PROFILE_NAMES,
  resolveOptions,
  type GenerateOptions,
  type ProfileName,
  type ResolvedOptions,
} from './options'
export { HOSTILE_ENTRIES } from './zip'
export { DEMO_OPTIONS, DEMO_OWNER_SEEDING, DEMO_PATHS } from './demo'
