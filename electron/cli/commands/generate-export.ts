/**
 * `leafbridge generate-export --out DIR [--profile tiny|small|medium|large] [--contacts N] [--seed N]
 * [--flavour api|ui] [--defects RATE] [--zip] [--delta-of DIR --changes RATE] …` (issue 3, CLI contract).
 *
 * `--out` is the export root folder to create (new or empty); with `--zip` it is the .zip file to
 * write, whose single root entry is `leaf360_export_{portal_id}_{YYYYMMDDTHHMMSSZ}/`. Profiles: tiny →
 * §11.1 tiny, small → solo_lo, medium (default) → mid_brokerage, large → large (see generator/options.ts).
 * With `--json`, one JSON document on stdout describes what was written; progress goes to stderr.
 */
import type { Command } from 'commander'
import { InvalidArgumentError, Option } from 'commander'
import { AppError, toAppErrorData } from '../../engine/errors'
import {
  generateExport,
  PROFILE_NAMES,
  type GenerateOptions,
  type GenerateResult,
  type ProfileName,
} from '../../engine/source/leaf360/generator'
import type { CliContext } from '../context'
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, printError, printValue } from '../output'
import type { CommandRunner } from '../program'

const wholeNumber = (name: string) => (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} is a whole number`)
  return n
}
const fraction = (name: string) => (value: string) => {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} is a number ≥ 0`)
  return n
}

type Flags = {
  out: string
  profile: ProfileName
  contacts?: number
  seed: number
  flavour?: 'api' | 'ui'
  defects: number
  zip?: boolean
  deltaOf?: string
  changes?: number
  exportKind?: 'full' | 'incremental'
  exportedAt?: string
  timezone?: string
  maxRowsPerFile?: number
  associationRowCap?: number
  binaries: boolean
  hostileZip?: boolean
  missingIdColumn?: boolean
  invalidJson?: boolean
  canonical: boolean
  json?: boolean
  quiet?: boolean
}

/** The human summary of a generation. */
export function renderGenerateResult(r: GenerateResult & { peakRssMb: number }): string {
  const rows = Object.entries(r.objectCounts)
    .filter(([object]) => !object.startsWith('property_definitions') && object !== 'association_definitions')
    .map(([object, n]) => `  ${object.padEnd(30)} ${n.toLocaleString('en-US')}`)
  const defects = Object.entries(r.defects)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, n]) => `${id}×${n}`)
    .join(' ')
  return [
    `Wrote ${r.zip ? 'zip' : 'folder'} ${r.out} (${r.flavour}, ${r.profile}, seed ${r.seed})`,
    `Root        ${r.root}`,
    `Exported at ${r.exportedAt}${r.previousExportId !== null ? ` (delta of ${r.previousExportId})` : ''}`,
    `Size        ${r.bytes.toLocaleString('en-US')} bytes, ${r.binaries.files.toLocaleString('en-US')} attachment binaries`,
    `Time        ${(r.elapsedMs / 1000).toFixed(1)} s, peak RSS ${r.peakRssMb} MB`,
    'Rows',
    ...rows,
    `Defects     ${defects === '' ? 'none' : defects}`,
    ...(r.delta === null
      ? []
      : [
          'Delta       ' +
            Object.entries(r.delta)
              .map(([k, n]) => `${k}=${n}`)
              .join(' '),
        ]),
  ].join('\n')
}

/** Registers `generate-export`. */
export function registerGenerateExportCommand(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('generate-export')
    .description('write a synthetic Leaf360 export (deterministic for a seed) with its _truth/ oracle')
    .requiredOption(
      '--out <path>',
      'export root folder to create (new or empty); with --zip, the .zip file to write',
    )
    .addOption(
      new Option('--profile <name>', 'size: tiny, small (solo_lo), medium (mid_brokerage), large')
        .choices([...PROFILE_NAMES])
        .default('medium'),
    )
    .option('--contacts <n>', 'contacts (about; other counts scale with it)', wholeNumber('--contacts'))
    .option('--seed <n>', 'seed: the same inputs give byte-identical output', wholeNumber('--seed'), 1)
    .addOption(
      new Option(
        '--flavour <flavour>',
        "api (machine dump, the default) or ui (screen export); a delta keeps its base's",
      ).choices(['api', 'ui']),
    )
    .option(
      '--defects <rate>',
      'multiplies the spec default defect rates; 0 writes a clean export',
      fraction('--defects'),
      1,
    )
    .option('--zip', 'write a .zip (fixed timestamps) instead of a folder')
    .option(
      '--delta-of <path>',
      'a previous generated export (folder or .zip): write a later export of the same portal',
    )
    .option(
      '--changes <rate>',
      'with --delta-of: share of records changed, archived or removed (default 0.1)',
      fraction('--changes'),
    )
    .addOption(
      new Option('--export-kind <kind>', 'with --delta-of: full or incremental').choices([
        'full',
        'incremental',
      ]),
    )
    .option(
      '--exported-at <iso>',
      'export time (ISO-8601 UTC); default derived from the seed, or 14 days after the previous export',
    )
    .option('--timezone <iana>', 'manifest timezone (ui datetimes); default derived from the seed')
    .option(
      '--max-rows-per-file <n>',
      'partition threshold (default 1000000)',
      wholeNumber('--max-rows-per-file'),
    )
    .option(
      '--association-row-cap <n>',
      'most ids per ui Associated … IDs cell',
      wholeNumber('--association-row-cap'),
    )
    .option('--no-binaries', 'leave files/ empty (includes_binaries=false)')
    .option(
      '--hostile-zip',
      'with --zip: add tampered entries (.., absolute, drive letter, symlink): a reader must refuse the archive (D13)',
    )
    .option('--missing-id-column', 'write workflow_enrollments.csv without its id column (missing_id_column)')
    .option('--invalid-json', 'write automation/sequences.json cut in half (invalid_json)')
    .option('--no-canonical', 'skip _truth/canonical/ (benchmarks; deltas need it)')
    .option('--quiet', 'no progress on stderr')
    .option('--json', 'print one JSON document on stdout')
    .action(
      run(async (flags: Flags) => {
        let lastProgress = 0
        const options: GenerateOptions = {
          out: flags.out,
          profile: flags.profile,
          contacts: flags.contacts,
          seed: flags.seed,
          flavour: flags.flavour,
          defects: flags.defects,
          zip: flags.zip === true,
          deltaOf: flags.deltaOf,
          changes: flags.changes,
          exportKind: flags.exportKind,
          exportedAt: flags.exportedAt,
          timezone: flags.timezone,
          maxRowsPerFile: flags.maxRowsPerFile,
          associationRowCap: flags.associationRowCap,
          includeBinaries: flags.binaries,
          hostileZip: flags.hostileZip === true,
          missingIdColumn: flags.missingIdColumn === true,
          invalidJson: flags.invalidJson === true,
          canonical: flags.canonical,
          onProgress: (fraction, message) => {
            const now = Date.now()
            if (flags.quiet === true || (now - lastProgress < 1000 && fraction < 1)) return
            lastProgress = now
            ctx.io.stderr(`generate-export ${Math.round(fraction * 100)}% ${message}\n`)
          },
        }
        try {
          const result = await generateExport(options)
          const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024)
          printValue(ctx.io, flags, { ...result, peakRssMb }, renderGenerateResult)
          return EXIT_OK
        } catch (error) {
          const data = toAppErrorData(error)
          printError(ctx.io, flags, data)
          return error instanceof AppError && error.code === 'invalid-generator-option'
            ? EXIT_USAGE
            : EXIT_FAILED
        }
      }),
    )
}
