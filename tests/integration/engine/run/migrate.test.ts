import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../../electron/engine/clock'
import { AppError } from '../../../../electron/engine/errors'
import { runMigration } from '../../../../electron/engine/run/run-migration'
import { JournalRepository } from '../../../../electron/engine/workspace/journal-repository'
import { contentDigest, duplicateKeys } from '../../../support/run/content-digest'
import { prepareMigration } from '../../../support/run/migration-fixture'
import { useTempDirs } from '../../../support/temp-dir'

type Row = Record<string, unknown>
const now = () => new Date().toISOString()

describe('runMigration against the sandbox', () => {
  const tempDir = useTempDirs()

  it('loads every phase: records, BPF stages, parties, files, connections and closing state, each write journaled', async () => {
    const f = await prepareMigration(tempDir())
    try {
      const connection = f.connect(2)
      const summary = await runMigration({ workspace: f.workspace, connection, clock: systemClock })
      await connection.close()
      expect(summary.status).toBe('finished')
      expect(summary.records.failed).toBe(0)
      expect(summary.tables['account']).toMatchObject({ expected: 4, loaded: 4, failed: 0 })
      expect(summary.tables['contact']).toMatchObject({ expected: 5, loaded: 5 })
      expect(summary.tables['lead']).toMatchObject({ expected: 2, loaded: 2 })
      expect(summary.tables['opportunity']).toMatchObject({ expected: 4, loaded: 4 })
      expect(summary.tables['annotation']).toMatchObject({ expected: 5, loaded: 4, skipped: 1 })
      expect(summary.tables['connection']).toMatchObject({ expected: 4, loaded: 4 })
      expect(summary.tables['opportunityclose']).toMatchObject({ loaded: 2 })
      expect(summary.oversizedFiles).toBe(1)

      const store = f.sandbox.sandbox.environment.store
      const byKey = (table: string, key: string) =>
        [...store.rows(table).values()].find(
          (r) => (r as Row)['lb_sourceid'] === key && (r as Row)['ismaster'] !== false,
        ) as Row | undefined
      // Accounts: the parent link set in the second pass.
      const north = byKey('account', 'company-7000002')!
      const acme = byKey('account', 'company-7000001')!
      expect((north['parentaccountid'] as { id: string }).id).toBe(acme['accountid'])
      // Contacts without a company land on the placeholder account.
      const placeholder = byKey('account', 'placeholder-account')!
      expect((byKey('contact', 'contact-5000007')!['parentcustomerid'] as { id: string }).id).toBe(
        placeholder['accountid'],
      )
      // Original creation time through overriddencreatedon.
      expect(byKey('contact', 'contact-5000001')!['createdon']).toBe('2024-01-04T12:00:00Z')
      // The won deal: closed through WinOpportunity with the original close date.
      const won = byKey('opportunity', 'deal-9000002')!
      expect(won['statecode']).toBe(1)
      const close = [...store.rows('opportunityclose').values()].find(
        (r) => ((r as Row)['opportunityid'] as { id: string }).id === won['opportunityid'],
      ) as Row
      expect(close['actualend']).toBe('2024-05-15T12:00:00Z')
      expect(byKey('opportunity', 'deal-9000003')!['statecode']).toBe(2)
      // The open deal's BPF instance sits at its stage, the path ending there.
      const open = byKey('opportunity', 'deal-9000001')!
      const instance = [...store.rows('lb_bpf_default').values()].find(
        (r) => ((r as Row)['bpf_opportunityid'] as { id: string }).id === open['opportunityid'],
      ) as Row
      const stage = store.get('processstage', (instance['activestageid'] as { id: string }).id) as Row
      expect(stage['stagename']).toBe('Processing')
      expect(String(instance['traversedpath']).split(',').at(-1)).toBe(
        (instance['activestageid'] as { id: string }).id,
      )
      // The e-mail's parties: the sender user, the contact by address, an unresolved address kept.
      const email = byKey('email', 'email-3000002')!
      const parties = [...store.rows('activityparty').values()].filter(
        (r) => ((r as Row)['activityid'] as { id: string }).id === email['activityid'],
      ) as Row[]
      expect(parties.map((p) => p['addressused']).sort()).toEqual(
        ['ann@lender.example', 'c0-1@example.org', 'c0-2@example.org', 'stranger@elsewhere.example'].sort(),
      )
      expect(
        parties.find((p) => p['addressused'] === 'stranger@elsewhere.example')!['partyid'] ?? null,
      ).toBeNull()
      expect(email['statecode']).toBe(1)
      // The 4.4 MB file went in blocks; the 5 MB one is over the 6 MB Base64 limit and listed.
      const appraisal = byKey('annotation', 'file-8800003')!
      expect(appraisal['filesize']).toBe(4_400_000)
      const journal = new JournalRepository(f.workspace, now)
      const run = journal.latestRun()!
      expect(journal.skips(run.runId, 'oversized-file').map((s) => s.sourceKey)).toEqual(['file-8800004'])
      // Every intent has its outcome; every loaded record is in the id map.
      expect(journal.totals(run.runId).pending).toBe(0)
      expect(journal.idMap('contact').get('contact-5000001')).toBe(
        byKey('contact', 'contact-5000001')!['contactid'],
      )
      expect(duplicateKeys(f.sandbox.sandbox)).toEqual([])
    } finally {
      await f.close()
    }
  })

  it('a second run writes only what differs from the target, journals its before-image, and duplicates nothing', async () => {
    const f = await prepareMigration(tempDir())
    try {
      const first = f.connect(1)
      await runMigration({ workspace: f.workspace, connection: first, clock: systemClock })
      await first.close()
      const counts = f.sandbox.sandbox.stateHash().tables
      const digest = contentDigest(f.sandbox.sandbox)
      // Someone edits a migrated contact in Dynamics between the runs.
      const edited = await f.sandbox.request('PATCH', "contacts(lb_sourceid='contact-5000001')", {
        body: { firstname: 'Edited' },
        headers: { 'if-match': '*' },
      })
      expect(edited.status).toBe(204)
      const second = f.connect(1)
      const summary = await runMigration({ workspace: f.workspace, connection: second, clock: systemClock })
      await second.close()
      expect(summary.records.failed).toBe(0)
      expect(summary.tables['contact']).toMatchObject({ expected: 5, loaded: 5 })
      expect(f.sandbox.sandbox.stateHash().tables).toEqual(counts)
      expect(contentDigest(f.sandbox.sandbox)).toBe(digest)
      const journal = new JournalRepository(f.workspace, now)
      const run = journal.latestRun()!
      const intents = journal.intentsPage(run.runId, 0, 10_000).filter((i) => i.step === 'load')
      expect(intents.map((i) => i.sourceKey)).toEqual(['contact-5000001'])
      expect(intents[0]).toMatchObject({ existed: true, operation: 'upsert' })
      expect((intents[0]!.beforeImage as Row)['firstname']).toBe('Edited')
      expect((intents[0]!.request as { body: Row }).body).toEqual({ firstname: 'First1' })
      expect(duplicateKeys(f.sandbox.sandbox)).toEqual([])
    } finally {
      await f.close()
    }
  })

  it('a record the target refuses fails alone with its reason while the rest of its call loads', async () => {
    const f = await prepareMigration(tempDir(), { export: { scale: 3, largeFiles: false } })
    try {
      const connection = f.connect(1)
      await runMigration({ workspace: f.workspace, connection, clock: systemClock, phases: ['accounts'] })
      // The household company of the second pattern disappears from the target before contacts load.
      const gone = await f.sandbox.request('DELETE', "accounts(lb_sourceid='company-7000013')")
      expect(gone.status).toBe(204)
      const summary = await runMigration({
        workspace: f.workspace,
        connection,
        clock: systemClock,
        phases: ['contacts'],
        newRun: true,
        chunkSize: 100,
      })
      await connection.close()
      expect(summary.tables['contact']).toMatchObject({ expected: 15, loaded: 13, failed: 2 })
      const journal = new JournalRepository(f.workspace, now)
      const failures = journal.failures(summary.runId, 10)
      expect(failures.map((x) => x.sourceKey).sort()).toEqual(['contact-5000101', 'contact-5000102'])
      expect(failures[0]!.verdict).toBe('skippable')
      expect(failures[0]!.message).toMatch(/Does Not Exist|not found/i)
    } finally {
      await f.close()
    }
  })

  it('stops on a fatal verdict with the run, phase, entity set and record, and resumes after the fix', async () => {
    const f = await prepareMigration(tempDir())
    try {
      const broken = structuredClone(f.mapping) as typeof f.mapping
      const contacts = broken.objects.find((o) => o.id === 'contacts')!
      contacts.fields.push({
        id: 'bogus',
        source: 'first_name',
        target: 'lb_nosuchcolumn',
        type: 'string',
        transform: { kind: 'copy' },
        verify: true,
        status: 'mapped',
      })
      const connection = f.connect(1)
      const error = await runMigration({
        workspace: f.workspace,
        connection,
        clock: systemClock,
        mapping: broken,
      }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AppError)
      const details = (error as AppError).details as Record<string, unknown>
      expect((error as AppError).code).toBe('run-stopped')
      expect(details).toMatchObject({ phase: 'contacts', entitySet: 'contacts' })
      expect(String(details['sourceKey'])).toMatch(/^contact-/)
      expect(details['runId']).toBe(new JournalRepository(f.workspace, now).latestRun()!.runId)
      expect(f.sandbox.sandbox.stateHash().tables['contact'] ?? 0).toBe(0)
      // The operator fixes the mapping: a new run loads everything.
      const summary = await runMigration({
        workspace: f.workspace,
        connection,
        clock: systemClock,
        newRun: true,
      })
      await connection.close()
      expect(summary.records.failed).toBe(0)
      expect(summary.tables['contact']).toMatchObject({ loaded: 5 })
    } finally {
      await f.close()
    }
  })

  it('settles the unknown outcomes of every step at resume by reading the target, and sends nothing twice', async () => {
    const f = await prepareMigration(tempDir())
    try {
      const connection = f.connect(1)
      const done = await runMigration({ workspace: f.workspace, connection, clock: systemClock })
      const digest = contentDigest(f.sandbox.sandbox)
      // A run whose every write was sent but whose process died before any outcome was journaled.
      const journal = new JournalRepository(f.workspace, now)
      const sent = journal.intentsPage(done.runId, 0, 100_000)
      const crashed = journal.createRun({
        runId: '6b2c3f3e-1f4d-4c41-9a8e-2f5a7c1d0e11',
        kind: 'migrate',
        targetUrl: f.profile.url,
        importId: journal.getRun(done.runId)!.importId,
        phases: journal.getRun(done.runId)!.phases,
        users: 1,
        mapping: f.mapping,
        mappingSha256: 'test',
        at: now(),
      })
      journal.recordIntents(
        crashed.runId,
        sent.map(({ intentId: _i, runId: _r, seq: _s, at: _a, ...intent }) => intent),
      )
      expect(journal.totals(crashed.runId).pending).toBe(sent.length)
      const creates = sent.filter((i) => i.existed === false).length
      const steps = new Set(sent.map((i) => i.step))
      expect([...steps].sort()).toEqual(['bpf', 'close', 'complete', 'load', 'parent-link'])

      const resumed = await runMigration({ workspace: f.workspace, connection, clock: systemClock })
      await connection.close()
      expect(resumed.runId).toBe(crashed.runId)
      expect(resumed.settledOnResume).toEqual({ applied: creates, absent: sent.length - creates })
      expect(resumed.records.failed).toBe(0)
      expect(journal.totals(crashed.runId).pending).toBe(0)
      // Nothing was written again: every settled update was found already done.
      expect(journal.intentsPage(crashed.runId, sent.length, 100)).toEqual([])
      expect(contentDigest(f.sandbox.sandbox)).toBe(digest)
    } finally {
      await f.close()
    }
  })

  it('a cancelled run resumes where it stopped and ends as an uninterrupted run does', async () => {
    const clean = await prepareMigration(tempDir())
    let expected: string
    try {
      const c = clean.connect(1)
      await runMigration({ workspace: clean.workspace, connection: c, clock: systemClock })
      await c.close()
      expected = contentDigest(clean.sandbox.sandbox)
    } finally {
      await clean.close()
    }
    const f = await prepareMigration(tempDir(), { sandbox: { latency: '40,0' } })
    try {
      const controller = new AbortController()
      const connection = f.connect(1)
      const first = runMigration({
        workspace: f.workspace,
        connection,
        clock: systemClock,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'opportunities') controller.abort()
        },
      })
      await expect(first).rejects.toMatchObject({ code: 'cancelled' })
      const journal = new JournalRepository(f.workspace, now)
      expect(journal.latestRun()!.status).toBe('cancelled')
      const summary = await runMigration({ workspace: f.workspace, connection, clock: systemClock })
      await connection.close()
      expect(summary.resumed).toBe(true)
      expect(summary.runId).toBe(journal.latestRun()!.runId)
      expect(contentDigest(f.sandbox.sandbox)).toBe(expected)
      expect(duplicateKeys(f.sandbox.sandbox)).toEqual([])
    } finally {
      await f.close()
    }
  })
})
