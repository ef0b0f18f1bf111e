/**
 * Loads the raw schema once per process: from the committed derived file (the default, so a fresh
 * clone works without the 4 MB CSDL), or from a CSDL document the caller names (a customer's own
 * `$metadata`). Each sandbox then builds its own mutable `Schema` from it.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseCsdl, type RawSchema } from './csdl'
import type { DerivedSchemaFile } from './generate-schema'
import { Schema } from './model'

/** Where the committed derived schema lives (regenerate it with generate-schema.ts). */
export const DERIVED_SCHEMA_FILE = fileURLToPath(new URL('./crm-schema.json', import.meta.url))

const cache = new Map<string, RawSchema>()

/** The raw schema: the derived file by default, or a parsed CSDL file. Cached per path. */
export function loadRawSchema(csdlFile?: string): RawSchema {
  const key = csdlFile ?? DERIVED_SCHEMA_FILE
  const cached = cache.get(key)
  if (cached !== undefined) return cached
  const text = readFileSync(key, 'utf8')
  const raw = csdlFile === undefined ? (JSON.parse(text) as DerivedSchemaFile).schema : parseCsdl(text)
  cache.set(key, raw)
  return raw
}

/** A new, independent schema for one sandbox (metadata changes never leak between sandboxes). */
export function createSchema(csdlFile?: string): Schema {
  return new Schema(loadRawSchema(csdlFile))
}
