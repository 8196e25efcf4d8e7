import { useCallback, useMemo, useState } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { platformApi } from "../api/platform";
import type { RunStatsGroup, UsageGroup } from "../api/platform-types";
import { formatRate, runHealthPoints, sinceDaysAgo, usagePoints } from "../lib/analytics";
import { formatCost, formatDuration } from "../runs/format";
import { SectionState } from "../ui/section-state";
import { useLoad } from "../ui/use-load";

const GROUPS: { value: UsageGroup; label: string }[] = [
  { value: "day", label: "Day" },
  { value: "model", label: "Model" },
  { value: "graph", label: "Graph" },
  { value: "agent", label: "Agent" },
  { value: "user", label: "User" },
];
const WINDOWS: { value: number | null; label: string }[] = [
  { value: 7, label: "Last 7 days" },
  { value: 30, label: "Last 30 days" },
  { value: 90, label: "Last 90 days" },
  { value: null, label: "All time" },
];

const usd = (v: unknown) => (typeof v === "number" ? formatCost(v) : String(v));
const ms = (v: unknown) => (typeof v === "number" ? formatDuration(v) : String(v));

function UsageChart({ since }: { since: string | undefined }) {
  const [groupBy, setGroupBy] = useState<UsageGroup>("day");
  const fetcher = useCallback(() => platformApi.usage(groupBy, since), [groupBy, since]);
  const { data, error, loading } = useLoad(fetcher);
  const points = useMemo(() => (data ? usagePoints(data.rows, groupBy) : []), [data, groupBy]);
  return (
    <section className="panel" aria-label="LLM cost">
      <div className="section-head">
        <h2>LLM cost</h2>
        <label className="field inline">
          <span>Group by</span>
          <select aria-label="Group cost by" value={groupBy} onChange={(e) => setGroupBy(e.target.value as UsageGroup)}>
            {GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <SectionState what="Usage analytics" error={error} loading={loading && !data} />
      {data && (
        <p className="muted" data-testid="usage-totals">
          {data.totals.calls} calls · {(data.totals.input_tokens + data.totals.output_tokens).toLocaleString()} tokens ·{" "}
          {formatCost(data.totals.cost_usd)}
        </p>
      )}
      {data && points.length === 0 && <p className="muted">No LLM calls in this window.</p>}
      {points.length > 0 && (
        <div className="chart" data-testid="usage-chart">
          <ResponsiveContainer width="100%" height={240}>
            <BarChart data={points} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="name" tick={{ fontSize: 11 }} />
              <YAxis tickFormatter={(v: number) => `$${v}`} tick={{ fontSize: 11 }} width={70} />
              <Tooltip formatter={usd} />
              <Bar dataKey="cost" name="cost (USD)" fill="#3b63d6" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
      {data && data.rows.length > 0 && (
        <table className="table compact">
          <thead>
            <tr>
              <th>{GROUPS.find((g) => g.value === groupBy)?.label}</th>
              <th>Calls</th>
              <th>Input tokens</th>
              <th>Output tokens</th>
              <th>Cost</th>
              <th>Avg latency</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((r, i) => (
              <tr key={`${r.key}-${i}`}>
                <td>{r.label ?? r.key ?? "—"}</td>
                <td>{r.calls}</td>
                <td>{r.input_tokens.toLocaleString()}</td>
                <td>{r.output_tokens.toLocaleString()}</td>
                <td>{formatCost(r.cost_usd)}</td>
                <td>{formatDuration(r.avg_latency_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RunHealth({ since }: { since: string | undefined }) {
  const [groupBy, setGroupBy] = useState<RunStatsGroup>("day");
  const fetcher = useCallback(() => platformApi.runStats(groupBy, since), [groupBy, since]);
  const { data, error, loading } = useLoad(fetcher);
  const points = useMemo(() => (data ? runHealthPoints(data.rows, groupBy) : []), [data, groupBy]);
  return (
    <section className="panel" aria-label="Run health">
      <div className="section-head">
        <h2>Runs</h2>
        <label className="field inline">
          <span>Group by</span>
          <select
            aria-label="Group runs by"
            value={groupBy}
            onChange={(e) => setGroupBy(e.target.value as RunStatsGroup)}
          >
            <option value="day">Day</option>
            <option value="graph">Graph</option>
            <option value="none">Overall</option>
          </select>
        </label>
      </div>
      <SectionState what="Run analytics" error={error} loading={loading && !data} />
      {data && points.length === 0 && <p className="muted">No runs in this window.</p>}
      {points.length > 0 && (
        <div className="chart-pair">
          <div className="chart" data-testid="runs-chart">
            <h3>Outcomes</h3>
            <ResponsiveContainer width="100%" height={220}>
              <BarChart data={points}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="name" tick={{ fontSize: 11 }} />
                <YAxis allowDecimals={false} tick={{ fontSize: 11 }} width={40} />
                <Tooltip />
                <Legend />
                <Bar dataKey="succeeded" stackId="s" fill="#1f8a4c" isAnimationActive={false} />
                <Bar dataKey="failed" stackId="s" fill="#c23b3b" isAnimationActive={false} />
                <Bar dataKey="other" stackId="s" fill="#9aa3b5" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <div className="chart">
            <h3>Duration percentiles</h3>
            <ResponsiveContainer width="100%" height={220}>
              <LineChart data={points}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="name" tick={{ fontSize: 11 }} />
                <YAxis tickFormatter={(v: number) => formatDuration(v)} tick={{ fontSize: 11 }} width={70} />
                <Tooltip formatter={ms} />
                <Legend />
                <Line dataKey="p50" stroke="#3b63d6" dot={false} isAnimationActive={false} connectNulls />
                <Line dataKey="p90" stroke="#b7791f" dot={false} isAnimationActive={false} connectNulls />
                <Line dataKey="p99" stroke="#c23b3b" dot={false} isAnimationActive={false} connectNulls />
              </LineChart>
            </ResponsiveContainer>
          </div>
        </div>
      )}
      {data && data.rows.length > 0 && (
        <table className="table compact" data-testid="run-stats-table">
          <thead>
            <tr>
              <th>{groupBy === "none" ? "" : groupBy === "day" ? "Day" : "Graph"}</th>
              <th>Runs</th>
              <th>Success rate</th>
              <th>Failed</th>
              <th>p50</th>
              <th>p90</th>
              <th>p99</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((r, i) => (
              <tr key={`${r.key}-${i}`}>
                <td>{points[i]?.name ?? r.label ?? r.key ?? "all"}</td>
                <td>{r.runs}</td>
                <td>{formatRate(r.success_rate)}</td>
                <td>{r.failed}</td>
                <td>{formatDuration(r.p50_ms)}</td>
                <td>{formatDuration(r.p90_ms)}</td>
                <td>{formatDuration(r.p99_ms)}</td>
                <td>{formatCost(r.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Cost and run analytics charts over a chosen time window. */
export function UsageCharts() {
  const [days, setDays] = useState<number | null>(30);
  // Round to the minute so re-renders do not refetch with a new `since` every time.
  const since = useMemo(() => sinceDaysAgo(days, Math.floor(Date.now() / 60_000) * 60_000), [days]);
  return (
    <>
      <div className="section-head">
        <h2 className="section-title">Analytics</h2>
        <select
          aria-label="Time window"
          value={days ?? ""}
          onChange={(e) => setDays(e.target.value ? Number(e.target.value) : null)}
        >
          {WINDOWS.map((w) => (
            <option key={w.label} value={w.value ?? ""}>
              {w.label}
            </option>
          ))}
        </select>
      </div>
      <UsageChart since={since} />
      <RunHealth since={since} />
    </>
  );
}
