import { describe, expect, it } from "vitest";
import { applyCompletion, completionAt, openExpression, pathSuggestions, suggestionsFor } from "./template-complete";

function complete(text: string, choice: string): { text: string; caret: number } {
  const c = completionAt(text, text.length);
  if (!c) throw new Error("no completion");
  return applyCompletion(text, text.length, c, choice);
}

describe("openExpression", () => {
  it("finds the expression typed after an unclosed {{", () => {
    expect(openExpression("Hi {{ nod", 9)).toEqual({ start: 5, partial: "nod" });
    expect(openExpression("Hi {{ a }} and {{", 17)).toEqual({ start: 17, partial: "" });
    expect(openExpression("Hi {{ a }}", 10)).toBeNull();
  });
});

describe("completion", () => {
  it("completes the path being typed and leaves the caret inside the braces", () => {
    expect(complete('{"name": "{{ trig', "trigger")).toEqual({
      text: '{"name": "{{ trigger }}',
      caret: '{"name": "{{ trigger'.length,
    });
    expect(complete("{{", "trigger")).toEqual({ text: "{{ trigger }}", caret: 10 });
  });

  it("replaces only the token, keeping what comes before it and an existing }}", () => {
    const text = "{{ a + trigger.bo }}";
    const c = completionAt(text, 17);
    expect(c).toEqual({ kind: "path", token: "trigger.bo", from: 7 });
    expect(applyCompletion(text, 17, c!, "trigger.body")).toEqual({ text: "{{ a + trigger.body }}", caret: 19 });
  });

  it("offers filters after a pipe", () => {
    const c = completionAt("{{ trigger.name | up", 20);
    expect(c).toEqual({ kind: "filter", token: "up", from: 18 });
    expect(suggestionsFor(c!, []).map((s) => s.label)).toEqual(["upper"]);
    expect(complete("{{ trigger.name |", "default('')").text).toBe("{{ trigger.name | default('') }}");
  });

  it("suggests real field paths from sample data, prefix matches first", () => {
    const paths = pathSuggestions({
      trigger: { body: { sku: "A-1" } },
      nodes: { request: { output: { status: 200 } } },
    });
    expect(paths.map((p) => p.label)).toEqual([
      "trigger",
      "trigger.body",
      "trigger.body.sku",
      "nodes.request.output",
      "nodes.request.output.status",
      "run.id",
      "run.started_at",
    ]);
    expect(paths[2].detail).toBe('string · "A-1"');
    const c = completionAt("{{ sku", 6)!;
    expect(suggestionsFor(c, paths).map((s) => s.label)).toEqual(["trigger.body.sku"]);
  });
});
