import { describe, expect, it } from "vitest";
import type { RunStatsRow, UsageRow } from "../api/platform-types";
import { bucketLabel, formatPrice, formatRate, runHealthPoints, sinceDaysAgo, usagePoints } from "./analytics";

const usage = (key: string, cost: number, label: string | null = null): UsageRow => ({
  key,
  label,
  calls: 2,
  input_tokens: 10,
  output_tokens: 5,
  cost_usd: cost,
  avg_latency_ms: 12,
});

describe("analytics shaping", () => {
  it("orders day buckets by time and labels them by date", () => {
    const points = usagePoints([usage("2026-01-03T00:00:00+00:00", 1), usage("2026-01-01T00:00:00+00:00", 3)], "day");
    expect(points.map((p) => p.name)).toEqual(["2026-01-01", "2026-01-03"]);
    expect(points[0]).toEqual({ name: "2026-01-01", cost: 3, calls: 2, tokens: 15 });
  });

  it("orders other groups by cost and keeps the top ones", () => {
    const rows = [usage("a", 1, "model a"), usage("b", 5, "model b"), usage("c", 3)];
    expect(usagePoints(rows, "model", 2).map((p) => p.name)).toEqual(["model b", "c"]);
  });

  it("labels missing keys", () => {
    expect(bucketLabel({ key: null, label: null }, "agent")).toBe("(none)");
  });

  it("turns run stats into chart points with percent success", () => {
    const row: RunStatsRow = {
      key: "2026-01-02",
      label: null,
      runs: 10,
      succeeded: 7,
      failed: 2,
      cancelled: 1,
      paused: 0,
      running: 0,
      queued: 0,
      success_rate: 0.7777,
      p50_ms: 10,
      p90_ms: 50,
      p99_ms: 90,
      cost_usd: 0.1,
    };
    expect(runHealthPoints([row], "day")[0]).toEqual({
      name: "2026-01-02",
      succeeded: 7,
      failed: 2,
      other: 1,
      successRate: 77.8,
      p50: 10,
      p90: 50,
      p99: 90,
    });
  });

  it("formats prices, rates and windows", () => {
    expect(formatPrice(0.00015)).toBe("$0.00015");
    expect(formatPrice(3)).toBe("$3.00");
    expect(formatPrice(0.0025)).toBe("$0.0025");
    expect(formatRate(0.5)).toBe("50.0%");
    expect(formatRate(null)).toBe("—");
    expect(sinceDaysAgo(null)).toBeUndefined();
    expect(sinceDaysAgo(1, Date.parse("2026-01-02T00:00:00Z"))).toBe("2026-01-01T00:00:00.000Z");
  });
});
