import { formatTime } from "../runs/format";
import { useTriggerStore } from "../store/trigger-context";
import { CopyButton } from "../ui/copy-button";

/** On a trigger node: the saved graph's webhook URL or the schedule's next fire time. */
export function TriggerInfo({ id, type }: { id: string; type: string }) {
  const hooks = useTriggerStore((s) => s.webhooks[id]);
  const schedules = useTriggerStore((s) => s.schedules[id]);
  if (type === "Webhook.trigger" && hooks?.length) {
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
