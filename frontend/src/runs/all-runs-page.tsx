import { useCallback, useEffect, useMemo } from "react";
import { api } from "../api/client";
import { platformApi } from "../api/platform";
import type { ScheduleInfo } from "../api/platform-types";
import type { GraphSummary, RunRead } from "../api/types";
import { SectionState } from "../ui/section-state";
import { Link } from "../ui/link";
import { useLoad } from "../ui/use-load";
import { formatTime } from "./format";
import { RunsTable } from "./runs-table";

const SHOWN = 100;

/** The newest runs across the user's graphs, with the graphs to name them. */
async function recentRuns(): Promise<{ runs: RunRead[]; graphs: Map<string, GraphSummary> }> {
  const [runs, graphs] = await Promise.all([api.listAllRuns(SHOWN), api.listGraphs()]);
  return { runs, graphs: new Map(graphs.map((g) => [g.id, g])) };
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
        <RunsTable
          runs={data.runs}
          testId="all-runs-table"
          column={{
            header: "Graph",
            cell: (r) => (
              <Link to={`/graphs/${encodeURIComponent(r.graph_id)}/runs`}>
                {r.graph_name ?? data.graphs.get(r.graph_id)?.name ?? r.graph_id.slice(0, 8)}
              </Link>
            ),
          }}
        />
      )}
      <Schedules graphs={graphs} />
    </main>
  );
}
