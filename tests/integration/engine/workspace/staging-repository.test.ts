import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { StagingRepository } from '../../../../electron/engine/workspace/staging-repository'
import { Workspace } from '../../../../electron/engine/workspace/workspace'
import { useTempDirs } from '../../../support/temp-dir'

describe('StagingRepository.appendWarnings', () => {
  const tempDir = useTempDirs()

  it('stores the warnings of a record that had none as given, and appends to a record that had some', () => {
    const ws = Workspace.create(join(tempDir(), 'w'), { appVersion: 'test' })
    const repo = new StagingRepository(ws)
    const importId = repo.createImport({
      location: '/x',
      container: 'folder',
      flavour: 'api',
      flavourOrigin: 'manifest',
      timezone: 'UTC',
      portalId: null,
      exportId: null,
      exportKind: 'full',
      partial: false,
      exportedAt: null,
      startedAt: '2025-01-01T00:00:00Z',
      manifest: null,
    })
    const record = (sourceId: string, warnings: string | null) =>
      repo.insertStaged(importId, {
        object: 'contacts',
        sourceId,
        file: 'data/contacts.csv',
        row: 1,
        line: 2,
        origin: 'file',
        archived: false,
        updatedAt: null,
        data: '{}',
        raw: '',
        contentHash: 'h',
        warnings,
      })!
    const issue = (code: string, raw: string | null) => ({ code, column: 'x', raw, reason: null })
    const plain = record('1', null)
    const warned = record('2', JSON.stringify([issue('D03', '555')]))
    const tricky = [issue('D11', 'a"b\\c\n\u2028 José 😀'), issue('D11', null)]
    repo.appendWarnings(plain, JSON.stringify(tricky))
    repo.appendWarnings(warned, JSON.stringify(tricky))
    expect(repo.getStaged(plain)?.warnings).toBe(JSON.stringify(tricky))
    expect(JSON.parse(repo.getStaged(warned)!.warnings!)).toEqual([issue('D03', '555'), ...tricky])
    ws.close()
  })
})
