/**
 * The single-writer lock: one Leafbridge process at a time may write a workspace.
 *
 * SQLite would serialise writers anyway, but two engines interleaving journal rows of two runs
 * would be a mess no one could roll back. A lock file beside the workspace names the holder;
 * a lock left by a process that no longer exists on this host is taken over.
 */
import { randomUUID } from 'node:crypto'
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { AppError } from '../errors'

type LockInfo = Readonly<{ pid: number; host: string; token: string; since: string }>

const held = new Map<string, string>()
let exitHookInstalled = false

export const lockPathFor = (workspacePath: string): string => `${workspacePath}-lock`

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readLock(lockPath: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as LockInfo
  } catch {
    return null
  }
}

/** Takes the write lock of `workspacePath`; returns the function that releases it. */
export function acquireWriteLock(workspacePath: string): () => void {
  if (held.has(workspacePath)) {
    throw new AppError({
      code: 'workspace-locked',
      kind: 'fatal',
      message: `${workspacePath} is already open in this Leafbridge. Close it before opening it again.`,
    })
  }
  const lockPath = lockPathFor(workspacePath)
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    token: randomUUID(),
    since: new Date().toISOString(),
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600)
      writeSync(fd, JSON.stringify(info))
      closeSync(fd)
      held.set(workspacePath, info.token)
      installExitHook()
      return () => releaseWriteLock(workspacePath)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = readLock(lockPath)
      const stale = holder !== null && holder.host === info.host && !isAlive(holder.pid)
      if (holder !== null && !stale) {
        throw new AppError({
          code: 'workspace-locked',
          kind: 'fatal',
          message:
            `${workspacePath} is open in another Leafbridge (process ${holder.pid} on ${holder.host}, since ${holder.since}). ` +
            `Close it there first; \`leafbridge workspace info\` can still read it.`,
          details: { pid: holder.pid, host: holder.host },
        })
      }
      // Stale (its process is gone) or unreadable (a crash while writing it): take it over.
      try {
        unlinkSync(lockPath)
      } catch {
        // Another process may have removed it first; the next attempt decides.
      }
    }
  }
  throw new AppError({
    code: 'workspace-locked',
    kind: 'retriable',
    message: `Could not take the lock of ${workspacePath}; another process is opening it. Try again.`,
  })
}

function releaseWriteLock(workspacePath: string): void {
  const token = held.get(workspacePath)
  if (token === undefined) return
  held.delete(workspacePath)
  const lockPath = lockPathFor(workspacePath)
  if (readLock(lockPath)?.token === token) {
    try {
      unlinkSync(lockPath)
    } catch {
      // Already gone.
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const path of [...held.keys()]) releaseWriteLock(path)
  })
}
