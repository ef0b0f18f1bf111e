import { describe, expect, it } from 'vitest'
import type { RollbackPreview } from '../../../../electron/shared/dto/rollback'
import { rollbackTotals } from '../../../../renderer/src/store/rollback-slice'
import { rollbackSentence } from '../../../../renderer/src/wizard/steps/rollback-step'

const preview: RollbackPreview = {
  targetUrl: 'https://contoso.crm.dynamics.com',
  runs: [
    { runId: 'b', runNo: 2, status: 'failed', startedAt: 'then', finishedAt: null },
    { runId: 'a', runNo: 1, status: 'finished', startedAt: 'before', finishedAt: 'later' },
  ],
  tables: {
    contact: { delete: 1200, restore: 3, reopen: 0 },
    opportunity: { delete: 40, restore: 0, reopen: 2 },
  },
  total: 1245,
  alreadyDone: 0,
  resumes: false,
  warnings: [],
}

describe('the rollback confirmation', () => {
  it('adds up what will be undone per kind over every table', () => {
    expect(rollbackTotals(preview)).toEqual({ delete: 1240, restore: 3, reopen: 2 })
  })

  it('says in words what will be deleted, restored and reopened, where, and which runs', () => {
    expect(rollbackSentence(preview)).toBe(
      'This will delete 1,240 records the migration created, restore the earlier values of 3 records it changed, reopen 2 records it closed in https://contoso.crm.dynamics.com, undoing runs 2, 1.',
    )
    expect(
      rollbackSentence({
        ...preview,
        runs: preview.runs.slice(1),
        tables: { account: { delete: 1, restore: 0, reopen: 0 } },
      }),
    ).toBe(
      'This will delete 1 record the migration created in https://contoso.crm.dynamics.com, undoing run 1.',
    )
  })
})
