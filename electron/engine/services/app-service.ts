/**
 * Handlers for the app domain: host information and native dialogs.
 */
import type { FeatureId } from '../../shared/dto/app'
import type { AppChannels } from '../../shared/ipc/domains/app'
import type { EngineContext } from '../context'
import type { HandlersFor } from './handlers'
import { AppError } from '../errors'
import { APP_NAME, APP_VERSION } from '../version'
import { LATEST_SCHEMA_VERSION } from '../workspace/migrations'

/** Features whose backend exists in this build; the renderer shows the other steps as not available yet. */
export const FEATURES: ReadonlyArray<FeatureId> = [
  'workspace',
  'source',
  'target',
  'audit',
  'schema-plan',
  'mapping',
  'owners',
  'migrate',
  'verify-reports',
  'rollback',
]

export function appHandlers(ctx: EngineContext): HandlersFor<AppChannels> {
  return {
    'app:get-info': () => ({
      name: APP_NAME,
      version: APP_VERSION,
      host: ctx.host,
      latestSchemaVersion: LATEST_SCHEMA_VERSION,
      capabilities: { nativeDialogs: ctx.hostServices.pickPath !== undefined },
      features: FEATURES,
    }),
    'dialog:pick-path': async ({ purpose }) => {
      const pick = ctx.hostServices.pickPath
      if (!pick) {
        throw new AppError({
          code: 'unsupported-in-host',
          kind: 'fatal',
          message: 'This host has no native file dialog; type the path instead.',
        })
      }
      return { path: await pick(purpose) }
    },
  }
}
