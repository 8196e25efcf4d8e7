import { useCallback, useEffect, useState } from "react";
import { api } from "../api/client";
import type { GraphRead, RunRead } from "../api/types";
import { Link } from "../ui/link";
import { Pager, RunsTable } from "./runs-table";

const PAGE = 50;

/** Past runs of one graph, newest first. */
export function RunsPage({ graphId }: { graphId: string }) {
  const [graph, setGraph] = useState<GraphRead | null>(null);
  const [runs, setRuns] = useState<RunRead[] | null>(null);
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api
      .listRuns(graphId, PAGE, offset)
      .then(setRuns, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [graphId, offset]);
  useEffect(load, [load]);
  useEffect(() => {
    api.getGraph(graphId).then(setGraph, () => undefined);
  }, [graphId]);
  const editorPath = `/graphs/${encodeURIComponent(graphId)}`;
  return (
    <main className="page">
      <div className="page-head">
        <h1>Runs of {graph?.name ?? "graph"}</h1>
        <Link to={editorPath} className="button-like">
          Open editor
        </Link>
        <button type="button" onClick={load}>
          Refresh
        </button>
      </div>
      {error && <p role="alert">Could not list runs: {error}</p>}
      {runs && runs.length === 0 && offset === 0 && <p className="muted">This graph has not run yet.</p>}
      {runs && runs.length > 0 && (
        <RunsTable runs={runs} testId="runs-table" column={{ header: "Version", cell: (r) => `v${r.graph_version}` }} />
      )}
      <Pager offset={offset} page={PAGE} shown={runs?.length} onOffset={setOffset} />
    </main>
  );
}
