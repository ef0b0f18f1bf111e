import type { Migration } from './types'

/** The workspace's identity and the operator-visible activity log. */
export const migration: Migration = {
  sequence: 1,
  name: 'workspace-core',
  sql: `
CREATE TABLE workspace_info (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  workspace_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_with_version TEXT NOT NULL
) STRICT;

CREATE TABLE activity_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  details TEXT CHECK (details IS NULL OR json_valid(details))
) STRICT;

CREATE INDEX activity_log_at ON activity_log (at);
`,
}
