import { useCallback, useEffect, useMemo } from "react";
import { api } from "../api/client";
import { platformApi } from "../api/platform";
import type { ScheduleInfo } from "../api/platform-types";
import type { GraphSummary, RunRead } from "../api/types";
import { SectionState } from "../ui/section-state";
import { Link } from "../ui/link";
import { useLoad } from "../ui/use-load";
import { formatCost, formatDuration, formatTime } from "./format";

const GRAPHS_READ = 40;
const RUNS_PER_GRAPH = 20;
const SHOWN = 100;

/** Newest runs over the user's graphs (the API lists runs per graph), a few graphs at a time. */
async function recentRuns(): Promise<{ runs: RunRead[]; graphs: Map<string, GraphSummary> }> {
  const graphs = (await api.listGraphs()).sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1)).slice(0, GRAPHS_READ);
  const runs: RunRead[] = [];
  for (let i = 0; i < graphs.length; i += 4) {
    const batch = await Promise.all(
      graphs.slice(i, i + 4).map((g) => api.listRuns(g.id, RUNS_PER_GRAPH).catch(() => [] as RunRead[])),
    );
    batch.forEach((b) => runs.push(...b));
  }
  runs.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  return { runs: runs.slice(0, SHOWN), graphs: new Map(graphs.map((g) => [g.id, g])) };
}

function Schedules({ graphs }: { graphs: Map<string, GraphSummary> | undefined }) {
  const { data, error, loading } = useLoad<ScheduleInfo[]>(platformApi.schedules);
  return (
    <section className="panel" aria-label="Schedules">
      <h2>Schedules</h2>
      <SectionState what="Schedules" error={error} loading={loading && !data} />
      {data && data.length === 0 && <p className="muted">No graph has a Schedule.trigger.</p>}
      {data && data.length > 0 && (
        <table className="table compact" data-testid="schedules-table">
          <thead>
            <tr>
              <th>Graph</th>
              <th>Node</th>
              <th>Cron</th>
              <th>Next fire</th>
              <th>Last fire</th>
            </tr>
          </thead>
          <tbody>
            {data.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link to={`/graphs/${encodeURIComponent(s.graph_id)}`}>
                    {graphs?.get(s.graph_id)?.name ?? s.graph_id.slice(0, 8)}
                  </Link>
                </td>
                <td>
                  <code>{s.node_id}</code>
                </td>
                <td>
                  <code>{s.cron}</code> <span className="muted small">{s.timezone}</span>
                </td>
                <td>{s.enabled ? formatTime(s.next_fire_at) : "disabled"}</td>
                <td>{formatTime(s.last_fire_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Recent runs across all graphs, and the upcoming schedule fires. */
export function AllRunsPage() {
  const fetcher = useCallback(recentRuns, []);
  const { data, error, loading, reload } = useLoad(fetcher);
  useEffect(() => {
    document.title = "Runs · Kyra Flow";
  }, []);
  const graphs = useMemo(() => data?.graphs, [data]);
  return (
    <main className="page">
      <div className="page-head">
        <h1>Runs</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <SectionState what="Runs" error={error} loading={loading && !data} />
      {data && data.runs.length === 0 && <p className="muted">No runs yet.</p>}
      {data && data.runs.length > 0 && (
        <table className="table" data-testid="all-runs-table">
          <thead>
            <tr>
              <th>Run</th>
              <th>Graph</th>
              <th>Status</th>
              <th>Trigger</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {data.runs.map((r) => (
              <tr key={r.id} data-testid="run-row">
                <td>
                  <Link to={`/runs/${encodeURIComponent(r.id)}`}>
                    <code>{r.id.slice(0, 8)}</code>
                  </Link>
                </td>
                <td>
                  <Link to={`/graphs/${encodeURIComponent(r.graph_id)}/runs`}>
                    {data.graphs.get(r.graph_id)?.name ?? "graph"}
                  </Link>
                </td>
                <td>
                  <span className={`status-badge status-${r.status}`}>{r.status}</span>
                </td>
                <td>{r.trigger_kind}</td>
                <td>{formatTime(r.started_at ?? r.created_at)}</td>
                <td>{formatDuration(r.duration_ms)}</td>
                <td>{formatCost(r.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Schedules graphs={graphs} />
    </main>
  );
}
