/**
 * The service layer: one function per contract channel, gathered from each domain's handlers.
 * Desktop IPC, the HTTP server and the CLI all reach the engine through `dispatch`, so they
 * cannot drift apart.
 */
import type { HostKind } from '../shared/dto/app'
import type { JobEvent } from '../shared/jobs'
import type { Result } from '../shared/result'
import { systemClock, type Clock } from './clock'
import { type EngineContext, type HostServices, WorkspaceHolder } from './context'
import { type ServiceHandlers, dispatch } from './dispatch'
import { JobManager } from './jobs/job-manager'
import { TargetSession } from './target/target-session'
import { silentLogger, type Logger } from './logger'
import { appHandlers } from './services/app-service'
import { jobHandlers } from './services/job-service'
import { planHandlers } from './services/plan-service'
import { rollbackHandlers } from './services/rollback-service'
import { runHandlers } from './services/run-service'
import { sourceHandlers } from './services/source-service'
import { targetHandlers } from './services/target-service'
import { verifyHandlers } from './services/verify-service'
import { workspaceHandlers } from './services/workspace-service'
import { APP_VERSION } from './version'

export type { HostServices } from './context'

export type EngineOptions = Readonly<{
  host: HostKind
  clock?: Clock
  logger?: Logger
  hostServices?: HostServices
  /** Electron-ABI better-sqlite3 build, when the engine runs inside Electron. */
  nativeBinding?: string
}>

export type Engine = Readonly<{
  handlers: ServiceHandlers
  jobs: JobManager
  context: EngineContext
  dispatch: (channel: string, request: unknown) => Promise<Result<unknown>>
  onJobEvent: (listener: (event: JobEvent) => void) => () => void
  /** Cancels running jobs and closes the open workspace. */
  dispose: () => Promise<void>
}>

export function createEngine(options: EngineOptions): Engine {
  const clock = options.clock ?? systemClock
  const jobs = new JobManager(clock)
  const hostServices = options.hostServices ?? {}
  const context: EngineContext = {
    host: options.host,
    clock,
    logger: options.logger ?? silentLogger,
    jobs,
    hostServices,
    target: new TargetSession(hostServices),
    workspaces: new WorkspaceHolder(),
    workspaceOptions: {
      appVersion: APP_VERSION,
      clock,
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    },
  }
  const handlers: ServiceHandlers = {
    ...appHandlers(context),
    ...workspaceHandlers(context),
    ...jobHandlers(context),
    ...targetHandlers(context),
    ...sourceHandlers(context),
    ...planHandlers(context),
    ...verifyHandlers(context),
    ...rollbackHandlers(context),
    ...runHandlers(context),
  }
  return {
    handlers,
    jobs,
    context,
    dispatch: (channel, request) => dispatch(handlers, channel, request),
    onJobEvent: (listener) => jobs.subscribe(listener),
    dispose: async () => {
      await jobs.shutdown()
      context.workspaces.replace(null)
    },
  }
}
