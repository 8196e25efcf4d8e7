/** Shaping analytics rows for charts and tables. */

import type { RunStatsRow, UsageGroup, UsageRow } from "../api/platform-types";

export interface UsagePoint {
  name: string;
  cost: number;
  calls: number;
  tokens: number;
}

/** A bucket's label: dates for day/hour groups, otherwise the label or the key. */
export function bucketLabel(row: { key?: string | null; label?: string | null }, groupBy: string): string {
  const raw = row.label ?? row.key ?? "";
  if ((groupBy === "day" || groupBy === "hour") && raw) {
    const d = new Date(raw);
    if (!Number.isNaN(d.getTime()))
      return groupBy === "day" ? d.toISOString().slice(0, 10) : `${d.toISOString().slice(0, 13).replace("T", " ")}h`;
  }
  return raw || "(none)";
}

/** Chart points: time buckets in time order, other groups by cost, largest first (top `limit`). */
export function usagePoints(rows: readonly UsageRow[], groupBy: UsageGroup, limit = 12): UsagePoint[] {
  const points = rows.map((r) => ({
    name: bucketLabel(r, groupBy),
    cost: r.cost_usd,
    calls: r.calls,
    tokens: r.input_tokens + r.output_tokens,
    order: r.key ?? "",
  }));
  if (groupBy === "day" || groupBy === "hour")
    points.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  else points.sort((a, b) => b.cost - a.cost);
  return (groupBy === "day" || groupBy === "hour" ? points : points.slice(0, limit)).map(
    ({ name, cost, calls, tokens }) => ({ name, cost, calls, tokens }),
  );
}

export interface RunHealthPoint {
  name: string;
  succeeded: number;
  failed: number;
  other: number;
  successRate: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

/** Run-health rows as chart points (success rate in percent). */
export function runHealthPoints(rows: readonly RunStatsRow[], groupBy: string): RunHealthPoint[] {
  const points = rows.map((r) => ({
    name: bucketLabel(r, groupBy),
    succeeded: r.succeeded,
    failed: r.failed,
    other: r.runs - r.succeeded - r.failed,
    successRate: r.success_rate === null ? null : Math.round(r.success_rate * 1000) / 10,
    p50: r.p50_ms,
    p90: r.p90_ms,
    p99: r.p99_ms,
    order: r.key ?? "",
  }));
  if (groupBy === "day") points.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  return points.map(({ order: _order, ...p }) => p);
}

/** "12.5%" for a 0..1 rate, "—" for none. */
export function formatRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

/** "$0.0025" style prices: up to 6 decimals, trailing zeros dropped, at least 2 decimals. */
export function formatPrice(usd: number): string {
  const fixed = usd.toFixed(6).replace(/0+$/, "");
  const [int, frac = ""] = fixed.split(".");
  return `$${int}.${frac.padEnd(2, "0")}`;
}

/** ISO time `days` days ago (start of the analytics window), or undefined for "all time". */
export function sinceDaysAgo(days: number | null, now = Date.now()): string | undefined {
  return days === null ? undefined : new Date(now - days * 86_400_000).toISOString();
}
