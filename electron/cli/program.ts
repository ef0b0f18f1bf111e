/**
 * The `leafbridge` command line: commander, with every command calling the service layer in-process.
 */
import { Command, CommanderError } from 'commander'
import { APP_VERSION } from '../engine/version'
import { registerSandboxCommand } from './commands/sandbox'
import { registerAuditCommand } from './commands/audit'
import { registerDemoCommand } from './commands/demo'
import { registerGenerateExportCommand } from './commands/generate-export'
import { registerMigrateCommand } from './commands/migrate'
import { registerOwnersCommand } from './commands/owners'
import { registerPlanCommand } from './commands/plan'
import { registerRollbackCommand } from './commands/rollback'
import { registerServeCommand } from './commands/serve'
import { registerStageCommand } from './commands/stage'
import { registerVerifyCommand } from './commands/verify'
import { registerWorkspaceCommands } from './commands/workspace'
import type { CliContext } from './context'
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, printError } from './output'

/** Wraps a command action so its returned exit code is recorded and a stray throw exits 1 with a message. */
export type CommandRunner = <A extends unknown[]>(
  action: (...args: A) => Promise<number>,
) => (...args: A) => Promise<void>

export type Program = Readonly<{ command: Command; exitCode: () => number }>

export function createProgram(ctx: CliContext): Program {
  let exitCode = EXIT_OK
  const run: CommandRunner =
    (action) =>
    async (...args) => {
      try {
        exitCode = await action(...args)
      } catch (error) {
        const json = args.some(
          (a) => typeof a === 'object' && a !== null && (a as { json?: boolean }).json === true,
        )
        printError(
          ctx.io,
          { json },
          {
            code: 'internal-error',
            kind: 'bug',
            message: `Leafbridge hit an unexpected error: ${error instanceof Error ? error.message : String(error)}`,
          },
        )
        exitCode = EXIT_FAILED
      }
    }

  const program = new Command()
    .name('leafbridge')
    .description('Migrate a Leaf360 CRM export into Microsoft Dynamics 365 Sales, on your own machine.')
    .version(APP_VERSION, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) })
    .exitOverride()

  registerWorkspaceCommands(program, ctx, run)
  registerServeCommand(program, ctx, run)
  registerStageCommand(program, ctx, run)
  registerAuditCommand(program, ctx, run)
  registerPlanCommand(program, ctx, run)
  registerOwnersCommand(program, ctx, run)
  registerSandboxCommand(program, ctx, run)
  registerGenerateExportCommand(program, ctx, run)
  registerMigrateCommand(program, ctx, run)
  registerVerifyCommand(program, ctx, run)
  registerRollbackCommand(program, ctx, run)
  registerDemoCommand(program, ctx, run)

  // Every subcommand inherits the override, so usage errors surface as CommanderError (exit 2).
  const override = (cmd: Command) => {
    cmd
      .exitOverride()
      .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) })
    cmd.commands.forEach(override)
  }
  program.commands.forEach(override)
  return { command: program, exitCode: () => exitCode }
}

/** Parses argv and runs; returns the process exit code (0 ok, 1 failed, 2 usage error). */
export async function runCli(argv: ReadonlyArray<string>, ctx: CliContext): Promise<number> {
  const program = createProgram(ctx)
  try {
    await program.command.parseAsync([...argv], { from: 'user' })
    return program.exitCode()
  } catch (error) {
    if (error instanceof CommanderError) {
      const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)
      return benign || error.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    }
    throw error
  }
}
