import { describe, expect, it } from "vitest";
import {
  anyToText,
  humanizeTitles,
  inlineRefs,
  jsonProblem,
  labelFor,
  paramErrorTree,
  simplifySchema,
  textToAny,
  uiSchemaFor,
} from "./schema";

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

describe("free-form values", () => {
  it("shows strings as they are and other values as JSON", () => {
    expect(anyToText("Hi {{ trigger.name }}")).toBe("Hi {{ trigger.name }}");
    expect(anyToText({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(anyToText(undefined)).toBe("");
  });

  it("parses JSON when it is JSON and keeps text otherwise", () => {
    expect(textToAny('{"a": [1, 2]}')).toEqual({ a: [1, 2] });
    expect(textToAny("42")).toBe(42);
    expect(textToAny("true")).toBe(true);
    expect(textToAny('{"a": ')).toBe('{"a": ');
    expect(textToAny("{{ nodes.x.output }}")).toBe("{{ nodes.x.output }}");
    expect(textToAny("hello")).toBe("hello");
    expect(textToAny("  ")).toBeUndefined();
  });
});

describe("paramErrorTree", () => {
  it("puts each params error under its field and leaves other fields out", () => {
    const tree = paramErrorTree([
      { field: "params.cases.0.name", message: "String should match pattern" },
      { field: "params.node", message: "Value error, type: unknown node type 'Core.sett'" },
      { field: "params", message: "whole params" },
      { field: "credentials.http_auth", message: "not here" },
    ]);
    expect(tree).toEqual({
      __errors: ["whole params"],
      cases: { "0": { name: { __errors: ["String should match pattern"] } } },
      node: { __errors: ["type: unknown node type 'Core.sett'"] },
    });
  });
});

describe("jsonProblem", () => {
  it("flags text that starts like JSON but does not parse", () => {
    expect(jsonProblem('{"greeting": "Hello {{ trigger.name }}"')).toMatch(/JSON|Expected|Unexpected/);
    expect(jsonProblem("[1, 2")).not.toBeNull();
  });

  it("leaves valid JSON, templates and plain text alone", () => {
    expect(jsonProblem('{"greeting": "Hello {{ trigger.name }}"}')).toBeNull();
    expect(jsonProblem("{{ nodes.x.output }}")).toBeNull();
    expect(jsonProblem("{% if a %}x{% endif %}")).toBeNull();
    expect(jsonProblem("hello")).toBeNull();
  });
});

describe("labels", () => {
  it("reads parameter keys as words, with acronyms and units", () => {
    expect(labelFor("timeout_s")).toBe("Timeout (s)");
    expect(labelFor("url")).toBe("URL");
    expect(labelFor("json_schema")).toBe("JSON schema");
    expect(labelFor("graph_id")).toBe("Graph ID");
    expect(labelFor("response_format")).toBe("Response format");
    expect(labelFor("budget_usd")).toBe("Budget (USD)");
    expect(labelFor("s")).toBe("S");
  });

  it("replaces pydantic's derived titles and class names but keeps written ones", () => {
    const schema = {
      title: "Params",
      type: "object",
      properties: {
        timeout_s: { title: "Timeout S", type: "number" },
        url: { title: "Url", type: "string" },
        node: { title: "LoopBody", type: "object", properties: { type: { title: "Type", type: "string" } } },
        mode: { title: "How to run", type: "string" },
        methods: { type: "array", items: { type: "string" } },
      },
    };
    expect(humanizeTitles(schema)).toEqual({
      title: "Params",
      type: "object",
      properties: {
        timeout_s: { title: "Timeout (s)", type: "number" },
        url: { title: "URL", type: "string" },
        node: { title: "Node", type: "object", properties: { type: { title: "Type", type: "string" } } },
        mode: { title: "How to run", type: "string" },
        methods: { title: "Methods", type: "array", items: { type: "string" } },
      },
    });
    expect(uiSchemaFor(schema).methods).toEqual({ items: { "ui:options": { label: false } } });
  });
});

describe("pickers", () => {
  it("picks the widget a params model names in x-widget", () => {
    const schema = {
      type: "object",
      properties: {
        model: { type: "string", "x-widget": "llm-model" },
        node: { type: "object", properties: { type: { type: "string" } }, "x-widget": "node-body" },
        tools: { type: "array", items: { type: "string" }, "x-widget": "node-tools" },
      },
    };
    expect(uiSchemaFor(schema)).toEqual({
      model: { "ui:widget": "ModelPicker" },
      node: { "ui:field": "NodeBody" },
      tools: { "ui:field": "Tools" },
    });
  });
});
