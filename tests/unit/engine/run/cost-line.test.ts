import { describe, expect, it } from 'vitest'
import { CostLine } from '../../../../electron/engine/run/cost-line'

describe('CostLine', () => {
  it('recovers base and per-record cost from calls of different sizes', () => {
    const line = new CostLine(0.98)
    for (const records of [1, 100, 1000, 250, 1, 640]) line.add(records, 50 + 4.5 * records)
    const l = line.line(1)!
    expect(l.spread).toBe(true)
    expect(l.base).toBeCloseTo(50, 6)
    expect(l.per).toBeCloseTo(4.5, 6)
  })

  it('with calls of one size only, gives their mean and no slope', () => {
    const line = new CostLine(0.95)
    for (const ms of [50, 60, 55]) line.add(1, ms)
    const l = line.line(1e-6)!
    // The decayed mean weighs the newer samples a little more: 55.1 here.
    expect(l.base).toBeCloseTo(55.1, 1)
    expect(l.per).toBe(0)
    expect(l.spread).toBe(false)
    expect(new CostLine(0.95).line(1)).toBeNull()
  })

  it('follows a phase whose calls cost more, as the older samples decay', () => {
    const line = new CostLine(0.9)
    for (let i = 0; i < 50; i++) line.add(i % 2 === 0 ? 100 : 1000, i % 2 === 0 ? 500 : 4550)
    for (let i = 0; i < 100; i++) line.add(i % 2 === 0 ? 100 : 1000, i % 2 === 0 ? 1000 : 9100)
    expect(line.line(1)!.per).toBeCloseTo(9, 1)
  })
})
