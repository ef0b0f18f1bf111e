import type { Migration } from './types'

/**
 * Verify results (issue 6 item 4): each verify pass over a migrate run, its per-table
 * reconciliation and every mismatch (record, column, expected, actual), so the reports and the
 * Verify & reports step read them back without asking Dataverse again.
 */
export const migration: Migration = {
  sequence: 6,
  name: 'verify-results',
  sql: `
CREATE TABLE verify_pass (
  verify_id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES run (run_id),
  target_url TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'cancelled')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  -- The whole reconciliation (per table: source, staged, quarantined, expected, loaded, failed,
  -- skipped, verified, mismatches) as the reports show it.
  summary TEXT CHECK (summary IS NULL OR json_valid(summary)),
  reports_dir TEXT,
  error TEXT CHECK (error IS NULL OR json_valid(error))
) STRICT;

CREATE INDEX verify_pass_by_run ON verify_pass (run_id, verify_id);

CREATE TABLE verify_mismatch (
  verify_id INTEGER NOT NULL REFERENCES verify_pass (verify_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  table_name TEXT NOT NULL,
  source_key TEXT NOT NULL,
  target_id TEXT,
  column_name TEXT NOT NULL,
  -- The mapping field's id, or '(record)' for a loaded record the target does not hold.
  field TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('value', 'lookup', 'missing-record')),
  expected TEXT NOT NULL,
  actual TEXT NOT NULL,
  PRIMARY KEY (verify_id, seq)
) WITHOUT ROWID, STRICT;

CREATE INDEX verify_mismatch_by_table ON verify_mismatch (verify_id, table_name);
`,
}
