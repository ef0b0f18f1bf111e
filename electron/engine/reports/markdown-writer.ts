/**
 * Renders a report as GitHub-flavoured Markdown (tables with escaped pipes).
 */
import { type ReportDocument, type ReportTable, cellText } from './report-document'

const escapeCell = (text: string): string =>
  text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>')

function table(t: ReportTable): string[] {
  if (t.rows.length === 0) return ['_None._']
  const header = `| ${t.columns.map((c) => escapeCell(c.label)).join(' | ')} |`
  const rule = `| ${t.columns.map(() => '---').join(' | ')} |`
  const rows = t.rows.map(
    (r) => `| ${t.columns.map((c) => escapeCell(cellText(r[c.key] ?? null))).join(' | ')} |`,
  )
  return [header, rule, ...rows]
}

const NOTE_PREFIX = { info: 'Note', warning: 'Warning', error: 'Error' } as const

/** The report as Markdown text. */
export function renderMarkdown(doc: ReportDocument): string {
  const out: string[] = [`# ${doc.title}`, '']
  if (doc.subtitle) out.push(doc.subtitle, '')
  out.push(`Generated ${doc.generatedAt}`, '')
  if (doc.facts.length > 0) {
    for (const f of doc.facts) out.push(`- **${f.label}:** ${f.value}`)
    out.push('')
  }
  for (const s of doc.sections) {
    out.push(`## ${s.heading}`, '')
    for (const p of s.paragraphs ?? []) out.push(p, '')
    if (s.notes && s.notes.length > 0) {
      for (const n of s.notes) out.push(`- **${NOTE_PREFIX[n.tone]}:** ${n.text}`)
      out.push('')
    }
    if (s.code) out.push('```' + s.code.language, s.code.text, '```', '')
    if (s.table) out.push(...table(s.table), '')
  }
  return out.join('\n')
}
