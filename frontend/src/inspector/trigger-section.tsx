import { useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { errorText, isUnavailable, platformApi } from "../api/platform";
import type { PollInfo, WebhookSecret } from "../api/platform-types";
import type { NodeSpec } from "../api/types";
import { triggerKind } from "../lib/triggers";
import { formatTime } from "../runs/format";
import { useEditorStore } from "../store/editor-context";
import { useTriggerStore, useTriggerStoreApi } from "../store/trigger-context";
import { CopyButton } from "../ui/copy-button";
import { toast } from "../ui/toasts";

function SecretControls({ graphId }: { graphId: string }) {
  const triggers = useTriggerStoreApi();
  const hasSecret = useTriggerStore((s) => s.hasSecret);
  const [shown, setShown] = useState<WebhookSecret | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [busy, setBusy] = useState(false);

  const act = async (verb: "rotate" | "remove") => {
    if (verb === "remove" && !window.confirm("Remove the signing secret? Unsigned requests will be accepted.")) return;
    setBusy(true);
    try {
      if (verb === "rotate") {
        setShown(await platformApi.rotateWebhookSecret(graphId));
        triggers?.getState().setHasSecret(true);
      } else {
        await platformApi.deleteWebhookSecret(graphId);
        setShown(null);
        triggers?.getState().setHasSecret(false);
        toast("info", "Webhook secret removed; requests no longer need a signature.");
      }
    } catch (e) {
      if (isUnavailable(e)) setUnavailable(true);
      else toast("error", `Secret not changed: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  if (unavailable) return <p className="muted small">Webhook secrets are not available on this server.</p>;
  return (
    <div className="secret-controls">
      <p className="small">
        Signing:{" "}
        <strong data-testid="webhook-secret-state">
          {hasSecret === null ? "unknown" : hasSecret ? "required (secret set)" : "off (no secret)"}
        </strong>
      </p>
      <div className="actions">
        <button type="button" onClick={() => void act("rotate")} disabled={busy}>
          {hasSecret ? "Rotate secret" : "Create secret"}
        </button>
        {hasSecret !== false && (
          <button type="button" className="danger" onClick={() => void act("remove")} disabled={busy}>
            Remove secret
          </button>
        )}
      </div>
      {shown && (
        <div className="secret-once" role="status">
          <p className="small">Copy the secret now: it is shown only this once.</p>
          <div className="copy-row">
            <code data-testid="webhook-secret">{shown.secret}</code>
            <CopyButton text={shown.secret} label="Copy webhook secret" />
          </div>
          <p className="muted small">
            Send <code>{shown.headers.join(", ")}</code>; signature {shown.signature}.
          </p>
          <button type="button" className="link" onClick={() => setShown(null)}>
            Hide
          </button>
        </div>
      )}
    </div>
  );
}

/** How a service trigger's polling goes: interval, next and last poll, runs, last error. */
function PollFacts({ polls }: { polls: PollInfo[] }) {
  return (
    <>
      {polls.map((p) => (
        <dl key={p.node_id} className="result-facts" data-testid="poll-facts">
          <dt>Checks</dt>
          <dd data-testid="poll-state">
            {p.enabled ? `every ${p.interval_seconds} s` : "off (disabled)"}
            {p.enabled && !p.started && " — first check starts from now"}
          </dd>
          <dt>Next check</dt>
          <dd data-testid="poll-next">{p.enabled && p.next_poll_at ? formatTime(p.next_poll_at) : "—"}</dd>
          <dt>Last check</dt>
          <dd>{formatTime(p.last_polled_at)}</dd>
          <dt>Runs started</dt>
          <dd>{p.runs_started}</dd>
          {p.last_error && (
            <>
              <dt>Last error</dt>
              <dd className="error-text" data-testid="poll-error">
                {p.last_error}
              </dd>
            </>
          )}
        </dl>
      ))}
    </>
  );
}

const LEGENDS = { webhook: "Webhook", schedule: "Schedule", inbound: "Service URL", poll: "Polling" };
const UNSAVED = { webhook: "URL", schedule: "fire times", inbound: "URL", poll: "polling state" };

/** Trigger facts in the inspector: webhook URLs and secret, schedule fire times, the URL a
 * service calls (Slack, WhatsApp …) or how polling a service goes (Gmail, Email …). */
export function TriggerSection({ id, type, spec }: { id: string; type: string; spec?: NodeSpec }) {
  const { graphId, dirty, readOnly } = useEditorStore(
    useShallow((s) => ({ graphId: s.graphId, dirty: s.dirty, readOnly: s.readOnly })),
  );
  const { hooks, schedules, polls, known } = useTriggerStore(
    useShallow((s) => ({ hooks: s.webhooks[id], schedules: s.schedules[id], polls: s.polls[id], known: s.known })),
  );
  const kind = triggerKind(type, spec);
  if (kind === null) return null;
  // The read-only run view has no trigger facts of its own.
  if (readOnly && !known) return null;
  const unsaved = !graphId || !known;
  const urls = kind === "webhook" || kind === "inbound";
  return (
    <fieldset className="inspector-section trigger-section" data-testid="trigger-section">
      <legend>{LEGENDS[kind]}</legend>
      {unsaved && <p className="muted small">Save the graph to get its {UNSAVED[kind]}.</p>}
      {!unsaved && dirty && <p className="muted small">Shown as last saved; save to apply your changes.</p>}
      {kind === "inbound" && !unsaved && (
        <p className="muted small">Give this URL to the service as its webhook (request or callback) URL.</p>
      )}
      {urls &&
        (hooks ?? []).map((h) => (
          <div key={`${h.path}-${h.url}`} className="copy-row">
            <code data-testid="webhook-url">{h.url}</code>
            <CopyButton text={h.url} label="Copy webhook URL" />
            {kind === "webhook" && <span className="muted small">{h.methods.join(" ")}</span>}
          </div>
        ))}
      {kind === "webhook" && !unsaved && !hooks?.length && (
        <p className="muted small">No URL yet: give the node a path and save.</p>
      )}
      {kind === "webhook" && graphId && !readOnly && known && <SecretControls graphId={graphId} />}
      {kind === "poll" && <PollFacts polls={polls ?? []} />}
      {kind === "schedule" &&
        (schedules ?? []).map((s) => (
          <dl key={s.id} className="result-facts" data-testid="schedule-facts">
            <dt>Cron</dt>
            <dd>
              <code>{s.cron}</code> ({s.timezone})
            </dd>
            <dt>Next fire</dt>
            <dd data-testid="schedule-next">
              {s.enabled && s.next_fire_at ? formatTime(s.next_fire_at) : "— (disabled)"}
            </dd>
            <dt>Last fire</dt>
            <dd>{formatTime(s.last_fire_at)}</dd>
            <dt>Missed</dt>
            <dd>{s.missed_policy}</dd>
          </dl>
        ))}
      {kind === "schedule" && !unsaved && !schedules?.length && (
        <p className="muted small">No schedule yet: set a cron expression and save.</p>
      )}
    </fieldset>
  );
}
