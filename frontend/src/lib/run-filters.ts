/** The executions list's filters: kept in the page address, turned into the runs API's query. */

import type { RunFilters } from "../api/client";

export const RUN_STATUSES = ["queued", "running", "paused", "succeeded", "failed", "cancelled"] as const;
export const TRIGGER_KINDS = ["manual", "api", "webhook", "schedule", "channel", "rerun", "test", "agent"] as const;

/** What the filter bar shows; dates are `YYYY-MM-DD` in the browser's time zone. */
export interface RunListFilters {
  status: string[];
  trigger: string;
  graph: string;
  from: string;
  to: string;
  q: string;
}

export const NO_FILTERS: RunListFilters = { status: [], trigger: "", graph: "", from: "", to: "", q: "" };

export function filtersFromQuery(search: string): RunListFilters {
  const p = new URLSearchParams(search);
  return {
    status: p.getAll("status").filter((s) => (RUN_STATUSES as readonly string[]).includes(s)),
    trigger: p.get("trigger") ?? "",
    graph: p.get("graph") ?? "",
    from: p.get("from") ?? "",
    to: p.get("to") ?? "",
    q: p.get("q") ?? "",
  };
}

export function filtersToQuery(f: RunListFilters): string {
  const p = new URLSearchParams();
  for (const s of f.status) p.append("status", s);
  for (const key of ["trigger", "graph", "from", "to", "q"] as const) if (f[key]) p.set(key, f[key]);
  const text = p.toString();
  return text ? `?${text}` : "";
}

/** Local midnight of a `YYYY-MM-DD` day, `days` later, as an ISO instant. */
function dayStart(day: string, days = 0): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).toISOString();
}

/** The API query: `to` includes its whole day; a run id search keeps hex digits and dashes. */
export function apiFilters(f: RunListFilters): RunFilters {
  const q = f.q.trim().toLowerCase();
  return {
    status: f.status,
    trigger: f.trigger ? [f.trigger] : [],
    graph_id: f.graph || undefined,
    since: f.from ? dayStart(f.from) : undefined,
    until: f.to ? dayStart(f.to, 1) : undefined,
    q: /^[0-9a-f-]+$/.test(q) ? q : undefined,
  };
}
