/**
 * `leafbridge plan --workspace FILE --target PROFILE [--out DIR] [--apply] [--undo] [--licence-tier T] [--json]`:
 * audits the target, computes the schema setup plan of the staged export, and with `--apply` (the
 * operator's confirmation) creates what is missing; `--undo` removes what earlier applies created.
 *
 * With --json, stdout holds the plan with at least `columns` [{table, schemaName, type}],
 * `alternateKeys`, `connectionRoles`, `processes`, `warnings` and `applied` {created, existing}
 * (issue 5 CLI contract; keep it stable).
 */
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import type {
  ApplyResult,
  ExportedFile,
  LicenceTier,
  SchemaPlan,
  TargetAudit,
  UndoResult,
} from '../../shared/dto/plan'
import { LICENCE_TIERS } from '../../shared/dto/plan'
import type { Result } from '../../shared/result'
import { ok } from '../../shared/result'
import type { CliContext } from '../context'
import { EXIT_FAILED, printError, report } from '../output'
import type { CommandRunner } from '../program'

/** Parses `--licence-tier`. */
export const parseLicenceTier = (value: string): LicenceTier => {
  if (!(LICENCE_TIERS as ReadonlyArray<string>).includes(value))
    throw new InvalidArgumentError(`the licence tier is one of ${LICENCE_TIERS.join(', ')}`)
  return value as LicenceTier
}

/** The target options `audit` takes from this module. */
export type AuditTargetOptions = Readonly<{ target?: string; out?: string; licenceTier?: LicenceTier }>

type TargetOptions = Readonly<{
  workspace: string
  target: string
  licenceTier?: LicenceTier
  json?: boolean
  quiet?: boolean
}>

/**
 * Opens the workspace, points it at the target profile, states the licence tier when given, and
 * audits the target (a job with progress on stderr). Shared by `audit`, `plan` and `owners`.
 */
export async function auditForCli(ctx: CliContext, options: TargetOptions): Promise<Result<TargetAudit>> {
  const opened = await ctx.call('workspace:open', { path: options.workspace })
  if (!opened.ok) return opened
  const target = await ctx.call('target:use-profile-file', { path: options.target })
  if (!target.ok) return target
  if (options.licenceTier) {
    const tier = await ctx.call('plan:set-licence-tier', { tier: options.licenceTier })
    if (!tier.ok) return tier
  }
  const audited = await ctx.runJob('plan:audit', {}, { ...options, quiet: options.quiet === true })
  return audited as Result<TargetAudit>
}

/** The human rendering of an audit. */
export function renderAudit(a: TargetAudit): string {
  const lines = [
    `Target ${a.environment.url} (${a.environment.organizationName}), Dataverse ${a.environment.version ?? 'version unknown'}, audited ${a.auditedAt}.`,
    `Licence: ${a.licence.tier === 'unknown' ? 'not stated (use --licence-tier)' : a.licence.tier}. Custom tables: ${a.customTables.length}. Upload limit: ${a.maxUploadFileSize.toLocaleString('en-US')} bytes.`,
    `Users: ${a.users.length} (${a.users.filter((u) => u.isDisabled).length} disabled). Custom columns on the migrated tables: ${a.columns.length}. Keys: ${a.keys.length}.`,
    `Connection roles: ${a.connectionRoles.map((r) => r.name).join(', ') || 'none'}.`,
    `Processes on opportunity: ${a.processes.map((p) => `${p.name} (${p.stages.length} stages)`).join(', ') || 'none'}.`,
    'Bulk messages (UpsertMultiple): ' +
      a.tables.map((t) => `${t.table} ${t.bulk.upsertMultiple ? 'yes' : 'no'}`).join(', '),
    ...a.notes.map((n) => `note: ${n}`),
  ]
  return lines.join('\n')
}

/** The human rendering of a plan. */
export function renderPlan(
  p: SchemaPlan,
  applied: ApplyResult | null,
  files: ReadonlyArray<ExportedFile>,
): string {
  const create = (rows: ReadonlyArray<{ state: string }>) => rows.filter((r) => r.state === 'create').length
  const lines = [
    `Schema plan: publisher ${p.publisher.uniqueName} (${p.publisher.prefix}_), solution ${p.solution.uniqueName}.`,
    `Columns ${p.columns.length} (${create(p.columns)} to create), keys ${p.alternateKeys.length} (${create(p.alternateKeys)}), connection roles ${p.connectionRoles.length} (${create(p.connectionRoles)}), processes ${p.processes.length} (${create(p.processes)}).`,
    '',
    ...p.columns.map(
      (c) => `  ${c.state.padEnd(8)} ${c.table.padEnd(12)} ${c.schemaName.padEnd(36)} ${c.type}`,
    ),
    '',
    ...p.processes.map((x) => `  ${x.state.padEnd(8)} ${x.name}: ${x.stages.map((s) => s.name).join(' › ')}`),
    '',
    ...p.warnings.map((w) => `${w.severity}: ${w.message}`),
  ]
  if (applied) lines.push('', `Applied: ${applied.created} created, ${applied.existing} already there.`)
  if (files.length > 0) lines.push('', 'Wrote', ...files.map((f) => `  ${f.path}`))
  return lines.join('\n')
}

export function registerPlanCommand(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('plan')
    .description('audit the target and compute the schema setup plan; --apply creates what is missing')
    .requiredOption('--workspace <file>', 'workspace file with a staged export')
    .requiredOption('--target <profile>', 'target profile JSON (leafbridge sandbox --profile-out writes one)')
    .option(
      '--out <dir>',
      'write the plan (md, html, xlsx, json, one XML per process) and the workflow reference here',
    )
    .option('--apply', 'create what the plan lists (your confirmation)')
    .option('--undo', 'remove the columns, keys, roles and processes earlier applies created')
    .option('--licence-tier <tier>', `the Sales licence: ${LICENCE_TIERS.join(', ')}`, parseLicenceTier)
    .option('--json', 'print one JSON document on stdout')
    .option('--quiet', 'no progress on stderr')
    .action(
      run(async (options: TargetOptions & { out?: string; apply?: boolean; undo?: boolean }) => {
        const audited = await auditForCli(ctx, options)
        if (!audited.ok) {
          printError(ctx.io, options, audited.error)
          return EXIT_FAILED
        }
        if (options.undo) {
          const undone = (await ctx.runJob(
            'plan:undo-schema',
            { confirm: true },
            { ...options, quiet: options.quiet === true },
          )) as Result<UndoResult>
          return report(ctx.io, options, undone, (u) =>
            [
              `Removed ${u.removed}, already gone ${u.alreadyGone}, failed ${u.failed}.`,
              ...u.items.map(
                (i) =>
                  `  ${i.action.padEnd(12)} ${i.kind} ${i.table ? `${i.table}.` : ''}${i.name}${i.message ? `: ${i.message}` : ''}`,
              ),
            ].join('\n'),
          )
        }
        let applied: ApplyResult | null = null
        if (options.apply) {
          const result = (await ctx.runJob(
            'plan:apply-schema',
            { confirm: true },
            { ...options, quiet: options.quiet === true },
          )) as Result<ApplyResult>
          if (!result.ok) {
            printError(ctx.io, options, result.error)
            return EXIT_FAILED
          }
          applied = result.value
        }
        const plan = await ctx.call('plan:get-schema-plan', {})
        if (!plan.ok) {
          printError(ctx.io, options, plan.error)
          return EXIT_FAILED
        }
        const files: ExportedFile[] = []
        if (options.out) {
          for (const exported of [
            await ctx.call('plan:export-schema-plan', { directory: options.out }),
            await ctx.call('plan:export-workflows', { directory: options.out }),
          ]) {
            if (!exported.ok) {
              printError(ctx.io, options, exported.error)
              return EXIT_FAILED
            }
            files.push(...exported.value)
          }
        }
        const value = {
          ...plan.value,
          applied: applied
            ? {
                applied: true,
                created: applied.created,
                existing: applied.existing,
                keysActive: applied.keysActive,
                items: applied.items,
              }
            : { applied: false, created: 0, existing: plan.value.counts.exists },
          files,
        }
        return report(ctx.io, options, ok(value), () => renderPlan(plan.value, applied, files))
      }),
    )
}
