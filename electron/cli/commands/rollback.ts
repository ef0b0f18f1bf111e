/**
 * `leafbridge rollback --workspace FILE --target PROFILE [--yes] [--json]`: undoes every migration
 * run against the target, newest first (issue 6 item 5): deletes what the runs created, children
 * first, and restores the records they changed. Without `--yes` it prints what will be undone,
 * per table, and asks; when nobody can answer (no terminal), it exits 2 and says to add `--yes`.
 * An interrupted rollback resumes when started again. With `--json` one document on stdout: the
 * result (`{"runs","tables","applied","alreadyAbsent","failed","failures","warnings"}`).
 * Exit 0 when every step is done, 1 when a step failed or the rollback stopped.
 */
import { createInterface } from 'node:readline/promises'
import type { Command } from 'commander'
import type { RollbackPreview, RollbackResult } from '../../shared/dto/rollback'
import type { CliContext } from '../context'
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, printError, printValue } from '../output'
import type { CommandRunner } from '../program'

/** What a rollback will do, as the confirmation shows it. */
export function renderRollbackPreview(p: RollbackPreview): string {
  const pad = (v: string | number, n: number) => String(v).padStart(n)
  const rows = Object.entries(p.tables).map(
    ([table, c]) => `  ${table.padEnd(26)} ${pad(c.delete, 8)} ${pad(c.restore, 8)} ${pad(c.reopen, 8)}`,
  )
  return [
    `Rolling back ${p.runs.length} run(s) in ${p.targetUrl}: ${p.runs.map((r) => `run ${r.runNo} (${r.status}, started ${r.startedAt})`).join(', ')}.`,
    p.resumes ? `An interrupted rollback is resumed: ${p.alreadyDone} step(s) are already done.` : '',
    '',
    `  ${'table'.padEnd(26)} ${pad('delete', 8)} ${pad('restore', 8)} ${pad('reopen', 8)}`,
    ...rows,
    '',
    `${p.total} write(s) in all: records the runs created are deleted, records they changed get their earlier values back.`,
    ...p.warnings.slice(0, 10).map((w) => `warning: ${w.message}`),
    p.warnings.length > 10 ? `warning: … and ${p.warnings.length - 10} more.` : '',
  ]
    .filter((l) => l !== '')
    .join('\n')
}

/** The human rendering of a finished rollback. */
export function renderRollbackResult(r: RollbackResult): string {
  return [
    `Rolled back ${r.runs.length} run(s) in ${r.targetUrl}: ${r.applied} write(s) undone, ${r.alreadyAbsent} record(s) already gone, ${r.failed} failed.`,
    ...r.failures.slice(0, 20).map((f) => `  ${f.kind} ${f.table} ${f.sourceKey}: ${f.message}`),
    r.failed > 0 ? 'Fix the cause and run `leafbridge rollback` again: it resumes where it stopped.' : '',
  ]
    .filter((l) => l !== '')
    .join('\n')
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^(y|yes)$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

export function registerRollbackCommand(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('rollback')
    .description(
      'undo every migration run against the target: delete what it created, restore what it changed',
    )
    .requiredOption('--workspace <file>', 'workspace file')
    .requiredOption('--target <profile>', 'target profile (JSON)')
    .option('--yes', 'do not ask: roll back at once')
    .option('--json', 'print one JSON document on stdout')
    .action(
      run(async (options: { workspace: string; target: string; yes?: boolean; json?: boolean }) => {
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
        const preview = await ctx.call('rollback:preview', {})
        if (!preview.ok) {
          printError(ctx.io, options, preview.error)
          return EXIT_FAILED
        }
        if (preview.value.runs.length === 0) {
          printError(ctx.io, options, {
            code: 'nothing-to-roll-back',
            kind: 'fatal',
            message: `No migration run against ${preview.value.targetUrl} is left to roll back.`,
          })
          return EXIT_FAILED
        }
        if (options.yes !== true) {
          const interactive = Boolean(process.stdin.isTTY) && ctx.io.stderrIsTty
          if (!interactive) {
            printError(ctx.io, options, {
              code: 'confirmation-required',
              kind: 'fatal',
              message: `A rollback needs a confirmation: ${preview.value.total} write(s) would undo ${preview.value.runs.length} run(s). Run it in a terminal to answer, or add --yes.`,
              details: { preview: preview.value },
            })
            return EXIT_USAGE
          }
          ctx.io.stderr(renderRollbackPreview(preview.value) + '\n')
          if (!(await ask('Undo all of this in Dynamics? Type yes to go on: '))) {
            ctx.io.stderr('Nothing was changed.\n')
            return EXIT_FAILED
          }
        }
        const result = await ctx.runJob('rollback:start', { confirm: true }, options)
        if (!result.ok) {
          printError(ctx.io, options, result.error)
          return EXIT_FAILED
        }
        const done = result.value as RollbackResult
        printValue(ctx.io, options, done, renderRollbackResult)
        return done.failed === 0 ? EXIT_OK : EXIT_FAILED
      }),
    )
}
