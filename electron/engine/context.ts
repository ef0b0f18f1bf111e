/**
 * What every domain's service handlers share: the clock, the logger, the job manager, the host's
 * own services and the one open workspace.
 */
import type { HostKind } from '../shared/dto/app'
import type { PickPathPurpose } from '../shared/ipc/schemas'
import type { Clock } from './clock'
import { AppError } from './errors'
import type { JobManager } from './jobs/job-manager'
import type { Logger } from './logger'
import type { TargetSession } from './target/target-session'
import type { Workspace, WorkspaceOptions } from './workspace/workspace'

/** What only a host can do (a native dialog lives in Electron's main process). */
export type HostServices = Readonly<{
  pickPath?: (purpose: PickPathPurpose) => Promise<string | null>
  /**
   * Keeps a secret protected by the operating system (Electron's safeStorage in the desktop app).
   * Hosts without protected storage leave these out; secrets then live in memory for the session.
   */
  storeSecret?: (key: string, secret: string) => Promise<void>
  loadSecret?: (key: string) => Promise<string | null>
}>

/** Holds the engine's one open workspace. */
export class WorkspaceHolder {
  #current: Workspace | null = null

  get current(): Workspace | null {
    return this.#current?.isOpen ? this.#current : null
  }

  /** The open workspace, or a clear error telling the operator to open one. */
  require(): Workspace {
    const current = this.current
    if (current === null) {
      throw new AppError({
        code: 'no-workspace-open',
        kind: 'fatal',
        message: 'No workspace is open. Create or open a workspace first.',
      })
    }
    return current
  }

  replace(next: Workspace | null): void {
    if (this.#current !== next) this.#current?.close()
    this.#current = next
  }
}

export type EngineContext = Readonly<{
  host: HostKind
  clock: Clock
  logger: Logger
  jobs: JobManager
  hostServices: HostServices
  workspaces: WorkspaceHolder
  workspaceOptions: WorkspaceOptions
  /** The target connection of the open workspace, with its secret (never persisted in clear). */
  target: TargetSession
}>

/** Refuses a change of workspace while a job is still working on the current one. */
export function assertNoRunningJob(ctx: EngineContext): void {
  if (ctx.jobs.list().some((j) => j.state === 'running')) {
    throw new AppError({
      code: 'job-running',
      kind: 'retriable',
      message: 'A job is still running on this workspace. Wait for it to finish or cancel it first.',
    })
  }
}
