import type { NodeSpec, PortSpec } from "../api/types";

/** A small catalogue for unit tests. */
function spec(type: string, inputs: PortSpec[], outputs: PortSpec[]): NodeSpec {
  return {
    type,
    title: type,
    category: "Test",
    description: "",
    params_schema: {},
    inputs,
    outputs,
    dynamic_outputs: false,
    credentials: [],
    pure: true,
    trigger: false,
    tool: true,
    timeout_s: 30,
    retries: 0,
  };
}

export const specs = new Map<string, NodeSpec>([
  ["Test.any", spec("Test.any", [{ name: "in", type: "any" }], [{ name: "out", type: "any" }])],
  ["Test.text", spec("Test.text", [{ name: "in", type: "text" }], [{ name: "out", type: "text" }])],
  ["Test.number", spec("Test.number", [{ name: "in", type: "number" }], [{ name: "out", type: "number" }])],
  ["Test.list", spec("Test.list", [{ name: "items", type: "list", many: true }], [{ name: "out", type: "list" }])],
]);
