/** What a node's documentation page shows: its parameters as rows and an example node. */

import type { DocNode, GraphDocument, JsonObject, JsonValue, NodeSpec } from "../api/types";
import { inlineRefs, labelFor } from "../inspector/schema";

export interface ParamRow {
  name: string;
  label: string;
  type: string;
  required: boolean;
  description: string;
  default?: JsonValue;
}

function typeOf(schema: JsonObject): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (typeof schema.type === "string") return schema.type;
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options))
      return options
        .map((o) => (o && typeof o === "object" && !Array.isArray(o) ? typeOf(o) : "any"))
        .filter((t, i, all) => all.indexOf(t) === i)
        .join(" | ");
  }
  return "any";
}

/** The top-level parameters of a node type, in schema order. */
export function paramRows(spec: NodeSpec): ParamRow[] {
  const schema = inlineRefs(spec.params_schema) as JsonObject;
  const props = (schema.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(props).map(([name, prop]) => ({
    name,
    label: labelFor(name),
    type: typeOf(prop),
    required: required.has(name),
    description: typeof prop.description === "string" ? prop.description : "",
    ...(prop.default !== undefined ? { default: prop.default } : {}),
  }));
}

/** A value a user could start from: the schema's example, default, or an empty value of its type. */
function sample(prop: JsonObject): JsonValue {
  if (Array.isArray(prop.examples) && prop.examples.length > 0) return prop.examples[0];
  if (prop.default !== undefined) return prop.default;
  if (Array.isArray(prop.enum) && prop.enum.length > 0) return prop.enum[0];
  switch (prop.type) {
    case "string":
      return "";
    case "integer":
    case "number":
      return typeof prop.minimum === "number" ? prop.minimum : 0;
    case "boolean":
      return false;
    case "array":
      return [];
    default:
      return {};
  }
}

/**
 * An example node of this type: as an example graph uses it when one does (real, runnable
 * parameters), else built from the schema's examples and defaults.
 */
export function exampleNode(spec: NodeSpec, graphs: readonly GraphDocument[]): { node: DocNode; from: string | null } {
  for (const g of graphs) {
    const used = g.nodes.find((n) => n.type === spec.type);
    if (used) return { node: { id: used.id, type: used.type, params: used.params ?? {} }, from: g.name };
  }
  const schema = inlineRefs(spec.params_schema) as JsonObject;
  const props = (schema.properties ?? {}) as Record<string, JsonObject>;
  const params: JsonObject = {};
  for (const row of paramRows(spec)) if (row.required) params[row.name] = sample(props[row.name]);
  const id = spec.type.split(".").pop()?.toLowerCase() ?? "node";
  return { node: { id, type: spec.type, params }, from: null };
}
