import type { JsonObject, JsonValue } from "../api/types";

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const MAX_REF_DEPTH = 8;

/** Replace local `$ref`s (`#/$defs/X`) by their definitions, so widgets can be chosen per field. */
export function inlineRefs(schema: JsonValue, defs?: JsonObject, depth = 0): JsonValue {
  if (Array.isArray(schema)) return schema.map((s) => inlineRefs(s, defs, depth));
  if (!isObject(schema)) return schema;
  const definitions =
    defs ?? (isObject(schema.$defs) ? schema.$defs : isObject(schema.definitions) ? schema.definitions : {});
  const ref = schema.$ref;
  if (typeof ref === "string" && depth < MAX_REF_DEPTH) {
    const name = ref.replace(/^#\/(\$defs|definitions)\//, "");
    const target = definitions[name];
    if (name !== ref && isObject(target)) {
      const { $ref: _ref, ...rest } = schema;
      void _ref;
      return inlineRefs({ ...target, ...rest }, definitions, depth + 1);
    }
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "$defs" || k === "definitions") continue;
    out[k] = inlineRefs(v, definitions, depth);
  }
  return out;
}

/**
 * Make pydantic's JSON Schema friendlier to a form: `anyOf: [X, {type: null}]` (Optional fields)
 * becomes X, keeping title, description and default from the outer schema.
 */
export function simplifySchema(schema: JsonValue): JsonValue {
  if (Array.isArray(schema)) return schema.map(simplifySchema);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) out[k] = simplifySchema(v);
  const variants = out.anyOf;
  if (Array.isArray(variants)) {
    const nonNull = variants.filter((v) => !(isObject(v) && v.type === "null"));
    if (nonNull.length === 1 && nonNull.length < variants.length && isObject(nonNull[0])) {
      const { anyOf: _drop, ...rest } = out;
      void _drop;
      return { ...nonNull[0], ...rest };
    }
  }
  return out;
}

const MULTILINE_KEYS = new Set([
  "prompt",
  "system",
  "system_prompt",
  "template",
  "message",
  "text",
  "body",
  "content",
  "query",
  "sql",
  "instructions",
]);
const CODE_FORMATS = new Set(["code", "python", "javascript", "json-code"]);

/** Pickers for `x-widget` values a params model declares (see inspector/pickers.tsx). */
const PICKERS: Record<string, JsonObject> = {
  "llm-model": { "ui:widget": "ModelPicker" },
  "llm-provider": { "ui:widget": "ProviderPicker" },
  agent: { "ui:widget": "AgentPicker" },
  graph: { "ui:widget": "GraphPicker" },
  "node-tools": { "ui:field": "Tools" },
  "node-body": { "ui:field": "NodeBody" },
  condition: { "ui:field": "Condition" },
};

const SHAPE_KEYS = ["type", "anyOf", "oneOf", "allOf", "$ref", "enum", "const", "properties", "items"];

/** A schema that accepts any JSON value (pydantic `Any`). */
export function isFreeForm(schema: JsonObject): boolean {
  return !SHAPE_KEYS.some((k) => k in schema);
}

/** Pick widgets: code editor for code fields, a template textarea for long text. */
export function uiSchemaFor(schema: JsonValue, key = ""): JsonObject {
  const ui: JsonObject = {};
  if (!isObject(schema)) return ui;
  const widget = typeof schema["x-widget"] === "string" ? schema["x-widget"] : "";
  const picker = PICKERS[widget];
  if (picker) return { ...picker };
  if (isFreeForm(schema)) return { "ui:field": "AnyJson" };
  const format = typeof schema.format === "string" ? schema.format : "";
  if (schema.type === "string" && !schema.enum) {
    if (CODE_FORMATS.has(format) || CODE_FORMATS.has(widget) || key === "code") ui["ui:widget"] = "CodeWidget";
    else if (
      format === "textarea" ||
      format === "multiline" ||
      widget === "textarea" ||
      MULTILINE_KEYS.has(key) ||
      (typeof schema.maxLength === "number" && schema.maxLength > 200)
    )
      ui["ui:widget"] = "textarea";
  }
  if (isObject(schema.items)) {
    const child = uiSchemaFor(schema.items);
    // A list of plain values needs no "Methods-1" label on each item.
    const plain = typeof schema.items.type === "string" && !["object", "array"].includes(schema.items.type);
    if (plain) child["ui:options"] = { label: false };
    if (Object.keys(child).length) ui.items = child;
  }
  if (isObject(schema.properties)) {
    for (const [k, v] of Object.entries(schema.properties)) {
      const child = uiSchemaFor(v, k);
      if (Object.keys(child).length) ui[k] = child;
    }
  }
  return ui;
}

/** Text shown for a free-form value: strings as they are, anything else as JSON. */
export function anyToText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2);
}

/** Parse free-form text: JSON when it parses as an object, list, number or boolean, else the text itself. */
export function textToAny(text: string): unknown {
  const t = text.trim();
  if (!t) return undefined;
  if (/^[[{]|^-?\d|^(true|false|null)$/.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}

/** rjsf's shape for errors under a field: `{ cases: { 0: { name: { __errors: ["…"] } } } }`. */
export interface FieldErrorTree {
  __errors?: string[];
  [key: string]: FieldErrorTree | string[] | undefined;
}

/** Validation errors on `params.*` fields as a tree rjsf shows under each field (`extraErrors`). */
export function paramErrorTree(errors: readonly { field: string; message: string }[]): FieldErrorTree {
  const root: FieldErrorTree = {};
  for (const e of errors) {
    const parts = e.field.split(".");
    if (parts[0] !== "params") continue;
    let at = root;
    for (const part of parts.slice(1)) at = (at[part] ??= {}) as FieldErrorTree;
    (at.__errors ??= []).push(e.message.replace(/^Value error, /, ""));
  }
  return root;
}

/**
 * Why free-form text that looks like JSON (an object or a list) does not parse, or null. Such
 * text would silently be sent as a string, so the field says so. Templates (`{{ … }}`) are text.
 */
export function jsonProblem(text: string): string | null {
  const t = text.trim();
  if (!/^\[|^\{(?![{%#])/.test(t)) return null;
  try {
    JSON.parse(t);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : "invalid JSON";
  }
}

const ACRONYMS: Record<string, string> = {
  api: "API",
  http: "HTTP",
  https: "HTTPS",
  id: "ID",
  ids: "IDs",
  json: "JSON",
  llm: "LLM",
  sql: "SQL",
  url: "URL",
  urls: "URLs",
  uuid: "UUID",
};
const UNITS: Record<string, string> = { s: "(s)", ms: "(ms)", usd: "(USD)", kb: "(KB)", mb: "(MB)" };

/** The title pydantic gives a field that has none of its own (`timeout_s` gives "Timeout S"). */
function pydanticTitle(key: string): string {
  return key
    .split("_")
    .map((w) => (w ? w[0].toUpperCase() + w.slice(1) : w))
    .join(" ");
}

/** A readable label for a parameter key: `timeout_s` → "Timeout (s)", `json_schema` → "JSON schema". */
export function labelFor(key: string): string {
  const words = key.split("_").filter(Boolean);
  const unit = words.length > 1 ? UNITS[words[words.length - 1].toLowerCase()] : undefined;
  const named = (unit ? words.slice(0, -1) : words).map((w, i) => {
    const lower = w.toLowerCase();
    if (ACRONYMS[lower]) return ACRONYMS[lower];
    return i === 0 ? lower[0].toUpperCase() + lower.slice(1) : lower;
  });
  return unit ? `${named.join(" ")} ${unit}` : named.join(" ");
}

/** A class name used as a title (`LoopBody`), which reads like code. */
function isClassName(title: string): boolean {
  return /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$/.test(title);
}

/**
 * Replace the titles pydantic derives from field and class names by readable labels, keeping
 * titles a node author wrote. Item labels of lists of plain values are dropped by `uiSchemaFor`.
 */
export function humanizeTitles(schema: JsonValue, key = ""): JsonValue {
  if (Array.isArray(schema)) return schema.map((s) => humanizeTitles(s));
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "properties" && isObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, humanizeTitles(sub, name)]));
    } else out[k] = k === "items" ? humanizeTitles(v) : v;
  }
  const title = typeof out.title === "string" ? out.title : undefined;
  if (key && (title === undefined || title === pydanticTitle(key) || isClassName(title))) out.title = labelFor(key);
  else if (title !== undefined && isClassName(title))
    out.title = labelFor(title.replace(/([a-z0-9])([A-Z])/g, "$1_$2"));
  return out;
}
