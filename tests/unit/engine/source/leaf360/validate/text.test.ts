import { describe, expect, it } from 'vitest'
import {
  hasInvisible,
  htmlToText,
  removeInvisible,
  repairMojibake,
} from '../../../../../../electron/engine/source/leaf360/validate/text'

describe('text repairs', () => {
  it('D38: NBSP becomes a space, zero-width characters go, then the value is trimmed', () => {
    expect(hasInvisible('Ann\u00a0Lee\u200b')).toBe(true)
    expect(removeInvisible('\u200bAnn\u00a0Lee\u00a0')).toBe('Ann Lee')
    expect(removeInvisible('\u200b\u00a0')).toBe('')
  })
  it('D25: re-decodes UTF-8 read as Windows-1252 and leaves clean text alone', () => {
    expect(repairMojibake('JosÃ©')).toBe('José')
    expect(repairMojibake('MuÃ±oz')).toBe('Muñoz')
    expect(repairMojibake('Donâ€™t')).toBe('Don’t')
    expect(repairMojibake('José')).toBeNull()
    expect(repairMojibake('Ã plain')).toBeNull()
  })
  it('D09: renders HTML bodies as plain text', () => {
    const html =
      '<html><head><style>p{color:red}</style></head><body><p>Hi&nbsp;Ann,</p><p>Rate is 6.875% &amp; locked.<br>Thanks</p></body></html>'
    expect(htmlToText(html)).toBe('Hi Ann,\nRate is 6.875% & locked.\nThanks')
  })
})
