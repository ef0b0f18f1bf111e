/**
 * `leafbridge workspace init FILE` and `leafbridge workspace info FILE`.
 */
import type { Command } from 'commander'
import type { WorkspaceSummary } from '../../shared/dto/workspace'
import type { CliContext } from '../context'
import { report } from '../output'
import type { CommandRunner } from '../program'

export function renderSummary(s: WorkspaceSummary): string {
  const lines = [
    `Workspace   ${s.name}`,
    `Path        ${s.path}`,
    `Id          ${s.workspaceId}`,
    `Created     ${s.createdAt} (Leafbridge ${s.createdWithVersion})`,
    `Schema      ${s.schemaVersion} of ${s.latestSchemaVersion}${s.needsUpgrade ? ' (will be upgraded when opened)' : ''}`,
    `Size        ${s.fileBytes.toLocaleString('en-US')} bytes`,
    'Holds',
    ...s.contents.map((c) => `  ${c.label.padEnd(30)} ${c.count.toLocaleString('en-US')}`),
  ]
  return lines.join('\n')
}

export function registerWorkspaceCommands(program: Command, ctx: CliContext, run: CommandRunner): void {
  const workspace = program
    .command('workspace')
    .description('create and inspect workspace files (*.leafbridge)')

  workspace
    .command('init')
    .description('create a new workspace file')
    .argument('<file>', 'path of the new workspace (.leafbridge is added when missing)')
    .option('--json', 'print one JSON document on stdout')
    .action(
      run(async (file: string, options: { json?: boolean }) => {
        const result = await ctx.call('workspace:create', { path: file })
        return report(ctx.io, options, result, (s) => `Created workspace ${s.path}\n\n${renderSummary(s)}`)
      }),
    )

  workspace
    .command('info')
    .description('show what a workspace holds (read-only; never upgrades the file)')
    .argument('<file>', 'path of the workspace')
    .option('--json', 'print one JSON document on stdout')
    .action(
      run(async (file: string, options: { json?: boolean }) => {
        const result = await ctx.call('workspace:inspect', { path: file })
        return report(ctx.io, options, result, renderSummary)
      }),
    )
}
