import { describe, expect, it } from "vitest";
import { childExpr, dataFields, filterFields, tableOf } from "./data-view";
import { primaryOutput, sampleContext } from "./sample-data";

const order = { body: { sku: "A-1", "unit price": 3, items: [{ n: 1 }, { n: 2 }] }, ok: true };

describe("dataFields", () => {
  it("lists every field with the expression that reaches it", () => {
    const fields = dataFields(order, "trigger");
    expect(fields.map((f) => [f.expr, f.type, f.preview])).toEqual([
      ["trigger", "object", "2 fields"],
      ["trigger.body", "object", "3 fields"],
      ["trigger.body.sku", "string", '"A-1"'],
      ['trigger.body["unit price"]', "number", "3"],
      ["trigger.body.items", "array", "2 items"],
      ["trigger.body.items[0]", "object", "1 fields"],
      ["trigger.body.items[0].n", "number", "1"],
      ["trigger.ok", "boolean", "true"],
    ]);
  });

  it("filters by path or value, keeping the parents of a match", () => {
    const hits = filterFields(dataFields(order, "trigger"), "sku");
    expect(hits.map((f) => f.expr)).toEqual(["trigger", "trigger.body", "trigger.body.sku"]);
    expect(filterFields(dataFields(order, "t"), "A-1").map((f) => f.key)).toEqual(["t", "body", "sku"]);
  });
});

describe("tableOf", () => {
  it("makes a row per item of a list of objects", () => {
    const t = tableOf([{ a: 1 }, { a: 2, b: "x" }], "nodes.n.output");
    expect(t.columns).toEqual(["a", "b"]);
    expect(t.rows[1].cells.map((c) => [c.expr, c.value])).toEqual([
      ["nodes.n.output[1].a", 2],
      ["nodes.n.output[1].b", "x"],
    ]);
  });

  it("makes a row per field of an object", () => {
    expect(tableOf({ ok: true }, "x").rows[0].cells.map((c) => c.value)).toEqual(["ok", true]);
  });
});

describe("sample context", () => {
  it("takes pinned outputs before the last run's, like a run's nodes.<id>.output", () => {
    expect(primaryOutput({ true: 1 })).toBe(1);
    expect(primaryOutput({ out: 2, error: 3 })).toBe(2);
    const ctx = sampleContext(["a", "b", "c"], {
      testPayload: { body: {} },
      pinned: { a: { out: "pinned" } },
      nodeRuns: {
        a: { output: { out: "ran" } } as never,
        b: { output: { out: "ran b" } } as never,
      },
    });
    expect(ctx.trigger).toEqual({ body: {} });
    expect(ctx.nodes).toEqual({
      a: { output: "pinned", outputs: { out: "pinned" }, status: "succeeded" },
      b: { output: "ran b", outputs: { out: "ran b" }, status: "succeeded" },
    });
    expect(childExpr("x", "a-b")).toBe('x["a-b"]');
  });
});
