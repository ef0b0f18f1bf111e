/**
 * `leafbridge verify --workspace FILE --target PROFILE [--out DIR] [--json]`: reads back every
 * record of the latest migration run and compares every mapped field with the value the mapping
 * says it must have (issue 6 item 4). Progress per table on stderr; with `--json` one document on
 * stdout: `{"tables":{"<table>":{"expected","loaded","failed","verified","mismatches"}},
 * "mismatches":N,"reconciliation":[…],"reportsDir":…,"files":[…]}`. The reconciliation report
 * (HTML, XLSX, Markdown, CSV, JSON and every mismatch as CSV) goes to DIR, by default
 * `<workspace>-reports` beside the workspace. Exit 0 with zero mismatches, 1 otherwise.
 */
import type { Command } from 'commander'
import type { VerifyReport } from '../../shared/dto/verify'
import type { CliContext } from '../context'
import { EXIT_FAILED, EXIT_OK, printError, printValue } from '../output'
import type { CommandRunner } from '../program'

/** The human rendering of a verify report. */
export function renderVerifyReport(r: VerifyReport): string {
  const pad = (v: string | number, n: number) => String(v).padStart(n)
  const rows = r.reconciliation.map(
    (t) =>
      `  ${t.table.padEnd(14)} ${pad(t.source ?? '—', 8)} ${pad(t.quarantined ?? '—', 8)} ${pad(t.expected, 9)} ${pad(t.loaded, 8)} ${pad(t.failed, 7)} ${pad(t.skipped, 8)} ${pad(t.verified, 9)} ${pad(t.mismatches, 11)}`,
  )
  const sample = r.sample
    .slice(0, 10)
    .map((m) => `  ${m.table} ${m.sourceKey} ${m.column}: expected ${m.expected}, found ${m.actual}`)
  return [
    `Run ${r.runNo} against ${r.targetUrl}: ${r.mismatches === 0 ? 'every loaded record verified' : `${r.mismatches} mismatch(es)`}.`,
    '',
    `  ${'table'.padEnd(14)} ${pad('source', 8)} ${pad('quarant.', 8)} ${pad('expected', 9)} ${pad('loaded', 8)} ${pad('failed', 7)} ${pad('skipped', 8)} ${pad('verified', 9)} ${pad('mismatches', 11)}`,
    ...rows,
    ...(sample.length > 0 ? ['', 'First mismatches:', ...sample] : []),
    '',
    `Reports: ${r.reportsDir ?? '(none)'}`,
    ...r.files.map((f) => `  ${f.path}`),
  ].join('\n')
}

export function registerVerifyCommand(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('verify')
    .description(
      'read back every migrated record and compare every mapped field; write the reconciliation report',
    )
    .requiredOption('--workspace <file>', 'workspace file')
    .requiredOption('--target <profile>', 'target profile (JSON)')
    .option('--out <dir>', 'folder for the report files (default: <workspace>-reports beside the workspace)')
    .option('--json', 'print one JSON document on stdout')
    .action(
      run(async (options: { workspace: string; target: string; out?: string; json?: boolean }) => {
        const opened = await ctx.call('workspace:open', { path: options.workspace })
        if (!opened.ok) {
          printError(ctx.io, options, opened.error)
          return EXIT_FAILED
        }
        const target = await ctx.call('target:use-profile-file', { path: options.target })
        if (!target.ok) {
          printError(ctx.io, options, target.error)
          return EXIT_FAILED
        }
        const result = await ctx.runJob('verify:start', options.out ? { outDir: options.out } : {}, options)
        if (!result.ok) {
          printError(ctx.io, options, result.error)
          return EXIT_FAILED
        }
        const report = result.value as VerifyReport
        printValue(ctx.io, options, report, renderVerifyReport)
        return report.mismatches === 0 ? EXIT_OK : EXIT_FAILED
      }),
    )
}
