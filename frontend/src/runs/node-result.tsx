import { useState } from "react";
import { api, downloadFile } from "../api/client";
import { useSaver } from "../editor/save-context";
import { useEditorStore, useRunStore, useStoreApis } from "../store/editor-context";
import { FINAL_STATUSES } from "../store/run-store";
import { navigate } from "../ui/router";
import { toast } from "../ui/toasts";
import { findFileRefs, formatBytes } from "../lib/files";
import { findTraceNode } from "../lib/trace";
import { formatCost, formatDuration, formatTime, toJsonText } from "./format";
import { TraceTree } from "./trace-tree";
import { useRunTraceTree } from "./use-run-trace";

/** The agent steps below one node run, when it has any. */
function NodeSteps({ nodeRunId }: { nodeRunId: string }) {
  const tree = useRunTraceTree();
  const node = findTraceNode(tree, nodeRunId);
  if (!node?.children.length) return null;
  return (
    <section className="result-block">
      <h3>Steps</h3>
      <TraceTree tree={node.children} />
    </section>
  );
}

/** Download buttons for the files a node produced (outputs carry references, not bytes). */
function FilesBlock({ output }: { output: unknown }) {
  const files = findFileRefs(output);
  if (!files.length) return null;
  const save = async (id: string, name: string) => {
    try {
      await downloadFile(id, name);
    } catch (e) {
      toast("error", `Download failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <section className="result-block" data-testid="result-files">
      <h3>Files</h3>
      <ul className="file-list">
        {files.map((f) => (
          <li key={f.$file}>
            <button type="button" className="link-button" onClick={() => save(f.$file, f.name)}>
              Download {f.name}
            </button>{" "}
            <span className="muted">
              {f.mime}, {formatBytes(f.size)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function JsonBlock({ label, value }: { label: string; value: unknown }) {
  if (value === undefined || value === null) return null;
  return (
    <section className="result-block">
      <h3>{label}</h3>
      <pre data-testid={`result-${label.toLowerCase()}`}>{toJsonText(value)}</pre>
    </section>
  );
}

/** What one node did in the shown run: inputs, output, error, timing, attempts, tokens, cost. */
export function NodeResult({ nodeId }: { nodeId: string }) {
  const nr = useRunStore((s) => s.nodeRuns[nodeId]);
  const run = useRunStore((s) => s.run);
  const readOnly = useEditorStore((s) => s.readOnly);
  const [busy, setBusy] = useState(false);
  const { run: runStore, editor } = useStoreApis();
  const saver = useSaver();
  if (!nr || !run) return <p className="muted">This node has not run yet.</p>;
  const rerun = async () => {
    setBusy(true);
    try {
      // In the editor, replay what is on screen: unsaved edits are saved first and run.
      let version: number | undefined;
      if (saver && !readOnly) {
        if (!(await saver.ensureSaved())) return;
        version = editor.getState().version ?? undefined;
      }
      const next = await api.rerun(run.id, nodeId, version);
      toast("info", `Re-running from ${nodeId}`);
      if (readOnly) navigate(`/runs/${encodeURIComponent(next.id)}`);
      else runStore.getState().setRun({ ...next, node_runs: next.node_runs ?? [] });
    } catch (e) {
      toast("error", `Re-run failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  const tokens = (nr.input_tokens ?? 0) + (nr.output_tokens ?? 0);
  return (
    <div className="node-result" data-testid="node-result">
      <dl className="result-facts">
        <dt>Status</dt>
        <dd>
          <span className={`status-badge status-${nr.status}`}>{nr.status}</span>
          {nr.reused && <span className="muted"> (reused from an earlier run)</span>}
        </dd>
        <dt>Duration</dt>
        <dd>{formatDuration(nr.duration_ms)}</dd>
        <dt>Attempts</dt>
        <dd>{nr.attempt}</dd>
        <dt>Tokens</dt>
        <dd>{tokens ? `${nr.input_tokens ?? 0} in / ${nr.output_tokens ?? 0} out` : "—"}</dd>
        <dt>Cost</dt>
        <dd>{formatCost(nr.cost_usd)}</dd>
        <dt>Started</dt>
        <dd>{formatTime(nr.started_at)}</dd>
      </dl>
      {nr.error && (
        <section className="result-block result-error" role="alert">
          <h3>Error</h3>
          <p>
            {nr.error.type && <strong>{nr.error.type}: </strong>}
            {nr.error.message}
          </p>
          {nr.error.details !== undefined && nr.error.details !== null && <pre>{toJsonText(nr.error.details)}</pre>}
        </section>
      )}
      <NodeSteps nodeRunId={nr.id} />
      <FilesBlock output={nr.output} />
      <JsonBlock label="Output" value={nr.output} />
      <JsonBlock label="Inputs" value={nr.inputs} />
      <JsonBlock label="Params" value={nr.params} />
      <button
        type="button"
        onClick={rerun}
        disabled={busy || !FINAL_STATUSES.has(run.status)}
        title="Start a new run from this node, reusing the outputs of the nodes before it"
      >
        Replay from this node
      </button>
    </div>
  );
}
