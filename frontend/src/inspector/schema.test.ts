import { describe, expect, it } from "vitest";
import { inlineRefs, simplifySchema, uiSchemaFor } from "./schema";

describe("schema helpers", () => {
  const pydantic = {
    $defs: { Case: { properties: { name: { type: "string" }, when: { description: "Template" } }, type: "object" } },
    properties: {
      cases: { items: { $ref: "#/$defs/Case" }, type: "array" },
      prompt: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Prompt" },
      code: { type: "string" },
    },
    type: "object",
  };

  it("inlines $defs and collapses Optional anyOf", () => {
    const s = simplifySchema(inlineRefs(pydantic)) as Record<string, never>;
    expect(JSON.stringify(s)).not.toContain("$ref");
    expect(s.properties["prompt"]).toEqual({ type: "string", default: null, title: "Prompt" });
  });

  it("picks widgets: free-form JSON, textarea for prompts, code editor for code", () => {
    const ui = uiSchemaFor(simplifySchema(inlineRefs(pydantic)));
    expect(ui).toEqual({
      cases: { items: { when: { "ui:field": "AnyJson" } } },
      prompt: { "ui:widget": "textarea" },
      code: { "ui:widget": "CodeWidget" },
    });
  });
});
