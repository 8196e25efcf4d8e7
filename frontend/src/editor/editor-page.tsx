import { ReactFlowProvider, useReactFlow, useUpdateNodeInternals } from "@xyflow/react";
import { type ChangeEvent, useCallback, useEffect, useRef, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { useCatalogue } from "../api/catalogue";
import { api } from "../api/client";
import type { GraphDocument, GraphRead, JsonObject } from "../api/types";
import { EditorCanvas } from "../canvas/editor-canvas";
import { useShortcuts } from "../canvas/use-shortcuts";
import { Inspector } from "../inspector/inspector";
import { isKyraNode, outputRank } from "../lib/graph";
import { layoutPositions } from "../lib/layout";
import Palette from "../palette/palette";
import { useRunEvents } from "../runs/use-run-events";
import { useTraceLoader } from "../runs/use-run-trace";
import { EditorStoresProvider, useEditorStore, useRunStore, useStoreApis } from "../store/editor-context";
import { createEditorStore, type EditorStoreApi, emptyDocument } from "../store/editor-store";
import { createRunStore, type RunStoreApi } from "../store/run-store";
import { TriggerStoreProvider } from "../store/trigger-context";
import { createTriggerStore } from "../store/trigger-store";
import { navigate, setNavigationGuard } from "../ui/router";
import { followSelection, QuickAddProvider, useQuickAdd } from "./quick-add";
import { type Saver, SaveProvider, useSaver } from "./save-context";
import { useLiveValidation } from "./use-live-validation";
import { toast } from "../ui/toasts";
import { downloadDocument, readDocumentFile } from "./file-io";
import { RunControls } from "./run-controls";
import { VersionsMenu } from "./versions-menu";

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function Toolbar() {
  const { editor } = useStoreApis();
  const { fitView } = useReactFlow();
  const { graphId, name, dirty, canUndo, canRedo } = useEditorStore(
    useShallow((s) => ({
      graphId: s.graphId,
      name: s.meta.name,
      dirty: s.dirty,
      canUndo: s.past.length > 0,
      canRedo: s.future.length > 0,
    })),
  );
  const { save, saving } = useSaver() as Saver;
  const [showVersions, setShowVersions] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const layout = useCallback(async () => {
    const s = editor.getState();
    s.setPositions(await layoutPositions(s.nodes, s.edges, outputRank(s.connectionContext())));
    requestAnimationFrame(() => void fitView({ duration: 200 }));
  }, [editor, fitView]);

  const quickAdd = useQuickAdd();
  useShortcuts({
    save: () => void save(),
    layout: () => void layout(),
    quickAdd: () => quickAdd?.({ link: followSelection(editor.getState()) }),
  });
  useEffect(() => {
    document.title = `${name || "Untitled"} · Kyra Flow`;
  }, [name]);

  const onImport = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = "";
    if (!file) return;
    try {
      const doc = await readDocumentFile(file);
      editor.getState().load(doc, { dirty: true });
      toast("info", `Imported ${file.name}; save to keep it as a new version.`);
      requestAnimationFrame(() => void fitView());
    } catch (err) {
      toast("error", `Import failed: ${errorText(err)}`);
    }
  };

  const restore = useCallback(
    async (doc: GraphDocument, version: number) => {
      editor.getState().load(doc, { dirty: true });
      const id = await save();
      if (id) toast("success", `Restored version ${version}`);
      requestAnimationFrame(() => void fitView());
    },
    [editor, save, fitView],
  );
  const closeVersions = useCallback(() => setShowVersions(false), []);

  return (
    <div className="toolbar" role="toolbar" aria-label="Editor">
      <button type="button" className="link" onClick={() => navigate("/")}>
        ← Graphs
      </button>
      <input
        className="graph-name"
        aria-label="Graph name"
        value={name}
        onChange={(e) => editor.getState().setName(e.target.value)}
      />
      <span className={`dirty-flag${dirty ? " is-dirty" : ""}`} data-testid="dirty-flag">
        {dirty ? "unsaved" : graphId ? "saved" : "new"}
      </span>
      <span className="toolbar-sep" />
      <div className="toolbar-scroll">
        <button type="button" onClick={() => editor.getState().undo()} disabled={!canUndo} title="Ctrl+Z">
          Undo
        </button>
        <button type="button" onClick={() => editor.getState().redo()} disabled={!canRedo} title="Ctrl+Shift+Z">
          Redo
        </button>
        <button type="button" onClick={() => editor.getState().deleteSelected()} title="Delete">
          Delete
        </button>
        <button type="button" onClick={() => void layout()} title="Shift+L">
          Auto-layout
        </button>
        <button type="button" onClick={() => void fitView({ duration: 200 })} title="Shift+F">
          Fit
        </button>
        <AddNoteButton />
        <button type="button" onClick={() => fileInput.current?.click()}>
          Import
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json"
          hidden
          aria-label="Import file"
          data-testid="import-file"
          onChange={onImport}
        />
        <button type="button" onClick={() => downloadDocument(editor.getState().toDocument())}>
          Export
        </button>
      </div>
      <span className="toolbar-sep" />
      {graphId && (
        <span className="anchor">
          <button type="button" aria-expanded={showVersions} onClick={() => setShowVersions(!showVersions)}>
            Versions
          </button>
          {showVersions && <VersionsMenu graphId={graphId} onRestore={restore} onClose={closeVersions} />}
        </span>
      )}
      {graphId && (
        <a
          className="button-like"
          href={`/graphs/${encodeURIComponent(graphId)}/runs`}
          onClick={(e) => {
            e.preventDefault();
            navigate(`/graphs/${encodeURIComponent(graphId)}/runs`);
          }}
        >
          History
        </a>
      )}
      <button type="button" onClick={() => void save()} disabled={saving} aria-label="Save" title="Ctrl+S">
        Save
      </button>
      <RunControls />
    </div>
  );
}

function AddNoteButton() {
  const { editor } = useStoreApis();
  const { screenToFlowPosition } = useReactFlow();
  // Where the user is looking: the middle of the visible canvas (a note is 220×120).
  const add = () => {
    const pane = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    const at = pane ? { x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 } : { x: 300, y: 200 };
    const centre = screenToFlowPosition(at);
    editor.getState().addNote({ x: centre.x - 110, y: centre.y - 60 });
  };
  return (
    <button type="button" onClick={add}>
      Add note
    </button>
  );
}

function DynamicPorts() {
  // Nodes whose outputs depend on params (e.g. switch cases) ask the API for their ports.
  const { editor } = useStoreApis();
  const { specs } = useCatalogue();
  const nodes = useEditorStore((s) => s.nodes);
  const seen = useRef(new Map<string, string>());
  const updateNodeInternals = useUpdateNodeInternals();
  useEffect(() => {
    for (const n of nodes) {
      if (!isKyraNode(n)) continue;
      const doc = n.data.doc;
      if (!specs.get(doc.type)?.dynamic_outputs) continue;
      const key = JSON.stringify(doc.params ?? {});
      if (seen.current.get(n.id) === key) continue;
      seen.current.set(n.id, key);
      api.ports(doc.type, doc.params ?? {}).then(
        (ports) => {
          editor.getState().setDynamicPorts(n.id, ports.outputs);
          // Handles changed without necessarily resizing the node: re-measure them.
          requestAnimationFrame(() => updateNodeInternals(n.id));
        },
        () => undefined,
      );
    }
  }, [nodes, specs, editor, updateNodeInternals]);
  return null;
}

function LiveValidation() {
  useLiveValidation(useStoreApis().editor);
  return null;
}

function RunFollower() {
  const { run: runStore } = useStoreApis();
  const runId = useRunStore((s) => s.run?.id ?? null);
  const status = useRunStore((s) => s.run?.status ?? null);
  useRunEvents(runStore, runId);
  useTraceLoader(runStore, runId, status);
  return null;
}

function UnsavedGuard() {
  const { editor } = useStoreApis();
  const dirty = useEditorStore((s) => s.dirty);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    setNavigationGuard(
      () => !editor.getState().dirty || window.confirm("This graph has unsaved changes. Leave without saving?"),
    );
    return () => {
      window.removeEventListener("beforeunload", warn);
      setNavigationGuard(null);
    };
  }, [dirty, editor]);
  return null;
}

/**
 * "Open in editor" from the runs list: the run's graph version on the canvas with its results,
 * its trigger payload as the test payload and its trigger's output pinned, to debug with.
 */
async function openRunInEditor(runId: string, graph: GraphRead, editor: EditorStoreApi, runs: RunStoreApi) {
  const shown = await api.getRun(runId);
  const older = shown.graph_version !== graph.version;
  const doc = older ? (await api.version(graph.id, shown.graph_version)).document : graph.document;
  const pinned = { ...(doc.editor?.pinned ?? {}) };
  for (const nr of shown.node_runs ?? []) {
    const node = doc.nodes.find((n) => n.id === nr.node_id);
    if (node && editor.getState().specs.get(node.type)?.trigger && nr.output && typeof nr.output === "object")
      pinned[nr.node_id] = nr.output as JsonObject;
  }
  editor
    .getState()
    .load({ ...doc, editor: { ...(doc.editor ?? {}), test_payload: shown.trigger, pinned } }, { dirty: true });
  runs.getState().setRun(shown);
  window.history.replaceState(null, "", `/graphs/${encodeURIComponent(graph.id)}`);
  toast(
    "info",
    `Run ${runId.slice(0, 8)} loaded${older ? ` on version v${shown.graph_version} (save to make it current)` : ""}: ` +
      "its trigger data is pinned and its payload is the test payload.",
  );
}

/** The graph editor for an existing graph (`graphId`) or a new, unsaved one. */
export function EditorPage({ graphId }: { graphId: string | null }) {
  const { specs } = useCatalogue();
  const [editor] = useState(() => createEditorStore(specs, emptyDocument()));
  const [run] = useState(() => createRunStore());
  const [triggers] = useState(() => createTriggerStore());
  const [state, setState] = useState<"loading" | "ready" | "error">(graphId ? "loading" : "ready");
  const [error, setError] = useState("");

  useEffect(() => {
    if (graphId) return;
    // Graph names are unique per owner: start a new graph with a free "Untitled graph N".
    api.listGraphs().then(
      (graphs) => {
        const taken = new Set(graphs.map((g) => g.name));
        let name = "Untitled graph";
        for (let i = 2; taken.has(name); i++) name = `Untitled graph ${i}`;
        const { meta } = editor.getState();
        if (meta.name === "Untitled graph") editor.setState({ meta: { ...meta, name } });
      },
      () => undefined,
    );
  }, [graphId, editor]);

  useEffect(() => {
    if (!graphId || editor.getState().graphId === graphId) return;
    let cancelled = false;
    setState("loading");
    const debugRun = new URLSearchParams(window.location.search).get("run");
    api.getGraph(graphId).then(
      async (g) => {
        if (cancelled) return;
        editor.getState().load(g.document, { graphId: g.id, version: g.version });
        triggers.getState().setFromGraph(g);
        if (debugRun)
          await openRunInEditor(debugRun, g, editor, run).catch((e: unknown) => toast("error", errorText(e)));
        if (!cancelled) setState("ready");
      },
      (e: unknown) => {
        if (cancelled) return;
        setError(errorText(e));
        setState("error");
      },
    );
    return () => {
      cancelled = true;
    };
  }, [graphId, editor, triggers, run]);

  if (state === "error")
    return (
      <p className="page-message" role="alert">
        Could not open the graph: {error}
      </p>
    );
  if (state === "loading") return <p className="page-message">Loading graph…</p>;
  return (
    <EditorStoresProvider editor={editor} run={run}>
      <TriggerStoreProvider store={triggers}>
        <ReactFlowProvider>
          <SaveProvider>
            <QuickAddProvider>
              <div className="editor">
                <Toolbar />
                <div className="editor-main">
                  <Palette />
                  <div className="canvas-wrap">
                    <EditorCanvas />
                  </div>
                  <Inspector />
                </div>
              </div>
            </QuickAddProvider>
          </SaveProvider>
          <DynamicPorts />
          <RunFollower />
          <LiveValidation />
          <UnsavedGuard />
        </ReactFlowProvider>
      </TriggerStoreProvider>
    </EditorStoresProvider>
  );
}
