import { SaxesParser } from 'saxes'
import { describe, expect, it } from 'vitest'
import {
  processDefinitionXml,
  processXaml,
  stableGuid,
  stageGuids,
} from '../../../../electron/engine/plan/bpf-definition'
import { proposeMapping } from '../../../../electron/engine/plan/mapping-proposal'
import { computeSchemaPlan } from '../../../../electron/engine/plan/schema-plan'
import { emptyAudit, facts } from './plan-inputs'

/** Parses XML strictly; returns the elements with their attributes, in document order. */
function elements(xml: string): Array<{ name: string; attributes: Record<string, string>; text: string }> {
  const out: Array<{ name: string; attributes: Record<string, string>; text: string }> = []
  const parser = new SaxesParser({ xmlns: false })
  const open: Array<{ name: string; attributes: Record<string, string>; text: string }> = []
  parser.on('opentag', (t) => {
    const e = { name: t.name, attributes: t.attributes as Record<string, string>, text: '' }
    out.push(e)
    open.push(e)
  })
  parser.on('closetag', () => {
    open.pop()
  })
  parser.on('text', (t) => {
    const top = open.at(-1)
    if (top) top.text += t
  })
  parser.on('cdata', (t) => {
    const top = open.at(-1)
    if (top) top.text += t
  })
  parser.write(xml).close()
  return out
}

const f = facts()
const plan = computeSchemaPlan({
  mapping: proposeMapping(f).mapping,
  mappingVersion: 1,
  facts: f,
  audit: emptyAudit(),
  now: 'now',
})
const purchase = plan.processes[0]!

describe('processDefinitionXml', () => {
  it('is well-formed XML: a category-4 workflow on opportunity with every stage in order', () => {
    const xml = processDefinitionXml(purchase, '2026-12-01T00:00:00Z')
    const els = elements(xml)
    expect(els.find((e) => e.name === 'Category')?.text).toBe('4')
    expect(els.find((e) => e.name === 'PrimaryEntity')?.text).toBe('opportunity')
    expect(els.find((e) => e.name === 'UniqueName')?.text).toBe('lb_bpf_default')
    const stages = els.filter((e) => e.name === 'ProcessStage')
    expect(stages.map((s) => s.attributes['Name'])).toEqual(purchase.stages.map((s) => s.name))
    expect(stages.map((s) => Number(s.attributes['Order']))).toEqual(purchase.stages.map((_, i) => i + 1))
    const xaml = els.find((e) => e.name === 'Xaml')!.text
    const stageSteps = elements(xaml).filter(
      (e) => e.name === 'mxswa:ActivityReference' && e.attributes['DisplayName']?.startsWith('StageStep'),
    )
    expect(stageSteps).toHaveLength(purchase.stages.length)
  })

  it('derives the same ids from the same plan, and chains each stage to the next', () => {
    expect(stageGuids(purchase)).toEqual(stageGuids(purchase))
    expect(stableGuid('a', 'b')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    const ids = stageGuids(purchase)
    const next = elements(processXaml(purchase))
      .filter((e) => e.name === 'InArgument' && e.attributes['x:Key'] === 'NextStageId')
      .map((e) => e.text)
    expect(next).toEqual([...ids.slice(1), ''])
  })
})
