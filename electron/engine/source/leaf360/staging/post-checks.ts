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
import { contentHash } from './record-writer'
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
}
const LINK_OBJECTS = new Set(['associations', 'engagement_associations'])
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

/** D11: references to nothing staged; association and history rows to nothing at all are quarantined. */
export function checkReferences(ctx: StageContext): void {
  const batch = new WarningBatch(ctx)
  const moves = new Map<
    number,
    { reason: 'orphan_association' | 'orphan_history'; message: string; file: string }
  >()
  for (const [target, objects] of Object.entries(TARGET_OBJECTS)) {
    for (const ref of ctx.repo.unresolvedRefs(ctx.importId, target, objects)) {
      const quarantined = ref.quarantined === 1
      if (ref.column === 'merged_into_id' && ctx.settings.flavour === 'ui' && !quarantined) {
        // §9 D17: in ui, where archived records are absent, a merge target matching nothing is not D11.
        continue
      }
      const isLink = LINK_OBJECTS.has(ref.object)
      const isHistory = ref.object === 'deal_stage_history' && ref.column === 'deal_id'
      if (!quarantined && (isLink || isHistory)) {
        if (!moves.has(ref.recordId)) {
          moves.set(ref.recordId, {
            reason: isLink ? 'orphan_association' : 'orphan_history',
            message: `${ref.column} ${ref.targetId} matches no ${target.replace(/s$/, '')} in the export.`,
            file: ref.file,
          })
        }
        continue
      }
      batch.add(
        ref.recordId,
        {
          code: 'D11',
          column: ref.column,
          raw: ref.targetId,
          reason: quarantined ? 'target_quarantined' : 'orphan_field',
        },
        { file: ref.file, row: ref.row, sourceId: null },
      )
    }
  }
  batch.flush()
  if (moves.size === 0) return
  ctx.repo.transaction(() => {
    for (const [recordId, move] of moves) {
      const moved = ctx.repo.moveToQuarantine(recordId, move.reason, 'D11', move.message)
      if (moved === undefined) continue
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
  let after = 0
  for (;;) {
    const page = ctx.repo.stagedPage(ctx.importId, 'associations', after, PAGE)
    if (page.length === 0) break
    after = page[page.length - 1]!.recordId
    const created: Array<{ sourceId: string; data: Row; of: string; file: string; row: number }> = []
    for (const r of page) {
      if (r.origin !== 'file') continue
      const [fromType, fromId, toType, toId, typeText] = r.sourceId.split('|')
      const inverse = inverseOf.get(Number(typeText))
      if (inverse === null || inverse === undefined) continue
      const inverseId = `${toType}|${toId}|${fromType}|${fromId}|${inverse}`
      if (ctx.repo.isStaged(ctx.importId, ['associations'], inverseId)) continue
      if (created.some((c) => c.sourceId === inverseId)) continue
      const data = JSON.parse(r.data) as Row
      created.push({
        sourceId: inverseId,
        of: r.sourceId,
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
        const issues: RowIssue[] = warn
          ? [{ code: 'D42', column: null, raw: c.of, reason: 'missing_inverse' }]
          : []
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
          warnings: issues.length === 0 ? null : JSON.stringify(issues),
        })
        if (id === null) continue
        synthesised++
        for (const i of issues) {
          ctx.tally.add(i.code, {
            file: c.file,
            row: c.row,
            column: null,
            raw: c.of,
            reason: 'missing_inverse',
            sourceId: c.sourceId,
          })
        }
      }
    })
  }
  return synthesised
}

/** Staged records of one object whose data has `key` set (a SQL filter, then parsed). */
function withKey(ctx: StageContext, object: string, key: string) {
  return ctx.repo.query<{
    recordId: number
    sourceId: string
    file: string
    row: number
    updatedAt: string | null
    value: unknown
  }>(
    `SELECT record_id AS recordId, source_id AS sourceId, file, row, updated_at AS updatedAt,
       json_extract(data, '$.${key}') AS value
     FROM staged_record WHERE import_id = ? AND object = ? AND json_extract(data, '$.${key}') IS NOT NULL`,
    ctx.importId,
    object,
  )
}

const compareIds = (a: string, b: string) =>
  a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0

/**
 * D17: a merge loser points at its survivor, up to 10 hops; in a cycle the latest updated_at wins;
 * a longer chain, or one reaching an id with no staged row, leaves the record unmerged (raw kept).
 */
export function followMergeChains(ctx: StageContext): void {
  const losers = withKey(ctx, 'contacts', 'merged_into_id')
  if (losers.length === 0) return
  const next = new Map(losers.map((l) => [l.sourceId, String(l.value)]))
  const info = new Map(losers.map((l) => [l.sourceId, l]))
  const updatedOf = (id: string) => {
    const own = info.get(id)?.updatedAt
    if (own !== undefined) return own ?? ''
    return ctx.repo.findStaged(ctx.importId, 'contacts', id)?.updatedAt ?? ''
  }
  const batch = new WarningBatch(ctx)
  const targets: Array<{ recordId: number; target: string | null; status: string }> = []
  for (const l of losers) {
    const path = [l.sourceId]
    let cur = String(l.value)
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
        if (survivor === l.sourceId) status = 'survivor'
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
    if (status === 'merged' && !ctx.repo.isStaged(ctx.importId, ['contacts'], cur)) status = 'unmerged'
    const target = status === 'merged' ? cur : null
    targets.push({ recordId: l.recordId, target, status })
    batch.add(
      l.recordId,
      {
        code: 'D17',
        column: 'merged_into_id',
        raw: String(l.value),
        reason: status === 'unmerged' ? 'merge_unresolved' : hops > 1 ? 'merge_chain' : 'merge_loser',
      },
      { file: l.file, row: l.row, sourceId: l.sourceId },
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
  const rows = withKey(ctx, 'companies', 'parent_company_id')
  const parent = new Map(rows.map((r) => [r.sourceId, String(r.value)]))
  const byId = new Map(rows.map((r) => [r.sourceId, r]))
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
      const r = byId.get(lowest)!
      clears.push(r.recordId)
      batch.add(
        r.recordId,
        {
          code: 'D20',
          column: 'parent_company_id',
          raw: String(r.value),
          reason: cycle.length === 1 ? 'self_parent' : 'parent_cycle',
        },
        { file: r.file, row: r.row, sourceId: r.sourceId },
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
      if (twin) marks.push({ recordId: m.r.recordId, group: groupId })
      batch.add(
        m.r.recordId,
        {
          code: twin ? 'D01' : 'D02',
          column: 'email',
          raw: g.key,
          reason: twin ? 'duplicate_contact' : 'household_shared_email',
        },
        { file: m.r.file, row: m.r.row, sourceId: m.r.sourceId },
      )
    }
  })
  ctx.repo.transaction(() => {
    for (const m of marks) ctx.repo.setDataKey(m.recordId, '_duplicate_group', JSON.stringify(m.group))
  })
  batch.flush()
}

/** D19: a deactivated owner who still owns records, once per owner. */
export function flagDeactivatedOwners(ctx: StageContext): void {
  const inactive = ctx.repo.query<{ recordId: number; sourceId: string; file: string; row: number }>(
    `SELECT record_id AS recordId, source_id AS sourceId, file, row FROM staged_record
     WHERE import_id = ? AND object = 'owners' AND json_extract(data, '$.is_active') = 0`,
    ctx.importId,
  )
  if (inactive.length === 0) return
  const referenced = new Map(ctx.repo.referencedIds(ctx.importId, 'owners').map((r) => [r.targetId, r.refs]))
  const batch = new WarningBatch(ctx)
  for (const o of inactive) {
    const refs = referenced.get(o.sourceId) ?? 0
    if (refs === 0) continue
    batch.add(
      o.recordId,
      { code: 'D19', column: 'is_active', raw: `${refs} references`, reason: 'deactivated_owner' },
      { file: o.file, row: o.row, sourceId: o.sourceId },
    )
  }
  batch.flush()
}

type DealInfo = {
  recordId: number
  sourceId: string
  file: string
  row: number
  stage: string | null
  pipeline: string | null
  createdAt: string | null
  updatedAt: string | null
  enteredAt: string | null
  fundedDate: string | null
  archived: number
}

function loadDeals(ctx: StageContext): Map<string, DealInfo> {
  const rows = ctx.repo.query<DealInfo>(
    `SELECT record_id AS recordId, source_id AS sourceId, file, row, json_extract(data, '$.dealstage') AS stage,
       json_extract(data, '$.pipeline_id') AS pipeline, json_extract(data, '$.created_at') AS createdAt,
       updated_at AS updatedAt, json_extract(data, '$.date_entered_current_stage') AS enteredAt,
       json_extract(data, '$.funded_date') AS fundedDate, archived
     FROM staged_record WHERE import_id = ? AND object = 'deals'`,
    ctx.importId,
  )
  return new Map(rows.map((r) => [r.sourceId, r]))
}

/** D35: each deal's stage history is a chain ending at its current stage (§4.6). */
export function checkStageHistory(ctx: StageContext): void {
  const files = ctx.repo.files(ctx.importId).filter((f) => f.object === 'deal_stage_history')
  if (files.length === 0) return
  const deals = loadDeals(ctx)
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
  for (const deal of deals.values()) {
    if (seenDeals.has(deal.sourceId)) continue
    batch.add(
      deal.recordId,
      { code: 'D35', column: 'dealstage', raw: deal.stage, reason: 'no_history' },
      { file: deal.file, row: deal.row, sourceId: deal.sourceId },
    )
  }
  batch.flush()
}

/** Contact → deal links: api associations of any contact→deal type; ui `Associated Deal IDs` (§6.1). */
function contactDeals(ctx: StageContext): Map<string, string[]> {
  const out = new Map<string, string[]>()
  const add = (contact: string, deal: string) => {
    const list = out.get(contact) ?? []
    if (!list.includes(deal)) list.push(deal)
    out.set(contact, list)
  }
  if (ctx.settings.flavour === 'api') {
    for (const r of ctx.repo.query<{ sourceId: string }>(
      `SELECT source_id AS sourceId FROM staged_record WHERE import_id = ? AND object = 'associations'
       AND source_id LIKE 'contact|%|deal|%'`,
      ctx.importId,
    )) {
      const [, contact, , deal] = r.sourceId.split('|')
      if (contact !== undefined && deal !== undefined) add(contact, deal)
    }
  } else {
    for (const r of ctx.repo.query<{ sourceId: string; targetId: string }>(
      `SELECT s.source_id AS sourceId, r.target_id AS targetId FROM staged_ref r
       JOIN staged_record s ON s.record_id = r.record_id
       WHERE r.import_id = ? AND s.object = 'contacts' AND r.column_name = 'Associated Deal IDs'`,
      ctx.importId,
    )) {
      add(r.sourceId, r.targetId)
    }
  }
  return out
}

/** D27: loan_status contradicting the stage of the contact's latest deal (§6.1), informational. */
export function checkLoanStatus(ctx: StageContext): void {
  const contacts = withKey(ctx, 'contacts', 'loan_status')
  if (contacts.length === 0) return
  const links = contactDeals(ctx)
  if (links.size === 0) return
  const deals = loadDeals(ctx)
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
  for (const c of contacts) {
    const status = String(c.value)
    const rule = usual[status]
    if (rule === undefined || rule.anyStage === true) continue
    const candidates = (links.get(c.sourceId) ?? [])
      .map((id) => deals.get(id))
      .filter((d): d is DealInfo => d !== undefined && d.archived === 0)
    if (candidates.length === 0) continue
    const latest = candidates.reduce((a, b) =>
      (b.updatedAt ?? '') > (a.updatedAt ?? '') ||
      ((b.updatedAt ?? '') === (a.updatedAt ?? '') && compareIds(b.sourceId, a.sourceId) > 0)
        ? b
        : a,
    )
    if (latest.stage === null || latest.pipeline === LEGACY_PIPELINE_ID) continue
    const stage = ctx.validation.pipelines.stageById.get(latest.stage)
    if (stage === undefined || stage.pipelineId === LEGACY_PIPELINE_ID) continue
    const slug = stageSlug(latest.stage)
    let fits = rule.stages.includes(slug)
    if (fits && rule.fundedAgeDays !== undefined) {
      const from = latest.fundedDate ?? latest.enteredAt
      const days = from === null ? Number.NaN : (exportedAt - Date.parse(from)) / 86_400_000
      const { min, below } = rule.fundedAgeDays
      if (Number.isNaN(days)) fits = true
      else if (min !== undefined && days < min) fits = false
      else if (below !== undefined && days >= below) fits = false
    }
    if (!fits) {
      batch.add(
        c.recordId,
        {
          code: 'D27',
          column: 'loan_status',
          raw: `${status} vs ${latest.stage}`,
          reason: 'loan_status_contradiction',
        },
        { file: c.file, row: c.row, sourceId: c.sourceId },
      )
    }
  }
  batch.flush()
}

/** D28: referral text without a partner link, or links that disagree (§6.6); never infers links. */
export function checkReferrals(ctx: StageContext): void {
  const batch = new WarningBatch(ctx)
  const api = ctx.settings.flavour === 'api'
  const assocTargets = (pattern: string, pick: (parts: string[]) => [string, string] | null) => {
    const out = new Map<string, Set<string>>()
    for (const r of ctx.repo.query<{ sourceId: string }>(
      `SELECT source_id AS sourceId FROM staged_record WHERE import_id = ? AND object = 'associations' AND source_id LIKE ?`,
      ctx.importId,
      pattern,
    )) {
      const pair = pick(r.sourceId.split('|'))
      if (pair === null) continue
      const set = out.get(pair[0]) ?? new Set<string>()
      set.add(pair[1])
      out.set(pair[0], set)
    }
    return out
  }
  const uiTargets = (object: string, column: string) => {
    const out = new Map<string, Set<string>>()
    for (const r of ctx.repo.query<{ sourceId: string; targetId: string }>(
      `SELECT s.source_id AS sourceId, r.target_id AS targetId FROM staged_ref r
       JOIN staged_record s ON s.record_id = r.record_id
       WHERE r.import_id = ? AND s.object = ? AND r.column_name = ?`,
      ctx.importId,
      object,
      column,
    )) {
      const set = out.get(r.sourceId) ?? new Set<string>()
      set.add(r.targetId)
      out.set(r.sourceId, set)
    }
    return out
  }
  const check = (object: 'contacts' | 'deals', idColumn: string, links: Map<string, Set<string>>) => {
    for (const r of withKey(ctx, object, 'referral_source')) {
      const row = ctx.repo.getStaged(r.recordId)
      if (row === undefined) continue
      const data = JSON.parse(row.data) as Row
      const field = typeof data[idColumn] === 'string' ? (data[idColumn] as string) : null
      const linked = links.get(r.sourceId) ?? new Set<string>()
      let reason: string | null = null
      if (field === null && linked.size === 0) reason = 'no_link'
      else if (field !== null && linked.size > 0 && !linked.has(field)) reason = 'links_disagree'
      if (reason !== null) {
        batch.add(
          r.recordId,
          { code: 'D28', column: 'referral_source', raw: String(r.value), reason },
          { file: r.file, row: r.row, sourceId: r.sourceId },
        )
      }
    }
  }
  // Contacts: referred_by_contact_id and "Referred By" links (402 from this contact).
  check(
    'contacts',
    'referred_by_contact_id',
    api
      ? assocTargets('contact|%|contact|%|402', (p) => [p[1]!, p[3]!])
      : uiTargets('contacts', 'Associated Contact IDs (Referred By)'),
  )
  // Deals: referral_partner_contact_id and "Referral Partner" links (213 deal→contact, 212 contact→deal).
  const dealLinks = api
    ? assocTargets('deal|%|contact|%|213', (p) => [p[1]!, p[3]!])
    : uiTargets('deals', 'Associated Contact IDs (Referral Partner)')
  if (api) {
    for (const [deal, set] of assocTargets('contact|%|deal|%|212', (p) => [p[3]!, p[1]!])) {
      const existing = dealLinks.get(deal) ?? new Set<string>()
      for (const s of set) existing.add(s)
      dealLinks.set(deal, existing)
    }
  }
  check('deals', 'referral_partner_contact_id', dealLinks)
  batch.flush()
}

/** D36: one binary (same sha256) under two or more file ids. */
export function flagSharedBinaries(ctx: StageContext): void {
  const rows = ctx.repo.query<{ recordId: number; sourceId: string; file: string; row: number; sha: string }>(
    `SELECT record_id AS recordId, source_id AS sourceId, file, row, json_extract(data, '$._binary.sha256') AS sha
     FROM staged_record WHERE import_id = ? AND object = 'attachments'
       AND json_extract(data, '$._binary.state') = 'present'
       AND json_extract(data, '$._binary.sha256') IN (
         SELECT json_extract(data, '$._binary.sha256') FROM staged_record
         WHERE import_id = ? AND object = 'attachments' AND json_extract(data, '$._binary.state') = 'present'
         GROUP BY 1 HAVING count(*) > 1)`,
    ctx.importId,
    ctx.importId,
  )
  const batch = new WarningBatch(ctx)
  for (const r of rows) {
    batch.add(
      r.recordId,
      { code: 'D36', column: 'sha256', raw: r.sha, reason: 'same_binary_two_ids' },
      { file: r.file, row: r.row, sourceId: r.sourceId },
    )
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
