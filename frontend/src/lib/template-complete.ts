/** Autocomplete inside `{{ … }}`: field paths from sample data, then Jinja filters after `|`. */

import { dataFields } from "./data-view";

export interface Suggestion {
  /** What is inserted: a path (`trigger.body.sku`) or a filter (`default('')`). */
  label: string;
  /** Shown beside it: the field's type and sample value, or what a filter does. */
  detail?: string;
}

/** Jinja filters worth offering (the engine's sandbox has them all; `attr` is removed there). */
export const FILTERS: readonly Suggestion[] = [
  { label: "default('')", detail: "a value when the field is missing" },
  { label: "length", detail: "number of items or characters" },
  { label: "upper", detail: "UPPER CASE" },
  { label: "lower", detail: "lower case" },
  { label: "title", detail: "Title Case" },
  { label: "capitalize", detail: "First letter upper" },
  { label: "trim", detail: "strip spaces" },
  { label: "replace('a', 'b')", detail: "replace text" },
  { label: "truncate(50)", detail: "shorten text" },
  { label: "join(', ')", detail: "list to text" },
  { label: "first", detail: "first item" },
  { label: "last", detail: "last item" },
  { label: "sort", detail: "sorted list" },
  { label: "unique", detail: "without duplicates" },
  { label: "map(attribute='name')", detail: "one field of each item" },
  { label: "selectattr('active')", detail: "items whose field is true" },
  { label: "sum", detail: "total of a list" },
  { label: "min", detail: "smallest" },
  { label: "max", detail: "largest" },
  { label: "round(2)", detail: "round a number" },
  { label: "int", detail: "to a whole number" },
  { label: "float", detail: "to a number" },
  { label: "string", detail: "to text" },
  { label: "abs", detail: "absolute value" },
  { label: "tojson", detail: "to JSON text" },
  { label: "list", detail: "to a list" },
  { label: "dictsort", detail: "object items sorted by key" },
];

/** The expression being typed after an unclosed `{{` before the caret, or null. */
export function openExpression(text: string, caret: number): { start: number; partial: string } | null {
  const before = text.slice(0, caret);
  const open = before.lastIndexOf("{{");
  if (open < 0 || before.indexOf("}}", open) >= 0) return null;
  return { start: open + 2, partial: before.slice(open + 2).trim() };
}

/** What the caret is completing: the token it ends, where that token starts, and its kind. */
export interface Completion {
  kind: "path" | "filter";
  token: string;
  from: number;
}

export function completionAt(text: string, caret: number): Completion | null {
  const open = openExpression(text, caret);
  if (!open) return null;
  const before = text.slice(open.start, caret);
  const filter = /\|\s*([A-Za-z_]*)$/.exec(before);
  if (filter) return { kind: "filter", token: filter[1], from: caret - filter[1].length };
  const path = /[A-Za-z_][\w.]*(?:\[[^\]]*\][\w.]*)*$|$/.exec(before);
  const token = path ? path[0] : "";
  return { kind: "path", token, from: caret - token.length };
}

/** Suggestions for a completion: paths containing the token (prefix matches first), or filters. */
export function suggestionsFor(c: Completion, paths: readonly Suggestion[], limit = 12): Suggestion[] {
  const t = c.token.toLowerCase();
  const pool = c.kind === "filter" ? FILTERS : paths;
  const starts = pool.filter((s) => s.label.toLowerCase().startsWith(t));
  const contains = t
    ? pool.filter((s) => !s.label.toLowerCase().startsWith(t) && s.label.toLowerCase().includes(t))
    : [];
  return [...starts, ...contains].slice(0, limit);
}

/**
 * Put `choice` in place of the completed token. The caret goes right after it, still inside the
 * braces, so `.field` or `| filter` typed next extends the same expression; a missing `}}` is added.
 */
export function applyCompletion(
  text: string,
  caret: number,
  c: Completion,
  choice: string,
): { text: string; caret: number } {
  const head = text.slice(0, c.from);
  const after = text.slice(caret);
  const space = head.endsWith("{{") || head.endsWith("|") ? " " : "";
  const closes = /^[^{}]*\}\}/.test(after);
  const tail = closes ? after : ` }}${after}`;
  const inserted = `${head}${space}${choice}`;
  return { text: `${inserted}${tail.startsWith(" ") || closes ? "" : " "}${tail}`, caret: inserted.length };
}

/** Path suggestions from a template context (`trigger`, `nodes.<id>.output`, …), with samples. */
export function pathSuggestions(context: Record<string, unknown>, extra: readonly string[] = []): Suggestion[] {
  const out: Suggestion[] = [];
  const seen = new Set<string>();
  const add = (label: string, detail?: string) => {
    if (seen.has(label)) return;
    seen.add(label);
    out.push({ label, detail });
  };
  for (const f of dataFields(context.trigger ?? {}, "trigger", { limit: 200 })) add(f.expr, `${f.type} · ${f.preview}`);
  const nodes = (context.nodes ?? {}) as Record<string, { output?: unknown }>;
  for (const [id, data] of Object.entries(nodes)) {
    for (const f of dataFields(data.output, `nodes.${id}.output`, { limit: 200 }))
      add(f.expr, `${f.type} · ${f.preview}`);
  }
  for (const name of ["item", "index"]) {
    if (name in context)
      for (const f of dataFields(context[name], name, { limit: 100 })) add(f.expr, `${f.type} · ${f.preview}`);
  }
  for (const label of extra) add(label);
  add("run.id");
  add("run.started_at");
  return out;
}

/** True when `value` holds a template string anywhere (like the engine's `contains_template`). */
export function hasTemplate(value: unknown): boolean {
  if (typeof value === "string") return /\{\{|\{%|\{#/.test(value);
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (value && typeof value === "object") return Object.values(value).some(hasTemplate);
  return false;
}
