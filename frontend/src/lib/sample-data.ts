/**
 * The data a node's templates would see, taken from what the editor knows: the test payload,
 * pinned outputs and the last run. Mirrors the engine's run context (`trigger`, `nodes.<id>.output`,
 * `nodes.<id>.outputs`, `run`) so previews and autocomplete match what a run does.
 */

import type { JsonObject, NodeRunRead, NodeSpec } from "../api/types";

/** What a trigger hands its run, for pre-filling a test payload (same shapes as the server's). */
export function triggerShape(type: string): JsonObject {
  switch (type) {
    case "Webhook.trigger":
      return { method: "POST", path: "", query: {}, headers: {}, body: {} };
    case "Schedule.trigger":
      return { scheduled_at: "", fired_at: "", missed: 0, cron: "", timezone: "UTC", payload: {} };
    case "Telegram.trigger":
      return { message: { text: "", chat: { id: 0 }, from: { id: 0 } } };
    default:
      return {};
  }
}

/** The value templates see as `nodes.<id>.output`: port `out`, the only port, or all ports. */
export function primaryOutput(ports: unknown): unknown {
  if (!ports || typeof ports !== "object" || Array.isArray(ports)) return undefined;
  const p = ports as Record<string, unknown>;
  if ("out" in p) return p.out;
  const keys = Object.keys(p);
  if (keys.length === 0) return undefined;
  if (keys.length === 1) return p[keys[0]];
  return p;
}

export interface SampleSources {
  /** The editor's test payload (saved with the graph), if any. */
  testPayload?: unknown;
  /** Pinned outputs by node id. */
  pinned?: Readonly<Record<string, JsonObject>>;
  /** The shown run's trigger and node runs. */
  runTrigger?: unknown;
  nodeRuns?: Readonly<Record<string, NodeRunRead>>;
}

/** Output ports of a node as the editor knows them: pinned first, then the last run's. */
export function knownPorts(nodeId: string, src: SampleSources): Record<string, unknown> | undefined {
  const pinned = src.pinned?.[nodeId];
  if (pinned) return pinned;
  const nr = src.nodeRuns?.[nodeId];
  if (nr && nr.output && typeof nr.output === "object" && !Array.isArray(nr.output))
    return nr.output as Record<string, unknown>;
  return undefined;
}

/** The template context of a node: the trigger payload and the outputs of the nodes before it. */
export function sampleContext(upstream: readonly string[], src: SampleSources): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  for (const id of upstream) {
    const ports = knownPorts(id, src);
    if (ports) nodes[id] = { output: primaryOutput(ports), outputs: ports, status: "succeeded" };
  }
  const trigger = src.testPayload ?? src.runTrigger ?? {};
  return {
    trigger,
    nodes,
    run: { id: "test-run", graph_id: "", version: 0, mode: "sync", started_at: new Date(0).toISOString() },
  };
}

/** The trigger node types of a catalogue (specs marked `trigger`). */
export function isTriggerType(type: string, specs: ReadonlyMap<string, NodeSpec>): boolean {
  return specs.get(type)?.trigger === true;
}
