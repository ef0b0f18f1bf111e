import { type StepKind, stepInfo } from '../steps'

/** A step whose backend does not exist in this build: said plainly, never faked. */
export function UnavailableStep({ kind }: { kind: StepKind }) {
  return (
    <section className="card unavailable" data-testid="step-unavailable">
      <h2>{stepInfo(kind).label} is not available yet</h2>
      <p className="muted">This version of Leafbridge does not have this step yet.</p>
    </section>
  )
}
