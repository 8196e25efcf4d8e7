import { useEffect, useMemo } from "react";
import { useShallow } from "zustand/react/shallow";
import { useCatalogue } from "../api/catalogue";
import type { JsonObject } from "../api/types";
import { NodeParameters } from "../inspector/node-parameters";
import { useSampleData } from "../inspector/use-sample-data";
import { isKyraNode } from "../lib/graph";
import { knownPorts } from "../lib/sample-data";
import { formatDuration, toJsonText } from "../runs/format";
import { useEditorStore, useRunStore, useStoreApis } from "../store/editor-context";
import { type DataRoot, DataPanel } from "./data-panel";
import { useExecuteNode } from "./use-execute-node";

/** Output ports as panel roots: the primary one reads `nodes.<id>.output`, others `.outputs.<port>`. */
function outputRoots(nodeId: string, ports: Record<string, unknown> | undefined): DataRoot[] {
  if (!ports) return [];
  const names = Object.keys(ports);
  return names.map((port) => {
    const primary = port === "out" || names.length === 1;
    return {
      label: port,
      expr: primary ? `nodes.${nodeId}.output` : `nodes.${nodeId}.outputs.${port}`,
      value: ports[port],
    };
  });
}

interface Props {
  nodeId: string;
  onClose: () => void;
}

/**
 * Node details (double-click a node): Input | Parameters | Output side by side. Input shows what
 * the node's templates can reach (drag a field into a parameter); Output shows its last result or
 * pinned data. In the editor a node can be executed alone and its output pinned.
 */
export function NodeDetails({ nodeId, onClose }: Props) {
  const { specs } = useCatalogue();
  const { editor } = useStoreApis();
  const { type, name, readOnly, pinned } = useEditorStore(
    useShallow((s) => {
      const n = s.nodes.find((x) => x.id === nodeId);
      const doc = n && isKyraNode(n) ? n.data.doc : null;
      return {
        type: doc?.type ?? null,
        name: doc?.name,
        readOnly: s.readOnly,
        pinned: s.readOnly ? undefined : s.meta.editor?.pinned?.[nodeId],
      };
    }),
  );
  const nodeRun = useRunStore((s) => s.nodeRuns[nodeId]);
  const sample = useSampleData(nodeId);
  const runner = useExecuteNode();

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const inputRoots = useMemo<DataRoot[]>(() => {
    const nodes = (sample.context.nodes ?? {}) as Record<string, { output: unknown }>;
    // A trigger node's output is the trigger payload, shown once as `trigger`.
    const isTrigger = (id: string) => {
      const n = editor.getState().nodes.find((x) => x.id === id);
      return n !== undefined && isKyraNode(n) && specs.get(n.data.doc.type)?.trigger === true;
    };
    const roots: DataRoot[] = sample.upstream
      .filter((id) => id in nodes && !isTrigger(id))
      .map((id) => ({ label: id, expr: `nodes.${id}.output`, value: nodes[id].output }));
    roots.push({ label: "trigger", expr: "trigger", value: sample.context.trigger });
    return roots;
  }, [sample, editor, specs]);
  const ports = pinned ?? knownPorts(nodeId, { nodeRuns: nodeRun ? { [nodeId]: nodeRun } : {} });
  const outputs = useMemo(() => outputRoots(nodeId, ports), [nodeId, ports]);

  if (type === null) return null;
  const spec = specs.get(type);
  const title = name || spec?.title || type;
  const canPin = !readOnly && ports !== undefined;

  return (
    <div className="modal-backdrop details-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="node-details" role="dialog" aria-modal="true" aria-label={`Node details: ${title}`}>
        <header className="node-details-head">
          <h2>{title}</h2>
          <code className="muted">
            {nodeId} · {type}
          </code>
          {nodeRun && (
            <span className={`status-badge status-${nodeRun.status}`} data-testid="details-status">
              {nodeRun.status}
            </span>
          )}
          {nodeRun?.duration_ms != null && <span className="muted small">{formatDuration(nodeRun.duration_ms)}</span>}
          <span className="spacer" />
          {runner && (
            <button
              type="button"
              className="primary"
              disabled={runner.busy}
              onClick={() => void runner.execute(nodeId)}
              title="Run just this node with the data before it (pinned or from the last run)"
            >
              {runner.busy ? "Executing…" : "Execute this node"}
            </button>
          )}
          <button type="button" aria-label="Close node details" onClick={onClose}>
            ×
          </button>
        </header>
        <div className="node-details-body">
          <DataPanel
            title="Input"
            testId="details-input"
            roots={inputRoots}
            draggable={!readOnly}
            empty={<p className="muted">No data yet.</p>}
          />
          <section className="details-column details-params" aria-label="Parameters">
            <header className="details-column-head">
              <h3>Parameters</h3>
            </header>
            {!readOnly && <p className="muted small">Drag a field from Input into a parameter to use it.</p>}
            <NodeParameters id={nodeId} />
            {readOnly && nodeRun?.params != null && (
              <details className="rendered-params" open>
                <summary>As the run rendered them</summary>
                <pre>{toJsonText(nodeRun.params)}</pre>
              </details>
            )}
          </section>
          <DataPanel
            title="Output"
            testId="details-output"
            roots={outputs}
            actions={
              canPin && (
                <button
                  type="button"
                  aria-pressed={pinned !== undefined}
                  onClick={() => editor.getState().setPinned(nodeId, pinned ? null : (ports as JsonObject))}
                  title="Pinned output is used instead of running the node in editor test runs (never in production runs)"
                >
                  {pinned ? "Unpin output" : "Pin output"}
                </button>
              )
            }
            empty={
              nodeRun?.error ? (
                <div className="result-error" role="alert">
                  <strong>{nodeRun.error.type}</strong> {nodeRun.error.message}
                </div>
              ) : (
                <p className="muted">{runner ? "No output yet: execute this node." : "This node did not run."}</p>
              )
            }
          />
        </div>
        {pinned && (
          <p className="pinned-note small">📌 Output pinned: editor test runs use it instead of running the node.</p>
        )}
      </div>
    </div>
  );
}
