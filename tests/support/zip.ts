/**
 * Zips a fixture folder with yazl, optionally under a root folder, with extra entries, and with
 * names yazl itself refuses (absolute, `..`, drive letters): those are written under a placeholder
 * of the same length and patched in the archive bytes, as a tampering tool would.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import yazl from 'yazl'

export type ExtraEntry = Readonly<{
  name: string
  content?: string
  /** Written as a symbolic link (Unix mode bits). */
  symlink?: boolean
}>

function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name)
    if (e.isDirectory()) out.push(...filesUnder(full))
    else out.push(full)
  }
  return out
}

/** Writes `zipPath` holding the files of `dir` (under `rootFolder/` when given) and `extra` entries. */
export async function zipFolder(
  dir: string,
  zipPath: string,
  options: { rootFolder?: string; extra?: ReadonlyArray<ExtraEntry> } = {},
): Promise<string> {
  const zip = new yazl.ZipFile()
  const prefix = options.rootFolder === undefined ? '' : `${options.rootFolder}/`
  for (const full of filesUnder(dir).sort()) {
    const name = prefix + relative(dir, full).split(sep).join('/')
    zip.addBuffer(readFileSync(full), name, { mtime: statSync(full).mtime })
  }
  const patches: Array<[Buffer, Buffer]> = []
  ;(options.extra ?? []).forEach((entry, i) => {
    const placeholder = `zz${String(i).padStart(3, '0')}`.padEnd(Buffer.byteLength(entry.name), 'x')
    patches.push([Buffer.from(placeholder), Buffer.from(entry.name)])
    zip.addBuffer(Buffer.from(entry.content ?? 'x'), placeholder, entry.symlink ? { mode: 0o120777 } : {})
  })
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
  let bytes = Buffer.concat(chunks)
  for (const [from, to] of patches) {
    let at = bytes.indexOf(from)
    while (at !== -1) {
      to.copy(bytes, at)
      at = bytes.indexOf(from, at + to.length)
    }
  }
  bytes = Buffer.from(bytes)
  writeFileSync(zipPath, bytes)
  return zipPath
}
