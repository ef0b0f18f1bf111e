/**
 * How every CLI command reports: with `--json`, exactly one JSON document on stdout and all
 * progress on stderr; otherwise readable text. Exit codes: 0 ok, 1 failed, 2 usage error.
 */
import type { AppErrorData, Result } from '../shared/result'

export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

export type OutputOptions = Readonly<{ json?: boolean }>

export type Io = Readonly<{
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** Is stderr an interactive terminal (progress bars redraw in place)? */
  stderrIsTty: boolean
}>

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTty: Boolean(process.stderr.isTTY),
}

/** Prints a value: JSON on stdout, or the human rendering. */
export function printValue<T>(io: Io, options: OutputOptions, value: T, human: (value: T) => string): void {
  if (options.json) io.stdout(JSON.stringify(value, null, 2) + '\n')
  else io.stdout(human(value) + '\n')
}

/** Prints an error: `{"error":…}` on stdout with --json (still one document), else a message on stderr. */
export function printError(io: Io, options: OutputOptions, error: AppErrorData): void {
  if (options.json) io.stdout(JSON.stringify({ error }, null, 2) + '\n')
  else io.stderr(`leafbridge: ${error.message} [${error.code}]\n`)
}

/** Prints a Result and returns the exit code for it. */
export function report<T>(
  io: Io,
  options: OutputOptions,
  result: Result<T>,
  human: (value: T) => string,
): number {
  if (result.ok) {
    printValue(io, options, result.value, human)
    return EXIT_OK
  }
  printError(io, options, result.error)
  return EXIT_FAILED
}
