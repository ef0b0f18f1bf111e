/**
 * Where an export's files come from: a folder or a .zip of that folder. Both present the files
 * under the export's root as `/`-separated relative paths and stream their bytes; nothing is
 * extracted to disk and no file is ever held whole in memory.
 */
import { createReadStream, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs'
import { open as openFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import type { Readable } from 'node:stream'
import yauzl from 'yauzl'
import { AppError } from '../../../errors'
import { describeUnsafeEntries, isZipSymlink, unsafeNameReason, type UnsafeEntry } from './entry-safety'

/** One file of the export, relative to its root. */
export type SourceFile = Readonly<{ path: string; size: number }>

/** An opened export: its files and a way to stream each. */
export type ExportSource = Readonly<{
  kind: 'folder' | 'zip'
  /** The path the operator gave. */
  location: string
  /** Files under the export's root (directories omitted). */
  files: ReadonlyArray<SourceFile>
  /** Paths that lie outside the export's root and are not read (one warning each, §2). */
  outsideRoot: ReadonlyArray<string>
  /** Streams one file's bytes. */
  open: (path: string) => Promise<Readable>
  close: () => Promise<void>
}>

const CHUNK_BYTES = 64 * 1024

const unsafeExport = (location: string, entries: ReadonlyArray<UnsafeEntry>) =>
  new AppError({
    code: 'unsafe-export',
    kind: 'fatal',
    message: describeUnsafeEntries(location, entries),
    details: { entries: entries.map((e) => ({ name: e.name, reason: e.reason })) },
  })

/**
 * Chooses the export's root among the paths: the archive/folder root when it holds manifest.json,
 * else the one top-level folder that holds it (or, without any manifest, the only top-level folder).
 */
export function chooseRoot(paths: ReadonlyArray<string>): string {
  const lower = paths.map((p) => p.toLowerCase())
  if (lower.includes('manifest.json')) return ''
  const withManifest = lower.filter((p) => /^[^/]+\/manifest\.json$/.test(p))
  if (withManifest.length === 1) {
    const index = lower.indexOf(withManifest[0]!)
    return paths[index]!.slice(0, paths[index]!.indexOf('/') + 1)
  }
  const tops = new Set(paths.filter((p) => p.includes('/')).map((p) => p.slice(0, p.indexOf('/') + 1)))
  const looseFiles = paths.some((p) => !p.includes('/'))
  if (tops.size === 1 && !looseFiles) return [...tops][0]!
  return ''
}

function splitByRoot(paths: ReadonlyArray<string>, root: string) {
  const inside: string[] = []
  const outside: string[] = []
  for (const p of paths) {
    if (root !== '' && !p.startsWith(root)) outside.push(p)
    else inside.push(p.slice(root.length))
  }
  return { inside, outside }
}

/** Opens a folder or a .zip as an export source; refuses a tampered archive whole (§2). */
export async function openExportSource(location: string): Promise<ExportSource> {
  let stats: Stats
  try {
    stats = statSync(location)
  } catch {
    throw new AppError({
      code: 'export-not-found',
      kind: 'fatal',
      message: `There is no export at ${location}. Choose the export folder or its .zip file.`,
    })
  }
  if (stats.isDirectory()) return openFolder(location)
  if (await looksLikeZip(location)) return openZip(location)
  throw new AppError({
    code: 'not-an-export',
    kind: 'fatal',
    message: `${location} is neither a folder nor a .zip file. Choose the Leaf360 export folder or its .zip.`,
  })
}

async function looksLikeZip(path: string): Promise<boolean> {
  const handle = await openFile(path, 'r')
  try {
    const head = Buffer.alloc(4)
    const { bytesRead } = await handle.read(head, 0, 4, 0)
    // Local file header, or the end record of an empty archive.
    return bytesRead === 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)
  } finally {
    await handle.close()
  }
}

function openFolder(location: string): ExportSource {
  const base = realpathSync(location)
  const found: Array<{ path: string; size: number }> = []
  const unsafe: UnsafeEntry[] = []
  const walk = (dir: string) => {
    for (const dirent of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, dirent.name)
      const rel = relative(base, full).split(sep).join('/')
      if (dirent.isSymbolicLink()) unsafe.push({ name: rel, reason: 'symbolic-link' })
      else if (dirent.isDirectory()) walk(full)
      else if (dirent.isFile()) found.push({ path: rel, size: lstatSync(full).size })
    }
  }
  walk(base)
  if (unsafe.length > 0) throw unsafeExport(location, unsafe)
  const root = chooseRoot(found.map((f) => f.path))
  const { outside } = splitByRoot(
    found.map((f) => f.path),
    root,
  )
  const files = found
    .filter((f) => root === '' || f.path.startsWith(root))
    .map((f) => ({ path: f.path.slice(root.length), size: f.size }))
  const known = new Set(files.map((f) => f.path))
  return {
    kind: 'folder',
    location,
    files,
    outsideRoot: outside,
    open: async (path) => {
      if (!known.has(path)) throw missingFile(location, path)
      const full = join(base, root, path)
      // Re-checked at open time: the folder may have changed since it was listed.
      if (!statSync(full).isFile()) throw missingFile(location, path)
      return createReadStream(full, { highWaterMark: CHUNK_BYTES })
    },
    close: async () => {},
  }
}

const missingFile = (location: string, path: string) =>
  new AppError({
    code: 'export-file-missing',
    kind: 'fatal',
    message: `${path} is no longer in the export ${location}. Was the export changed while it was read?`,
  })

type ZipListing = { zip: yauzl.ZipFile; entries: Array<{ name: string; entry: yauzl.Entry }> }

function listZip(location: string): Promise<ZipListing> {
  return new Promise((resolve, reject) => {
    // decodeStrings:false: yauzl's own name check would stop at the first bad entry, and §2 asks
    // that the refusal name every one of them.
    yauzl.open(
      location,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true },
      (error, zip) => {
        if (error || !zip) {
          reject(
            new AppError(
              {
                code: 'unreadable-zip',
                kind: 'fatal',
                message: `${location} is not a readable .zip file (${error?.message ?? 'unknown error'}). Check the download, or unpack it and choose the folder.`,
              },
              { cause: error },
            ),
          )
          return
        }
        const entries: ZipListing['entries'] = []
        zip.on('entry', (entry: yauzl.Entry) => {
          const raw = entry.fileName as unknown as Buffer
          const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true)
          entries.push({ name, entry })
          zip.readEntry()
        })
        zip.on('end', () => resolve({ zip, entries }))
        zip.on('error', (e: Error) => {
          zip.close()
          reject(
            new AppError(
              {
                code: 'unreadable-zip',
                kind: 'fatal',
                message: `${location} is damaged (${e.message}). Download the export again.`,
              },
              { cause: e },
            ),
          )
        })
        zip.readEntry()
      },
    )
  })
}

async function openZip(location: string): Promise<ExportSource> {
  const { zip, entries } = await listZip(location)
  const unsafe: UnsafeEntry[] = []
  for (const { name, entry } of entries) {
    const reason =
      unsafeNameReason(name) ?? (isZipSymlink(entry.externalFileAttributes) ? 'symbolic-link' : null)
    if (reason !== null) unsafe.push({ name, reason })
  }
  if (unsafe.length > 0) {
    zip.close()
    throw unsafeExport(location, unsafe)
  }
  const fileEntries = entries
    .map(({ name, entry }) => ({ name: name.replace(/\\/g, '/'), entry }))
    .filter(({ name }) => !name.endsWith('/'))
  const root = chooseRoot(fileEntries.map((e) => e.name))
  const { outside } = splitByRoot(
    fileEntries.map((e) => e.name),
    root,
  )
  const byPath = new Map<string, yauzl.Entry>()
  for (const { name, entry } of fileEntries) {
    if (root === '' || name.startsWith(root)) byPath.set(name.slice(root.length), entry)
  }
  return {
    kind: 'zip',
    location,
    files: [...byPath].map(([path, entry]) => ({ path, size: entry.uncompressedSize })),
    outsideRoot: outside,
    open: async (path) => {
      const entry = byPath.get(path)
      if (!entry) throw missingFile(location, path)
      if (entry.isEncrypted()) {
        throw new AppError({
          code: 'encrypted-zip-entry',
          kind: 'fatal',
          message: `${path} in ${location} is encrypted; export again without a password.`,
        })
      }
      return zip.openReadStreamPromise(entry)
    },
    close: async () => zip.close(),
  }
}
