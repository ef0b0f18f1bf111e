import type { Migration } from './types'

/**
 * Staging of Leaf360 exports (issue 3): one row per import, per physical file, per staged record
 * and per quarantined row, the references each record makes (checked once every row is read), the
 * dedupe keys of contacts, file- and record-level findings, the profile, and the delta state that
 * later imports of the same portal are compared with (EXPORT-FORMAT.md §8).
 *
 * The hot tables (staged_record, staged_ref) carry no CHECK on their JSON columns: the engine
 * writes them with JSON.stringify, and a json_valid per row would cost the benchmark its margin.
 */
export const migration: Migration = {
  sequence: 2,
  name: 'source-staging',
  sql: `
CREATE TABLE source_import (
  import_id INTEGER PRIMARY KEY,
  location TEXT NOT NULL,
  container TEXT NOT NULL CHECK (container IN ('folder', 'zip')),
  flavour TEXT NOT NULL CHECK (flavour IN ('api', 'ui')),
  flavour_origin TEXT NOT NULL CHECK (flavour_origin IN ('manifest', 'inferred', 'operator')),
  timezone TEXT NOT NULL,
  portal_id TEXT,
  export_id TEXT,
  export_kind TEXT NOT NULL CHECK (export_kind IN ('full', 'incremental')),
  partial INTEGER NOT NULL CHECK (partial IN (0, 1)),
  exported_at TEXT,
  manifest TEXT CHECK (manifest IS NULL OR json_valid(manifest)),
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'cancelled')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  summary TEXT CHECK (summary IS NULL OR json_valid(summary))
) STRICT;

CREATE TABLE source_file (
  import_id INTEGER NOT NULL REFERENCES source_import (import_id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  object TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('csv', 'xlsx', 'json')),
  part INTEGER,
  encoding TEXT,
  declared_encoding TEXT,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  header TEXT CHECK (header IS NULL OR json_valid(header)),
  -- The data keys its rows may hold (an empty value is left out of a record's data): the delta
  -- compares two versions of a record on the columns both files have (§8).
  columns TEXT CHECK (columns IS NULL OR json_valid(columns)),
  rows_read INTEGER NOT NULL,
  staged INTEGER NOT NULL,
  quarantined INTEGER NOT NULL,
  skipped INTEGER NOT NULL,
  PRIMARY KEY (import_id, path)
) STRICT;

CREATE TABLE staged_record (
  record_id INTEGER PRIMARY KEY,
  import_id INTEGER NOT NULL REFERENCES source_import (import_id) ON DELETE CASCADE,
  object TEXT NOT NULL,
  source_id TEXT NOT NULL,
  file TEXT NOT NULL,
  row INTEGER NOT NULL,
  line INTEGER NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('file', 'synthesised')),
  archived INTEGER NOT NULL CHECK (archived IN (0, 1)),
  updated_at TEXT,
  data TEXT NOT NULL,
  raw TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  warnings TEXT,
  UNIQUE (import_id, object, source_id)
) STRICT;

CREATE TABLE quarantined_row (
  quarantine_id INTEGER PRIMARY KEY,
  import_id INTEGER NOT NULL REFERENCES source_import (import_id) ON DELETE CASCADE,
  object TEXT NOT NULL,
  file TEXT NOT NULL,
  row INTEGER,
  line INTEGER,
  source_id TEXT,
  reason TEXT NOT NULL,
  defect TEXT,
  message TEXT NOT NULL,
  raw TEXT NOT NULL,
  fields TEXT CHECK (fields IS NULL OR json_valid(fields))
) STRICT;

CREATE INDEX quarantined_row_by_source_id ON quarantined_row (import_id, object, source_id);
CREATE INDEX quarantined_row_by_reason ON quarantined_row (import_id, reason);

-- A reference from a staged record to another object's id; checked after all rows are read (D11).
-- Rows of a record that was later replaced (D21) or quarantined stay behind and are ignored by joins.
CREATE TABLE staged_ref (
  import_id INTEGER NOT NULL,
  record_id INTEGER NOT NULL,
  column_name TEXT NOT NULL,
  target TEXT NOT NULL,
  target_id TEXT NOT NULL
) STRICT;

-- Dedupe keys of contacts: valid e-mail, E.164 phone, name + address (profile, D01, D02).
CREATE TABLE staged_key (
  import_id INTEGER NOT NULL,
  record_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('email', 'phone', 'name_address')),
  key TEXT NOT NULL
) STRICT;

CREATE TABLE source_finding (
  finding_id INTEGER PRIMARY KEY,
  import_id INTEGER NOT NULL REFERENCES source_import (import_id) ON DELETE CASCADE,
  code TEXT NOT NULL,
  file TEXT,
  row INTEGER,
  column_name TEXT,
  raw TEXT,
  reason TEXT,
  message TEXT NOT NULL
) STRICT;

CREATE INDEX source_finding_by_code ON source_finding (import_id, code);

CREATE TABLE source_profile (
  import_id INTEGER PRIMARY KEY REFERENCES source_import (import_id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  profile TEXT NOT NULL CHECK (json_valid(profile))
) STRICT;

-- The staged state the next import of the portal is compared with (§8): the latest version of
-- every record seen, and whether a later full export no longer had it.
CREATE TABLE record_head (
  object TEXT NOT NULL,
  source_id TEXT NOT NULL,
  record_id INTEGER NOT NULL,
  import_id INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  updated_at TEXT,
  state TEXT NOT NULL CHECK (state IN ('present', 'gone')),
  PRIMARY KEY (object, source_id)
) WITHOUT ROWID, STRICT;

-- What each import changed against the state before it (new, changed, unchanged, gone).
CREATE TABLE staged_delta (
  import_id INTEGER NOT NULL REFERENCES source_import (import_id) ON DELETE CASCADE,
  object TEXT NOT NULL,
  source_id TEXT NOT NULL,
  change TEXT NOT NULL CHECK (change IN ('new', 'changed', 'unchanged', 'gone')),
  record_id INTEGER,
  previous_record_id INTEGER,
  PRIMARY KEY (import_id, object, source_id)
) WITHOUT ROWID, STRICT;

CREATE INDEX staged_delta_by_change ON staged_delta (import_id, change);
`,
}
