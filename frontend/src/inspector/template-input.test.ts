import { describe, expect, it } from "vitest";
import { openExpression } from "./template-input";

describe("openExpression", () => {
  it("finds the expression typed after an unclosed {{", () => {
    expect(openExpression("Hi {{ nod", 9)).toEqual({ start: 5, partial: "nod" });
    expect(openExpression("Hi {{ a }} and {{", 17)).toEqual({ start: 17, partial: "" });
  });

  it("ignores closed expressions and text before the caret only", () => {
    expect(openExpression("Hi {{ a }}", 10)).toBeNull();
    expect(openExpression("plain", 5)).toBeNull();
    expect(openExpression("{{ a }}", 3)).toEqual({ start: 2, partial: "" });
  });
});
