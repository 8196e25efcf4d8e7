import type { NodeSpec } from "../api/types";

/** What the editor shows about a trigger: a webhook (URL and secret), a schedule (fire times),
 * an inbound service trigger (the URL the service calls: Slack, WhatsApp …) or a polling one
 * (its polling state: Gmail, Email …); null for triggers with nothing to show (manual). */
export type TriggerKind = "webhook" | "schedule" | "inbound" | "poll";

export function triggerKind(type: string, spec?: Pick<NodeSpec, "polls" | "receives">): TriggerKind | null {
  if (type === "Webhook.trigger") return "webhook";
  if (type === "Schedule.trigger") return "schedule";
  if (spec?.receives) return "inbound";
  if (spec?.polls) return "poll";
  return null;
}
