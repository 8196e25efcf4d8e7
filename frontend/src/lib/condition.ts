/**
 * The condition builder's rules and the Jinja expression they stand for. A rule set is written
 * as one canonical template (`{{ a > 1 and b == 'x' }}`) and read back from it, so the document
 * keeps a plain template that runs exactly as typed ones do.
 */

export type Operator =
  "==" | "!=" | ">" | ">=" | "<" | "<=" | "contains" | "not contains" | "starts with" | "is empty" | "is not empty";

export const OPERATORS: readonly { op: Operator; label: string; unary?: boolean }[] = [
  { op: "==", label: "equals" },
  { op: "!=", label: "does not equal" },
  { op: ">", label: "is greater than" },
  { op: ">=", label: "is at least" },
  { op: "<", label: "is less than" },
  { op: "<=", label: "is at most" },
  { op: "contains", label: "contains" },
  { op: "not contains", label: "does not contain" },
  { op: "starts with", label: "starts with" },
  { op: "is empty", label: "is empty", unary: true },
  { op: "is not empty", label: "is not empty", unary: true },
];

export interface ConditionRow {
  /** A field path such as `trigger.body.amount`. */
  field: string;
  op: Operator;
  /** As typed: numbers, true/false/null are literals; anything else is text. */
  value: string;
}

export interface ConditionRules {
  join: "and" | "or";
  rows: ConditionRow[];
}

const PATH = String.raw`[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*|\[(?:\d+|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\])*`;
const LITERAL = String.raw`-?\d+(?:\.\d+)?|true|false|none|'(?:[^'\\]|\\.)*'`;

/** A value as a Jinja literal: numbers and true/false/null as they are, the rest as a string. */
export function literal(value: string): string {
  const v = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(v)) return v;
  if (v === "true" || v === "false") return v;
  if (v === "null" || v === "none") return "none";
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function unliteral(text: string): string {
  if (text === "none") return "null";
  if (text.startsWith("'")) return text.slice(1, -1).replace(/\\(.)/g, "$1");
  return text;
}

function rowExpression(r: ConditionRow): string {
  const f = r.field.trim();
  switch (r.op) {
    case "contains":
      return `${literal(r.value)} in ${f}`;
    case "not contains":
      return `${literal(r.value)} not in ${f}`;
    case "starts with":
      return `${f}.startswith(${literal(r.value)})`;
    case "is empty":
      return `not ${f}`;
    case "is not empty":
      return `${f} | length > 0`;
    default:
      return `${f} ${r.op} ${literal(r.value)}`;
  }
}

/** The template a rule set stands for (empty rows are left out). */
export function buildCondition(rules: ConditionRules): string {
  const parts = rules.rows.filter((r) => r.field.trim()).map(rowExpression);
  return parts.length ? `{{ ${parts.join(` ${rules.join} `)} }}` : "";
}

const ROW_PATTERNS: [RegExp, (m: RegExpMatchArray) => ConditionRow][] = [
  [new RegExp(`^(${LITERAL}) not in (${PATH})$`), (m) => ({ field: m[2], op: "not contains", value: unliteral(m[1]) })],
  [new RegExp(`^(${LITERAL}) in (${PATH})$`), (m) => ({ field: m[2], op: "contains", value: unliteral(m[1]) })],
  [
    new RegExp(`^(${PATH})\\.startswith\\((${LITERAL})\\)$`),
    (m) => ({ field: m[1], op: "starts with", value: unliteral(m[2]) }),
  ],
  [new RegExp(`^not (${PATH})$`), (m) => ({ field: m[1], op: "is empty", value: "" })],
  [new RegExp(`^(${PATH}) \\| length > 0$`), (m) => ({ field: m[1], op: "is not empty", value: "" })],
  [
    new RegExp(`^(${PATH}) (==|!=|>=|<=|>|<) (${LITERAL})$`),
    (m) => ({ field: m[1], op: m[2] as Operator, value: unliteral(m[3]) }),
  ],
];

/** Split `a and b` on the joining word outside quotes. */
function split(body: string, join: "and" | "or"): string[] {
  const parts: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (body.startsWith(` ${join} `, i)) {
      parts.push(body.slice(start, i));
      start = i + join.length + 2;
      i = start - 1;
    }
  }
  parts.push(body.slice(start));
  return parts.map((p) => p.trim());
}

/** The rules a template stands for, or null when it was not written by the builder. */
export function parseCondition(template: unknown): ConditionRules | null {
  if (template === undefined || template === null || template === "") return { join: "and", rows: [] };
  if (typeof template !== "string") return null;
  const m = /^\{\{\s*(.*?)\s*\}\}$/s.exec(template.trim());
  if (!m) return null;
  for (const join of ["and", "or"] as const) {
    const rows: ConditionRow[] = [];
    for (const part of split(m[1], join)) {
      const match = ROW_PATTERNS.map(([re, make]) => {
        const hit = re.exec(part);
        return hit ? make(hit) : null;
      }).find((r) => r !== null);
      if (!match) break;
      rows.push(match);
    }
    const other = join === "and" ? " or " : " and ";
    if (rows.length && rows.length === split(m[1], join).length) {
      // A single row with the other joining word inside is not a rule set of this join.
      if (rows.length > 1 || !m[1].includes(other)) return { join, rows };
    }
  }
  return null;
}
