import { describe, expect, it } from "vitest";
import type { NodeRunRead } from "../api/types";
import { buildTraceTree, findTraceNode, flattenTrace, mergeRows, stepLabel, traceTotals } from "./trace";

function row(id: string, patch: Partial<NodeRunRead> = {}): NodeRunRead {
  return {
    id,
    node_id: id,
    node_type: "Core.set",
    status: "succeeded",
    attempt: 1,
    inputs: null,
    params: null,
    output: null,
    error: null,
    reused: false,
    started_at: "2026-01-01T00:00:00Z",
    finished_at: "2026-01-01T00:00:01Z",
    duration_ms: 1000,
    cost_usd: 0,
    input_tokens: 0,
    output_tokens: 0,
    kind: "node",
    parent_node_run_id: null,
    ...patch,
  };
}

const rows = [
  row("agent", { node_type: "AI.agent" }),
  row("tool1", { kind: "tool_call", node_type: "Core.think", parent_node_run_id: "agent", sequence: 2, cost_usd: 0 }),
  row("llm1", {
    kind: "llm_call",
    node_type: "gpt-4o-mini",
    parent_node_run_id: "agent",
    sequence: 1,
    input_tokens: 100,
    output_tokens: 20,
    cost_usd: "0.000027",
  }),
  row("sub", { kind: "agent", node_type: "researcher", parent_node_run_id: "agent", sequence: 3, cost_usd: 0.5 }),
  row("llm2", {
    kind: "llm_call",
    node_type: "claude",
    parent_node_run_id: "sub",
    sequence: 4,
    input_tokens: 10,
    output_tokens: 5,
    cost_usd: 0.000101,
  }),
  row("after"),
];

describe("trace tree", () => {
  it("nests steps under their parents in sequence order, keeping graph nodes in order", () => {
    const tree = buildTraceTree(rows);
    expect(tree.map((n) => n.id)).toEqual(["agent", "after"]);
    expect(tree[0].children.map((n) => n.id)).toEqual(["llm1", "tool1", "sub"]);
    expect(tree[0].children[2].children.map((n) => n.id)).toEqual(["llm2"]);
  });

  it("keeps steps whose parent is unknown as roots", () => {
    const tree = buildTraceTree([row("orphan", { parent_node_run_id: "missing", kind: "tool_call" })]);
    expect(tree.map((n) => n.id)).toEqual(["orphan"]);
  });

  it("sums tokens and cost of LLM and tool calls only (agents repeat their children's cost)", () => {
    const t = traceTotals(buildTraceTree(rows));
    expect(t).toEqual({
      llm_calls: 2,
      tool_calls: 1,
      agents: 1,
      input_tokens: 110,
      output_tokens: 25,
      cost_usd: 0.000128,
    });
  });

  it("flattens back to the same rows and finds subtrees", () => {
    const tree = buildTraceTree(rows);
    expect(
      flattenTrace(tree)
        .map((r) => r.id)
        .sort(),
    ).toEqual(rows.map((r) => r.id).sort());
    expect(findTraceNode(tree, "sub")?.children[0].id).toBe("llm2");
    expect(findTraceNode(tree, "nope")).toBeNull();
  });

  it("merges live updates by id without letting a late unfinished copy undo a finished one", () => {
    const running = row("s", { status: "running", finished_at: null });
    const done = row("s", { status: "succeeded" });
    expect(mergeRows([running], [done])[0].status).toBe("succeeded");
    expect(mergeRows([done], [running])[0].status).toBe("succeeded");
    expect(mergeRows([], [running, row("t")]).map((r) => r.id)).toEqual(["s", "t"]);
  });

  it("labels steps by kind", () => {
    expect(stepLabel(rows[2])).toBe("LLM gpt-4o-mini");
    expect(stepLabel(rows[1])).toBe("tool Core.think");
    expect(stepLabel(rows[3])).toBe("agent researcher");
    expect(stepLabel(rows[0])).toBe("agent (AI.agent)");
  });
});
