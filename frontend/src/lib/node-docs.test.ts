import { describe, expect, it } from "vitest";
import type { NodeSpec } from "../api/types";
import { exampleNode, paramRows } from "./node-docs";

const spec: NodeSpec = {
  type: "Http.request",
  title: "HTTP request",
  category: "Network",
  description: "Send a request.",
  params_schema: {
    type: "object",
    properties: {
      url: { type: "string", description: "Where to send it", examples: ["https://example.org"] },
      method: { enum: ["GET", "POST"], default: "GET" },
      timeout_s: { type: "number", minimum: 1 },
    },
    required: ["url", "timeout_s"],
  },
  inputs: [{ name: "in" }],
  outputs: [{ name: "out" }],
  dynamic_outputs: false,
  credentials: [],
  pure: false,
  trigger: false,
  tool: true,
  timeout_s: 30,
  retries: 0,
} as unknown as NodeSpec;

describe("node documentation", () => {
  it("lists parameters with readable labels, types and defaults", () => {
    const rows = paramRows(spec);
    expect(rows.map((r) => [r.name, r.type, r.required])).toEqual([
      ["url", "string", true],
      ["method", '"GET" | "POST"', false],
      ["timeout_s", "number", true],
    ]);
    expect(rows[1].default).toBe("GET");
    expect(rows[2].label).not.toBe("Timeout S");
  });

  it("takes its example from an example graph, else from the schema", () => {
    const used = {
      schema: "kyra.graph/1" as const,
      name: "fetch",
      nodes: [{ id: "get", type: "Http.request", params: { url: "https://a.b" } }],
      edges: [],
    };
    expect(exampleNode(spec, [used])).toEqual({
      node: { id: "get", type: "Http.request", params: { url: "https://a.b" } },
      from: "fetch",
    });
    expect(exampleNode(spec, []).node.params).toEqual({ url: "https://example.org", timeout_s: 1 });
  });
});
