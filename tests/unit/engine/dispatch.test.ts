import { describe, expect, it } from 'vitest'
import { AppError } from '../../../electron/engine/errors'
import { createEngine } from '../../../electron/engine/service'

describe('dispatch', () => {
  it('answers every call with a Result and never throws', async () => {
    const engine = createEngine({ host: 'cli' })
    expect(await engine.dispatch('no:such-channel', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown-channel' },
    })
    const invalid = await engine.dispatch('workspace:create', { path: '' })
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid-request', kind: 'fatal' } })
    if (!invalid.ok) expect(invalid.error.message).toMatch(/path: a path is required/)
    expect(await engine.dispatch('workspace:create', { path: 'x', extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    })
    expect(await engine.dispatch('app:get-info', undefined)).toMatchObject({
      ok: true,
      value: { host: 'cli' },
    })
    await engine.dispose()
  })

  it('turns a handler throw into its AppError data, and an unexpected throw into a bug', async () => {
    const engine = createEngine({ host: 'cli' })
    const noWorkspace = await engine.dispatch('workspace:backup', { destination: '/tmp/x.leafbridge' })
    expect(noWorkspace).toMatchObject({ ok: false, error: { code: 'no-workspace-open', kind: 'fatal' } })
    const dialog = await engine.dispatch('dialog:pick-path', { purpose: 'workspace-open' })
    expect(dialog).toMatchObject({ ok: false, error: { code: 'unsupported-in-host' } })
    const withBrokenHost = createEngine({
      host: 'electron',
      hostServices: {
        pickPath: () => {
          throw new Error('boom')
        },
      },
    })
    expect(await withBrokenHost.dispatch('dialog:pick-path', { purpose: 'workspace-open' })).toMatchObject({
      ok: false,
      error: { code: 'internal-error', kind: 'bug' },
    })
    expect(new AppError({ code: 'x', kind: 'fatal', message: 'm' }).toData()).toEqual({
      code: 'x',
      kind: 'fatal',
      message: 'm',
    })
    await engine.dispose()
    await withBrokenHost.dispose()
  })

  it('reports native dialogs only when the host provides them', async () => {
    const cli = createEngine({ host: 'cli' })
    const desktop = createEngine({
      host: 'electron',
      hostServices: { pickPath: async () => '/chosen.leafbridge' },
    })
    expect(await cli.dispatch('app:get-info', {})).toMatchObject({
      value: { capabilities: { nativeDialogs: false } },
    })
    expect(await desktop.dispatch('app:get-info', {})).toMatchObject({
      value: { capabilities: { nativeDialogs: true } },
    })
    expect(await desktop.dispatch('dialog:pick-path', { purpose: 'workspace-create' })).toEqual({
      ok: true,
      value: { path: '/chosen.leafbridge' },
    })
  })
})
