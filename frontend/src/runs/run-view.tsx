import { ReactFlowProvider } from "@xyflow/react";
import { useEffect, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { useCatalogue } from "../api/catalogue";
import { api } from "../api/client";
import { EditorCanvas } from "../canvas/editor-canvas";
import { Inspector } from "../inspector/inspector";
import { EditorStoresProvider, useRunStore, useStoreApis } from "../store/editor-context";
import { createEditorStore, emptyDocument } from "../store/editor-store";
import { createRunStore } from "../store/run-store";
import { outputRank } from "../lib/graph";
import { layoutPositions } from "../lib/layout";
import { Link } from "../ui/link";
import { formatCost, formatDuration, formatTime, toJsonText } from "./format";
import { RunActions } from "./run-actions";
import { useRunEvents } from "./use-run-events";
import { useTraceLoader } from "./use-run-trace";

function RunHeader() {
  const { run, live } = useRunStore(useShallow((s) => ({ run: s.run, live: s.live })));
  if (!run) return null;
  const graphPath = `/graphs/${encodeURIComponent(run.graph_id)}`;
  const error = typeof run.error === "string" ? run.error : run.error?.message;
  return (
    <div className="toolbar run-header" data-testid="run-status" data-run-status={run.status}>
      <Link to={`${graphPath}/runs`}>← Runs</Link>
      <strong>
        Run <code>{run.id.slice(0, 8)}</code>
      </strong>
      <span className={`status-badge status-${run.status}`}>{run.status}</span>
      {live && <span className="live-dot" title="live" />}
      <span className="muted">
        graph version v{run.graph_version} · {run.mode} · {run.trigger_kind} · {formatTime(run.created_at)} ·{" "}
        {formatDuration(run.duration_ms)} · {formatCost(run.cost_usd)} ·{" "}
        {(run.input_tokens ?? 0) + (run.output_tokens ?? 0)} tokens
      </span>
      {error && <span className="error-text">{error}</span>}
      <RunActions run={run} />
      <Link to={graphPath} className="button-like">
        Open editor
      </Link>
      <details className="run-trigger">
        <summary>Trigger payload</summary>
        <pre>{toJsonText(run.trigger)}</pre>
      </details>
    </div>
  );
}

function Follow() {
  const { run: runStore } = useStoreApis();
  const runId = useRunStore((s) => s.run?.id ?? null);
  const status = useRunStore((s) => s.run?.status ?? null);
  useRunEvents(runStore, runId);
  useTraceLoader(runStore, runId, status);
  return null;
}

/** One past (or live) run on the graph version it used, read-only, with per-node statuses. */
export function RunView({ runId }: { runId: string }) {
  const { specs } = useCatalogue();
  const [stores] = useState(() => ({ editor: createEditorStore(specs, emptyDocument()), run: createRunStore() }));
  const [state, setState] = useState<"loading" | "ready" | string>("loading");
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const run = await api.getRun(runId);
      const version = await api.version(run.graph_id, run.graph_version);
      if (cancelled) return;
      stores.editor.getState().load(version.document, { graphId: run.graph_id, readOnly: true });
      // Graphs made by the server (an agent's run) carry no positions: lay them out once.
      if (version.document.nodes.length > 1 && version.document.nodes.every((n) => !n.position)) {
        const ed = stores.editor.getState();
        const positions = await layoutPositions(ed.nodes, ed.edges, outputRank(ed.connectionContext()));
        if (cancelled) return;
        stores.editor.getState().setPositions(positions);
      }
      stores.run.getState().setRun(run);
      setState("ready");
    })().catch((e: unknown) => !cancelled && setState(e instanceof Error ? e.message : String(e)));
    return () => {
      cancelled = true;
    };
  }, [runId, stores]);
  if (state === "loading") return <p className="page-message">Loading run…</p>;
  if (state !== "ready")
    return (
      <p className="page-message" role="alert">
        Could not open the run: {state}
      </p>
    );
  return (
    <EditorStoresProvider editor={stores.editor} run={stores.run}>
      <ReactFlowProvider>
        <div className="editor">
          <RunHeader />
          <div className="editor-main no-palette">
            <div className="canvas-wrap">
              <EditorCanvas />
            </div>
            <Inspector />
          </div>
        </div>
        <Follow />
      </ReactFlowProvider>
    </EditorStoresProvider>
  );
}
