import { isUnavailable, errorText } from "../api/platform";

/** Loading / not available (404) / error placeholder of one page section. */
export function SectionState({ what, error, loading }: { what: string; error: unknown; loading: boolean }) {
  if (error !== null && error !== undefined) {
    if (isUnavailable(error))
      return (
        <p className="not-available" data-testid="not-available">
          {what} is not available on this server.
        </p>
      );
    return (
      <p role="alert">
        Could not load {what.toLowerCase()}: {errorText(error)}
      </p>
    );
  }
  if (loading) return <p className="muted">Loading {what.toLowerCase()}…</p>;
  return null;
}
