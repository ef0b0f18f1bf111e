import { describe, expect, it } from 'vitest'
import { KnownIds } from '../../../../../../electron/engine/source/leaf360/staging/known-ids'

describe('KnownIds', () => {
  it('calls an object complete once every file announced for it is read, and one never announced at once', () => {
    const known = new KnownIds()
    known.expect(['contacts', 'calls', 'calls', 'emails'])
    expect(known.complete('contacts')).toBe(false)
    expect(known.complete('owners')).toBe(true)
    known.finished('contacts')
    expect(known.complete('contacts')).toBe(true)
    known.finished('calls')
    expect(known.complete('calls')).toBe(false)
    known.finished('calls')
    expect(known.complete('calls')).toBe(true)
    // Any engagement type: complete only when every one announced is.
    expect(known.complete('engagements')).toBe(false)
    known.finished('emails')
    expect(known.complete('engagements')).toBe(true)
  })

  it('tells staged and quarantined ids of reference targets apart, engagements by any type', () => {
    const known = new KnownIds()
    known.staged('contacts', '51000000001')
    known.quarantined('contacts', '51000000002')
    known.quarantined('emails', '7400000000000000109')
    // Association rows are never a reference's target, so none of theirs is kept.
    known.quarantined('associations', '9')
    expect(known.has('contacts', '51000000001')).toBe(true)
    expect(known.isQuarantined('contacts', '51000000001')).toBe(false)
    expect(known.isQuarantined('contacts', '51000000002')).toBe(true)
    expect(known.isQuarantined('engagements', '7400000000000000109')).toBe(true)
    expect(known.isQuarantined('calls', '7400000000000000109')).toBe(false)
    expect(known.isQuarantined('associations', '9')).toBe(false)
  })
})
