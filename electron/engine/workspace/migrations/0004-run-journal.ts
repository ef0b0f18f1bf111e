import type { Migration } from './types'

/**
 * Runs and their journal (issue 6; STYLE.md §5): every Dataverse write is an intent row, committed
 * before the call, and an outcome row after it. An intent without an outcome at start-up is an
 * unknown outcome, settled by reading the target by alternate key. Rollback plays the journal
 * backwards: newest seq first, deleting what a run created (`existed = 0`) and restoring the
 * `before_image` of what it changed (`existed = 1`); children name their parent in `parent_key`.
 *
 * The id map says where every source record landed (table, source key → target id); the target
 * id is chosen before the call, so it is in the intent too.
 *
 * journal_intent and journal_outcome are hot tables: no json_valid CHECK on their bodies (the
 * engine writes them with JSON.stringify), as for staged_record.
 */
export const migration: Migration = {
  sequence: 4,
  name: 'run-journal',
  sql: `
CREATE TABLE run (
  run_id TEXT PRIMARY KEY,
  run_no INTEGER NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('migrate', 'rollback')),
  -- A rollback names the run it undoes.
  undoes_run_id TEXT REFERENCES run (run_id),
  target_url TEXT NOT NULL,
  import_id INTEGER,
  phases TEXT NOT NULL CHECK (json_valid(phases)),
  users INTEGER NOT NULL CHECK (users >= 1),
  -- The mapping document the run builds every payload from, so a resume and verify use the same.
  mapping TEXT NOT NULL CHECK (json_valid(mapping)),
  mapping_sha256 TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'cancelled')),
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT,
  resumes INTEGER NOT NULL DEFAULT 0,
  summary TEXT CHECK (summary IS NULL OR json_valid(summary)),
  error TEXT CHECK (error IS NULL OR json_valid(error))
) STRICT;

CREATE TABLE run_phase (
  run_id TEXT NOT NULL REFERENCES run (run_id) ON DELETE CASCADE,
  phase TEXT NOT NULL,
  position INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
  expected INTEGER NOT NULL DEFAULT 0,
  started_at TEXT,
  finished_at TEXT,
  PRIMARY KEY (run_id, phase)
) WITHOUT ROWID, STRICT;

-- Per run and table: did the target hold records with a source id that this workspace did not put
-- there when the run first reached the table? If not, records missing from the id map are new and
-- need no before-image read.
CREATE TABLE run_table (
  run_id TEXT NOT NULL REFERENCES run (run_id) ON DELETE CASCADE,
  table_name TEXT NOT NULL,
  foreign_keyed_rows INTEGER NOT NULL CHECK (foreign_keyed_rows IN (0, 1)),
  checked_at TEXT NOT NULL,
  PRIMARY KEY (run_id, table_name)
) WITHOUT ROWID, STRICT;

CREATE TABLE journal_intent (
  intent_id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES run (run_id),
  seq INTEGER NOT NULL,
  phase TEXT NOT NULL,
  -- What the phase was doing: load, parent-link, bpf, close, complete, upload, delete, restore.
  step TEXT NOT NULL,
  table_name TEXT NOT NULL,
  entity_set TEXT NOT NULL,
  operation TEXT NOT NULL CHECK (operation IN ('upsert', 'create', 'update', 'action', 'delete')),
  -- The record's source-id alternate-key value, or for a child without a key of its own the
  -- parent's key and a suffix (deal-1#bpf, deal-1#close).
  source_key TEXT NOT NULL,
  parent_key TEXT,
  -- The record's id: its existing id, or the id Leafbridge chose for it before the call.
  target_id TEXT,
  existed INTEGER CHECK (existed IS NULL OR existed IN (0, 1)),
  -- The target's columns this write changes, as read before it (only when existed = 1).
  before_image TEXT,
  -- {"method","path","body"}: the record's own request (its Targets item inside a bulk call).
  request TEXT NOT NULL,
  -- The call it travelled in (one bulk message or $batch carries many intents).
  call_id INTEGER,
  at TEXT NOT NULL,
  UNIQUE (run_id, seq)
) STRICT;

CREATE INDEX journal_intent_by_key ON journal_intent (run_id, table_name, source_key);
CREATE INDEX journal_intent_by_phase ON journal_intent (run_id, phase, step);

CREATE TABLE journal_outcome (
  intent_id INTEGER PRIMARY KEY REFERENCES journal_intent (intent_id),
  run_id TEXT NOT NULL REFERENCES run (run_id),
  status TEXT NOT NULL CHECK (status IN ('applied', 'failed')),
  target_id TEXT,
  etag TEXT,
  -- The classifier's verdict on the call (ok, fatal, retriable after the last attempt, skippable),
  -- or 'absent' when a read-back found no record for an unknown outcome.
  verdict TEXT NOT NULL CHECK (verdict IN ('ok', 'fatal', 'retriable', 'skippable', 'absent')),
  http_status INTEGER,
  code TEXT,
  message TEXT,
  settled_by TEXT NOT NULL CHECK (settled_by IN ('response', 'read-back')),
  at TEXT NOT NULL
) STRICT;

CREATE INDEX journal_outcome_by_run ON journal_outcome (run_id, status);

CREATE TABLE id_map (
  table_name TEXT NOT NULL,
  source_key TEXT NOT NULL,
  target_id TEXT NOT NULL,
  -- The run that created the record; null when it existed before Leafbridge wrote it.
  created_by_run TEXT REFERENCES run (run_id),
  last_run_id TEXT NOT NULL REFERENCES run (run_id),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (table_name, source_key)
) WITHOUT ROWID, STRICT;

-- Records a run did not send, with why: files over the upload limit (the oversized-file
-- manifest), files missing from the export, records whose build failed.
CREATE TABLE run_skip (
  run_id TEXT NOT NULL REFERENCES run (run_id) ON DELETE CASCADE,
  phase TEXT NOT NULL,
  table_name TEXT NOT NULL,
  source_key TEXT NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  details TEXT CHECK (details IS NULL OR json_valid(details)),
  at TEXT NOT NULL,
  PRIMARY KEY (run_id, phase, source_key, reason)
) WITHOUT ROWID, STRICT;
`,
}
