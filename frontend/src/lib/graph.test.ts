import { describe, expect, it } from "vitest";
import type { GraphDocument, JsonObject } from "../api/types";
import {
  canvasNodes,
  cloneFragment,
  connectionRefusal,
  documentProblem,
  documentToFlow,
  type EditorNode,
  flowToDocument,
  portsCompatible,
  uniqueId,
  upstreamOf,
} from "./graph";
import { specs } from "./test-specs";

const doc: GraphDocument = {
  schema: "kyra.graph/1",
  name: "demo",
  "x-custom": { keep: [1, 2, 3] },
  description: "d",
  nodes: [
    { id: "a", type: "Test.number", params: { v: 1 }, position: { x: 0, y: 0 }, extra: true },
    { type: "Test.text", id: "b", name: "<b>bold</b>", params: {}, position: { x: 240.5, y: 10 } },
    { id: "c", type: "Test.list" },
  ],
  edges: [{ source: "a", sourcePort: "out", target: "b", targetPort: "in", label: "keep me" }],
  notes: [{ id: "n1", text: "hello", position: { x: 0, y: 200 }, size: { width: 200, height: 120 } }],
  settings: { save_runs: "all" },
};

const ctxOf = (d: GraphDocument) => {
  const flow = documentToFlow(d);
  return { nodes: flow.nodes, edges: flow.edges, specs, dynamicPorts: {} };
};

describe("document round trip", () => {
  it("gives back the same document, key order and unknown fields included", () => {
    const flow = documentToFlow(doc);
    const out = flowToDocument(doc, flow.nodes, flow.edges);
    expect(JSON.stringify(out)).toBe(JSON.stringify(doc));
  });

  it("writes moved positions in place and adds positions only for moved nodes", () => {
    const flow = documentToFlow(doc);
    const nodes = flow.nodes.map((n) => (n.id === "a" ? { ...n, position: { x: 5, y: 6 } } : n));
    const out = flowToDocument(doc, nodes, flow.edges);
    expect(Object.keys(out.nodes[0])).toEqual(["id", "type", "params", "position", "extra"]);
    expect(out.nodes[0].position).toEqual({ x: 5, y: 6 });
    expect(out.nodes[2].position).toBeUndefined();
  });

  it("omits notes when the document had none and none were added", () => {
    const bare: GraphDocument = { schema: "kyra.graph/1", name: "x", nodes: [], edges: [] };
    const flow = documentToFlow(bare);
    expect("notes" in flowToDocument(bare, flow.nodes, flow.edges)).toBe(false);
  });
});

describe("connection rules", () => {
  it("follows the backend port compatibility table", () => {
    expect(portsCompatible("any", "number")).toBe(true);
    expect(portsCompatible("object", "json")).toBe(true);
    expect(portsCompatible("number", "text")).toBe(true);
    expect(portsCompatible("boolean", "text")).toBe(true);
    expect(portsCompatible("text", "number")).toBe(false);
    expect(portsCompatible("list", "object")).toBe(false);
    expect(portsCompatible("list", "list")).toBe(true);
  });

  it("refuses incompatible ports with a reason naming the types", () => {
    const ctx = ctxOf(doc);
    const reason = connectionRefusal({ source: "b", sourceHandle: "out", target: "c", targetHandle: "items" }, ctx);
    expect(reason).toMatch(/text.*list/);
  });

  it("refuses a second edge into a single input, cycles and self loops", () => {
    const ctx = ctxOf(doc);
    expect(connectionRefusal({ source: "a", sourceHandle: "out", target: "b", targetHandle: "in" }, ctx)).toMatch(
      /already/,
    );
    expect(connectionRefusal({ source: "b", sourceHandle: "out", target: "a", targetHandle: "in" }, ctx)).toBeTruthy();
    expect(connectionRefusal({ source: "a", sourceHandle: "out", target: "a", targetHandle: "in" }, ctx)).toMatch(
      /itself/,
    );
  });

  it("allows the error port and many-inputs", () => {
    const ctx = ctxOf(doc);
    expect(
      connectionRefusal({ source: "a", sourceHandle: "error", target: "c", targetHandle: "items" }, ctx),
    ).toBeNull();
  });

  it("refuses a cycle through several nodes", () => {
    const d: GraphDocument = {
      ...doc,
      nodes: [
        { id: "p", type: "Test.any" },
        { id: "q", type: "Test.any" },
        { id: "r", type: "Test.list" },
      ],
      edges: [
        { source: "p", sourcePort: "out", target: "q", targetPort: "in" },
        { source: "q", sourcePort: "out", target: "r", targetPort: "items" },
      ],
    };
    expect(connectionRefusal({ source: "r", sourceHandle: "out", target: "p", targetHandle: "in" }, ctxOf(d))).toMatch(
      /cycle/,
    );
  });
});

describe("helpers", () => {
  it("derives readable unique ids from the type", () => {
    expect(uniqueId("Http.request", new Set())).toBe("request");
    expect(uniqueId("Http.request", new Set(["request", "request_2"]))).toBe("request_3");
  });

  it("clones a fragment with fresh ids and rewired edges", () => {
    const flow = documentToFlow(doc);
    const clip = { nodes: flow.nodes.filter((n) => n.id === "a" || n.id === "b"), edges: flow.edges };
    const frag = cloneFragment(clip, new Set(flow.nodes.map((n) => n.id)), { x: 40, y: 40 });
    expect(frag.nodes.map((n) => n.id)).toEqual(["number", "text"]);
    expect(frag.edges).toHaveLength(1);
    expect(frag.edges[0].source).toBe("number");
    expect(frag.edges[0].target).toBe("text");
    expect(frag.nodes[0].position).toEqual({ x: 40, y: 40 });
  });

  it("explains why a file is not a graph document", () => {
    expect(documentProblem([])).toMatch(/object/);
    expect(documentProblem({ schema: "other" })).toMatch(/schema/);
    expect(documentProblem({ schema: "kyra.graph/1", nodes: [{ id: 1 }], edges: [] })).toMatch(/id/);
    expect(documentProblem(doc)).toBeNull();
  });

  it("lists upstream nodes nearest first", () => {
    const d: GraphDocument = {
      ...doc,
      edges: [
        { source: "a", sourcePort: "out", target: "b", targetPort: "in" },
        { source: "b", sourcePort: "out", target: "c", targetPort: "items" },
      ],
    };
    expect(upstreamOf("c", ctxOf(d).edges)).toEqual(["b", "a"]);
  });
});

describe("canvasNodes", () => {
  const { nodes } = documentToFlow(doc);
  const withParams = (i: number, params: JsonObject): EditorNode[] =>
    nodes.map((n, j) =>
      j === i && n.type === "kyra" ? { ...n, data: { ...n.data, doc: { ...n.data.doc, params } } } : n,
    );

  it("keeps the shown array when only params changed (typing in the inspector)", () => {
    const first = canvasNodes(null, nodes);
    const edited = withParams(0, { v: 2 });
    expect(canvasNodes({ from: nodes, shown: first }, edited)).toBe(first);
  });

  it("passes on any other change of a node", () => {
    const first = canvasNodes(null, nodes);
    const moved = nodes.map((n, i): EditorNode => (i === 1 ? { ...n, position: { x: 5, y: 5 } } : n));
    const shown = canvasNodes({ from: nodes, shown: first }, moved);
    expect(shown).not.toBe(first);
    expect(shown[1]).toBe(moved[1]);
    expect(shown[0]).toBe(first[0]);
    const renamed = nodes.map((n, i): EditorNode =>
      i === 0 && n.type === "kyra" ? { ...n, data: { ...n.data, doc: { ...n.data.doc, name: "x" } } } : n,
    );
    expect(canvasNodes({ from: nodes, shown: first }, renamed)[0]).toBe(renamed[0]);
  });

  it("keeps a stale-params node until something else about it changes", () => {
    const first = canvasNodes(null, nodes);
    const edited = withParams(0, { v: 2 });
    const shown = canvasNodes({ from: nodes, shown: first }, edited);
    const selected = edited.map((n, i): EditorNode => (i === 0 ? { ...n, selected: true } : n));
    expect(canvasNodes({ from: edited, shown }, selected)[0]).toBe(selected[0]);
  });
});
