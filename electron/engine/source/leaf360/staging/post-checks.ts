/**
 * Checks that need every row read first (EXPORT-FORMAT.md §9): orphan references (D11), missing
 * association inverses (D42), merge chains (D17), company parent cycles (D20), duplicate contacts
 * (D01, D02), deactivated owners (D19), stage history (D35), loan_status against the latest deal
 * (D27), referral links (D28), one binary under two ids (D36) and manifest counts (D31).
 *
 * Each check reads the workspace in pages and writes its warnings (or moves) in one transaction.
 */
import { ASSOCIATION_TYPES_BY_ID, LEGACY_PIPELINE_ID, LOAN_STATUS_USUAL_STAGES, stageSlug } from '../spec'
import type { RowIssue } from '../validate/issues'
import { contentHash, orphanOutcome } from './record-writer'
import type { StageContext } from './stage-context'

const ENGAGEMENT_OBJECTS = ['calls', 'emails', 'meetings', 'notes', 'tasks', 'sms', 'activities']
const TARGET_OBJECTS: Readonly<Record<string, ReadonlyArray<string>>> = {
  owners: ['owners'],
  teams: ['teams'],
  contacts: ['contacts'],
  companies: ['companies'],
  deals: ['deals'],
  attachments: ['attachments'],
  engagements: ENGAGEMENT_OBJECTS,
  ...Object.fromEntries(ENGAGEMENT_OBJECTS.map((o) => [o, [o]])),
}
const PAGE = 5_000

/** Collects warnings per record, then writes them all. */
export class WarningBatch {
  readonly #byRecord = new Map<
    number,
    { issues: RowIssue[]; file: string; row: number; sourceId: string | null }
  >()
  constructor(private readonly ctx: StageContext) {}

  add(
    recordId: number,
    issue: RowIssue,
    where: { file: string; row: number; sourceId: string | null },
  ): void {
    const entry = this.#byRecord.get(recordId) ?? { issues: [], ...where }
    entry.issues.push(issue)
    this.#byRecord.set(recordId, entry)
  }

  flush(): void {
    if (this.#byRecord.size === 0) return
    this.ctx.repo.transaction(() => {
      for (const [recordId, entry] of this.#byRecord) {
        this.ctx.repo.appendWarnings(recordId, JSON.stringify(entry.issues))
        for (const i of entry.issues) {
          this.ctx.tally.add(i.code, {
            file: entry.file,
            row: entry.row,
            column: i.column,
            raw: i.raw,
            reason: i.reason ?? null,
            sourceId: entry.sourceId,
          })
        }
      }
    })
    this.#byRecord.clear()
  }
}

type Row = Record<string, unknown>

/** Runs every post-read check in order. */
export function runPostChecks(ctx: StageContext): void {
  checkReferences(ctx)
  synthesiseInverses(ctx)
  followMergeChains(ctx)
  breakCompanyCycles(ctx)
  flagDuplicateContacts(ctx)
  flagDeactivatedOwners(ctx)
  checkStageHistory(ctx)
  checkLoanStatus(ctx)
  checkReferrals(ctx)
  flagSharedBinaries(ctx)
  checkManifestCounts(ctx)
}

/**
 * D11: references to nothing staged; association and history rows to nothing at all are quarantined.
 * The writer settled the references to objects already read to the end (record-writer.ts), so
 * staged_ref holds the forward ones, the ui association cells and the orphan links and histories.
 */
export function checkReferences(ctx: StageContext): void {
  const batch = new WarningBatch(ctx)
  const moves = new Map<
    number,
    { reason: 'orphan_association' | 'orphan_history'; message: string; file: string }
  >()
  for (const ref of ctx.repo.unresolvedRefs(ctx.importId, TARGET_OBJECTS)) {
    const outcome = orphanOutcome(
      ref.object,
      ref.column,
      ref.quarantined === 1,
      ctx.settings.flavour as 'api' | 'ui',
    )
    if (outcome === null) continue
    if (outcome === 'orphan_association' || outcome === 'orphan_history') {
      if (!moves.has(ref.recordId)) {
        moves.set(ref.recordId, {
          reason: outcome,
          message: `${ref.column} ${ref.targetId} matches no ${ref.target.replace(/s$/, '')} in the export.`,
          file: ref.file,
        })
      }
      continue
    }
    batch.add(
      ref.recordId,
      { code: 'D11', column: ref.column, raw: ref.targetId, reason: outcome },
      { file: ref.file, row: ref.row, sourceId: null },
    )
  }
  batch.flush()
  if (moves.size === 0) return
  ctx.repo.transaction(() => {
    for (const [recordId, move] of moves) {
      const moved = ctx.repo.moveToQuarantine(recordId, move.reason, 'D11', move.message)
      if (moved === undefined) continue
      ctx.writer.count(moved.object, moved.archived, -1)
      ctx.facts.forget(moved.object, moved.sourceId)
      ctx.tally.addQuarantine(move.reason)
      ctx.tally.add('D11', {
        file: moved.file,
        row: moved.row,
        column: null,
        raw: moved.raw.slice(0, 200),
        reason: move.reason,
        sourceId: moved.sourceId,
      })
      const t = ctx.tally.file(moved.file)
      t.staged--
      t.quarantined++
      ctx.repo.adjustFileCounts(ctx.importId, moved.file, -1, 1)
    }
  })
}

/**
 * D42: every association appears once in each direction (§4.7); a missing inverse is synthesised
 * once all association rows are read. Without associations.csv the typed copies omit inverses by
 * design, so those are synthesised without a warning.
 */
export function synthesiseInverses(ctx: StageContext): number {
  const inverseOf = new Map<number, number | null>()
  for (const t of ctx.validation.associationTypes) inverseOf.set(t.associationTypeId, t.inverseTypeId)
  for (const [id, t] of ASSOCIATION_TYPES_BY_ID) if (!inverseOf.has(id)) inverseOf.set(id, t.inverseTypeId)
  const labelOf = new Map(ctx.validation.associationTypes.map((t) => [t.associationTypeId, t.label]))
  const warn = ctx.associationsPresent
  let synthesised = 0
  const range = ctx.repo.recordIdRange(ctx.importId, 'associations')
  if (range === null) return 0
  // Rows synthesised below get ids past `hi`; the loop would skip them anyway (not from a file).
  let after = range.lo - 1
  for (;;) {
    const page = ctx.repo.identityPage(ctx.importId, 'associations', after, range.hi, PAGE)
    if (page.length === 0) break
    after = page[page.length - 1]!.recordId
    // The inverses of this page's rows, and which of them are staged, in one query.
    const inverses = new Map<number, { id: string; parts: string[]; inverse: number }>()
    for (const r of page) {
      if (r.origin !== 'file') continue
      const parts = r.sourceId.split('|')
      const [fromType, fromId, toType, toId, typeText] = parts
      const inverse = inverseOf.get(Number(typeText))
      if (inverse === null || inverse === undefined) continue
      inverses.set(r.recordId, { id: `${toType}|${toId}|${fromType}|${fromId}|${inverse}`, parts, inverse })
    }
    if (inverses.size === 0) continue
    const present = ctx.repo.stagedAmong(ctx.importId, 'associations', [
      ...new Set([...inverses.values()].map((i) => i.id)),
    ])
    const createdIds = new Set<string>()
    const created: Array<{
      sourceId: string
      data: Row
      of: string
      ofRecord: number
      file: string
      row: number
    }> = []
    for (const r of page) {
      const found = inverses.get(r.recordId)
      if (found === undefined || present.has(found.id) || createdIds.has(found.id)) continue
      const { id: inverseId, parts, inverse } = found
      createdIds.add(inverseId)
      const [fromType, fromId, toType, toId] = parts
      const data = JSON.parse(ctx.repo.getStaged(r.recordId)?.data ?? '{}') as Row
      created.push({
        sourceId: inverseId,
        of: r.sourceId,
        ofRecord: r.recordId,
        file: r.file,
        row: r.row,
        data: {
          ...data,
          from_object_type: toType,
          from_id: toId,
          to_object_type: fromType,
          to_id: fromId,
          association_type_id: inverse,
          label: labelOf.get(inverse) ?? data['label'] ?? null,
          _synthesised_from: r.sourceId,
        },
      })
    }
    if (created.length === 0) continue
    ctx.repo.transaction(() => {
      for (const c of created) {
        const dataJson = JSON.stringify(c.data)
        const id = ctx.repo.insertStaged(ctx.importId, {
          object: 'associations',
          sourceId: c.sourceId,
          file: '',
          row: 0,
          line: 0,
          origin: 'synthesised',
          archived: false,
          updatedAt: null,
          data: dataJson,
          raw: '',
          contentHash: contentHash(dataJson),
          warnings: null,
        })
        if (id === null) continue
        synthesised++
        ctx.synthesised++
        ctx.writer.count('associations', false, 1)
        ctx.facts.add('associations', { recordId: id, file: '', row: 0 }, c.sourceId, null, null)
        // The warning goes on the row that lacked its inverse; the synthesised row is reported apart.
        if (warn) {
          const issue: RowIssue = { code: 'D42', column: null, raw: c.sourceId, reason: 'missing_inverse' }
          ctx.repo.appendWarnings(c.ofRecord, JSON.stringify([issue]))
          ctx.tally.add('D42', {
            file: c.file,
            row: c.row,
            column: null,
            raw: c.sourceId,
            reason: 'missing_inverse',
            sourceId: c.of,
          })
        }
      }
    })
  }
  return synthesised
}

const compareIds = (a: string, b: string) =>
  a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0

/**
 * D17: a merge loser points at its survivor, up to 10 hops; in a cycle the latest updated_at wins;
 * a longer chain, or one reaching an id with no staged row, leaves the record unmerged (raw kept).
 */
export function followMergeChains(ctx: StageContext): void {
  const losers = [...ctx.facts.contacts].filter(([, c]) => c.mergedInto !== null)
  if (losers.length === 0) return
  const next = new Map(losers.map(([id, c]) => [id, c.mergedInto!]))
  const updatedOf = (id: string) => ctx.facts.contacts.get(id)?.updatedAt ?? ''
  const batch = new WarningBatch(ctx)
  const targets: Array<{ recordId: number; target: string | null; status: string }> = []
  for (const [sourceId, l] of losers) {
    const path = [sourceId]
    let cur = l.mergedInto!
    let status: 'merged' | 'unmerged' | 'survivor' = 'merged'
    let hops = 1
    for (;;) {
      if (path.includes(cur)) {
        // A cycle: its member with the latest updated_at survives (ties: the greater id).
        const cycle = path.slice(path.indexOf(cur))
        const survivor = cycle.reduce((best, id) => {
          const a = updatedOf(id)
          const b = updatedOf(best)
          return a > b || (a === b && compareIds(id, best) > 0) ? id : best
        })
        cur = survivor
        if (survivor === sourceId) status = 'survivor'
        break
      }
      if (!next.has(cur)) break
      if (hops >= 10) {
        status = 'unmerged'
        break
      }
      path.push(cur)
      cur = next.get(cur)!
      hops++
    }
    if (status === 'merged' && !ctx.facts.contacts.has(cur)) status = 'unmerged'
    targets.push({ recordId: l.recordId, target: status === 'merged' ? cur : null, status })
    batch.add(
      l.recordId,
      {
        code: 'D17',
        column: 'merged_into_id',
        raw: l.mergedInto,
        reason: status === 'unmerged' ? 'merge_unresolved' : hops > 1 ? 'merge_chain' : 'merge_loser',
      },
      { file: l.file, row: l.row, sourceId },
    )
  }
  ctx.repo.transaction(() => {
    for (const t of targets) {
      ctx.repo.setDataKey(t.recordId, '_merge_target', JSON.stringify(t.target))
      ctx.repo.setDataKey(t.recordId, '_merge_status', JSON.stringify(t.status))
    }
  })
  batch.flush()
}

/** D20: a parent cycle is broken by clearing the parent of its member with the lowest numeric id. */
export function breakCompanyCycles(ctx: StageContext): void {
  const parent = new Map([...ctx.facts.companyParents].map(([id, c]) => [id, c.parent]))
  const done = new Set<string>()
  const batch = new WarningBatch(ctx)
  const clears: number[] = []
  for (const start of parent.keys()) {
    if (done.has(start)) continue
    const path: string[] = []
    let cur: string | undefined = start
    while (cur !== undefined && !done.has(cur) && !path.includes(cur)) {
      path.push(cur)
      cur = parent.get(cur)
    }
    if (cur !== undefined && path.includes(cur)) {
      const cycle = path.slice(path.indexOf(cur))
      const lowest = cycle.reduce((a, b) => (compareIds(a, b) <= 0 ? a : b))
      const r = ctx.facts.companyParents.get(lowest)!
      clears.push(r.recordId)
      batch.add(
        r.recordId,
        {
          code: 'D20',
          column: 'parent_company_id',
          raw: r.parent,
          reason: cycle.length === 1 ? 'self_parent' : 'parent_cycle',
        },
        { file: r.file, row: r.row, sourceId: lowest },
      )
    }
    for (const id of path) done.add(id)
  }
  ctx.repo.transaction(() => {
    for (const id of clears) ctx.repo.setDataKey(id, 'parent_company_id', 'null')
  })
  batch.flush()
}

const fold = (s: unknown) =>
  typeof s === 'string'
    ? s
        .normalize('NFD')
        .replace(/\p{M}/gu, '')
        .toLowerCase()
        .replace(/[^a-z]/g, '')
    : ''

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!
    dp[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return dp[b.length]!
}

/** Are two first names the same person's (equal, a prefix or nickname stem, or a typo apart)? */
const similarFirst = (a: string, b: string) =>
  a === b ||
  (a.length >= 3 && b.length >= 3 && (a.startsWith(b) || b.startsWith(a))) ||
  editDistance(a, b) <= 1

/**
 * D01: live contacts sharing an e-mail with similar names form a duplicate group (never merged);
 * D02: those sharing it with a different first name are a household, and the e-mail is no key for them.
 */
export function flagDuplicateContacts(ctx: StageContext): void {
  const groups = ctx.repo.keyGroups(ctx.importId, 'email', 1_000_000)
  if (groups.length === 0) return
  const batch = new WarningBatch(ctx)
  const marks: Array<{ recordId: number; group: string }> = []
  groups.forEach((g, index) => {
    const ids = g.recordIds.split(',').map(Number)
    const members = ids
      .map((id) => ctx.repo.getStaged(id))
      .filter((r): r is NonNullable<typeof r> => r !== undefined)
      .map((r) => ({ r, data: JSON.parse(r.data) as Row }))
    const groupId = `email-${index + 1}`
    for (const m of members) {
      const first = fold(m.data['first_name'])
      const last = fold(m.data['last_name'])
      const twin = members.some(
        (o) =>
          o !== m &&
          similarFirst(first, fold(o.data['first_name'])) &&
          (last === fold(o.data['last_name']) || editDistance(last, fold(o.data['last_name'])) <= 1),
      )
      // A member may be both: a duplicate of one contact and of a household with another.
      const household = members.some((o) => o !== m && !similarFirst(first, fold(o.data['first_name'])))
      const where = { file: m.r.file, row: m.r.row, sourceId: m.r.sourceId }
      if (twin) {
        marks.push({ recordId: m.r.recordId, group: groupId })
        batch.add(
          m.r.recordId,
          { code: 'D01', column: 'email', raw: g.key, reason: 'duplicate_contact' },
          where,
        )
      }
      if (household || !twin) {
        batch.add(
          m.r.recordId,
          { code: 'D02', column: 'email', raw: g.key, reason: 'household_shared_email' },
          where,
        )
      }
    }
  })
  ctx.repo.transaction(() => {
    for (const m of marks) ctx.repo.setDataKey(m.recordId, '_duplicate_group', JSON.stringify(m.group))
  })
  batch.flush()
}

/** D19: a deactivated owner who still owns records, once per owner. */
export function flagDeactivatedOwners(ctx: StageContext): void {
  const batch = new WarningBatch(ctx)
  for (const [ownerId, o] of ctx.facts.owners) {
    if (o.active !== false) continue
    const refs = ctx.facts.ownerRefs.get(ownerId) ?? 0
    if (refs === 0) continue
    batch.add(
      o.recordId,
      { code: 'D19', column: 'is_active', raw: `${refs} references`, reason: 'deactivated_owner' },
      { file: o.file, row: o.row, sourceId: ownerId },
    )
  }
  batch.flush()
}

/** D35: each deal's stage history is a chain ending at its current stage (§4.6). */
export function checkStageHistory(ctx: StageContext): void {
  const files = ctx.repo.files(ctx.importId).filter((f) => f.object === 'deal_stage_history')
  if (files.length === 0) return
  const deals = ctx.facts.deals
  const exportedAt = ctx.settings.exportedAtMs
  const batch = new WarningBatch(ctx)
  const seenDeals = new Set<string>()
  type H = {
    recordId: number
    sourceId: string
    file: string
    row: number
    deal: string
    from: string | null
    to: string | null
    at: string | null
  }
  let group: H[] = []
  const flush = () => {
    if (group.length === 0) return
    const dealId = group[0]!.deal
    seenDeals.add(dealId)
    const deal = deals.get(dealId)
    const sorted = group
      .slice()
      .sort((a, b) =>
        (a.at ?? '') < (b.at ?? '')
          ? -1
          : (a.at ?? '') > (b.at ?? '')
            ? 1
            : compareIds(a.sourceId, b.sourceId),
      )
    const where = (h: H) => ({ file: h.file, row: h.row, sourceId: h.sourceId })
    const outOfPlace = sorted.findIndex((h, i) => h !== group[i])
    if (outOfPlace >= 0) {
      const h = group[outOfPlace]!
      batch.add(
        h.recordId,
        { code: 'D35', column: 'changed_at', raw: h.at, reason: 'out_of_order' },
        where(h),
      )
    }
    sorted.forEach((h, i) => {
      const expectedFrom = i === 0 ? null : sorted[i - 1]!.to
      if (h.from !== expectedFrom) {
        batch.add(h.recordId, { code: 'D35', column: 'from_stage_id', raw: h.from, reason: 'gap' }, where(h))
      }
      const at = h.at === null ? Number.NaN : Date.parse(h.at)
      const created = deal?.createdAt ? Date.parse(deal.createdAt) : Number.NaN
      if (at < created || (exportedAt !== null && at > exportedAt)) {
        batch.add(
          h.recordId,
          { code: 'D35', column: 'changed_at', raw: h.at, reason: 'outside_life' },
          where(h),
        )
      }
    })
    const last = sorted[sorted.length - 1]!
    if (
      deal !== undefined &&
      (last.to !== deal.stage || (deal.enteredAt !== null && last.at !== deal.enteredAt))
    ) {
      batch.add(
        last.recordId,
        { code: 'D35', column: 'to_stage_id', raw: last.to, reason: 'last_stage_mismatch' },
        where(last),
      )
    }
    group = []
  }
  const rows = ctx.repo.query<H>(
    `SELECT record_id AS recordId, source_id AS sourceId, file, row, json_extract(data, '$.deal_id') AS deal,
       json_extract(data, '$.from_stage_id') AS "from", json_extract(data, '$.to_stage_id') AS "to",
       json_extract(data, '$.changed_at') AS at
     FROM staged_record WHERE import_id = ? AND object = 'deal_stage_history' ORDER BY deal, record_id`,
    ctx.importId,
  )
  for (const h of rows) {
    if (group.length > 0 && group[0]!.deal !== h.deal) flush()
    group.push(h)
  }
  flush()
  for (const [dealId, deal] of deals) {
    if (seenDeals.has(dealId)) continue
    batch.add(
      deal.recordId,
      { code: 'D35', column: 'dealstage', raw: deal.stage, reason: 'no_history' },
      { file: deal.file, row: deal.row, sourceId: dealId },
    )
  }
  batch.flush()
}

/** D27: loan_status contradicting the stage of the contact's latest deal (§6.1), informational. */
export function checkLoanStatus(ctx: StageContext): void {
  const { contacts, deals, contactDeals } = ctx.facts
  if (contactDeals.size === 0) return
  const exportedAt = ctx.settings.exportedAtMs ?? Date.now()
  const batch = new WarningBatch(ctx)
  const usual = LOAN_STATUS_USUAL_STAGES as unknown as Readonly<
    Record<
      string,
      Readonly<{
        stages: ReadonlyArray<string>
        anyStage?: true
        fundedAgeDays?: Readonly<{ min?: number; below?: number }>
      }>
    >
  >
  for (const [contactId, c] of contacts) {
    if (c.status === null) continue
    const rule = usual[c.status]
    if (rule === undefined || rule.anyStage === true) continue
    let latest: {
      id: string
      stage: string | null
      pipeline: string | null
      updatedAt: string
      fundedDate: string | null
      enteredAt: string | null
    } | null = null
    for (const dealId of contactDeals.get(contactId) ?? []) {
      const d = deals.get(dealId)
      if (d === undefined || d.archived) continue
      const updatedAt = d.updatedAt ?? ''
      if (
        latest === null ||
        updatedAt > latest.updatedAt ||
        (updatedAt === latest.updatedAt && compareIds(dealId, latest.id) > 0)
      ) {
        latest = {
          id: dealId,
          stage: d.stage,
          pipeline: d.pipeline,
          updatedAt,
          fundedDate: d.fundedDate,
          enteredAt: d.enteredAt,
        }
      }
    }
    if (latest === null || latest.stage === null || latest.pipeline === LEGACY_PIPELINE_ID) continue
    const stage = ctx.validation.pipelines.stageById.get(latest.stage)
    if (stage === undefined || stage.pipelineId === LEGACY_PIPELINE_ID) continue
    let fits = rule.stages.includes(stageSlug(latest.stage))
    if (fits && rule.fundedAgeDays !== undefined) {
      const from = latest.fundedDate ?? latest.enteredAt
      const days = from === null ? Number.NaN : (exportedAt - Date.parse(from)) / 86_400_000
      const { min, below } = rule.fundedAgeDays
      if (
        !Number.isNaN(days) &&
        ((min !== undefined && days < min) || (below !== undefined && days >= below))
      )
        fits = false
    }
    if (!fits) {
      batch.add(
        c.recordId,
        {
          code: 'D27',
          column: 'loan_status',
          raw: `${c.status} vs ${latest.stage}`,
          reason: 'loan_status_contradiction',
        },
        { file: c.file, row: c.row, sourceId: contactId },
      )
    }
  }
  batch.flush()
}

/** D28: referral text without a partner link, or links that disagree (§6.6); never infers links. */
export function checkReferrals(ctx: StageContext): void {
  const batch = new WarningBatch(ctx)
  const check = (
    records: ReadonlyMap<string, { recordId: number; file: string; row: number; referral: string | null }>,
    fieldOf: (id: string) => string | null,
    links: ReadonlyMap<string, ReadonlySet<string>>,
  ) => {
    for (const [id, r] of records) {
      if (r.referral === null) continue
      const field = fieldOf(id)
      const linked = links.get(id) ?? new Set<string>()
      // The link is the partner association; a partner id, when given, must name one of its contacts.
      let reason: string | null = null
      if (linked.size === 0) reason = field === null ? 'no_link' : 'no_partner_association'
      else if (field !== null && !linked.has(field)) reason = 'links_disagree'
      if (reason !== null) {
        batch.add(
          r.recordId,
          { code: 'D28', column: 'referral_source', raw: r.referral, reason },
          { file: r.file, row: r.row, sourceId: id },
        )
      }
    }
  }
  // Contacts: referred_by_contact_id and "Referred By" links; deals: referral_partner_contact_id and
  // "Referral Partner" links.
  check(ctx.facts.contacts, (id) => ctx.facts.contacts.get(id)?.referredBy ?? null, ctx.facts.referredBy)
  check(ctx.facts.deals, (id) => ctx.facts.deals.get(id)?.partner ?? null, ctx.facts.referralPartners)
  batch.flush()
}

/** D36: one binary (same sha256) under two or more file ids. */
export function flagSharedBinaries(ctx: StageContext): void {
  // The binary's own hash, else the declared one (a missing binary still names its content).
  const bySha = new Map<string, string[]>()
  for (const [id, a] of ctx.facts.attachments) {
    if (a.sha256 === null) continue
    const list = bySha.get(a.sha256) ?? []
    list.push(id)
    bySha.set(a.sha256, list)
  }
  const batch = new WarningBatch(ctx)
  for (const [sha, ids] of bySha) {
    if (ids.length < 2) continue
    for (const id of ids) {
      const a = ctx.facts.attachments.get(id)!
      batch.add(
        a.recordId,
        { code: 'D36', column: 'sha256', raw: sha, reason: 'same_binary_two_ids' },
        { file: a.file, row: a.row, sourceId: id },
      )
    }
  }
  batch.flush()
}

/** D31: object_counts against the files' rows, and typed copies lacking rows of associations.csv. */
export function checkManifestCounts(ctx: StageContext): void {
  const files = ctx.repo.files(ctx.importId)
  const counts = ctx.settings.objectCounts
  if (counts !== null) {
    const read = new Map<string, number>()
    for (const f of files) read.set(f.object, (read.get(f.object) ?? 0) + f.rowsRead)
    const declared = new Map<string, number>()
    for (const f of ctx.settings.files.values())
      declared.set(f.object, (declared.get(f.object) ?? 0) + f.rows)
    for (const [object, n] of Object.entries(counts)) {
      const seen = read.get(object)
      if (seen !== undefined && seen !== n) {
        ctx.fileFinding(
          'D31',
          null,
          'object_counts_mismatch',
          `object_counts says ${n} ${object}; the export holds ${seen} rows.`,
          object,
        )
      } else if (seen === undefined && (declared.get(object) ?? 0) !== n) {
        ctx.fileFinding(
          'D31',
          null,
          'object_counts_mismatch',
          `object_counts says ${n} ${object}; its files list ${declared.get(object) ?? 0}.`,
          object,
        )
      }
    }
  }
  if (!ctx.associationsPresent) return
  const assocFiles = [...ctx.associationFiles]
  const marks = assocFiles.map(() => '?').join(', ')
  const DIRECTIONS: Readonly<Record<string, ReadonlyArray<string>>> = {
    associations_contact_company: ['contact|%|company|%'],
    associations_contact_deal: ['contact|%|deal|%'],
    associations_deal_company: ['deal|%|company|%'],
    associations_contact_contact: ['contact|%|contact|%'],
  }
  for (const f of files) {
    const patterns = DIRECTIONS[f.object]
    if (patterns === undefined) continue
    let held = 0
    for (const pattern of patterns) {
      for (const table of ['staged_record', 'quarantined_row']) {
        held += ctx.repo.query<{ n: number }>(
          `SELECT count(*) AS n FROM ${table} WHERE import_id = ? AND object = 'associations' AND file IN (${marks})
           AND source_id LIKE ?`,
          ctx.importId,
          ...assocFiles,
          pattern,
        )[0]!.n
      }
    }
    const matched = ctx.copyMatches.get(f.path) ?? 0
    if (matched < held) {
      ctx.fileFinding(
        'D31',
        f.path,
        'typed_copy_lacking_rows',
        `${f.path} matches ${matched} of the ${held} rows associations.csv holds for its direction.`,
      )
    }
  }
}
