import { describe, expect, it } from "vitest";
import type { GraphDocument } from "../api/types";
import { specs } from "../lib/test-specs";
import { createEditorStore } from "./editor-store";
import { createRunStore } from "./run-store";

const doc: GraphDocument = {
  schema: "kyra.graph/1",
  name: "demo",
  nodes: [
    { id: "a", type: "Test.any", params: {}, position: { x: 0, y: 0 } },
    { id: "b", type: "Test.text", params: {}, position: { x: 300, y: 0 } },
  ],
  edges: [],
};

const fresh = () => {
  const store = createEditorStore(specs);
  store.getState().load(doc, { graphId: "g1" });
  return store;
};

describe("editor store", () => {
  it("adds nodes with unique ids and marks the graph dirty", () => {
    const store = fresh();
    const id1 = store.getState().addNode("Test.any", { x: 10, y: 10 });
    const id2 = store.getState().addNode("Test.any", { x: 20, y: 20 });
    expect([id1, id2]).toEqual(["any", "any_2"]);
    expect(store.getState().dirty).toBe(true);
    expect(
      store
        .getState()
        .toDocument()
        .nodes.map((n) => n.id),
    ).toEqual(["a", "b", "any", "any_2"]);
  });

  it("connects compatible ports and refuses incompatible ones without changing edges", () => {
    const store = fresh();
    expect(store.getState().connect({ source: "a", sourceHandle: "out", target: "b", targetHandle: "in" })).toBeNull();
    const num = store.getState().addNode("Test.number", { x: 0, y: 200 });
    const reason = store.getState().connect({ source: "b", sourceHandle: "out", target: num, targetHandle: "in" });
    expect(reason).toMatch(/Incompatible/);
    expect(store.getState().edges).toHaveLength(1);
    expect(store.getState().toDocument().edges).toEqual([
      { source: "a", sourcePort: "out", target: "b", targetPort: "in" },
    ]);
  });

  it("undo restores a deleted node and its edges; redo deletes again", () => {
    const store = fresh();
    store.getState().connect({ source: "a", sourceHandle: "out", target: "b", targetHandle: "in" });
    store.getState().onNodesChange([{ type: "select", id: "b", selected: true }]);
    store.getState().deleteSelected();
    expect(store.getState().nodes.map((n) => n.id)).toEqual(["a"]);
    expect(store.getState().edges).toHaveLength(0);
    store.getState().undo();
    expect(store.getState().nodes.map((n) => n.id)).toEqual(["a", "b"]);
    expect(store.getState().edges).toHaveLength(1);
    store.getState().redo();
    expect(store.getState().nodes.map((n) => n.id)).toEqual(["a"]);
  });

  it("checkpoint before an xyflow removal makes it undoable in one step", () => {
    const store = fresh();
    store.getState().connect({ source: "a", sourceHandle: "out", target: "b", targetHandle: "in" });
    store.getState().checkpoint();
    store.getState().onEdgesChange([{ type: "remove", id: store.getState().edges[0].id }]);
    store.getState().onNodesChange([{ type: "remove", id: "b" }]);
    expect(store.getState().nodes).toHaveLength(1);
    store.getState().undo();
    expect(store.getState().nodes).toHaveLength(2);
    expect(store.getState().edges).toHaveLength(1);
  });

  it("coalesces quick edits of the same node's params into one undo step", () => {
    const store = fresh();
    store.getState().setParams("a", { v: "h" });
    store.getState().setParams("a", { v: "he" });
    store.getState().setParams("a", { v: "hey" });
    store.getState().undo();
    expect(store.getState().toDocument().nodes[0].params).toEqual({});
  });

  it("renames a node through its document name and removes an empty name", () => {
    const store = fresh();
    store.getState().patchNode("a", { name: "<script>alert(1)</script>" });
    expect(store.getState().toDocument().nodes[0].name).toBe("<script>alert(1)</script>");
    store.getState().patchNode("a", { name: "" });
    expect("name" in store.getState().toDocument().nodes[0]).toBe(false);
  });

  it("pastes a copy with new ids and keeps the original", () => {
    const store = fresh();
    store.getState().connect({ source: "a", sourceHandle: "out", target: "b", targetHandle: "in" });
    store.getState().selectAll();
    const clip = store.getState().copySelection();
    expect(clip).not.toBeNull();
    store.getState().paste(clip!, { x: 40, y: 40 });
    const ids = store.getState().nodes.map((n) => n.id);
    expect(ids).toEqual(["a", "b", "any", "text"]);
    expect(store.getState().edges.map((e) => `${e.source}->${e.target}`)).toEqual(["a->b", "any->text"]);
  });

  it("adds sticky notes to the document", () => {
    const store = fresh();
    store.getState().addNote({ x: 1, y: 2 }, "remember");
    expect(store.getState().toDocument().notes).toEqual([{ id: "n1", text: "remember", position: { x: 1, y: 2 } }]);
  });

  it("read-only stores ignore moves and deletions", () => {
    const store = createEditorStore(specs);
    store.getState().load(doc, { graphId: "g1", readOnly: true });
    store.getState().onNodesChange([
      { type: "position", id: "a", position: { x: 99, y: 99 } },
      { type: "remove", id: "b" },
    ]);
    expect(store.getState().nodes.map((n) => [n.id, n.position.x])).toEqual([
      ["a", 0],
      ["b", 300],
    ]);
  });
});

describe("run store", () => {
  it("keeps the latest node run per node", () => {
    const store = createRunStore();
    const base = { id: "r1", graph_id: "g", graph_version: 1, status: "running", node_runs: [] } as never;
    store.getState().setRun(base);
    const nr = { id: "x", node_id: "a", status: "running" } as never;
    store.getState().upsertNodeRun(nr);
    store.getState().upsertNodeRun({ ...(nr as object), status: "succeeded" } as never);
    expect(store.getState().nodeRuns.a.status).toBe("succeeded");
    store.getState().patchRun({ id: "r1", status: "succeeded" });
    expect(store.getState().run?.status).toBe("succeeded");
  });

  it("adds a node after an output port, wired to its first input that accepts it", () => {
    const store = fresh();
    const { id, refused } = store.getState().addLinkedNode(
      "Test.list",
      { x: 300, y: 200 },
      {
        from: { node: "a", port: "out" },
      },
    );
    expect(refused).toBeNull();
    expect(store.getState().toDocument().edges).toEqual([
      { source: "a", sourcePort: "out", target: id, targetPort: "items" },
    ]);
  });

  it("puts a node on an edge as one undo step, or leaves an edge it cannot split", () => {
    const store = fresh();
    store.getState().connect({ source: "a", sourceHandle: "out", target: "b", targetHandle: "in" });
    const edgeId = store.getState().edges[0].id;
    const { id } = store.getState().addLinkedNode("Test.any", { x: 150, y: 0 }, { edgeId });
    const wired = (s = store.getState()) => s.toDocument().edges.map((e) => `${e.source}->${e.target}`);
    expect(wired()).toEqual([`a->${id}`, `${id}->b`]);
    store.getState().undo();
    expect(wired()).toEqual(["a->b"]);

    const list = store.getState().addLinkedNode("Test.list", { x: 150, y: 0 }, { edgeId });
    expect(list.refused).toMatch(/cannot feed/);
    expect(wired()).toEqual(["a->b", `a->${list.id}`]);
  });
});
