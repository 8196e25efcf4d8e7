/** Views of JSON data for the node details panels: field paths with types, and tables. */

/** One field of a value: its template expression, depth, type and a short preview. */
export interface DataField {
  /** Template expression reaching the field, e.g. `trigger.body.items[0].sku`. */
  expr: string;
  /** The last step of the path, as shown in a tree (`sku`, `[0]`). */
  key: string;
  depth: number;
  type: "object" | "array" | "string" | "number" | "boolean" | "null";
  /** The value as short text (containers show their size). */
  preview: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PREVIEW_CHARS = 80;

/** `base.key`, or `base['odd key']` when the key is not an identifier. */
export function childExpr(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return IDENTIFIER.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

export function typeOf(value: unknown): DataField["type"] {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return "object";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return "string";
}

function preview(value: unknown): string {
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? "" : "s"}`;
  if (value && typeof value === "object") return `${Object.keys(value).length} fields`;
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

/**
 * Every field of `value` under `base`, depth first. Lists show their first `arrayItems` items
 * (the shape of a list is usually that of its first item); `limit` bounds the total.
 */
export function dataFields(
  value: unknown,
  base: string,
  opts: { arrayItems?: number; limit?: number } = {},
): DataField[] {
  const arrayItems = opts.arrayItems ?? 1;
  const limit = opts.limit ?? 500;
  const out: DataField[] = [];
  const walk = (v: unknown, expr: string, key: string, depth: number) => {
    if (out.length >= limit) return;
    out.push({ expr, key, depth, type: typeOf(v), preview: preview(v) });
    if (Array.isArray(v))
      v.slice(0, arrayItems).forEach((item, i) => walk(item, childExpr(expr, i), `[${i}]`, depth + 1));
    else if (v && typeof v === "object")
      for (const [k, child] of Object.entries(v)) walk(child, childExpr(expr, k), k, depth + 1);
  };
  walk(value, base, base, 0);
  return out;
}

/** Fields whose path, key or preview contains `query` (case-insensitive), with their parents kept. */
export function filterFields(fields: readonly DataField[], query: string): DataField[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...fields];
  const hit = fields.map((f) => f.expr.toLowerCase().includes(q) || f.preview.toLowerCase().includes(q));
  const keep = new Array<boolean>(fields.length).fill(false);
  for (let i = 0; i < fields.length; i++) {
    if (!hit[i]) continue;
    keep[i] = true;
    // Keep the ancestors so the match is shown in context.
    let depth = fields[i].depth;
    for (let j = i - 1; j >= 0 && depth > 0; j--) {
      if (fields[j].depth < depth) {
        keep[j] = true;
        depth = fields[j].depth;
      }
    }
  }
  return fields.filter((_, i) => keep[i]);
}

/** A value as a table: a list of objects gives one row per item, an object one row per key. */
export interface DataTable {
  columns: string[];
  rows: { expr: string; cells: { expr: string; value: unknown }[] }[];
}

export function tableOf(value: unknown, base: string, maxRows = 100): DataTable {
  if (Array.isArray(value)) {
    const items = value.slice(0, maxRows);
    const objects = items.every((i) => i && typeof i === "object" && !Array.isArray(i));
    if (objects && items.length) {
      const columns = [...new Set(items.flatMap((i) => Object.keys(i as object)))];
      return {
        columns,
        rows: items.map((item, i) => {
          const rowExpr = childExpr(base, i);
          const record = item as Record<string, unknown>;
          return { expr: rowExpr, cells: columns.map((c) => ({ expr: childExpr(rowExpr, c), value: record[c] })) };
        }),
      };
    }
    return {
      columns: ["value"],
      rows: items.map((item, i) => ({ expr: childExpr(base, i), cells: [{ expr: childExpr(base, i), value: item }] })),
    };
  }
  if (value && typeof value === "object") {
    return {
      columns: ["field", "value"],
      rows: Object.entries(value).map(([k, v]) => {
        const expr = childExpr(base, k);
        return {
          expr,
          cells: [
            { expr, value: k },
            { expr, value: v },
          ],
        };
      }),
    };
  }
  return { columns: ["value"], rows: [{ expr: base, cells: [{ expr: base, value }] }] };
}

/** Text shown in a table cell. */
export function cellText(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  const text = JSON.stringify(value);
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
