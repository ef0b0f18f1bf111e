/**
 * Chunked upload of a note's file (https://learn.microsoft.com/power-apps/developer/data-platform/attachment-annotation-files;
 * WEB-API-NOTES §12): `InitializeAnnotationBlocksUpload` with the note as Target (its id chosen by
 * the client, so a retry creates nothing twice), one `UploadBlock` per block of at most 4 MB with
 * Base64 block ids of equal length, then `CommitAnnotationBlocksUpload` with the block list in order.
 * Files above the organisation's maxuploadfilesize (measured on the Base64 text) are refused by
 * the server; the loader skips them before sending.
 */
import type { DataverseRequest } from './client'

/** Largest block Dataverse takes, bytes. */
export const MAX_BLOCK_BYTES = 4 * 1024 * 1024

/** Above this many bytes a file goes in blocks rather than inside the note's body (the guidance: ~4 MB). */
export const CHUNKED_ABOVE_BYTES = 4 * 1024 * 1024

/** The Base64 length of `bytes` bytes: what maxuploadfilesize measures. */
export const base64Length = (bytes: number): number => Math.ceil(bytes / 3) * 4

/** The block id of block `index` (Base64 of a fixed-width name, so every id has the same length). */
export const blockId = (index: number): string =>
  Buffer.from(`block-${String(index).padStart(6, '0')}`).toString('base64')

const annotationTarget = (annotationId: string, columns: Readonly<Record<string, unknown>>) => ({
  '@odata.type': 'Microsoft.Dynamics.CRM.annotation',
  annotationid: annotationId,
  ...columns,
})

export function initializeUpload(
  annotationId: string,
  columns: Readonly<Record<string, unknown>>,
): DataverseRequest {
  return {
    method: 'POST',
    path: 'InitializeAnnotationBlocksUpload',
    body: { Target: annotationTarget(annotationId, columns) },
  }
}

export function uploadBlock(token: string, index: number, data: Buffer): DataverseRequest {
  return {
    method: 'POST',
    path: 'UploadBlock',
    body: { BlockId: blockId(index), BlockData: data.toString('base64'), FileContinuationToken: token },
  }
}

export function commitUpload(
  token: string,
  annotationId: string,
  columns: Readonly<Record<string, unknown>>,
  blocks: number,
): DataverseRequest {
  return {
    method: 'POST',
    path: 'CommitAnnotationBlocksUpload',
    body: {
      Target: annotationTarget(annotationId, columns),
      BlockList: Array.from({ length: blocks }, (_, i) => blockId(i)),
      FileContinuationToken: token,
    },
  }
}
