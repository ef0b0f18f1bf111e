/**
 * `leafbridge owners --workspace FILE --target PROFILE [--fallback EMAIL] [--override OWNER=EMAIL]… [--out DIR] [--json]`:
 * the owner preflight — every Leaf360 owner matched to a Dynamics user by e-mail, with the records
 * each owns — after setting the fallback owner and overrides given.
 *
 * With --json, stdout holds `{"matched":N,"disabled":N,"unmatched":N,"owners":[…], …, "ready":bool}`
 * (issue 5 CLI contract; keep it stable).
 */
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import type { ExportedFile, OwnersReport } from '../../shared/dto/plan'
import { LICENCE_TIERS, type LicenceTier } from '../../shared/dto/plan'
import { fail, ok } from '../../shared/result'
import type { CliContext } from '../context'
import { EXIT_FAILED, printError, report } from '../output'
import type { CommandRunner } from '../program'
import { auditForCli, parseLicenceTier } from './plan'

const parseOverride = (value: string, previous: ReadonlyArray<{ ownerId: string; email: string }> = []) => {
  const m = /^([^=\s]+)=(\S+@\S+)$/.exec(value.trim())
  if (!m) throw new InvalidArgumentError('an override is OWNER_ID=EMAIL')
  return [...previous, { ownerId: m[1]!, email: m[2]! }]
}

/** The human rendering of the owner preflight. */
export function renderOwners(r: OwnersReport, files: ReadonlyArray<ExportedFile>): string {
  const lines = [
    `Owners: ${r.matched} matched, ${r.disabled} matched but disabled, ${r.unmatched} unmatched; ${r.unownedRecords} records without an owner.`,
    `Fallback owner: ${r.fallback ? `${r.fallback.name} <${r.fallback.email ?? ''}>` : 'not set'}.`,
    r.ready
      ? 'Ready: every record has a valid, enabled owner.'
      : `Not ready: ${r.blockedRecords} records would have no valid owner.`,
    '',
    ...r.owners
      .filter((o) => o.defined)
      .map(
        (o) =>
          `  ${o.status.padEnd(9)} ${String(o.records).padStart(7)}  ${(o.email ?? '(no e-mail)').padEnd(36)} ${o.name}${o.assignedTo ? ` → ${o.assignedTo.name} (${o.assignedTo.via})` : ' → NOBODY'}`,
      ),
  ]
  const orphans = r.owners.filter((o) => !o.defined)
  if (orphans.length > 0) {
    const records = orphans.reduce((n, o) => n + o.records, 0)
    const to = r.fallback ? `the fallback owner ${r.fallback.name}` : 'NOBODY (set a fallback owner)'
    lines.push(`  ${orphans.length} owner ids used by ${records} records but not in owners.csv → ${to}`)
  }
  if (files.length > 0) lines.push('', 'Wrote', ...files.map((f) => `  ${f.path}`))
  return lines.join('\n')
}

export function registerOwnersCommand(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('owners')
    .description('match Leaf360 owners to Dynamics users by e-mail: the owner preflight')
    .requiredOption('--workspace <file>', 'workspace file with a staged export')
    .requiredOption('--target <profile>', 'target profile JSON')
    .option('--fallback <email>', 'the Dynamics user who gets the records no matched, enabled user can own')
    .option(
      '--override <owner=email>',
      'send one Leaf360 owner id to another Dynamics user (repeatable)',
      parseOverride,
    )
    .option('--out <dir>', 'write the preflight report (csv, xlsx, html, json) here')
    .option('--licence-tier <tier>', `the Sales licence: ${LICENCE_TIERS.join(', ')}`, parseLicenceTier)
    .option('--json', 'print one JSON document on stdout')
    .option('--quiet', 'no progress on stderr')
    .action(
      run(
        async (options: {
          workspace: string
          target: string
          fallback?: string
          override?: ReadonlyArray<{ ownerId: string; email: string }>
          out?: string
          licenceTier?: LicenceTier
          json?: boolean
          quiet?: boolean
        }) => {
          const audited = await auditForCli(ctx, options)
          if (!audited.ok) {
            printError(ctx.io, options, audited.error)
            return EXIT_FAILED
          }
          const users = audited.value.users
          const overrides: Array<{ ownerId: string; systemUserId: string }> = []
          for (const o of options.override ?? []) {
            const user = users.find((u) => (u.email ?? '').trim().toLowerCase() === o.email.toLowerCase())
            if (!user) {
              return report(
                ctx.io,
                options,
                fail({
                  code: 'owner-user-invalid',
                  kind: 'fatal',
                  message: `No Dynamics user has the e-mail ${o.email}.`,
                }),
                () => '',
              )
            }
            overrides.push({ ownerId: o.ownerId, systemUserId: user.systemUserId })
          }
          const owners =
            options.fallback !== undefined || overrides.length > 0
              ? await ctx.call('plan:set-owner-decisions', {
                  ...(options.fallback !== undefined ? { fallbackEmail: options.fallback } : {}),
                  ...(overrides.length > 0 ? { overrides } : {}),
                })
              : await ctx.call('plan:get-owners', {})
          if (!owners.ok) {
            printError(ctx.io, options, owners.error)
            return EXIT_FAILED
          }
          const files: ExportedFile[] = []
          if (options.out) {
            const exported = await ctx.call('plan:export-owners', { directory: options.out })
            if (!exported.ok) {
              printError(ctx.io, options, exported.error)
              return EXIT_FAILED
            }
            files.push(...exported.value)
          }
          return report(ctx.io, options, ok({ ...owners.value, files }), () =>
            renderOwners(owners.value, files),
          )
        },
      ),
    )
}
