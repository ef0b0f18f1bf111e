/**
 * The synthetic Leaf360 export generator (issue 3 items 5 and 6): `generateExport(options)` is what
 * the CLI (`leafbridge generate-export`), the tests, the demo script and the benchmarks call.
 *
 * `out` is the export root folder to create (it must be new or empty); with `zip`, it is the .zip
 * file to write, whose single root entry is the `leaf360_export_{portal_id}_{YYYYMMDDTHHMMSSZ}/`
 * folder (§2). The same options give byte-identical output (the clock defaults to one derived from
 * the seed), zip included.
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
