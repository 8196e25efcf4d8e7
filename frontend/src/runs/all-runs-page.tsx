import { useCallback, useEffect, useMemo, useState } from "react";
import { api } from "../api/client";
import { platformApi } from "../api/platform";
import type { ScheduleInfo } from "../api/platform-types";
import type { GraphSummary, RunRead } from "../api/types";
import { SectionState } from "../ui/section-state";
import {
  apiFilters,
  filtersFromQuery,
  filtersToQuery,
  NO_FILTERS,
  RUN_STATUSES,
  type RunListFilters,
  TRIGGER_KINDS,
} from "../lib/run-filters";
import { Link } from "../ui/link";
import { navigate } from "../ui/router";
import { toast } from "../ui/toasts";
import { useLoad } from "../ui/use-load";
import { formatTime } from "./format";
import { Pager, RunsTable } from "./runs-table";

function Schedules({ graphs }: { graphs: Map<string, GraphSummary> }) {
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

const PAGE = 50;

function FilterBar({
  filters,
  graphs,
  onChange,
}: {
  filters: RunListFilters;
  graphs: GraphSummary[];
  onChange: (f: RunListFilters) => void;
}) {
  const set = (patch: Partial<RunListFilters>) => onChange({ ...filters, ...patch });
  const toggle = (status: string) =>
    set({
      status: filters.status.includes(status)
        ? filters.status.filter((x) => x !== status)
        : [...filters.status, status],
    });
  return (
    <form className="filter-bar" role="search" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
      <fieldset className="status-filter">
        <legend>Status</legend>
        {RUN_STATUSES.map((st) => (
          <label key={st} className={`chip${filters.status.includes(st) ? " is-on" : ""}`}>
            <input type="checkbox" checked={filters.status.includes(st)} onChange={() => toggle(st)} />
            {st}
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span>Trigger</span>
        <select value={filters.trigger} onChange={(e) => set({ trigger: e.target.value })}>
          <option value="">any</option>
          {TRIGGER_KINDS.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Graph</span>
        <select value={filters.graph} onChange={(e) => set({ graph: e.target.value })}>
          <option value="">any</option>
          {graphs.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>From</span>
        <input type="date" value={filters.from} onChange={(e) => set({ from: e.target.value })} />
      </label>
      <label className="field">
        <span>To</span>
        <input type="date" value={filters.to} onChange={(e) => set({ to: e.target.value })} />
      </label>
      <label className="field">
        <span>Run id</span>
        <input
          type="search"
          placeholder="e.g. 3f2a9c"
          aria-label="Search run id"
          value={filters.q}
          onChange={(e) => set({ q: e.target.value })}
        />
      </label>
      {filtersToQuery(filters) && (
        <button type="button" className="link" onClick={() => onChange(NO_FILTERS)}>
          Clear filters
        </button>
      )}
    </form>
  );
}

/** Start a run again: from its failed node (reusing what ran before it), else with its trigger. */
async function retry(run: RunRead): Promise<RunRead> {
  const failedNode =
    typeof run.error === "object" && run.error !== null ? (run.error as { node_id?: string }).node_id : undefined;
  if (failedNode) return api.rerun(run.id, failedNode);
  return api.startRun(run.graph_id, { inputs: run.trigger, mode: "queue", version: run.graph_version });
}

function RunRowActions({ run }: { run: RunRead }) {
  const again = async () => {
    try {
      const next = await retry(run);
      toast("info", `Retrying as run ${next.id.slice(0, 8)}`);
      navigate(`/runs/${encodeURIComponent(next.id)}`);
    } catch (e) {
      toast("error", `Retry failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <div className="actions">
      {(run.status === "failed" || run.status === "cancelled") && (
        <button type="button" onClick={() => void again()} aria-label={`Retry run ${run.id.slice(0, 8)}`}>
          Retry
        </button>
      )}
      {!run.agent && (
        <Link
          to={`/graphs/${encodeURIComponent(run.graph_id)}?run=${encodeURIComponent(run.id)}`}
          className="button-like"
        >
          Open in editor
        </Link>
      )}
    </div>
  );
}

/** Runs across all graphs (executions), filtered by status, trigger, graph, dates and run id. */
export function AllRunsPage() {
  const [filters, setFilters] = useState(() => filtersFromQuery(window.location.search));
  const [offset, setOffset] = useState(0);
  const graphsLoad = useCallback(() => api.listGraphs(), []);
  const { data: graphList } = useLoad(graphsLoad);
  const fetcher = useCallback(() => api.listAllRuns(PAGE, offset, apiFilters(filters)), [filters, offset]);
  const { data: runs, error, loading, reload } = useLoad(fetcher);
  const graphs = useMemo(() => new Map((graphList ?? []).map((g) => [g.id, g])), [graphList]);
  useEffect(() => {
    document.title = "Runs · Kyra Flow";
  }, []);
  const change = (next: RunListFilters) => {
    setFilters(next);
    setOffset(0);
    window.history.replaceState(null, "", `/runs${filtersToQuery(next)}`);
  };
  return (
    <main className="page">
      <div className="page-head">
        <h1>Runs</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <FilterBar filters={filters} graphs={graphList ?? []} onChange={change} />
      <SectionState what="Runs" error={error} loading={loading && !runs} />
      {runs && runs.length === 0 && (
        <p className="muted">{filtersToQuery(filters) ? "No run matches these filters." : "No runs yet."}</p>
      )}
      {runs && runs.length > 0 && (
        <RunsTable
          runs={runs}
          testId="all-runs-table"
          column={{
            header: "Graph",
            cell: (r) => (
              <Link to={`/graphs/${encodeURIComponent(r.graph_id)}/runs`}>
                {r.graph_name ?? graphs.get(r.graph_id)?.name ?? r.graph_id.slice(0, 8)}
              </Link>
            ),
          }}
          actions={(r) => <RunRowActions run={r} />}
        />
      )}
      <Pager offset={offset} page={PAGE} shown={runs?.length} onOffset={setOffset} />
      <Schedules graphs={graphs} />
    </main>
  );
}
