/**
 * Renders a report as one self-contained HTML page (inline styles, no scripts, no external
 * resources), readable in any browser and printable.
 */
import { type ReportDocument, type ReportTable, cellText } from './report-document'

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2a24;margin:2rem auto;max-width:72rem;padding:0 1.5rem}
h1{font-size:1.7rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;border-bottom:1px solid #cfdcd4;padding-bottom:.25rem}
.sub{color:#4e6358;margin:0 0 .25rem}.muted{color:#6b7d73;font-size:.85rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:1rem 0}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
ul.notes{list-style:none;padding:0}ul.notes li{padding:.4rem .7rem;margin:.3rem 0;border-left:4px solid #7aa18b;background:#f1f6f3}
ul.notes li.warning{border-color:#d09a1e;background:#fdf6e4}ul.notes li.error{border-color:#c0392b;background:#fbeceb}
.scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.4rem 0 1rem}th,td{border:1px solid #d7e2db;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#e8f0eb;position:sticky;top:0}tr:nth-child(even) td{background:#fafcfb}
pre{background:#f4f6f5;border:1px solid #d7e2db;padding:.8rem;overflow:auto;font-size:.8rem;max-height:30rem}
@media print{th{position:static}pre{max-height:none}}
`

function table(t: ReportTable): string {
  if (t.rows.length === 0) return '<p class="muted">None.</p>'
  const head = t.columns.map((c) => `<th scope="col">${escapeHtml(c.label)}</th>`).join('')
  const body = t.rows
    .map(
      (r) =>
        `<tr>${t.columns.map((c) => `<td>${escapeHtml(cellText(r[c.key] ?? null))}</td>`).join('')}</tr>`,
    )
    .join('\n')
  return `<div class="scroll"><table id="${escapeHtml(t.id)}"><caption class="muted">${escapeHtml(t.title)} (${t.rows.length})</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`
}

/** The report as an HTML document. */
export function renderHtml(doc: ReportDocument): string {
  const facts =
    doc.facts.length === 0
      ? ''
      : `<dl class="facts">${doc.facts.map((f) => `<dt>${escapeHtml(f.label)}</dt><dd>${escapeHtml(String(f.value))}</dd>`).join('')}</dl>`
  const sections = doc.sections
    .map((s) => {
      const parts = [`<h2>${escapeHtml(s.heading)}</h2>`]
      for (const p of s.paragraphs ?? []) parts.push(`<p>${escapeHtml(p)}</p>`)
      if (s.notes && s.notes.length > 0)
        parts.push(
          `<ul class="notes">${s.notes.map((n) => `<li class="${n.tone}">${escapeHtml(n.text)}</li>`).join('')}</ul>`,
        )
      if (s.code) parts.push(`<pre><code>${escapeHtml(s.code.text)}</code></pre>`)
      if (s.table) parts.push(table(s.table))
      return `<section>${parts.join('\n')}</section>`
    })
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(doc.title)}</h1>${doc.subtitle ? `<p class="sub">${escapeHtml(doc.subtitle)}</p>` : ''}<p class="muted">Generated ${escapeHtml(doc.generatedAt)}</p>${facts}</header>
${sections}
</body></html>
`
}
