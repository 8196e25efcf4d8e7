import { formatTime } from "../runs/format";
import { useTriggerStore } from "../store/trigger-context";
import { CopyButton } from "../ui/copy-button";

/** On a trigger node: the saved graph's webhook or service URL, the schedule's next fire time,
 * or a polling trigger's state. */
export function TriggerInfo({ id, type, receives = false }: { id: string; type: string; receives?: boolean }) {
  const hooks = useTriggerStore((s) => s.webhooks[id]);
  const schedules = useTriggerStore((s) => s.schedules[id]);
  const polls = useTriggerStore((s) => s.polls[id]);
  if (polls?.length) {
    const p = polls[0];
    return (
      <div className={`trigger-info${p.last_error ? " error-text" : ""}`} data-testid="node-poll-state">
        {p.last_error
          ? `poll failing: ${p.last_error}`
          : `polls every ${p.interval_seconds} s${p.last_polled_at ? ` · last ${formatTime(p.last_polled_at)}` : ""}`}
      </div>
    );
  }
  if ((type === "Webhook.trigger" || receives) && hooks?.length) {
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
  if (type === "Schedule.trigger" && schedules?.length) {
    const s = schedules[0];
    return (
      <div className="trigger-info" data-testid="node-next-fire">
        <span className="muted">next</span> {s.next_fire_at ? formatTime(s.next_fire_at) : "— (disabled)"}
      </div>
    );
  }
  return null;
}
