/**
 * Every workspace migration, in order. Append only: a migration that has shipped is never edited
 * (the runner refuses a workspace whose stored hash differs).
 */
import { migration as m0001 } from './0001-workspace-core'
import { migration as m0002 } from './0002-source-staging'
import { migration as m0003 } from './0003-target-connection'
import { migration as m0004 } from './0004-run-journal'
import { migration as m0005 } from './0005-migration-plan'
import { migration as m0006 } from './0006-verify-results'
import type { Migration } from './types'

export const MIGRATIONS: ReadonlyArray<Migration> = [m0001, m0002, m0003, m0004, m0005, m0006]

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length
