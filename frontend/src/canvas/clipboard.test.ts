import { describe, expect, it } from "vitest";
import { CLIPBOARD_MIME, clipboardFromText } from "./clipboard";

describe("pasted text", () => {
  it("gives nodes from a fragment, a document node or a graph", () => {
    const node = { id: "get", type: "HTTP.request", params: { url: "https://a.b" } };
    expect(clipboardFromText(JSON.stringify(node))?.nodes.map((n) => n.id)).toEqual(["get"]);
    const graph = { nodes: [node, { ...node, id: "two" }], edges: [{ source: "get", target: "two" }] };
    expect(clipboardFromText(JSON.stringify(graph))?.edges).toHaveLength(1);
    const frag = { nodes: [], edges: [] };
    expect(clipboardFromText(JSON.stringify({ [CLIPBOARD_MIME]: frag }))).toEqual(frag);
  });

  it("gives nothing for other text", () => {
    for (const text of ["hello", "42", '{"a": 1}', "[1, 2]", "[]"]) expect(clipboardFromText(text)).toBeNull();
  });
});
