import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import yauzl from 'yauzl'
import { describe, expect, it } from 'vitest'
import { generateExport, HOSTILE_ENTRIES } from '../../../../../../electron/engine/source/leaf360/generator'
import { DEFECT_IDS } from '../../../../../../electron/engine/source/leaf360/spec/defects'
import {
  deltaLineSchema,
  generatorTruthSchema,
} from '../../../../../../electron/engine/source/leaf360/spec/truth'
import { useTempDirs } from '../../../../../support/temp-dir'
import {
  countCsvRecords,
  countXlsxRows,
  csvObjects,
  readDefects,
  readManifest,
  sha256,
  xlsxRows,
} from './export-files'

/** Defect kinds that cannot occur in a flavour's export (§7, §9) or outside a delta (D41). */
const NOT_IN = {
  api: ['D32', 'D34', 'D41'],
  ui: ['D18', 'D35', 'D42', 'D41'],
} as const

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort()
}

async function zipEntries(path: string): Promise<Array<{ name: string; mode: number }>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    // decodeStrings: false, or yauzl itself refuses the hostile names before we can look at them.
    yauzl.open(path, { lazyEntries: true, decodeStrings: false }, (e, z) =>
      e || !z ? reject(e) : resolve(z),
    ),
  )
  const names: Array<{ name: string; mode: number }> = []
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      names.push({
        name: Buffer.from(entry.fileName as unknown as Uint8Array).toString('utf8'),
        mode: (entry.externalFileAttributes >>> 16) & 0xffff,
      })
      zip.readEntry()
    })
    zip.on('end', () => resolve())
    zip.on('error', reject)
    zip.readEntry()
  })
  return names
}

describe('generateExport', () => {
  const tempDir = useTempDirs('leafbridge-gen-')

  it.each(['api', 'ui'] as const)(
    'writes a %s export whose manifest matches every file except the D31 mismatches it records',
    async (flavour) => {
      const out = join(tempDir(), 'export')
      const result = await generateExport({ out, profile: 'tiny', seed: 21, flavour })
      const manifest = readManifest(out)
      expect(manifest.flavour).toBe(flavour)
      expect(manifest.portal_id).toBe(result.portalId)
      const mismatches = new Set(
        readDefects(out)
          .filter((d) => d.defect_id === 'D31')
          .map((d) => (d.variant === 'listed-file-missing' ? `${d.file}|missing` : `${d.file}|${d.column}`)),
      )
      const actualRows = new Map<string, number>()
      for (const f of manifest.files) {
        const path = join(out, f.path)
        if (mismatches.has(`${f.path}|missing`)) {
          expect(existsSync(path), f.path).toBe(false)
          continue
        }
        if (!mismatches.has(`${f.path}|bytes`)) expect(statSync(path).size, f.path).toBe(f.bytes)
        if (!mismatches.has(`${f.path}|sha256`)) expect(sha256(path), f.path).toBe(f.sha256)
        const rows =
          f.format === 'json'
            ? (
                Object.values(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>).find(
                  Array.isArray,
                ) as unknown[]
              ).length
            : f.format === 'xlsx'
              ? await countXlsxRows(path)
              : countCsvRecords(readFileSync(path))
        actualRows.set(f.object, (actualRows.get(f.object) ?? 0) + rows)
        if (!mismatches.has(`${f.path}|rows`)) expect(rows, f.path).toBe(f.rows)
        else expect(f.rows).toBe(rows + 1)
      }
      // object_counts counts the rows written per object (§3), except the recorded D31 edit.
      for (const [object, count] of Object.entries(manifest.object_counts)) {
        if (!actualRows.has(object)) continue
        expect(count, object).toBe((actualRows.get(object) ?? 0) + (object === 'contacts' ? 2 : 0))
      }
      // Files not listed: _truth/ (never listed), binaries, and the one unlisted file D31 records.
      const listed = new Set(manifest.files.map((f) => f.path))
      const unlisted = files(out).filter(
        (p) => !listed.has(p) && p !== 'manifest.json' && !p.startsWith('_truth/') && !p.startsWith('files/'),
      )
      expect(unlisted).toEqual(['data/export_log.txt'])
    },
  )

  it.each(['api', 'ui'] as const)(
    'holds every defect kind of the %s flavour in a tiny export, each line pointing at a real row',
    async (flavour) => {
      const out = join(tempDir(), 'export')
      const result = await generateExport({ out, profile: 'tiny', seed: 4, flavour })
      const lines = readDefects(out)
      const expected = DEFECT_IDS.filter((id) => !(NOT_IN[flavour] as ReadonlyArray<string>).includes(id))
      expect([...new Set(lines.map((l) => l.defect_id))].sort()).toEqual([...expected].sort())
      expect(Object.keys(result.defects).sort()).toEqual([...expected].sort())
      const manifest = readManifest(out)
      const rowsOf = new Map(manifest.files.map((f) => [f.path, f.rows]))
      for (const line of lines) {
        if (line.row === null) continue
        const rows = rowsOf.get(line.file)
        expect(rows, `${line.defect_id} ${line.file}`).toBeDefined()
        expect(line.row, `${line.defect_id} ${line.file}`).toBeLessThanOrEqual(
          (rows ?? 0) + (line.file === 'data/owners.csv' ? 1 : 0),
        )
      }
      // Every quarantine reason code of the spec occurs except the opt-in ones.
      const reasons = new Set(lines.filter((l) => l.expect === 'quarantine').map((l) => l.reason))
      const optIn = ['missing_id_column', 'invalid_json']
      const apiOnly = ['orphan_history', 'orphan_association', 'duplicate_row', 'duplicate_id_conflict']
      for (const reason of [
        'column_count_mismatch',
        'malformed_csv',
        'unsafe_path',
        'id_unrecoverable',
        'missing_id',
        ...(flavour === 'api' ? apiOnly : []),
      ]) {
        expect(reasons, reason).toContain(reason)
      }
      for (const reason of optIn) expect(reasons).not.toContain(reason)
      // A real contact quarantined for its shape (D22): references to it are D11 target_quarantined.
      const real = lines.find(
        (l) => l.variant === 'column-count-mismatch' && l.file.startsWith('data/contacts'),
      )
      const references = lines.filter((l) => l.variant === 'target-quarantined')
      if (flavour === 'api') {
        expect(real?.record_id).toBeDefined()
        expect(references.length).toBeGreaterThan(0)
        for (const r of references) expect(r.clean_value?.split(';')).toContain(real?.record_id)
      }
    },
  )

  it('writes the same bytes for the same seed, zip included', async () => {
    const [a, b] = [tempDir(), tempDir()]
    await generateExport({ out: join(a, 'x'), profile: 'tiny', seed: 9, flavour: 'api' })
    await generateExport({ out: join(b, 'x'), profile: 'tiny', seed: 9, flavour: 'api' })
    const fa = files(join(a, 'x'))
    expect(fa).toEqual(files(join(b, 'x')))
    for (const f of fa) expect(sha256(join(a, 'x', f)), f).toBe(sha256(join(b, 'x', f)))
    await generateExport({ out: join(a, 'x.zip'), profile: 'tiny', seed: 9, flavour: 'ui', zip: true })
    await generateExport({ out: join(b, 'x.zip'), profile: 'tiny', seed: 9, flavour: 'ui', zip: true })
    expect(sha256(join(a, 'x.zip'))).toBe(sha256(join(b, 'x.zip')))
    const other = tempDir()
    await generateExport({ out: join(other, 'x'), profile: 'tiny', seed: 10, flavour: 'api' })
    expect(sha256(join(other, 'x', 'data', 'contacts.csv'))).not.toBe(
      sha256(join(a, 'x', 'data', 'contacts.csv')),
    )
  })

  it('puts the export under a single leaf360_export_{portal}_{timestamp}/ root in a zip', async () => {
    const out = join(tempDir(), 'export.zip')
    const result = await generateExport({ out, profile: 'tiny', seed: 2, flavour: 'api', zip: true })
    expect(result.root).toMatch(/^leaf360_export_\d+_\d{8}T\d{6}Z$/)
    const names = (await zipEntries(out)).map((e) => e.name)
    expect(names.every((n) => n.startsWith(`${result.root}/`))).toBe(true)
    expect(names).toContain(`${result.root}/manifest.json`)
    expect(names).toContain(`${result.root}/_truth/defects.jsonl`)
    expect(existsSync(`${out}.partial`)).toBe(false)
  })

  it('adds the tampered entries of D13 only behind --hostile-zip', async () => {
    const out = join(tempDir(), 'hostile.zip')
    const result = await generateExport({
      out,
      profile: 'tiny',
      seed: 2,
      flavour: 'api',
      zip: true,
      hostileZip: true,
    })
    const entries = await zipEntries(out)
    const names = entries.map((e) => e.name)
    for (const h of HOSTILE_ENTRIES) expect(names).toContain(h.replace('ROOT', result.root))
    expect(result.defectVariants['D13/hostile-zip-entry']).toBe(HOSTILE_ENTRIES.length)
    const link = entries.find((e) => e.name.endsWith('link-to-passwd'))
    expect((link?.mode ?? 0) & 0o170000).toBe(0o120000)
    await expect(
      generateExport({ out: join(tempDir(), 'x'), profile: 'tiny', hostileZip: true }),
    ).rejects.toThrow(/--hostile-zip needs --zip/)
  })

  it('writes a clean export equal to its canonical world at --defects 0', async () => {
    const out = join(tempDir(), 'clean')
    const result = await generateExport({ out, profile: 'tiny', seed: 6, flavour: 'api', defects: 0 })
    // Only the kinds a reader handles silently remain (archived, HTML bodies, quoted newlines).
    expect(Object.keys(result.defects).sort()).toEqual(['D09', 'D18', 'D23'])
    expect(readDefects(out).every((l) => l.expect === undefined)).toBe(true)
    const manifest = readManifest(out, true)
    const canonical = readManifest(join(out, '_truth', 'canonical'))
    const bySha = new Map(canonical.files.map((f) => [f.path, f.sha256]))
    for (const f of manifest.files) expect(bySha.get(f.path), f.path).toBe(f.sha256)
  })

  it('keeps the canonical world free of injected duplicates and spellings', async () => {
    const out = join(tempDir(), 'export')
    await generateExport({ out, profile: 'tiny', seed: 4, flavour: 'api' })
    const canonical = csvObjects(join(out, '_truth', 'canonical', 'data', 'contacts.csv'))
    const ids = new Set(canonical.map((r) => r['id']))
    expect(ids.size).toBe(canonical.length)
    const lines = readDefects(out)
    // D01 duplicates are extra records: in the export, not in canonical (§10).
    const duplicates = lines.filter((l) => l.defect_id === 'D01' && l.record_id !== l.canonical_id)
    expect(duplicates.length).toBeGreaterThan(0)
    for (const d of duplicates) expect(ids.has(d.record_id ?? '')).toBe(false)
    // Normalise lines carry the canonical value as clean_value.
    const byId = new Map(canonical.map((r) => [r['id'] ?? '', r]))
    for (const l of lines.filter(
      (x) =>
        x.file === 'data/contacts.csv' &&
        x.expect === 'normalise' &&
        x.column !== null &&
        x.record_id !== undefined,
    )) {
      const row = byId.get(l.record_id ?? '')
      if (row !== undefined)
        expect(row[l.column ?? ''] === '' ? null : row[l.column ?? ''], `${l.defect_id} ${l.column}`).toBe(
          l.clean_value,
        )
    }
    expect(
      generatorTruthSchema.safeParse(JSON.parse(readFileSync(join(out, '_truth', 'generator.json'), 'utf8')))
        .success,
    ).toBe(true)
  })

  it('splits files over max_rows_per_file into _partN files only, and truth lines name the parts', async () => {
    const out = join(tempDir(), 'export')
    await generateExport({ out, profile: 'tiny', seed: 4, flavour: 'api', maxRowsPerFile: 100 })
    const manifest = readManifest(out)
    const contacts = manifest.files.filter((f) => f.object === 'contacts')
    expect(contacts.map((f) => f.path)).toEqual(contacts.map((_, i) => `data/contacts_part${i + 1}.csv`))
    expect(contacts.map((f) => f.part)).toEqual(contacts.map((_, i) => i + 1))
    expect(existsSync(join(out, 'data', 'contacts.csv'))).toBe(false)
    expect(contacts.slice(0, -1).every((f) => f.rows === 100)).toBe(true)
    for (const f of contacts)
      expect(readFileSync(join(out, f.path), 'utf8').split('\n')[0]).toMatch(/^id,first_name,/)
    const lines = readDefects(out).filter((l) => l.file.startsWith('data/contacts'))
    expect(lines.length).toBeGreaterThan(0)
    for (const l of lines) expect(l.file).toMatch(/^data\/contacts_part\d+\.csv$/)
    expect(manifest.files.find((f) => f.object === 'owners')?.part).toBeNull()
  })

  it('writes the ui flavour with labels, owner names, local dates, money, Yes/No, XLSX and other encodings', async () => {
    const out = join(tempDir(), 'ui')
    await generateExport({
      out,
      profile: 'tiny',
      seed: 4,
      flavour: 'ui',
      timezone: 'America/Chicago',
      defects: 0,
    })
    const manifest = readManifest(out)
    expect(manifest.datetime_format).toBe('MM/DD/YYYY hh:mm AM/PM')
    const paths = manifest.files.map((f) => f.path)
    expect(paths).toContain('data/activities.csv')
    for (const apiOnly of [
      'data/associations.csv',
      'data/deal_stage_history.csv',
      'data/engagements/calls.csv',
    ])
      expect(paths).not.toContain(apiOnly)
    expect(paths.some((p) => p.endsWith('.xlsx'))).toBe(true)
    const dealsFile = manifest.files.find((f) => f.object === 'deals')
    const deals =
      dealsFile?.format === 'xlsx'
        ? []
        : csvObjects(
            join(out, dealsFile?.path ?? ''),
            dealsFile?.encoding === 'windows-1252' ? 'windows-1252' : 'utf-8',
          )
    const canonical = new Map(
      csvObjects(join(out, '_truth', 'canonical', 'data', 'deals.csv')).map((r) => [r['id'], r]),
    )
    for (const d of deals.slice(0, 20)) {
      const c = canonical.get(d['Record ID'])
      expect(c, d['Record ID']).toBeDefined()
      expect(d['Pipeline']).toMatch(/^(Purchase|Refinance|Legacy 2021)$/)
      if (c?.['amount'])
        expect(d['Amount']).toBe(
          `$${Number(c['amount'].split('.')[0]).toLocaleString('en-US')}.${c['amount'].split('.')[1]}`,
        )
      expect(d['Subject Property TBD']).toMatch(/^(Yes|No)$/)
      expect(d['Create Date']).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM)$/)
      if (c?.['closedate'])
        expect(d['Close Date']).toBe(
          `${c['closedate'].slice(5, 7)}/${c['closedate'].slice(8, 10)}/${c['closedate'].slice(0, 4)}`,
        )
      expect(d['Deal owner']).not.toMatch(/^\d+$/)
    }
    const activities = csvObjects(join(out, 'data', 'activities.csv'))
    expect(new Set(activities.map((a) => a['Activity Type']))).toEqual(
      new Set(['Call', 'Email', 'Meeting', 'Note', 'Task', 'SMS']),
    )
    const xlsx = manifest.files.find((f) => f.format === 'xlsx')
    const rows = await xlsxRows(join(out, xlsx?.path ?? ''))
    expect(rows[0]?.[0]).toBe('Record ID')
  })

  it('writes a delta of the same portal with new, changed and gone records and their oracle', async () => {
    const dir = tempDir()
    const base = await generateExport({ out: join(dir, 'base'), profile: 'tiny', seed: 5, flavour: 'api' })
    const delta = await generateExport({ out: join(dir, 'delta'), deltaOf: join(dir, 'base'), changes: 0.3 })
    const m0 = readManifest(join(dir, 'base'))
    const m1 = readManifest(join(dir, 'delta'))
    expect(m1.portal_id).toBe(m0.portal_id)
    expect(m1.previous_export_id).toBe(base.exportId)
    expect(Date.parse(m1.exported_at)).toBeGreaterThan(Date.parse(m0.exported_at))
    const lines = readFileSync(join(dir, 'delta', '_truth', 'delta.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => deltaLineSchema.parse(JSON.parse(l)))
    const kinds = new Set(lines.map((l) => `${l.object}/${l.expected}`))
    for (const k of [
      'contacts/new',
      'contacts/changed',
      'contacts/gone',
      'contacts/unchanged',
      'deals/changed',
      'emails/new',
    ])
      expect(kinds, k).toContain(k)
    const before = new Map(
      csvObjects(join(dir, 'base', '_truth', 'canonical', 'data', 'contacts.csv')).map((r) => [r['id'], r]),
    )
    const after = new Map(
      csvObjects(join(dir, 'delta', '_truth', 'canonical', 'data', 'contacts.csv')).map((r) => [r['id'], r]),
    )
    for (const l of lines.filter((x) => x.object === 'contacts')) {
      if (l.expected === 'new') expect(before.has(l.id)).toBe(false)
      if (l.expected === 'gone')
        expect(after.has(l.id) && after.get(l.id)?.['archived'] !== 'true').toBe(false)
      if (l.expected === 'unchanged' && before.has(l.id)) expect(after.get(l.id)).toEqual(before.get(l.id))
      if (l.expected === 'changed' && before.has(l.id)) expect(after.get(l.id)).not.toEqual(before.get(l.id))
    }
    expect(delta.defects['D41']).toBeGreaterThan(0)
    // A delta of a delta keeps the lineage and stays verifiable.
    const second = await generateExport({
      out: join(dir, 'incremental'),
      deltaOf: join(dir, 'delta'),
      exportKind: 'incremental',
    })
    const m2 = readManifest(join(dir, 'incremental'))
    expect(m2.export_kind).toBe('incremental')
    expect(m2.since).toBe(m1.exported_at)
    expect(second.previousExportId).toBe(delta.exportId)
    const contacts = csvObjects(join(dir, 'incremental', 'data', 'contacts.csv'))
    for (const c of contacts)
      if (/^\d{4}-/.test(c['updated_at'] ?? ''))
        expect(Date.parse(c['updated_at'] ?? '')).toBeGreaterThanOrEqual(
          Date.parse(m1.exported_at) - 86_400_000 * 30,
        )
  })

  it('refuses an output folder that is not empty', async () => {
    const dir = tempDir()
    await generateExport({ out: dir + '/x', profile: 'tiny', seed: 1 })
    await expect(generateExport({ out: dir + '/x', profile: 'tiny', seed: 1 })).rejects.toMatchObject({
      code: 'output-exists',
    })
  })
})
