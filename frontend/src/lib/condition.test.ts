import { describe, expect, it } from "vitest";
import { buildCondition, type ConditionRules, parseCondition } from "./condition";

const rules: ConditionRules = {
  join: "and",
  rows: [
    { field: "trigger.body.amount", op: ">", value: "100" },
    { field: "trigger.body.tier", op: "==", value: "gold" },
    { field: "trigger.body.note", op: "contains", value: "it's" },
    { field: "trigger.body.tags", op: "is not empty", value: "" },
    { field: "trigger.body.sku", op: "starts with", value: "A-" },
    { field: "trigger.body.flag", op: "!=", value: "true" },
  ],
};

describe("condition builder", () => {
  it("writes rules as one Jinja expression", () => {
    expect(buildCondition(rules)).toBe(
      "{{ trigger.body.amount > 100 and trigger.body.tier == 'gold' and 'it\\'s' in trigger.body.note" +
        " and trigger.body.tags | length > 0 and trigger.body.sku.startswith('A-') and trigger.body.flag != true }}",
    );
    expect(buildCondition({ join: "or", rows: [{ field: "a", op: "is empty", value: "" }] })).toBe("{{ not a }}");
    expect(buildCondition({ join: "and", rows: [{ field: " ", op: "==", value: "1" }] })).toBe("");
  });

  it("reads back what it wrote, and nothing else", () => {
    expect(parseCondition(buildCondition(rules))).toEqual(rules);
    const either: ConditionRules = {
      join: "or",
      rows: [
        { field: "trigger.kind", op: "==", value: "refund" },
        { field: "trigger.kind", op: "==", value: "a or b" },
      ],
    };
    expect(parseCondition(buildCondition(either))).toEqual(either);
    expect(parseCondition("")).toEqual({ join: "and", rows: [] });
    expect(parseCondition("{{ trigger.a > 1 and (b or c) }}")).toBeNull();
    expect(parseCondition("{{ trigger.items | selectattr('x') | list }}")).toBeNull();
    expect(parseCondition("plain text")).toBeNull();
  });
});
