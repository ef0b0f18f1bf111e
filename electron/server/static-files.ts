/**
 * Serves the built renderer from one folder, never outside it.
 */
import { createReadStream, existsSync, statSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
}

/** Resolves a URL path inside `root`, or null when it would leave it or names no file. */
export function resolveStatic(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/')
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const relative =
    decoded === '/' || decoded === '' ? 'index.html' : normalize(decoded).replace(/^([/\\])+/, '')
  const base = resolve(root)
  const full = resolve(join(base, relative))
  if (full !== base && !full.startsWith(base + sep)) return null
  if (existsSync(full) && statSync(full).isFile()) return full
  // Client-side routes (no extension) fall back to the app shell.
  if (extname(relative) === '') return join(base, 'index.html')
  return null
}

export function sendFile(
  res: ServerResponse,
  file: string,
  extraHeaders: Readonly<Record<string, string>>,
): void {
  const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream'
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', ...extraHeaders })
  createReadStream(file).pipe(res)
}
