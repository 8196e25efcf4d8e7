import { useCallback } from "react";
import { errorText } from "../api/platform";
import { formatTime } from "../runs/format";
import { CopyButton } from "../ui/copy-button";
import { Link } from "../ui/link";
import { SectionState } from "../ui/section-state";
import { toast } from "../ui/toasts";
import { useLoad } from "../ui/use-load";
import { operationsApi, type TriggerRow } from "./operations-api";

/** Kinds whose triggers can be switched off here (channels are removed instead). */
const SWITCHABLE = new Set(["webhook", "schedule"]);

function Where({ trigger }: { trigger: TriggerRow }) {
  if (trigger.kind === "schedule")
    return (
      <span>
        <code>{trigger.cron}</code> <span className="muted">({trigger.timezone})</span>
        <br />
        <span className="small">next: {trigger.next_fire_at ? formatTime(trigger.next_fire_at) : "—"}</span>
      </span>
    );
  if (!trigger.url) return <span className="muted">—</span>;
  return (
    <span>
      {trigger.methods && <span className="muted small">{trigger.methods.join(" ")} </span>}
      <code data-testid="trigger-url">{trigger.url}</code> <CopyButton text={trigger.url} label="Copy URL" />
      {trigger.bot && <span className="small"> @{trigger.bot}</span>}
    </span>
  );
}

/** Schedules & webhooks: every trigger of every graph, its address or next fire time, its last
 *  run, and a switch. */
export function TriggersPage() {
  const fetcher = useCallback(() => operationsApi.triggers(), []);
  const { data: triggers, error, loading, reload } = useLoad(fetcher);

  const toggle = async (t: TriggerRow, enabled: boolean) => {
    try {
      await operationsApi.setTriggerEnabled(t.kind, t.id, enabled);
      reload();
    } catch (err) {
      toast("error", `Could not switch the ${t.kind}: ${errorText(err)}`);
    }
  };

  return (
    <main className="page">
      <h1>Schedules &amp; webhooks</h1>
      <SectionState what="Triggers" error={error} loading={loading && !triggers} />
      {triggers && triggers.length === 0 && (
        <p className="muted">No graph has a webhook, schedule or chat channel yet.</p>
      )}
      {triggers && triggers.length > 0 && (
        <table className="table" data-testid="triggers-table">
          <thead>
            <tr>
              <th>Graph</th>
              <th>Trigger</th>
              <th>URL or schedule</th>
              <th>Last run</th>
              <th>Enabled</th>
            </tr>
          </thead>
          <tbody>
            {triggers.map((t) => (
              <tr key={`${t.kind}-${t.id}`} data-testid="trigger-row" data-kind={t.kind}>
                <td>
                  <Link to={`/graphs/${t.graph_id}`}>{t.graph_name}</Link>
                </td>
                <td>
                  {t.kind}
                  {t.node_id && <span className="muted small"> · {t.node_id}</span>}
                </td>
                <td>
                  <Where trigger={t} />
                </td>
                <td>
                  {t.last_run_at ? (
                    <Link to={`/graphs/${t.graph_id}/runs`}>{formatTime(t.last_run_at)}</Link>
                  ) : (
                    <span className="muted">never</span>
                  )}
                </td>
                <td>
                  {SWITCHABLE.has(t.kind) ? (
                    <input
                      type="checkbox"
                      aria-label={`${t.graph_name} ${t.kind} enabled`}
                      checked={t.enabled}
                      onChange={(e) => void toggle(t, e.target.checked)}
                    />
                  ) : (
                    <span className="muted small">always</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
