import { describe, expect, it } from "vitest";
import { freeName, instantiate, TEMPLATES, templatesUsing } from "./templates";

describe("graph templates", () => {
  it("are the example graphs of graphs/", () => {
    const ids = TEMPLATES.map((t) => t.id);
    expect(ids).toContain("hello");
    expect(ids).toContain("services/s3");
    expect(TEMPLATES.every((t) => t.document.schema === "kyra.graph/1")).toBe(true);
    expect(templatesUsing("Webhook.trigger").map((t) => t.id)).toContain("hello");
  });

  it("become graphs with a free name and webhook paths of their own", () => {
    expect(freeName("hello", ["hello", "hello 2"])).toBe("hello 3");
    const hello = TEMPLATES.find((t) => t.id === "hello");
    if (!hello) throw new Error("no hello template");
    const doc = instantiate(hello, ["hello"], "x1");
    expect(doc.name).toBe("hello 2");
    expect(doc.nodes.find((n) => n.type === "Webhook.trigger")?.params).toMatchObject({ path: "hello-x1" });
    expect(hello.document.nodes.find((n) => n.type === "Webhook.trigger")?.params).toMatchObject({ path: "hello" });
  });
});
