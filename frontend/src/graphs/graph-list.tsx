import { type ChangeEvent, lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { GraphSummary } from "../api/types";
import { readDocumentFile } from "../editor/file-io";
import { formatTime } from "../runs/format";
import { Link } from "../ui/link";
import { navigate } from "../ui/router";
import { toast } from "../ui/toasts";

// The example graphs load with the gallery, not with the app.
const NewGraphGallery = lazy(() =>
  import("../templates/template-gallery").then((m) => ({ default: m.NewGraphGallery })),
);

function GraphRow({ graph, onChanged }: { graph: GraphSummary; onChanged: () => void }) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(graph.name);
  const path = `/graphs/${encodeURIComponent(graph.id)}`;
  const rename = async () => {
    setRenaming(false);
    if (!name.trim() || name === graph.name) return setName(graph.name);
    try {
      await api.patchGraph(graph.id, { name: name.trim() });
      onChanged();
    } catch (e) {
      toast("error", `Rename failed: ${e instanceof Error ? e.message : String(e)}`);
      setName(graph.name);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete the graph “${graph.name}” and all its versions?`)) return;
    try {
      await api.deleteGraph(graph.id);
      onChanged();
    } catch (e) {
      toast("error", `Delete failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <tr data-testid="graph-row">
      <td>
        {renaming ? (
          <input
            autoFocus
            aria-label="New name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            onBlur={rename}
            onKeyDown={(e) => {
              if (e.key === "Enter") void rename();
              if (e.key === "Escape") {
                setName(graph.name);
                setRenaming(false);
              }
            }}
          />
        ) : (
          <Link to={path}>{graph.name}</Link>
        )}
        {graph.description && <div className="muted small">{graph.description}</div>}
      </td>
      <td>v{graph.version}</td>
      <td>{formatTime(graph.updated_at)}</td>
      <td>
        <div className="actions">
          <Link to={`${path}/runs`}>History</Link>
          <button type="button" onClick={() => setRenaming(true)}>
            Rename
          </button>
          <button type="button" className="danger" onClick={remove}>
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}

/** The signed-in user's graphs: open, create, import, rename, delete. */
export function GraphList() {
  const [graphs, setGraphs] = useState<GraphSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const reload = useCallback(() => {
    api.listGraphs().then(
      (g) => {
        setGraphs(g);
        setError(null);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);
  useEffect(reload, [reload]);

  const onImport = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = "";
    if (!file) return;
    try {
      const created = await api.createGraph(await readDocumentFile(file));
      navigate(`/graphs/${encodeURIComponent(created.id)}`);
    } catch (err) {
      toast("error", `Import failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  return (
    <main className="page">
      <div className="page-head">
        <h1>Graphs</h1>
        <button type="button" className="primary" onClick={() => navigate("/graphs/new")}>
          New graph
        </button>
        <button type="button" onClick={() => fileInput.current?.click()}>
          Import graph
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json"
          hidden
          aria-label="Import graph file"
          onChange={onImport}
        />
      </div>
      {error && <p role="alert">Could not list graphs: {error}</p>}
      {graphs && graphs.length === 0 && (
        <p className="muted">No graphs yet. Create one, or import a kyra.graph/1 file.</p>
      )}
      {graphs && graphs.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Version</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {graphs.map((g) => (
              <GraphRow key={g.id} graph={g} onChanged={reload} />
            ))}
          </tbody>
        </table>
      )}
      {graphs && (
        <details className="panel templates-panel" open={graphs.length === 0}>
          <summary>
            <h2>Start from a template</h2>
            <span className="muted small">Example graphs you can open, run and change</span>
          </summary>
          <Suspense fallback={<p className="muted">Loading templates…</p>}>
            <NewGraphGallery />
          </Suspense>
        </details>
      )}
    </main>
  );
}
