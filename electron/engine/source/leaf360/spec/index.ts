/**
 * The Leaf360 export format (EXPORT-FORMAT.md, format_version 1.0) as code: the one description the
 * generator and the reader share, so they cannot disagree.
 *
 * - `value-types`: §5 types, CSV dialect, null and boolean tokens, patterns, limits
 * - `enums`: §6 enumerations (value → label), the label rule, legacy spellings, D27 usual stages
 * - `pipelines`: §6.2 pipelines and stages, Legacy 2021 crosswalk
 * - `association-types`: §6.7
 * - `columns`: §4/§7 data files and their columns
 * - `ui-columns`: §7 appended ui columns
 * - `layout`: §2 paths, objects, partitions
 * - `manifest`: §3 zod schemas
 * - `schema-files`, `automation`: §4.6/§4.7/§4.10/§4.11 JSON files
 * - `defects`: §9 catalogue, quarantine reasons, §11.6 rates
 * - `truth`: §10 `_truth/` schemas
 */
export * from './value-types'
export * from './enums'
export * from './pipelines'
export * from './association-types'
export * from './columns'
export * from './ui-columns'
export * from './layout'
export * from './manifest'
export * from './schema-files'
export * from './automation'
export * from './defects'
export * from './truth'
