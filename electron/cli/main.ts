/**
 * Entry point of the `leafbridge` command.
 */
import { createCliContext } from './context'
import { processIo } from './output'
import { runCli } from './program'

const ctx = createCliContext(processIo)
const code = await runCli(process.argv.slice(2), ctx)
await ctx.dispose()
process.exitCode = code
