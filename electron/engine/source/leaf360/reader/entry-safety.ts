/**
 * The archive safety rule of EXPORT-FORMAT.md §2 (and §9 D13, hostile zip entries): an export with
 * any entry that is absolute, carries a drive letter, has a `..` segment (either separator) or is
 * a symbolic link is refused whole, before anything is extracted or staged.
 */

/** Why an entry makes the whole export untrusted. */
export type UnsafeEntryReason =
  'absolute-path' | 'drive-letter' | 'parent-segment' | 'symbolic-link' | 'nul-byte'

/** One entry that makes the export untrusted, with why. */
export type UnsafeEntry = Readonly<{ name: string; reason: UnsafeEntryReason }>

/** The reason an entry name (as stored, separators untouched) is unsafe, or null when it is safe. */
export function unsafeNameReason(name: string): UnsafeEntryReason | null {
  if (name.includes('\0')) return 'nul-byte'
  if (/^[A-Za-z]:/.test(name)) return 'drive-letter'
  if (name.startsWith('/') || name.startsWith('\\')) return 'absolute-path'
  if (name.split(/[/\\]/).some((segment) => segment === '..')) return 'parent-segment'
  return null
}

/** Unix file type bits of a zip entry's external attributes (high 16 bits hold st_mode). */
const S_IFMT = 0o170000
const S_IFLNK = 0o120000

/** Is this zip entry a symbolic link (Unix mode bits in its external attributes)? */
export const isZipSymlink = (externalFileAttributes: number): boolean =>
  ((externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK

const REASON_TEXT: Readonly<Record<UnsafeEntryReason, string>> = {
  'absolute-path': 'absolute path',
  'drive-letter': 'drive letter',
  'parent-segment': '".." segment',
  'symbolic-link': 'symbolic link',
  'nul-byte': 'NUL byte in the name',
}

/** The operator-facing message naming every unsafe entry. */
export function describeUnsafeEntries(location: string, entries: ReadonlyArray<UnsafeEntry>): string {
  const listed = entries.map((e) => `${JSON.stringify(e.name)} (${REASON_TEXT[e.reason]})`).join(', ')
  return (
    `The export ${location} was refused: ${entries.length} ${entries.length === 1 ? 'entry is' : 'entries are'} ` +
    `unsafe: ${listed}. A tampered archive is not trusted, so nothing was extracted or staged. ` +
    `Ask for a fresh export from Leaf360.`
  )
}
