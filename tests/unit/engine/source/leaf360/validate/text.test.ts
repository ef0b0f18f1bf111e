import fc from 'fast-check'
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
  it('D09: renders every text as the step-by-step rendering does, malformed markup included', () => {
    // The rendering as first written, one replace per step: the faster one must agree with it.
    const decode = (t: string) =>
      t.replace(/&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);/g, (whole, name: string) => {
        const hex = name.startsWith('#x') || name.startsWith('#X')
        if (hex || name.startsWith('#')) {
          const cp = parseInt(name.slice(hex ? 2 : 1), hex ? 16 : 10)
          return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole
        }
        return { amp: '&', lt: '<', gt: '>', nbsp: ' ' }[name.toLowerCase()] ?? whole
      })
    const reference = (html: string) =>
      decode(
        html
          .replace(/\r\n?/g, '\n')
          .replace(/<!--[\s\S]*?-->/g, '')
          .replace(/<(style|script|head)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
          .replace(/\n/g, ' ')
          .replace(/<br\s*\/?>/gi, '\n')
          .replace(/<\/(p|div|li|tr|h[1-6]|blockquote|table|ul|ol)\s*>/gi, '\n')
          .replace(/<[^>]*>/g, ''),
      )
        .replace(/\u00a0/g, ' ')
        .split('\n')
        .map((line) => line.replace(/[ \t]+/g, ' ').trim())
        .join('\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim()
    const piece = fc.constantFrom(
      '<p>',
      '</p>',
      '</P >',
      '<br>',
      '<BR/>',
      '<br />',
      '<div class="x">',
      '</div>',
      '</li>',
      '</h3>',
      '<style>',
      '</style>',
      '<SCRIPT type="t">',
      '</script >',
      '<head>',
      '</head>',
      '<!--',
      '-->',
      '<',
      '>',
      '&amp;',
      '&nbsp;',
      '&#10;',
      '&#13;',
      '&#160;',
      '&#x41;',
      '&lt;',
      '&bogus;',
      '&',
      '\r\n',
      '\r',
      '\n',
      ' ',
      '  ',
      '\t',
      '\u00a0',
      'Hi',
      'Ann',
      '6.875%',
      'é',
      '😀',
    )
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 4 })), { maxLength: 30 }), (parts) => {
        const html = parts.join('')
        expect(htmlToText(html)).toBe(reference(html))
      }),
      { numRuns: 3_000 },
    )
  })
})
