/**
 * Packs an export folder into a .zip whose single root entry is the `leaf360_export_…` folder (§2),
 * byte for byte the same on every run and machine: entries sorted, DOS timestamps from a fixed local
 * wall-clock (yazl writes local-time DOS dates) and no extended UTC timestamp field.
 *
 * `hostile` adds the entries a tampered archive carries (D13, §2): absolute paths, a drive letter,
 * `..` segments with either separator, and a symbolic link. yazl refuses to write such names, so
 * they are written under same-length placeholders and patched in the finished bytes (the names are
 * not covered by any checksum).
 */
import { createReadStream, createWriteStream, readdirSync, statSync } from 'node:fs'
import { once } from 'node:events'
import { join, relative, sep } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import yazl from 'yazl'

/** The entry time of every zip entry: 2020-01-01 00:00 on the writing machine's wall clock. */
const ENTRY_TIME = () => new Date(2020, 0, 1, 0, 0, 0)

/** The hostile entries `hostile` adds, as the reader will see them. */
export const HOSTILE_ENTRIES = [
  '../evil.txt',
  '/etc/leafbridge-evil.txt',
  'C:/Windows/evil.txt',
  'ROOT/data/..\\..\\evil.txt',
  'ROOT/files/link-to-passwd',
] as const

function listFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name)
      if (statSync(full).isDirectory()) walk(full)
      else out.push(full)
    }
  }
  walk(dir)
  return out
}

/** Replaces same-length placeholders in a byte stream, across chunk boundaries. */
function patcher(pairs: ReadonlyArray<readonly [Buffer, Buffer]>): Transform {
  const keep = Math.max(...pairs.map(([a]) => a.length)) - 1
  let tail: Buffer = Buffer.alloc(0)
  const patch = (buf: Buffer) => {
    for (const [from, to] of pairs) {
      for (let i = buf.indexOf(from); i >= 0; i = buf.indexOf(from, i + to.length)) to.copy(buf, i)
    }
    return buf
  }
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const buf = patch(Buffer.concat([tail, chunk]))
      const cut = Math.max(0, buf.length - keep)
      tail = buf.subarray(cut)
      callback(null, buf.subarray(0, cut))
    },
    flush(callback) {
      callback(null, patch(tail))
    },
  })
}

/** Zips `folder` as `rootName/…` into `zipPath`; returns its size in bytes. */
export async function zipExport(
  folder: string,
  rootName: string,
  zipPath: string,
  hostile: boolean,
): Promise<number> {
  const zip = new yazl.ZipFile()
  const mtime = ENTRY_TIME()
  zip.addEmptyDirectory(`${rootName}/`, { mtime, forceDosTimestamp: true })
  for (const file of listFiles(folder)) {
    const name = `${rootName}/${relative(folder, file).split(sep).join('/')}`
    zip.addReadStream(createReadStream(file), name, {
      mtime,
      forceDosTimestamp: true,
      mode: 0o100644,
      compress: true,
    })
  }
  const pairs: Array<readonly [Buffer, Buffer]> = []
  if (hostile) {
    HOSTILE_ENTRIES.forEach((entry, i) => {
      const real = entry.replace('ROOT', rootName)
      const placeholder = `${String(i)}~LB~HOSTILE${'~'.repeat(real.length)}`.slice(0, real.length)
      pairs.push([Buffer.from(placeholder), Buffer.from(real)])
      const link = entry.endsWith('link-to-passwd')
      zip.addBuffer(
        Buffer.from(link ? '../../../../etc/passwd' : 'This entry must never be extracted.\n'),
        placeholder,
        {
          mtime,
          forceDosTimestamp: true,
          // A symbolic link: S_IFLNK in the unix mode of the external attributes.
          mode: link ? 0o120777 : 0o100644,
          compress: false,
        },
      )
    })
  }
  zip.end()
  const out = createWriteStream(zipPath)
  if (pairs.length > 0) await pipeline(zip.outputStream, patcher(pairs), out)
  else {
    zip.outputStream.pipe(out)
    await once(out, 'finish')
  }
  return statSync(zipPath).size
}
