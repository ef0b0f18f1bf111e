/**
 * What verify expects to find: for every object mapping of a run, the records `buildRecord` makes
 * from the run's source view (source-view.ts, the loader's) with the run's build context
 * (build-context.ts): owners through the plan's resolution, lookups through where records landed,
 * connection roles and users from the target's capabilities.
 */
import type { Clock } from '../clock'
import { type TargetRecord, buildRecord } from '../plan/mapping/build-record'
import type { MappingDocument, ObjectMapping } from '../plan/mapping/model'
import type { TargetTableName } from '../plan/mapping/target-tables'
import { prepareOwnerResolution } from '../plan/owners'
import type { DataverseClient } from '../target/dataverse/client'
import { StagingRepository } from '../workspace/staging-repository'
import type { Workspace } from '../workspace/workspace'
import { runBuildContext } from './build-context'
import { ownerResolverOf, type OwnerResolver } from './owners'
import { loadSourceView, type SourceView } from './source-view'
import { readCapabilities } from './target-capabilities'
import type { SourceCounts } from './verify'

/** The expected side of a verify pass. */
export type ExpectedSide = Readonly<{
  view: SourceView
  expected: (objectMapping: ObjectMapping) => Iterable<TargetRecord>
  expectedCount: (objectMapping: ObjectMapping) => number
  /** The file size of an attachment as the export holds it (bytes), or null when unknown. */
  fileSize: (attachmentId: string) => number | null
  sourceCounts: SourceCounts
  /** How owners were resolved: the plan's decisions, as the run did, or not at all (then not compared). */
  owners: 'plan' | 'unresolved'
}>

/** The tables a mapping loads (the placeholder account's table included). */
const loadedTables = (mapping: MappingDocument): TargetTableName[] => {
  const out = new Set<TargetTableName>(['account'])
  for (const o of mapping.objects) if (o.target.kind === 'table') out.add(o.target.table as TargetTableName)
  return [...out]
}

/** Rows of each Leaf360 object in the staged export: read, staged, quarantined (the staging profile). */
export function sourceCountsOf(workspace: Workspace, importId: number | null): SourceCounts {
  const repo = new StagingRepository(workspace)
  const id = importId ?? repo.latestFinishedImport()?.importId
  if (id === undefined) return {}
  const profile = repo.getProfile(id) as
    | {
        files?: ReadonlyArray<{ object: string; read: number }>
        objects?: Readonly<Record<string, { staged: number; quarantined: number }>>
      }
    | undefined
  if (profile?.objects === undefined) return {}
  const read = new Map<string, number>()
  for (const f of profile.files ?? []) read.set(f.object, (read.get(f.object) ?? 0) + f.read)
  const out: Record<string, { read: number; staged: number; quarantined: number }> = {}
  for (const [object, c] of Object.entries(profile.objects)) {
    out[object] = {
      read: read.get(object) ?? c.staged + c.quarantined,
      staged: c.staged,
      quarantined: c.quarantined,
    }
  }
  return out
}

/** Builds the expected side of a verify pass of a run with `mapping`. */
export async function prepareExpected(
  args: Readonly<{
    workspace: Workspace
    client: DataverseClient
    mapping: MappingDocument
    importId: number | null
    clock: Clock
  }>,
): Promise<ExpectedSide> {
  const { workspace, client, mapping } = args
  const capabilities = await readCapabilities(client, mapping.prefix, loadedTables(mapping))
  const view = loadSourceView(workspace, mapping)
  let owners: OwnerResolver
  let how: ExpectedSide['owners'] = 'plan'
  try {
    owners = ownerResolverOf(
      await prepareOwnerResolution({ workspace, client, clock: args.clock }),
      view.owners,
    )
  } catch {
    // The plan's owners are not ready any more (a user disabled since the run): owners are not
    // compared, every other field is.
    owners = { userFor: () => null, nameOf: (id) => view.owners.get(id)?.name || null }
    how = 'unresolved'
  }
  const build = runBuildContext(mapping, view, capabilities, owners)
  return {
    view,
    expected: function* (m) {
      for (const source of view.records(m)) yield buildRecord(m, source, build)
    },
    expectedCount: (m) => view.count(m),
    fileSize: (id) => view.binaryOf(id)?.size ?? null,
    sourceCounts: sourceCountsOf(workspace, args.importId),
    owners: how,
  }
}
