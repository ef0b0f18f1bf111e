/**
 * `leafbridge audit --workspace FILE [--import N] [--json]`: what the workspace knows about the
 * migration so far. Today that is the source profile of the latest (or a named) import, printed
 * at the top level of the JSON; the target audit of the planning issue will be added as a
 * `target` key beside it, so scripts reading the profile keep working.
 */
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import type { SourceProfile } from '../../shared/dto/source'
import { fail, ok } from '../../shared/result'
import type { CliContext } from '../context'
import { printError, report } from '../output'
import type { CommandRunner } from '../program'
import { type AuditTargetOptions, auditForCli, parseLicenceTier, renderAudit } from './plan'

const parseImport = (value: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('an import is a whole number from 1')
  return n
}

/** The human rendering of a profile. */
export function renderProfile(p: SourceProfile): string {
  const lines = [
    `Import ${p.importId}: a ${p.flavour} export of portal ${p.portalId ?? '?'}, exported ${p.exportedAt ?? '?'}, staged ${p.stagedAt}.`,
    '',
    'Objects',
    ...Object.entries(p.objects).map(
      ([o, c]) =>
        `  ${o.padEnd(32)} ${String(c.staged).padStart(9)} staged ${String(c.quarantined).padStart(7)} quarantined ${String(c.archived).padStart(7)} archived`,
    ),
    '',
    `Owners: ${p.owners.defined} defined (${p.owners.active} active), ${p.owners.referenced} referenced, ` +
      `${p.owners.referencedUndefined.length} referenced but not defined, ${p.owners.deactivatedReferenced.length} deactivated but referenced.`,
    `Attachments: ${p.attachments.count} (${p.attachments.totalBytes.toLocaleString('en-US')} bytes), ` +
      `${p.attachments.missingBinary} missing binaries, ${p.attachments.emptyBinary} empty, ${p.attachments.oversized.length} oversized.`,
    `Duplicate candidates: ${p.duplicates.email.groups} by e-mail, ${p.duplicates.phone.groups} by phone, ` +
      `${p.duplicates.name_address.groups} by name and address.`,
    `Custom fields: ${p.customFields.length}.`,
    '',
    'Findings',
    ...Object.entries(p.findings).map(([code, f]) => `  ${code}  ${String(f.count).padStart(8)}`),
  ]
  return lines.join('\n')
}

/** Registers `leafbridge audit`. */
export function registerAuditCommand(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('audit')
    .description('print what the workspace knows: the profile of the staged export')
    .requiredOption('--workspace <file>', 'workspace file')
    .option('--import <n>', 'the import to profile (default: the latest finished)', parseImport)
    .option('--target <profile>', 'also audit this target (profile JSON): adds `target` beside the profile')
    .option('--out <dir>', 'with --target: write the target audit (md, html, xlsx, json) here')
    .option('--licence-tier <tier>', 'with --target: the Sales licence', parseLicenceTier)
    .option('--json', 'print one JSON document on stdout')
    .action(
      run(async (options: { workspace: string; import?: number; json?: boolean } & AuditTargetOptions) => {
        const opened = await ctx.call('workspace:open', { path: options.workspace })
        if (!opened.ok) {
          printError(ctx.io, options, opened.error)
          return 1
        }
        const profile = await ctx.call(
          'source:get-profile',
          options.import === undefined ? {} : { importId: options.import },
        )
        if (profile.ok && profile.value === null) {
          return report(
            ctx.io,
            options,
            fail({
              code: 'nothing-staged',
              kind: 'fatal',
              message: `${options.workspace} holds no staged export yet. Run \`leafbridge stage\` first.`,
            }),
            () => '',
          )
        }
        if (options.target === undefined || !profile.ok)
          return report(ctx.io, options, profile.ok ? ok(profile.value!) : profile, renderProfile)
        const audited = await auditForCli(ctx, { ...options, target: options.target })
        if (!audited.ok) return report(ctx.io, options, audited, () => '')
        const written = options.out ? await ctx.call('plan:export-audit', { directory: options.out }) : ok([])
        if (!written.ok) return report(ctx.io, options, written, () => '')
        const value = { ...profile.value!, target: audited.value, written: written.value }
        return report(ctx.io, options, ok(value), (v) => `${renderProfile(v)}\n\n${renderAudit(v.target)}`)
      }),
    )
}
