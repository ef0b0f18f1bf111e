/**
 * The profile of a staged export as the operator reads it: what was read and staged per file,
 * the data-quality findings by defect with examples, duplicates, owners, attachments, custom
 * fields and value distributions.
 */
import type { SourceProfile } from '@shared/dto/source'

const n = (v: number) => v.toLocaleString()

function Distribution({
  title,
  values,
  testId,
}: {
  title: string
  values: Readonly<Record<string, unknown>> | undefined
  testId: string
}) {
  if (values === undefined) return null
  const entries = Object.entries(values).slice(0, 12) as Array<[string, number]>
  return (
    <div data-testid={testId}>
      <h3>{title}</h3>
      <table className="table">
        <tbody>
          {entries.map(([k, v]) => (
            <tr key={k}>
              <td>{k}</td>
              <td className="num">{n(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** The profile of one staged export. */
export function SourceProfileView({ profile }: { profile: SourceProfile }) {
  const totals = profile.files.reduce(
    (t, f) => ({
      read: t.read + f.read,
      staged: t.staged + f.staged,
      quarantined: t.quarantined + f.quarantined,
      skipped: t.skipped + f.skipped,
    }),
    { read: 0, staged: 0, quarantined: 0, skipped: 0 },
  )
  const findings = Object.entries(profile.findings)
  return (
    <>
      <section className="card" data-testid="source-summary">
        <h2>
          {profile.flavour === 'ui' ? 'Screen (ui) export' : 'API export'} of portal {profile.portalId ?? '?'}
        </h2>
        <dl className="facts">
          <dt>Export</dt>
          <dd>{profile.location}</dd>
          <dt>Exported</dt>
          <dd>{profile.exportedAt ? new Date(profile.exportedAt).toLocaleString() : 'unknown'}</dd>
          <dt>Time zone</dt>
          <dd>{profile.timezone}</dd>
          <dt>Rows</dt>
          <dd data-testid="source-totals">
            {n(totals.read)} read · {n(totals.staged)} staged · {n(totals.quarantined)} quarantined ·{' '}
            {n(totals.skipped)} skipped
          </dd>
          {profile.synthesised > 0 && (
            <>
              <dt>Inverses added</dt>
              <dd>{n(profile.synthesised)} association rows synthesised (reported apart)</dd>
            </>
          )}
        </dl>
      </section>

      <section className="card">
        <h2>Files</h2>
        <table className="table" data-testid="source-files">
          <thead>
            <tr>
              <th>File</th>
              <th>Encoding</th>
              <th className="num">Read</th>
              <th className="num">Staged</th>
              <th className="num">Quarantined</th>
              <th className="num">Skipped</th>
            </tr>
          </thead>
          <tbody>
            {profile.files.map((f) => (
              <tr key={f.path} data-testid="source-file-row">
                <td>{f.path}</td>
                <td>{f.encoding ?? f.format}</td>
                <td className="num">{n(f.read)}</td>
                <td className="num">{n(f.staged)}</td>
                <td className="num">{n(f.quarantined)}</td>
                <td className="num">{n(f.skipped)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card">
        <h2>Data quality</h2>
        {findings.length === 0 ? (
          <p className="muted">No findings.</p>
        ) : (
          <table className="table" data-testid="source-findings">
            <thead>
              <tr>
                <th>Defect</th>
                <th className="num">Count</th>
                <th>Examples</th>
              </tr>
            </thead>
            <tbody>
              {findings.map(([code, f]) => (
                <tr key={code} data-testid={`finding-${code}`}>
                  <td>{code}</td>
                  <td className="num">{n(f.count)}</td>
                  <td className="muted">
                    {f.examples
                      .slice(0, 3)
                      .map((e) =>
                        [
                          e.file,
                          e.row === null ? null : `row ${e.row}`,
                          e.column,
                          e.raw === null ? null : JSON.stringify(e.raw),
                        ]
                          .filter((x) => x !== null)
                          .join(' '),
                      )
                      .join(' · ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <div className="grid-2">
        <section className="card" data-testid="source-owners">
          <h2>Owners</h2>
          <dl className="facts">
            <dt>Defined</dt>
            <dd>
              {n(profile.owners.defined)} ({n(profile.owners.active)} active)
            </dd>
            <dt>Referenced</dt>
            <dd>{n(profile.owners.referenced)}</dd>
            <dt>Referenced, not defined</dt>
            <dd>{n(profile.owners.referencedUndefined.length)}</dd>
            <dt>Deactivated, still owning</dt>
            <dd>{n(profile.owners.deactivatedReferenced.length)}</dd>
          </dl>
        </section>
        <section className="card" data-testid="source-attachments">
          <h2>Attachments</h2>
          <dl className="facts">
            <dt>Files</dt>
            <dd>
              {n(profile.attachments.count)} ({n(profile.attachments.totalBytes)} bytes)
            </dd>
            <dt>Missing / empty binaries</dt>
            <dd>
              {n(profile.attachments.missingBinary)} / {n(profile.attachments.emptyBinary)}
            </dd>
            <dt>Oversized (manual handling)</dt>
            <dd>{n(profile.attachments.oversized.length)}</dd>
          </dl>
        </section>
      </div>

      <section className="card" data-testid="source-duplicates">
        <h2>Duplicate candidates</h2>
        <dl className="facts">
          <dt>Same e-mail</dt>
          <dd>
            {n(profile.duplicates.email.groups)} groups, {n(profile.duplicates.email.records)} contacts
          </dd>
          <dt>Same phone</dt>
          <dd>
            {n(profile.duplicates.phone.groups)} groups, {n(profile.duplicates.phone.records)} contacts
          </dd>
          <dt>Same name and address</dt>
          <dd>
            {n(profile.duplicates.name_address.groups)} groups, {n(profile.duplicates.name_address.records)}{' '}
            contacts
          </dd>
        </dl>
      </section>

      <section className="card">
        <h2>Value distributions</h2>
        <div className="grid-2">
          <Distribution
            title="Loan status (contacts)"
            values={profile.distributions['loan_status']}
            testId="dist-loan-status"
          />
          <Distribution
            title="Loan type (deals)"
            values={profile.distributions['loan_type']}
            testId="dist-loan-type"
          />
          <Distribution
            title="Lead source (contacts)"
            values={profile.distributions['lead_source.contacts']}
            testId="dist-lead-source"
          />
          {Object.entries(profile.distributions['pipeline_stages'] ?? {}).map(([pipeline, stages]) => (
            <Distribution
              key={pipeline}
              title={`Stages of ${pipeline}`}
              values={stages as Readonly<Record<string, unknown>>}
              testId={`dist-stages-${pipeline}`}
            />
          ))}
        </div>
      </section>

      {profile.customFields.length > 0 && (
        <section className="card">
          <h2>Custom fields</h2>
          <table className="table" data-testid="source-custom-fields">
            <thead>
              <tr>
                <th>Object</th>
                <th>Field</th>
                <th>Defined as</th>
                <th>Suggested target type</th>
                <th className="num">Filled</th>
              </tr>
            </thead>
            <tbody>
              {profile.customFields.map((f) => (
                <tr key={`${f.object}/${f.name}`}>
                  <td>{f.object}</td>
                  <td>
                    {f.header}
                    {f.archived ? ' (archived)' : ''}
                  </td>
                  <td>{f.definedType ?? 'not defined'}</td>
                  <td>{f.inferredTargetType}</td>
                  <td className="num">{n(f.nonNull)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  )
}
