/**
 * The oversized-file manifest (a post-migration deliverable of the brief; issue 6 item 2): every
 * attachment a run did not upload because its Base64 text is over the environment's
 * `maxuploadfilesize` (WEB-API-NOTES.md §12), with where the file is in the export, its size and
 * SHA-256, and the record it belongs to, for manual handling; and, apart, the attachments whose
 * file was missing from the export or that belonged to no migrated record.
 */
import type { ReportDocument, ReportTable } from './report-document'
import { type WrittenFile, writeReport } from './write-report'

/** A record the run did not send, as the journal's run_skip keeps it. */
export type SkippedFile = Readonly<{
  sourceKey: string
  reason: string
  message: string
  details: unknown
}>

const detail = (d: unknown, name: string): string | number | null => {
  if (d === null || typeof d !== 'object') return null
  const v = (d as Record<string, unknown>)[name]
  return typeof v === 'string' || typeof v === 'number' ? v : null
}

function filesTable(id: string, title: string, rows: ReadonlyArray<SkippedFile>): ReportTable {
  return {
    id,
    title,
    columns: [
      { key: 'sourceKey', label: 'Attachment', width: 18 },
      { key: 'filename', label: 'File name', width: 30 },
      { key: 'bytes', label: 'Bytes' },
      { key: 'base64Bytes', label: 'Base64 bytes' },
      { key: 'limit', label: 'Upload limit' },
      { key: 'path', label: 'Path in the export', width: 40 },
      { key: 'sha256', label: 'SHA-256', width: 40 },
      { key: 'message', label: 'Why', width: 60 },
    ],
    rows: rows.map((s) => ({
      sourceKey: s.sourceKey,
      filename: detail(s.details, 'filename'),
      bytes: detail(s.details, 'bytes'),
      base64Bytes: detail(s.details, 'base64Bytes'),
      limit: detail(s.details, 'limit'),
      path: detail(s.details, 'path'),
      sha256: detail(s.details, 'sha256'),
      message: s.message,
    })),
  }
}

/** The manifest as a document. */
export function oversizedFilesDocument(
  skipped: ReadonlyArray<SkippedFile>,
  runNo: number,
  generatedAt: string,
): ReportDocument {
  const oversized = skipped.filter((s) => s.reason === 'oversized-file')
  const other = skipped.filter((s) => s.reason !== 'oversized-file')
  const bytes = oversized.reduce((n, s) => n + Number(detail(s.details, 'bytes') ?? 0), 0)
  return {
    title: 'Oversized-file manifest',
    subtitle: `Attachments run ${runNo} did not upload`,
    generatedAt,
    facts: [
      { label: 'Over the upload limit', value: oversized.length },
      { label: 'Their size (bytes)', value: bytes.toLocaleString('en-US') },
      { label: 'Missing or without a record', value: other.length },
    ],
    sections: [
      {
        heading: 'Over the upload limit',
        paragraphs: [
          'Upload these by hand (or raise the environment’s maximum file size and run the attachments phase again), then check the SHA-256.',
        ],
        table: filesTable('oversized', 'Files over the upload limit', oversized),
      },
      {
        heading: 'Not uploaded for another reason',
        table: filesTable('other', 'Missing files and files without a record', other),
      },
    ],
  }
}

/** Writes the manifest (csv of the oversized files, xlsx, html, json). */
export function writeOversizedFiles(
  dir: string,
  skipped: ReadonlyArray<SkippedFile>,
  runNo: number,
  generatedAt: string,
): Promise<ReadonlyArray<WrittenFile>> {
  return writeReport(dir, 'oversized-files', oversizedFilesDocument(skipped, runNo, generatedAt), {
    formats: ['csv', 'xlsx', 'html', 'json'],
    csvTable: 'oversized',
    json: { runNo, files: skipped },
  })
}
