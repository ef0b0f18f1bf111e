/**
 * `leafbridge migrate --workspace FILE --target PROFILE [--phases a,b] [--users N] [--json]`:
 * loads the staged export into the target (issue 6), then verifies it: every migrated record read
 * back and every mapped field compared, as `leafbridge verify` does (`--no-verify` skips that; the
 * counts then stay 0). Progress per phase on stderr with rate and ETA; with `--json` one document
 * on stdout: `{"tables":{"<table>":{"expected","loaded","failed","skipped","verified","mismatches"}},
 * "mismatches":N,"verify":{"reportsDir","files"}|null,…}`. Run it again after a crash or a cancel:
 * it resumes the unfinished run. Exit 0 when every record loaded (or was skipped on purpose) and
 * verified, 1 when the run stopped, a record failed or a field does not match.
 */
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { RUN_PHASES, type RunPhase, type RunSummary } from '../../shared/dto/run'
import type { VerifyReport } from '../../shared/dto/verify'
import type { CliContext } from '../context'
import { EXIT_FAILED, EXIT_OK, printError, printValue } from '../output'
import type { CommandRunner } from '../program'

const parsePhases = (value: string): RunPhase[] => {
  const phases = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  const unknown = phases.filter((p) => !(RUN_PHASES as ReadonlyArray<string>).includes(p))
  if (unknown.length > 0 || phases.length === 0) {
    throw new InvalidArgumentError(`phases are a comma-separated list of ${RUN_PHASES.join(', ')}`)
  }
  return phases as RunPhase[]
}

const parseUsers = (value: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 16)
    throw new InvalidArgumentError('users is a whole number from 1 to 16')
  return n
}

/** A run's summary with the verify pass that followed it (null when skipped or not reached). */
export type MigrateResult = RunSummary &
  Readonly<{ verify: Readonly<{ reportsDir: string | null; files: VerifyReport['files'] }> | null }>

/** The run's counts with the verify pass's verified and mismatch figures filled in per table. */
export function withVerify(summary: RunSummary, report: VerifyReport | null): MigrateResult {
  if (report === null) return { ...summary, verify: null }
  const tables = Object.fromEntries(
    Object.entries(summary.tables).map(([table, t]) => [
      table,
      {
        ...t,
        verified: report.tables[table]?.verified ?? 0,
        mismatches: report.tables[table]?.mismatches ?? 0,
      },
    ]),
  )
  return {
    ...summary,
    tables,
    mismatches: report.mismatches,
    verify: { reportsDir: report.reportsDir, files: report.files },
  }
}

/** The human rendering of a run summary. */
export function renderRunSummary(s: MigrateResult): string {
  const pad = (v: string | number, n: number) => String(v).padStart(n)
  const rows = Object.entries(s.tables).map(
    ([table, t]) =>
      `  ${table.padEnd(26)} ${pad(t.expected, 9)} ${pad(t.loaded, 9)} ${pad(t.failed, 7)} ${pad(t.skipped, 8)}${s.verify === null ? '' : ` ${pad(t.verified, 9)} ${pad(t.mismatches, 11)}`}`,
  )
  return [
    `Run ${s.runId}: ${s.status}${s.resumed ? ' (resumed)' : ''} in ${(s.elapsedMs / 1000).toFixed(1)} s, ${s.recordsPerSecond.toLocaleString('en-US')} records/s.`,
    '',
    `  ${'table'.padEnd(26)} ${pad('expected', 9)} ${pad('loaded', 9)} ${pad('failed', 7)} ${pad('skipped', 8)}${s.verify === null ? '' : ` ${pad('verified', 9)} ${pad('mismatches', 11)}`}`,
    ...rows,
    '',
    `${s.records.loaded.toLocaleString('en-US')} loaded, ${s.records.failed.toLocaleString('en-US')} failed, ${s.records.skipped.toLocaleString('en-US')} skipped${s.oversizedFiles > 0 ? ` (${s.oversizedFiles} files over the upload limit)` : ''}.`,
    s.records.failed > 0
      ? 'Failed records and their reasons are in the workspace journal (the Migrate step lists them).'
      : '',
    s.verify === null
      ? 'Run `leafbridge verify` to read every record back and compare it with the mapping.'
      : s.mismatches === 0
        ? `Verified: every loaded record read back, every mapped field as the mapping says (reports in ${s.verify.reportsDir ?? 'the workspace'}).`
        : `Verify found ${s.mismatches.toLocaleString('en-US')} mismatch(es); the reconciliation report in ${s.verify.reportsDir ?? 'the workspace'} lists each one.`,
  ]
    .filter((l) => l !== '')
    .join('\n')
}

export function registerMigrateCommand(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('migrate')
    .description('load the staged export into the target; run again to resume an interrupted run')
    .requiredOption('--workspace <file>', 'workspace file')
    .requiredOption('--target <profile>', 'target profile (JSON)')
    .option('--phases <list>', `comma-separated phases (${RUN_PHASES.join(', ')})`, parsePhases)
    .option('--users <n>', 'application users sharing the load (default: all the profile names)', parseUsers)
    .option('--new-run', 'start a new run even if the last one did not finish')
    .option('--no-verify', 'skip reading the records back afterwards (run `leafbridge verify` later)')
    .option('--out <dir>', 'folder for the reconciliation report (default: <workspace>-reports)')
    .option('--json', 'print one JSON document on stdout')
    .action(
      run(
        async (options: {
          workspace: string
          target: string
          phases?: RunPhase[]
          users?: number
          newRun?: boolean
          verify: boolean
          out?: string
          json?: boolean
        }) => {
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
          const result = await ctx.runJob(
            'run:start',
            {
              ...(options.phases ? { phases: options.phases } : {}),
              ...(options.users !== undefined ? { users: options.users } : {}),
              ...(options.newRun ? { newRun: true } : {}),
            },
            options,
          )
          if (!result.ok) {
            printError(ctx.io, options, result.error)
            return EXIT_FAILED
          }
          const summary = result.value as RunSummary
          let report: VerifyReport | null = null
          if (options.verify && summary.status === 'finished') {
            const verified = await ctx.runJob(
              'verify:start',
              options.out ? { outDir: options.out } : {},
              options,
            )
            if (!verified.ok) {
              printError(ctx.io, options, verified.error)
              return EXIT_FAILED
            }
            report = verified.value as VerifyReport
          }
          const merged = withVerify(summary, report)
          printValue(ctx.io, options, merged, renderRunSummary)
          return merged.records.failed > 0 || merged.mismatches > 0 ? EXIT_FAILED : EXIT_OK
        },
      ),
    )
}
