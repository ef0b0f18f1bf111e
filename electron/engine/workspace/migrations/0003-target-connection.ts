import type { Migration } from './types'

/**
 * The workspace's target connection: where the environment is and how to sign in. Never the
 * secret: that stays in the operating system's protected storage (desktop) or in memory.
 */
export const migration: Migration = {
  sequence: 3,
  name: 'target-connection',
  sql: `
CREATE TABLE target_connection (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  url TEXT NOT NULL,
  authority TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  auth_mode TEXT NOT NULL CHECK (auth_mode IN ('client-secret', 'device-code')),
  ca_cert_file TEXT,
  profile_file TEXT,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE target_check (
  check_id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
  result TEXT NOT NULL CHECK (json_valid(result))
) STRICT;
`,
}
