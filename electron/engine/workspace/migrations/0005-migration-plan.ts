import type { Migration } from './types'

/**
 * Planning (issue 5): the operator's plan settings (licence tier, publisher), target audits, the
 * versioned mapping (proposed, confirmed, superseded; at most one confirmed), the schema changes
 * apply made (written as intent before each call and settled after, so undo can find even a change
 * whose answer was lost), the owner decisions, and cached source facts per import.
 */
export const migration: Migration = {
  sequence: 5,
  name: 'migration-plan',
  sql: `
CREATE TABLE plan_setting (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL CHECK (json_valid(value)),
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE target_audit (
  audit_id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  url TEXT NOT NULL,
  audit TEXT NOT NULL CHECK (json_valid(audit))
) STRICT;

CREATE TABLE mapping_version (
  version INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  import_id INTEGER,
  status TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'superseded')),
  confirmed_at TEXT,
  note TEXT,
  document TEXT NOT NULL CHECK (json_valid(document))
) STRICT;

CREATE UNIQUE INDEX mapping_version_one_confirmed ON mapping_version (status) WHERE status = 'confirmed';

CREATE TABLE schema_apply (
  apply_id INTEGER PRIMARY KEY,
  url TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
  result TEXT CHECK (result IS NULL OR json_valid(result))
) STRICT;

CREATE TABLE schema_change (
  change_id INTEGER PRIMARY KEY,
  apply_id INTEGER NOT NULL REFERENCES schema_apply (apply_id),
  url TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('publisher', 'solution', 'column', 'key', 'connection-role', 'role-association', 'process', 'stage')),
  table_name TEXT,
  name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'created', 'undone', 'gone')),
  target_id TEXT,
  details TEXT CHECK (details IS NULL OR json_valid(details)),
  at TEXT NOT NULL,
  settled_at TEXT
) STRICT;

CREATE INDEX schema_change_by_state ON schema_change (url, state);

CREATE TABLE owner_decision (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  fallback_systemuser_id TEXT,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE owner_override (
  owner_id TEXT PRIMARY KEY,
  systemuser_id TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE plan_source_facts (
  import_id INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  facts TEXT NOT NULL CHECK (json_valid(facts))
) STRICT;
`,
}
