import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../../../../../../electron/engine/source/leaf360/generator/options'
import {
  countBaseStories,
  drawLife,
  FactQuota,
  viewStory,
} from '../../../../../../electron/engine/source/leaf360/generator/story'
import { buildWorld } from '../../../../../../electron/engine/source/leaf360/generator/world'

const DAY = 86_400_000

describe('stories viewed in time', () => {
  const options = resolveOptions({ out: '/unused', profile: 'tiny', seed: 12 })
  const base = Date.parse(options.exportedAt)
  const world = buildWorld(options, base, base)
  const later = buildWorld(options, base, base + 60 * DAY)
  const stories = countBaseStories(options.seed, world.storyContactTarget)

  it('draws the same life for the same seed and index', () => {
    const a = drawLife({ world, baseStories: stories, quota: new FactQuota(true) }, 7)
    const b = drawLife({ world, baseStories: stories, quota: new FactQuota(true) }, 7)
    expect(JSON.stringify(viewStory({ world, atMs: base }, a))).toBe(
      JSON.stringify(viewStory({ world, atMs: base }, b)),
    )
  })

  it('only adds to a story when viewed later: earlier history rows, engagements and links are unchanged', () => {
    let grew = 0
    for (let index = 0; index < stories; index++) {
      const life = drawLife({ world, baseStories: stories, quota: new FactQuota(false) }, index)
      const now = viewStory({ world, atMs: base }, life)
      const then = viewStory(
        { world: later, atMs: base + 60 * DAY },
        drawLife({ world: later, baseStories: stories, quota: new FactQuota(false) }, index),
      )
      if (now === null || then === null) continue
      const history = new Map(then.deals.flatMap((d) => d.history).map((h) => [h['id'], JSON.stringify(h)]))
      for (const h of now.deals.flatMap((d) => d.history))
        expect(history.get(h['id'])).toBe(JSON.stringify(h))
      const ids = new Set(then.engagements.map((e) => e.row['id']))
      for (const e of now.engagements) expect(ids.has(e.row['id'])).toBe(true)
      const links = new Set(then.assocs.map((a) => `${a.fromId}|${a.toId}|${a.typeId}`))
      for (const a of now.assocs) expect(links.has(`${a.fromId}|${a.toId}|${a.typeId}`)).toBe(true)
      if (then.engagements.length > now.engagements.length) grew++
    }
    expect(grew).toBeGreaterThan(0)
  })

  it('never lets a story start after the export it belongs to', () => {
    for (let index = 0; index < stories; index++) {
      const life = drawLife({ world, baseStories: stories, quota: new FactQuota(false) }, index)
      expect(life.startMs).toBeLessThanOrEqual(base)
    }
    const next = drawLife({ world, baseStories: stories, quota: new FactQuota(false) }, stories + 3)
    expect(next.startMs).toBeGreaterThan(base)
  })
})
