/**
 * Handlers for the workspace domain.
 */
import type { WorkspaceChannels } from '../../shared/ipc/domains/workspace'
import { assertNoRunningJob, type EngineContext } from '../context'
import { Workspace } from '../workspace/workspace'
import type { HandlersFor } from './handlers'

export function workspaceHandlers(ctx: EngineContext): HandlersFor<WorkspaceChannels> {
  const adopt = (next: Workspace) => {
    ctx.workspaces.replace(next)
    ctx.logger.info('workspace opened', { path: next.path })
    return next.summary()
  }
  return {
    'workspace:create': ({ path }) => {
      assertNoRunningJob(ctx)
      return adopt(Workspace.create(path, ctx.workspaceOptions))
    },
    'workspace:open': ({ path }) => {
      assertNoRunningJob(ctx)
      const current = ctx.workspaces.current
      if (current !== null && current.path === Workspace.resolvePath(path)) return current.summary()
      return adopt(Workspace.open(path, ctx.workspaceOptions))
    },
    'workspace:close': () => {
      if (ctx.workspaces.current === null) return { closed: false }
      assertNoRunningJob(ctx)
      ctx.workspaces.replace(null)
      return { closed: true }
    },
    'workspace:get-summary': () => ctx.workspaces.current?.summary() ?? null,
    'workspace:inspect': ({ path }) => {
      const current = ctx.workspaces.current
      if (current !== null && current.path === Workspace.resolvePath(path)) return current.summary()
      return Workspace.inspect(path, ctx.workspaceOptions)
    },
    'workspace:backup': ({ destination }) => {
      const workspace = ctx.workspaces.require()
      return ctx.jobs.start('workspace-backup', `Back up the workspace to ${destination}`, async (job) => {
        job.log('info', `Copying ${workspace.path} to ${destination}.`)
        const result = await workspace.backup(destination, {
          signal: job.signal,
          onProgress: (done, total) => job.progress({ done, total, unit: 'pages' }),
        })
        job.log('info', `Backup complete: ${result.bytes} bytes.`)
        return result
      })
    },
  }
}
