/**
 * `leafbridge stage --workspace FILE --export PATH [--timezone TZ] [--flavour api|ui] [--json]`:
 * stages a Leaf360 export folder or .zip into a workspace (created when it does not exist).
 *
 * With --json, stdout holds one StageReport: at least `flavour`, `objects` (per file: read,
 * staged, quarantined, skipped), `findings` (per defect code) and `quarantineReasons` (issue 3
 * CLI contract; keep it stable).
 */
import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import type { StageReport } from '../../shared/dto/source'
import type { Result } from '../../shared/result'
import type { CliContext } from '../context'
import { printError, report } from '../output'
import type { CommandRunner } from '../program'

const parseFlavour = (value: string): 'api' | 'ui' => {
  if (value !== 'api' && value !== 'ui') throw new InvalidArgumentError('the flavour is api or ui')
  return value
}

/** The human rendering of a stage report. */
export function renderStageReport(r: StageReport): string {
  const width = Math.max(12, ...Object.keys(r.objects).map((k) => k.length))
  const num = (n: number) => n.toLocaleString('en-US').padStart(10)
  const lines = [
    `Staged a ${r.flavour} export (${r.flavourOrigin}), time zone ${r.timezone}, import ${r.importId}.`,
    '',
    `${'File'.padEnd(width)} ${'read'.padStart(10)} ${'staged'.padStart(10)} ${'quarantined'.padStart(11)} ${'skipped'.padStart(10)}`,
    ...Object.entries(r.objects).map(
      ([file, c]) =>
        `${file.padEnd(width)} ${num(c.read)} ${num(c.staged)} ${num(c.quarantined).padStart(11)} ${num(c.skipped)}`,
    ),
    `${'Total'.padEnd(width)} ${num(r.totals.read)} ${num(r.totals.staged)} ${num(r.totals.quarantined).padStart(11)} ${num(r.totals.skipped)}`,
  ]
  if (r.synthesised > 0) lines.push('', `Association inverses synthesised (D42): ${r.synthesised}`)
  const findings = Object.entries(r.findings)
  if (findings.length > 0) {
    lines.push(
      '',
      'Findings by defect',
      ...findings.map(([code, n]) => `  ${code}  ${n.toLocaleString('en-US')}`),
    )
  }
  const reasons = Object.entries(r.quarantineReasons)
  if (reasons.length > 0) {
    lines.push(
      '',
      'Quarantine reasons',
      ...reasons.map(([reason, n]) => `  ${reason.padEnd(24)} ${n.toLocaleString('en-US')}`),
    )
  }
  for (const note of r.notes) lines.push(`note: ${note.message}`)
  return lines.join('\n')
}

/** Registers `leafbridge stage`. */
export function registerStageCommand(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('stage')
    .description('stage a Leaf360 export (folder or .zip) into a workspace: every row staged or quarantined')
    .requiredOption('--workspace <file>', 'workspace file (created when it does not exist)')
    .requiredOption('--export <path>', 'the export folder or its .zip')
    .option(
      '--timezone <zone>',
      "IANA time zone of the export's local times (needed when the manifest has none)",
    )
    .option('--flavour <flavour>', 'api or ui: overrides what the manifest says', parseFlavour)
    .option('--json', 'print one JSON document on stdout')
    .option('--quiet', 'no progress on stderr')
    .action(
      run(
        async (options: {
          workspace: string
          export: string
          timezone?: string
          flavour?: 'api' | 'ui'
          json?: boolean
          quiet?: boolean
        }) => {
          const channel = existsSync(options.workspace) ? 'workspace:open' : 'workspace:create'
          const opened = await ctx.call(channel, { path: options.workspace })
          if (!opened.ok) {
            printError(ctx.io, options, opened.error)
            return 1
          }
          const result = await ctx.runJob(
            'source:stage',
            {
              path: options.export,
              ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
              ...(options.flavour === undefined ? {} : { flavour: options.flavour }),
            },
            { ...options, quiet: options.quiet === true },
          )
          return report(ctx.io, options, result as Result<StageReport>, renderStageReport)
        },
      ),
    )
}
