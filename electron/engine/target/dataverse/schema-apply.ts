/**
 * Applies a schema setup plan to the environment (issue 5 item 3): publisher and solution first,
 * then columns, alternate keys (waiting until each is Active), connection role pairs with their
 * matching-role link, and business process flows with their stages. Every component is created
 * inside the solution (`MSCRM.SolutionUniqueName`).
 *
 * Idempotent: apply reads what the environment has right now, not what the plan saw at audit
 * time, and creates only what is missing, so a second apply creates nothing. Each change is
 * journaled as an intent before its call and settled after, so `undoSchemaChanges` can remove
 * exactly what Leafbridge created, even a change whose answer was lost.
 */
import type {
  AppliedItem,
  ApplyResult,
  PlannedProcess,
  SchemaPlan,
  UndoResult,
} from '../../../shared/dto/plan'
import { AppError } from '../../errors'
import { processXaml } from '../../plan/bpf-definition'
import type { SchemaChangeKind, SchemaChangeRow } from '../../workspace/plan-repository'
import type { DataverseClient } from './client'
import {
  type WaitOptions,
  activateProcess,
  associateConnectionRoles,
  createAttribute,
  createConnectionRole,
  createKey,
  createProcess,
  createPublisher,
  createSolution,
  createStage,
  deleteAttribute,
  deleteConnectionRole,
  deleteKey,
  deleteProcess,
  deletePublisher,
  deleteSolution,
  disassociateConnectionRoles,
  readAttributes,
  readConnectionRoles,
  readKey,
  readKeys,
  readProcesses,
  readPublishers,
  readSolutions,
  readStages,
  waitForKeyActive,
} from './metadata'

/** Where apply journals its changes (the workspace, through the plan repository). */
export type ChangeJournal = Readonly<{
  intent: (
    kind: SchemaChangeKind,
    table: string | null,
    name: string,
    details?: Readonly<Record<string, unknown>>,
  ) => number
  settle: (changeId: number, state: 'created' | 'undone' | 'gone', targetId: string | null) => void
}>

export type ApplyOptions = Readonly<{
  client: DataverseClient
  plan: SchemaPlan
  journal: ChangeJournal
  now: () => string
  log?: (message: string) => void
  progress?: (done: number, total: number, phase: string) => void
  throwIfCancelled?: () => void
  /** How long and how often to poll new keys (tests pass short intervals). */
  keyWait?: WaitOptions
}>

/** Runs `call` journaled: intent, call, settle (gone when the call fails, then rethrow). */
async function journaled<T extends string | null>(
  journal: ChangeJournal,
  kind: SchemaChangeKind,
  table: string | null,
  name: string,
  call: () => Promise<T>,
  details?: Readonly<Record<string, unknown>>,
): Promise<T> {
  const id = journal.intent(kind, table, name, details)
  let result: T
  try {
    result = await call()
  } catch (error) {
    // A classified error means Dataverse refused: nothing was created. A lost answer (network) stays
    // pending, and undo looks the component up by name.
    if (error instanceof AppError && error.kind !== 'retriable') journal.settle(id, 'gone', null)
    throw error
  }
  journal.settle(id, 'created', result)
  return result
}

/** Applies the plan; see the module comment. */
export async function applySchemaPlan(options: ApplyOptions): Promise<ApplyResult> {
  const { client, plan, journal } = options
  const log = options.log ?? (() => {})
  const check = options.throwIfCancelled ?? (() => {})
  const items: AppliedItem[] = []
  const note = (
    kind: AppliedItem['kind'],
    table: string | null,
    name: string,
    action: AppliedItem['action'],
  ) => {
    items.push({ kind, table, name, action })
    if (action === 'created') log(`Created ${kind} ${table ? `${table}.` : ''}${name}.`)
  }
  const tables = [
    ...new Set([...plan.columns.map((c) => c.table), ...plan.alternateKeys.map((k) => k.table)]),
  ]
  const total = 2 + tables.length * 2 + plan.connectionRoles.length + plan.processes.length
  let done = 0
  const step = (phase: string) => {
    check()
    options.progress?.(done++, total, phase)
  }

  // ---- publisher and solution ------------------------------------------------------------------------
  step('publisher')
  const publishers = await readPublishers(client)
  let publisher =
    publishers.find((p) => p.uniqueName.toLowerCase() === plan.publisher.uniqueName.toLowerCase()) ??
    publishers.find((p) => p.prefix.toLowerCase() === plan.publisher.prefix.toLowerCase())
  if (publisher && publisher.prefix.toLowerCase() !== plan.publisher.prefix.toLowerCase()) {
    throw new AppError({
      code: 'publisher-prefix-mismatch',
      kind: 'fatal',
      message: `The publisher ${publisher.uniqueName} uses the prefix ${publisher.prefix}_, not ${plan.publisher.prefix}_. Change the mapping prefix or the publisher.`,
    })
  }
  if (publisher) note('publisher', null, publisher.uniqueName, 'existing')
  else {
    const p = {
      uniqueName: plan.publisher.uniqueName,
      friendlyName: plan.publisher.friendlyName,
      prefix: plan.publisher.prefix,
      optionValuePrefix: plan.publisher.optionValuePrefix,
    }
    const id = await journaled(journal, 'publisher', null, p.uniqueName, () => createPublisher(client, p))
    publisher = { ...p, publisherId: id }
    note('publisher', null, p.uniqueName, 'created')
  }
  step('solution')
  const solutionName = plan.solution.uniqueName
  const solution = (await readSolutions(client)).find(
    (s) => s.uniqueName.toLowerCase() === solutionName.toLowerCase(),
  )
  if (solution) note('solution', null, solution.uniqueName, 'existing')
  else {
    const publisherId = publisher.publisherId
    await journaled(journal, 'solution', null, solutionName, () =>
      createSolution(client, {
        uniqueName: solutionName,
        friendlyName: plan.solution.friendlyName,
        publisherId,
      }),
    )
    note('solution', null, solutionName, 'created')
  }

  // ---- columns ----------------------------------------------------------------------------------------
  for (const table of tables) {
    step(`columns of ${table}`)
    const existing = new Set((await readAttributes(client, table)).map((a) => a.logicalName))
    for (const c of plan.columns.filter((x) => x.table === table)) {
      if (c.state === 'conflict') continue
      if (existing.has(c.logicalName)) {
        note('column', table, c.schemaName, 'existing')
        continue
      }
      check()
      await journaled(journal, 'column', table, c.logicalName, () =>
        createAttribute(
          client,
          table,
          {
            schemaName: c.schemaName,
            displayName: c.displayName,
            description: c.description,
            type: c.type,
            ...(c.maxLength !== null ? { maxLength: c.maxLength } : {}),
            ...(c.precision !== null ? { precision: c.precision } : {}),
            ...(c.options !== null ? { options: c.options } : {}),
          },
          solutionName,
        ),
      )
      note('column', table, c.schemaName, 'created')
    }
  }

  // ---- alternate keys ----------------------------------------------------------------------------------
  const toWait: Array<{ table: string; key: string }> = []
  for (const table of tables) {
    step(`keys of ${table}`)
    const keys = await readKeys(client, table)
    for (const k of plan.alternateKeys.filter((x) => x.table === table)) {
      if (k.state === 'conflict') continue
      const same = keys.find(
        (x) =>
          x.keyAttributes.length === k.keyAttributes.length &&
          x.keyAttributes.every((a, i) => a === k.keyAttributes[i]),
      )
      if (same) {
        note('key', table, same.schemaName, 'existing')
        if (same.status !== 'Active') toWait.push({ table, key: same.logicalName })
        continue
      }
      await journaled(journal, 'key', table, k.logicalName, () =>
        createKey(
          client,
          table,
          { schemaName: k.schemaName, displayName: 'Leaf360 Source Id', keyAttributes: k.keyAttributes },
          solutionName,
        ),
      )
      note('key', table, k.schemaName, 'created')
      toWait.push({ table, key: k.logicalName })
    }
  }
  for (const w of toWait) {
    check()
    log(`Waiting for the key ${w.key} on ${w.table} to become Active.`)
    await waitForKeyActive(client, w.table, w.key, options.keyWait ?? {})
  }

  // ---- connection roles ----------------------------------------------------------------------------------
  let roles = await readConnectionRoles(client)
  const roleId = (name: string) =>
    roles.find((r) => r.name.toLowerCase() === name.toLowerCase())?.connectionRoleId
  for (const r of plan.connectionRoles) {
    step(`connection role ${r.name}`)
    if (roleId(r.name)) {
      note('connection-role', null, r.name, 'existing')
      continue
    }
    await journaled(journal, 'connection-role', null, r.name, () =>
      createConnectionRole(client, { name: r.name, description: `Leafbridge: ${r.purpose}.` }, solutionName),
    )
    note('connection-role', null, r.name, 'created')
  }
  roles = await readConnectionRoles(client)
  const pairs = new Set<string>()
  for (const r of plan.connectionRoles) {
    const key = [r.name, r.matches].sort().join(' ↔ ')
    if (pairs.has(key)) continue
    pairs.add(key)
    const a = roles.find((x) => x.name.toLowerCase() === r.name.toLowerCase())
    const b = roles.find((x) => x.name.toLowerCase() === r.matches.toLowerCase())
    if (!a || !b) continue
    if (a.reciprocal.includes(b.connectionRoleId) || b.reciprocal.includes(a.connectionRoleId)) {
      note('role-association', null, key, 'existing')
      continue
    }
    await journaled(
      journal,
      'role-association',
      null,
      key,
      async () => {
        await associateConnectionRoles(client, a.connectionRoleId, b.connectionRoleId)
        return null
      },
      { a: a.connectionRoleId, b: b.connectionRoleId },
    )
    note('role-association', null, key, 'created')
  }

  // ---- business process flows ------------------------------------------------------------------------------
  const processes = await readProcesses(client, 'opportunity')
  for (const p of plan.processes) {
    step(`process ${p.name}`)
    if (p.state === 'conflict') continue
    const found = processes.find(
      (x) =>
        (x.uniqueName ?? '').toLowerCase() === p.uniqueName || x.name.toLowerCase() === p.name.toLowerCase(),
    )
    if (found) {
      note('process', null, p.name, 'existing')
      const have = new Set(found.stages.map((s) => s.name))
      for (const s of p.stages) if (have.has(s.name)) note('stage', null, `${p.name}: ${s.name}`, 'existing')
      if (!found.active) await activateProcess(client, found.workflowId)
      continue
    }
    await createProcessWithStages(client, p, solutionName, journal, note)
  }

  const created = items.filter((i) => i.action === 'created').length
  return {
    appliedAt: options.now(),
    created,
    existing: items.length - created,
    items,
    keysActive: true,
  }
}

async function createProcessWithStages(
  client: DataverseClient,
  p: PlannedProcess,
  solution: string,
  journal: ChangeJournal,
  note: (
    kind: AppliedItem['kind'],
    table: string | null,
    name: string,
    action: AppliedItem['action'],
  ) => void,
): Promise<void> {
  const workflowId = await journaled(journal, 'process', null, p.uniqueName, () =>
    createProcess(
      client,
      {
        name: p.name,
        uniqueName: p.uniqueName,
        primaryEntity: p.primaryEntity,
        description: `Leaf360 pipeline ${p.pipelineLabel}.`,
        xaml: processXaml(p),
      },
      solution,
    ),
  )
  note('process', null, p.name, 'created')
  // An environment that builds stages from the XAML has them now; otherwise add them in order
  // (processstage records belong to their process and go with it on delete).
  const have = new Set((await readStages(client, workflowId)).map((s) => s.name))
  for (const s of p.stages) {
    if (have.has(s.name)) {
      note('stage', null, `${p.name}: ${s.name}`, 'existing')
      continue
    }
    await createStage(
      client,
      workflowId,
      { name: s.name, category: s.category, primaryEntity: p.primaryEntity },
      solution,
    )
    note('stage', null, `${p.name}: ${s.name}`, 'created')
  }
  await activateProcess(client, workflowId)
}

/** Looks up a pending change by name: the id of the component if it exists, else null. */
async function findPending(client: DataverseClient, c: SchemaChangeRow): Promise<string | null> {
  switch (c.kind) {
    case 'publisher':
      return (await readPublishers(client)).find((p) => p.uniqueName === c.name)?.publisherId ?? null
    case 'solution':
      return (await readSolutions(client)).find((s) => s.uniqueName === c.name)?.solutionId ?? null
    case 'column':
      return (
        (await readAttributes(client, c.table!)).find((a) => a.logicalName === c.name)?.metadataId ?? null
      )
    case 'key':
      return (await readKey(client, c.table!, c.name))?.metadataId ?? null
    case 'connection-role':
      return (await readConnectionRoles(client)).find((r) => r.name === c.name)?.connectionRoleId ?? null
    case 'role-association':
      return 'association'
    case 'process':
      return (
        (await readProcesses(client, 'opportunity')).find((p) => p.uniqueName === c.name)?.workflowId ?? null
      )
    case 'stage':
      return null
  }
}

/**
 * Removes what apply created, newest first (keys before their columns, processes before the
 * solution, the publisher last). Components already gone are noted, not errors; a removal
 * Dataverse refuses is reported and the rest goes on.
 */
export async function undoSchemaChanges(
  options: Readonly<{
    client: DataverseClient
    changes: ReadonlyArray<SchemaChangeRow>
    journal: Pick<ChangeJournal, 'settle'>
    now: () => string
    log?: (message: string) => void
  }>,
): Promise<UndoResult> {
  const { client, journal } = options
  const items: Array<UndoResult['items'][number]> = []
  for (const c of options.changes) {
    const item = { kind: c.kind, table: c.table, name: c.name }
    // The publisher and solution still own whatever could not be removed; keep them for a later undo.
    if ((c.kind === 'solution' || c.kind === 'publisher') && items.some((i) => i.action === 'failed')) {
      items.push({ ...item, action: 'failed', message: 'Kept: some of its components could not be removed.' })
      continue
    }
    const id = c.state === 'pending' ? await findPending(client, c) : c.targetId
    if (id === null && c.kind !== 'role-association') {
      journal.settle(c.changeId, 'gone', null)
      items.push({ ...item, action: 'already-gone', message: null })
      continue
    }
    try {
      let removed: boolean
      switch (c.kind) {
        case 'publisher':
          removed = await deletePublisher(client, id!)
          break
        case 'solution':
          removed = await deleteSolution(client, id!)
          break
        case 'column':
          removed = await deleteAttribute(client, c.table!, c.name)
          break
        case 'key':
          removed = await deleteKey(client, c.table!, c.name)
          break
        case 'connection-role':
          removed = await deleteConnectionRole(client, id!)
          break
        case 'role-association': {
          const a = String(c.details?.['a'] ?? '')
          const b = String(c.details?.['b'] ?? '')
          removed = a !== '' && b !== '' ? await disassociateConnectionRoles(client, a, b) : false
          break
        }
        case 'process':
          removed = await deleteProcess(client, id!)
          break
        case 'stage':
          removed = false
          break
      }
      journal.settle(c.changeId, removed ? 'undone' : 'gone', null)
      items.push({ ...item, action: removed ? 'removed' : 'already-gone', message: null })
      if (removed) options.log?.(`Removed ${c.kind} ${c.table ? `${c.table}.` : ''}${c.name}.`)
    } catch (error) {
      items.push({
        ...item,
        action: 'failed',
        message: error instanceof Error ? error.message : String(error),
      })
    }
  }
  return {
    undoneAt: options.now(),
    removed: items.filter((i) => i.action === 'removed').length,
    alreadyGone: items.filter((i) => i.action === 'already-gone').length,
    failed: items.filter((i) => i.action === 'failed').length,
    items,
  }
}
