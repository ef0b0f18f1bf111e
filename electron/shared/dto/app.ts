/**
 * What the renderer learns about the host it runs in.
 */

/** The wizard steps, each backed (or not yet) by an engine feature of the same id. */
export const FEATURE_IDS = [
  'workspace',
  'source',
  'target',
  'audit',
  'schema-plan',
  'mapping',
  'owners',
  'sample-diff',
  'migrate',
  'cutover',
  'verify-reports',
  'rollback',
] as const
export type FeatureId = (typeof FEATURE_IDS)[number]

export type HostKind = 'electron' | 'server' | 'cli'

export type AppInfo = Readonly<{
  name: string
  version: string
  host: HostKind
  /** The workspace schema this build writes. */
  latestSchemaVersion: number
  capabilities: Readonly<{ nativeDialogs: boolean }>
  /** Engine features that exist in this build; a wizard step without one is shown as not available yet. */
  features: ReadonlyArray<FeatureId>
}>
