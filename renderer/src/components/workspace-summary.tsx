import type { WorkspaceSummary } from '@shared/dto/workspace'

const when = (iso: string) => new Date(iso).toLocaleString()

/** The open workspace: where it is, when and by what it was made, its schema, what it holds. */
export function WorkspaceSummaryCard({ summary }: { summary: WorkspaceSummary }) {
  return (
    <section className="card" data-testid="workspace-summary">
      <h2>{summary.name}</h2>
      <dl className="facts">
        <dt>File</dt>
        <dd data-testid="workspace-summary-path">{summary.path}</dd>
        <dt>Created</dt>
        <dd data-testid="workspace-summary-created">
          {when(summary.createdAt)} with Leafbridge {summary.createdWithVersion}
        </dd>
        <dt>Schema version</dt>
        <dd data-testid="workspace-summary-schema">
          {summary.schemaVersion} of {summary.latestSchemaVersion}
        </dd>
        <dt>Size</dt>
        <dd>{(summary.fileBytes / 1024).toLocaleString(undefined, { maximumFractionDigits: 0 })} KB</dd>
      </dl>
      <h3>What it holds</h3>
      <table className="table" data-testid="workspace-summary-contents">
        <tbody>
          {summary.contents.map((c) => (
            <tr key={c.key} data-content-key={c.key}>
              <td>{c.label}</td>
              <td className="num">{c.count.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
