/**
 * Resolves the open workspace's target connection into a full target profile, secret included,
 * without ever writing the secret to the workspace: it comes from the profile file the operator
 * chose, from the host's protected storage (desktop), or from memory (server mode, this session).
 */
import type { SecretState, TargetConnectionView } from '../../shared/dto/target'
import type { HostServices } from '../context'
import { AppError } from '../errors'
import { readTargetConnection, type TargetConnectionRow } from '../workspace/target-repository'
import type { Workspace } from '../workspace/workspace'
import { loadTargetProfile, type TargetProfile, targetProfileSchema } from './dataverse/profile'

const secretKey = (ws: Workspace, row: Pick<TargetConnectionRow, 'url' | 'clientId'>) =>
  `leafbridge/${ws.summary().workspaceId}/${row.clientId}@${row.url}`

export class TargetSession {
  readonly #host: HostServices
  readonly #memory = new Map<string, string>()

  constructor(host: HostServices) {
    this.#host = host
  }

  /** Where a newly entered secret is kept. */
  get storage(): 'os-protected' | 'memory' {
    return this.#host.storeSecret ? 'os-protected' : 'memory'
  }

  async storeSecret(ws: Workspace, secret: string): Promise<void> {
    const row = this.#require(ws)
    const key = secretKey(ws, row)
    this.#memory.set(key, secret)
    if (this.#host.storeSecret) await this.#host.storeSecret(key, secret)
  }

  async #secret(
    ws: Workspace,
    row: TargetConnectionRow,
  ): Promise<{ value: string | null; state: SecretState }> {
    if (row.authMode === 'device-code') return { value: null, state: 'not-needed' }
    const key = secretKey(ws, row)
    const inMemory = this.#memory.get(key)
    if (this.#host.loadSecret) {
      const stored = inMemory ?? (await this.#host.loadSecret(key))
      return stored ? { value: stored, state: 'stored' } : { value: null, state: 'missing' }
    }
    return inMemory ? { value: inMemory, state: 'session' } : { value: null, state: 'missing' }
  }

  #require(ws: Workspace): TargetConnectionRow {
    const row = readTargetConnection(ws)
    if (row === null) {
      throw new AppError({
        code: 'no-target',
        kind: 'fatal',
        message:
          'No target environment is set for this workspace. Enter its address and application in the Target step.',
      })
    }
    return row
  }

  /** The renderer's view of the connection: settings and where the secret is, never the secret. */
  async view(ws: Workspace): Promise<TargetConnectionView | null> {
    const row = readTargetConnection(ws)
    if (row === null) return null
    if (row.profileFile !== null) {
      const profile = safeProfile(row.profileFile)
      return {
        ...viewBase(row),
        secret:
          profile === null
            ? 'missing'
            : profile.authMode === 'device-code'
              ? 'not-needed'
              : profile.clientSecret
                ? 'in-profile'
                : 'missing',
        secretStorage: this.storage,
        applicationUsers:
          profile === null
            ? 1
            : new Set([profile.clientId, ...profile.applicationUsers.map((u) => u.clientId)]).size,
      }
    }
    const { state } = await this.#secret(ws, row)
    return { ...viewBase(row), secret: state, secretStorage: this.storage, applicationUsers: 1 }
  }

  /** The full profile for the engine's own use (audit, plan, load). */
  async profile(ws: Workspace): Promise<TargetProfile> {
    const row = this.#require(ws)
    if (row.profileFile !== null) return loadTargetProfile(row.profileFile)
    const { value, state } = await this.#secret(ws, row)
    if (state === 'missing') {
      throw new AppError({
        code: 'target-secret-missing',
        kind: 'fatal',
        message:
          this.storage === 'memory'
            ? 'The client secret is not known to this session. Enter it again in the Target step (server mode keeps it in memory only).'
            : 'No client secret is stored for this application. Enter it in the Target step.',
      })
    }
    return targetProfileSchema.parse({
      url: row.url,
      authority: row.authority,
      tenantId: row.tenantId,
      clientId: row.clientId,
      authMode: row.authMode,
      ...(value ? { clientSecret: value } : {}),
      ...(row.caCertFile ? { caCertFile: row.caCertFile } : {}),
    })
  }
}

function safeProfile(file: string): TargetProfile | null {
  try {
    return loadTargetProfile(file)
  } catch {
    return null
  }
}

const viewBase = (row: TargetConnectionRow) => ({
  url: row.url,
  authority: row.authority,
  tenantId: row.tenantId,
  clientId: row.clientId,
  authMode: row.authMode,
  caCertFile: row.caCertFile,
  profileFile: row.profileFile,
  updatedAt: row.updatedAt,
})
