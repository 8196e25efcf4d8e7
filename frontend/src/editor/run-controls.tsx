import { lazy, Suspense, useEffect, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { api } from "../api/client";
import { isKyraNode } from "../lib/graph";
import { triggerShape } from "../lib/sample-data";
import { formatCost, formatDuration } from "../runs/format";
import { RunActions } from "../runs/run-actions";
import { useEditorStore, useRunStore, useStoreApis } from "../store/editor-context";
import type { EditorStore } from "../store/editor-store";
import { FINAL_STATUSES } from "../store/run-store";
import { navigate } from "../ui/router";
import { toast } from "../ui/toasts";
import { type Saver, useSaver } from "./save-context";

const CodeEditor = lazy(() => import("../inspector/code-editor"));

function parsePayload(text: string): { value: unknown; error: string | null } {
  if (!text.trim()) return { value: {}, error: null };
  try {
    return { value: JSON.parse(text), error: null };
  } catch (e) {
    return { value: null, error: e instanceof Error ? e.message : "invalid JSON" };
  }
}

/** The payload editor's first text: the saved test payload, else the shape of the graph's trigger. */
function initialPayload(s: EditorStore): string {
  const saved = s.meta.editor?.test_payload;
  if (saved !== undefined) return JSON.stringify(saved, null, 2);
  return JSON.stringify(triggerShape(firstTriggerType(s) ?? ""), null, 2);
}

function firstTriggerType(s: EditorStore): string | null {
  for (const n of s.nodes) if (isKyraNode(n) && s.specs.get(n.data.doc.type)?.trigger) return n.data.doc.type;
  return null;
}

/** Why the canvas cannot run, or null: it needs a trigger node to start from. */
function runProblem(s: EditorStore): string | null {
  if (!s.nodes.some(isKyraNode))
    return "Nothing to run: the graph is empty. Add a trigger (e.g. Manual trigger) first.";
  const hasTrigger = s.nodes.some((n) => isKyraNode(n) && s.specs.get(n.data.doc.type)?.trigger);
  if (!hasTrigger) return "This graph has no trigger: add one (e.g. Manual trigger) for the run to start from.";
  return null;
}

/** Run button, trigger payload editor, live run status and cancel. */
export function RunControls() {
  const { run: runStore, editor } = useStoreApis();
  const { ensureSaved } = useSaver() as Saver;
  const { run, live } = useRunStore(useShallow((s) => ({ run: s.run, live: s.live })));
  const testPayload = useEditorStore((s) => s.meta.editor?.test_payload);
  const [payloadText, setPayloadText] = useState(() => initialPayload(editor.getState()));
  // The saved payload can change elsewhere (a listened-for webhook delivery, undo): show it.
  useEffect(() => {
    if (testPayload === undefined) return;
    setPayloadText((text) => {
      const shown = parsePayload(text);
      return !shown.error && JSON.stringify(shown.value) === JSON.stringify(testPayload)
        ? text
        : JSON.stringify(testPayload, null, 2);
    });
  }, [testPayload]);
  // Until a payload is typed or saved, it follows the shape of the graph's trigger.
  const triggerType = useEditorStore((s) => firstTriggerType(s));
  useEffect(() => {
    if (editor.getState().meta.editor?.test_payload === undefined)
      setPayloadText(JSON.stringify(triggerShape(triggerType ?? ""), null, 2));
  }, [triggerType, editor]);
  const editPayload = (text: string) => {
    setPayloadText(text);
    const parsed = parsePayload(text);
    if (!parsed.error) editor.getState().setTestPayload(parsed.value);
  };
  const [mode, setMode] = useState<"queue" | "sync">("queue");
  const [showPayload, setShowPayload] = useState(false);
  const [starting, setStarting] = useState(false);
  const payload = parsePayload(payloadText);

  const start = async () => {
    if (payload.error) {
      setShowPayload(true);
      toast("error", `Trigger payload is not valid JSON: ${payload.error}`);
      return;
    }
    const problem = runProblem(editor.getState());
    if (problem) {
      toast("error", problem);
      return;
    }
    setStarting(true);
    try {
      const graphId = await ensureSaved();
      if (!graphId) return;
      runStore.getState().setRun(null);
      const s = editor.getState();
      const pinned = s.meta.editor?.pinned ?? {};
      // Pinned outputs make it a test run: those nodes give their pinned data instead of running.
      const started = Object.keys(pinned).length
        ? await api.testRun(graphId, { inputs: payload.value, pinned, mode, version: s.version ?? undefined })
        : await api.startRun(graphId, { inputs: payload.value, mode });
      runStore.getState().setRun({ ...started, node_runs: started.node_runs ?? [] });
    } catch (e) {
      toast("error", `Run failed to start: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setStarting(false);
    }
  };

  const active = run !== null && !FINAL_STATUSES.has(run.status);
  return (
    <div className="run-controls">
      <button type="button" className="primary" onClick={start} disabled={starting || active} aria-label="Run">
        ▶ Run
      </button>
      <button type="button" aria-expanded={showPayload} onClick={() => setShowPayload(!showPayload)}>
        Payload
      </button>
      {run && <RunActions run={run} />}
      {run && (
        <span className="run-summary" data-testid="run-status" data-run-status={run.status}>
          <span className={`status-badge status-${run.status}`}>{run.status}</span>
          {live && <span className="live-dot" title="live" />}
          <span className="muted" title={`cost ${formatCost(run.cost_usd)}`}>
            {formatDuration(run.duration_ms)}
            {Number(run.cost_usd ?? 0) > 0 && ` · ${formatCost(run.cost_usd)}`}
          </span>
          <button type="button" className="link" onClick={() => navigate(`/runs/${encodeURIComponent(run.id)}`)}>
            details
          </button>
        </span>
      )}
      {showPayload && (
        <div className="popover payload-popover" role="dialog" aria-label="Trigger payload">
          <div className="popover-head">
            <strong>Test payload (JSON)</strong>
            <button type="button" aria-label="Close payload" onClick={() => setShowPayload(false)}>
              ×
            </button>
          </div>
          <Suspense fallback={<textarea value={payloadText} readOnly rows={8} />}>
            <CodeEditor
              value={payloadText}
              onChange={editPayload}
              language="json"
              height="180px"
              label="Trigger payload"
            />
          </Suspense>
          {payload.error && <p className="error-text">{payload.error}</p>}
          <p className="muted small">
            Saved with the graph: editor runs, previews and “Execute this node” use it. Runs from the API, webhooks and
            schedules never do.
          </p>
          <label className="field inline">
            <span>Mode</span>
            <select value={mode} onChange={(e) => setMode(e.target.value as "queue" | "sync")}>
              <option value="queue">queue (workers)</option>
              <option value="sync">sync (in the API)</option>
            </select>
          </label>
        </div>
      )}
    </div>
  );
}
