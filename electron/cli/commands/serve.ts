/**
 * `leafbridge serve [--port N] [--workspace FILE]`: the wizard in a browser, on 127.0.0.1 only.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { createEngine } from '../../engine/service'
import { createLogger } from '../../engine/logger'
import { startServer } from '../../server/server'
import type { CliContext } from '../context'
import { EXIT_FAILED, EXIT_OK, printError } from '../output'
import type { CommandRunner } from '../program'

/** Where the built renderer lives in a source checkout (`npm run build` writes it). */
export const defaultRendererDir = (): string =>
  process.env['LEAFBRIDGE_RENDERER_DIR'] ?? fileURLToPath(new URL('../../../out/renderer', import.meta.url))

export const parsePort = (value: string): number => {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 picks a free one)')
  }
  return port
}

export function registerServeCommand(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('serve')
    .description('serve the wizard and the API on 127.0.0.1, behind a session token printed in the URL')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 0)
    .option('--workspace <file>', 'open (or create) this workspace at start')
    .action(
      run(async (options: { port: number; workspace?: string }) => {
        const engine = createEngine({ host: 'server', logger: createLogger(undefined, 'serve') })
        if (options.workspace !== undefined) {
          const channel = existsSync(options.workspace) ? 'workspace:open' : 'workspace:create'
          const opened = await engine.dispatch(channel, { path: options.workspace })
          if (!opened.ok) {
            printError(ctx.io, {}, opened.error)
            await engine.dispose()
            return EXIT_FAILED
          }
        }
        const rendererDir = defaultRendererDir()
        if (!existsSync(rendererDir)) {
          ctx.io.stderr(
            `leafbridge: the renderer is not built (${rendererDir}); run \`npm run build\` first. Serving the API only.\n`,
          )
        }
        const server = await startServer({ engine, port: options.port, rendererDir })
        ctx.io.stdout(`Leafbridge is serving at ${server.url}\n`)
        ctx.io.stderr('Open the URL above in a browser on this machine. Press Ctrl+C to stop.\n')
        await new Promise<void>((resolve) => {
          const stop = () => resolve()
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
        })
        await server.close()
        await engine.dispose()
        return EXIT_OK
      }),
    )
}
