/** Pure helpers for the run trace: nest agent steps under the node runs that started them. */

import type { TraceNode, TraceTotals } from "../api/platform-types";
import type { NodeRunRead } from "../api/types";

function startKey(n: NodeRunRead): [number, string] {
  return [n.sequence ?? 0, n.started_at ?? ""];
}

function byStart(a: NodeRunRead, b: NodeRunRead): number {
  const [sa, ta] = startKey(a);
  const [sb, tb] = startKey(b);
  return sa - sb || (ta < tb ? -1 : ta > tb ? 1 : 0);
}

/**
 * Nest flat node runs (graph nodes and their steps) into trees by `parent_node_run_id`;
 * children sorted by their sequence, then start time. A step whose parent is unknown
 * becomes a root, so nothing the server sent is lost.
 */
export function buildTraceTree(rows: readonly NodeRunRead[]): TraceNode[] {
  const nodes = new Map<string, TraceNode>();
  for (const r of rows) nodes.set(r.id, { ...r, children: [] });
  const roots: TraceNode[] = [];
  for (const r of rows) {
    const node = nodes.get(r.id) as TraceNode;
    const parent = r.parent_node_run_id ? nodes.get(r.parent_node_run_id) : undefined;
    (parent && parent !== node ? parent.children : roots).push(node);
  }
  const sort = (list: TraceNode[]) => {
    list.sort(byStart);
    list.forEach((n) => sort(n.children));
  };
  // Graph nodes keep the order the server gave them; steps are ordered within their parent.
  roots.forEach((n) => sort(n.children));
  return roots;
}

/** Flatten a server trace tree back into rows (to merge live step events into it). */
export function flattenTrace(tree: readonly TraceNode[]): NodeRunRead[] {
  const out: NodeRunRead[] = [];
  const walk = (list: readonly TraceNode[]) => {
    for (const { children, ...row } of list) {
      out.push(row);
      walk(children);
    }
  };
  walk(tree);
  return out;
}

/**
 * Merge rows by id: later rows replace earlier ones with the same id, except that a row
 * already finished is not replaced by an older unfinished copy (events can arrive out of order).
 */
export function mergeRows(base: readonly NodeRunRead[], updates: readonly NodeRunRead[]): NodeRunRead[] {
  const byId = new Map<string, NodeRunRead>();
  for (const r of base) byId.set(r.id, r);
  for (const r of updates) {
    const prev = byId.get(r.id);
    if (prev && prev.finished_at && !r.finished_at) continue;
    byId.set(r.id, prev ? { ...prev, ...r } : r);
  }
  return [...byId.values()];
}

function toNumber(v: number | string | null | undefined): number {
  if (v === null || v === undefined || v === "") return 0;
  const n = typeof v === "string" ? Number(v) : v;
  return Number.isFinite(n) ? n : 0;
}

/**
 * Counts, tokens and cost over a tree. Like the server, only LLM and tool calls are summed
 * (an agent's own row repeats the cost of the calls below it).
 */
export function traceTotals(tree: readonly TraceNode[]): TraceTotals {
  const t: TraceTotals = { llm_calls: 0, tool_calls: 0, agents: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 };
  const walk = (list: readonly TraceNode[]) => {
    for (const n of list) {
      if (n.kind === "llm_call") t.llm_calls++;
      else if (n.kind === "tool_call") t.tool_calls++;
      else if (n.kind === "agent") t.agents++;
      if (n.kind === "llm_call" || n.kind === "tool_call") {
        t.input_tokens += n.input_tokens ?? 0;
        t.output_tokens += n.output_tokens ?? 0;
        t.cost_usd += toNumber(n.cost_usd);
      }
      walk(n.children);
    }
  };
  walk(tree);
  t.cost_usd = Math.round(t.cost_usd * 1e6) / 1e6;
  return t;
}

/** The subtree rooted at the node run `id`, or null. */
export function findTraceNode(tree: readonly TraceNode[], id: string): TraceNode | null {
  for (const n of tree) {
    if (n.id === id) return n;
    const found = findTraceNode(n.children, id);
    if (found) return found;
  }
  return null;
}

/** A short human label for a step: "LLM gpt-4o-mini", "tool Core.think", "agent researcher". */
export function stepLabel(n: NodeRunRead): string {
  switch (n.kind) {
    case "llm_call":
      return `LLM ${n.node_type}`;
    case "tool_call":
      return `tool ${n.node_type}`;
    case "agent":
      return `agent ${n.node_type}`;
    default:
      return `${n.node_id} (${n.node_type})`;
  }
}
