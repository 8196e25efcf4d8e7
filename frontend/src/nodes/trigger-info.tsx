import type { NodeSpec } from "../api/types";
import { triggerKind } from "../lib/triggers";
import { formatTime } from "../runs/format";
import { useTriggerStore } from "../store/trigger-context";
import { CopyButton } from "../ui/copy-button";

/** On a trigger node: the saved graph's webhook URL (or the URL its service calls), the
 * schedule's next fire time, or when a polling trigger looks next (or why it failed). */
export function TriggerInfo({ id, type, spec }: { id: string; type: string; spec?: NodeSpec }) {
  const hooks = useTriggerStore((s) => s.webhooks[id]);
  const schedules = useTriggerStore((s) => s.schedules[id]);
  const polls = useTriggerStore((s) => s.polls[id]);
  const kind = triggerKind(type, spec);
  if ((kind === "webhook" || kind === "inbound") && hooks?.length) {
    const first = hooks[0];
    return (
      <div className="trigger-info" data-testid="node-webhook-url">
        <code className="trigger-url" title={first.url}>
          {first.url}
        </code>
        <CopyButton text={first.url} label={`Copy webhook URL of ${id}`} />
      </div>
    );
  }
  if (kind === "schedule" && schedules?.length) {
    const s = schedules[0];
    return (
      <div className="trigger-info" data-testid="node-next-fire">
        <span className="muted">next</span> {s.next_fire_at ? formatTime(s.next_fire_at) : "— (disabled)"}
      </div>
    );
  }
  if (kind === "poll" && polls?.length) {
    const p = polls[0];
    return (
      <div className="trigger-info" data-testid="node-next-poll" title={p.last_error ?? undefined}>
        {p.last_error ? (
          <span className="error-text">poll failed</span>
        ) : (
          <>
            <span className="muted">next check</span>{" "}
            {p.enabled && p.next_poll_at ? formatTime(p.next_poll_at) : "— (disabled)"}
          </>
        )}
      </div>
    );
  }
  return null;
}
