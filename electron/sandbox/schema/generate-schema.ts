/**
 * Regenerates `crm-schema.json`, the sandbox's derived schema, from a CSDL document:
 *
 *   npx tsx electron/sandbox/schema/generate-schema.ts [CSDL_FILE] [OUT_FILE]
 *
 * Defaults: ../shared/dataverse/crm_schema.xml beside the checkout, and crm-schema.json next to this
 * file. The output is deterministic (document order, stable flags), so running it twice gives the
 * same bytes; a unit test holds the committed file to that.
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseCsdl, type RawSchema } from './csdl'
import { DERIVED_SCHEMA_FILE } from './load-schema'

/** The default CSDL source: the shared reference folder beside the repository checkout. */
export const DEFAULT_CSDL_FILE = fileURLToPath(
  new URL('../../../../shared/dataverse/crm_schema.xml', import.meta.url),
)

/** The derived schema file's content: the raw schema plus where it came from. */
export type DerivedSchemaFile = Readonly<{
  format: 'leafbridge-sandbox-schema/1'
  source: Readonly<{ file: string; sha256: string; licence: string }>
  schema: RawSchema
}>

/** Builds the derived-schema document for a CSDL text (pure; no file access). */
export function deriveSchema(csdlText: string): DerivedSchemaFile {
  return {
    format: 'leafbridge-sandbox-schema/1',
    source: {
      file: 'shared/dataverse/crm_schema.xml (Simple.OData.Client, src/Simple.OData.Benchmarks.Client/Resources/crm_schema.xml @ 7eed1b8)',
      sha256: createHash('sha256').update(csdlText, 'utf8').digest('hex'),
      licence: 'MIT, Copyright (c) 2012-2014 Vagif Abilov',
    },
    schema: parseCsdl(csdlText),
  }
}

/**
 * Serialises the derived schema exactly as the repository's Prettier config prints JSON, so
 * `npm run format:check` and the regeneration test agree on one byte-for-byte form.
 */
export async function serialiseDerivedSchema(file: DerivedSchemaFile): Promise<string> {
  const prettier = await import('prettier')
  const config = (await prettier.resolveConfig(DERIVED_SCHEMA_FILE)) ?? {}
  return prettier.format(JSON.stringify(file), { ...config, parser: 'json', filepath: DERIVED_SCHEMA_FILE })
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]
if (isMain) {
  const input = process.argv[2] ?? DEFAULT_CSDL_FILE
  const output = process.argv[3] ?? DERIVED_SCHEMA_FILE
  const text = readFileSync(input, 'utf8')
  writeFileSync(output, await serialiseDerivedSchema(deriveSchema(text)))
  process.stdout.write(`wrote ${output}\n`)
}
