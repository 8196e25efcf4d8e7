import { createStore } from "zustand/vanilla";
import type { PollInfo, ScheduleInfo, WebhookInfo } from "../api/platform-types";
import type { GraphRead } from "../api/types";

export interface TriggerState {
  /** Webhook URLs of the saved graph by trigger node id (a node may serve several methods/paths). */
  webhooks: Record<string, WebhookInfo[]>;
  /** Schedules of the saved graph by trigger node id. */
  schedules: Record<string, ScheduleInfo[]>;
  /** Polling triggers of the saved graph by node id. */
  polls: Record<string, PollInfo[]>;
  /** Whether the graph signs its webhooks; null when the server does not say. */
  hasSecret: boolean | null;
  /** False until a saved graph was read (new graphs have no URLs yet). */
  known: boolean;
}

export interface TriggerActions {
  /** Take the trigger facts of a graph as `GET/PUT /api/graphs/{id}` returns them. */
  setFromGraph: (graph: Pick<GraphRead, "webhooks" | "schedules" | "polls" | "has_webhook_secret">) => void;
  /** Record that a webhook secret was created/rotated (true) or removed (false). */
  setHasSecret: (has: boolean) => void;
}

export type TriggerStore = TriggerState & TriggerActions;

function groupByNode<T extends { node_id: string }>(rows: readonly T[] | undefined): Record<string, T[]> {
  const out: Record<string, T[]> = {};
  for (const r of rows ?? []) (out[r.node_id] ??= []).push(r);
  return out;
}

/** Build the store of the editor's trigger facts: webhook URLs, schedules, signing secret. */
export const createTriggerStore = () =>
  createStore<TriggerStore>()((set) => ({
    webhooks: {},
    schedules: {},
    polls: {},
    hasSecret: null,
    known: false,
    setFromGraph: (g) =>
      set({
        webhooks: groupByNode(g.webhooks),
        schedules: groupByNode(g.schedules),
        polls: groupByNode(g.polls),
        hasSecret: g.has_webhook_secret ?? null,
        known: true,
      }),
    setHasSecret: (has) => set({ hasSecret: has }),
  }));

export type TriggerStoreApi = ReturnType<typeof createTriggerStore>;
