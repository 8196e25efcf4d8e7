import { useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { errorText, isUnavailable, platformApi } from "../api/platform";
import type { PollInfo, WebhookInfo, WebhookSecret } from "../api/platform-types";
import { formatTime } from "../runs/format";
import { useEditorStore } from "../store/editor-context";
import { useTriggerStore, useTriggerStoreApi } from "../store/trigger-context";
import { CopyButton } from "../ui/copy-button";
import { ListenForTestEvent } from "./listen-for-event";
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

function PollFacts({ poll }: { poll: PollInfo }) {
  return (
    <dl className="result-facts" data-testid="poll-facts">
      <dt>Every</dt>
      <dd>{poll.interval_seconds} s</dd>
      <dt>State</dt>
      <dd data-testid="poll-state">
        {!poll.enabled
          ? "disabled"
          : poll.last_error
            ? "failing"
            : poll.started
              ? "watching for new items"
              : "waiting for the first poll"}
      </dd>
      <dt>Next poll</dt>
      <dd>{poll.enabled && poll.next_poll_at ? formatTime(poll.next_poll_at) : "—"}</dd>
      <dt>Last poll</dt>
      <dd>{formatTime(poll.last_polled_at)}</dd>
      <dt>Runs started</dt>
      <dd>{poll.runs_started}</dd>
      {poll.last_error && (
        <>
          <dt>Error</dt>
          <dd className="error-text" data-testid="poll-error">
            {poll.last_error}
          </dd>
        </>
      )}
    </dl>
  );
}

/** A trigger its service calls: the URL to give the service. */
function ServiceUrl({ hooks, unsaved }: { hooks: WebhookInfo[] | undefined; unsaved: boolean }) {
  if (unsaved) return null;
  if (!hooks?.length) return <p className="muted small">No URL yet: save the graph.</p>;
  return (
    <>
      {hooks.map((h) => (
        <div key={h.url} className="copy-row">
          <code data-testid="trigger-url">{h.url}</code>
          <CopyButton text={h.url} label="Copy trigger URL" />
        </div>
      ))}
      <p className="muted small">Give this URL to the service (e.g. a Slack app&apos;s Request URL).</p>
    </>
  );
}

/** Trigger facts in the inspector: webhook URLs and secret, schedule fire times, a service
 * trigger's URL or a polling trigger's state. */
export function TriggerSection({
  id,
  type,
  polls = false,
  receives = false,
}: {
  id: string;
  type: string;
  polls?: boolean;
  receives?: boolean;
}) {
  const { graphId, dirty, readOnly } = useEditorStore(
    useShallow((s) => ({ graphId: s.graphId, dirty: s.dirty, readOnly: s.readOnly })),
  );
  const { hooks, schedules, pollRows, known } = useTriggerStore(
    useShallow((s) => ({ hooks: s.webhooks[id], schedules: s.schedules[id], pollRows: s.polls[id], known: s.known })),
  );
  if (polls || receives) {
    if (readOnly && !known) return null;
    const unsaved = !graphId || !known;
    return (
      <fieldset className="inspector-section trigger-section" data-testid="trigger-section">
        <legend>{polls ? "Polling" : "Service URL"}</legend>
        {unsaved && <p className="muted small">Save the graph to {polls ? "start polling" : "get its URL"}.</p>}
        {receives && <ServiceUrl hooks={hooks} unsaved={unsaved} />}
        {polls && (pollRows ?? []).map((p) => <PollFacts key={p.node_id} poll={p} />)}
      </fieldset>
    );
  }
  if (type !== "Webhook.trigger" && type !== "Schedule.trigger") return null;
  // The read-only run view has no trigger facts of its own.
  if (readOnly && !known) return null;
  const unsaved = !graphId || !known;
  return (
    <fieldset className="inspector-section trigger-section" data-testid="trigger-section">
      <legend>{type === "Webhook.trigger" ? "Webhook" : "Schedule"}</legend>
      {unsaved && (
        <p className="muted small">Save the graph to get its {type === "Webhook.trigger" ? "URL" : "fire times"}.</p>
      )}
      {!unsaved && dirty && <p className="muted small">Shown as last saved; save to apply your changes.</p>}
      {type === "Webhook.trigger" &&
        (hooks ?? []).map((h) => (
          <div key={`${h.path}-${h.url}`} className="copy-row">
            <code data-testid="webhook-url">{h.url}</code>
            <CopyButton text={h.url} label="Copy webhook URL" />
            <span className="muted small">{h.methods.join(" ")}</span>
          </div>
        ))}
      {type === "Webhook.trigger" && !unsaved && !hooks?.length && (
        <p className="muted small">No URL yet: give the node a path and save.</p>
      )}
      {type === "Webhook.trigger" && !readOnly && <ListenForTestEvent />}
      {type === "Webhook.trigger" && graphId && !readOnly && known && <SecretControls graphId={graphId} />}
      {type === "Schedule.trigger" &&
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
      {type === "Schedule.trigger" && !unsaved && !schedules?.length && (
        <p className="muted small">No schedule yet: set a cron expression and save.</p>
      )}
    </fieldset>
  );
}
