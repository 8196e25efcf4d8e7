import {
  Background,
  type Connection,
  ConnectionLineType,
  Controls,
  MiniMap,
  type OnConnectEnd,
  ReactFlow,
  useNodesInitialized,
  useReactFlow,
} from "@xyflow/react";
import {
  lazy,
  type MouseEvent as ReactMouseEvent,
  Suspense,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { useShallow } from "zustand/react/shallow";
import { useQuickAdd } from "../editor/quick-add";
import { canvasNodes, connectionRefusal, type EditorNode, isKyraNode, type KyraEdge } from "../lib/graph";
import { edgeTypes, nodeTypes } from "../nodes/node-types";
import { NodeDetails } from "../details/node-details";
import { useEditorStore, useStoreApis } from "../store/editor-context";
import { toast } from "../ui/toasts";
import { useEdgeHover } from "./edge-hover";
import { lastCopy, rememberCopy } from "./clipboard";
import { ContextMenu, type MenuItem, type MenuState } from "./context-menu";
import { isDisabled, toggleDisabled, useRenaming } from "./node-actions";
import { useExecuteNode } from "../details/use-execute-node";
import { useCatalogue } from "../api/catalogue";
import { useDragAndDrop } from "./use-drag-and-drop";

// The example graphs load with the dialog, not with the editor.
const CanvasTemplateDialog = lazy(() =>
  import("../templates/template-gallery").then((m) => ({ default: m.CanvasTemplateDialog })),
);

const LARGE_GRAPH = 150;
const fitViewOptions = { padding: 0.15, maxZoom: 1.2 };
const defaultEdgeOptions = { type: "kyra" as const };
const deleteKeys = ["Backspace", "Delete"];
const proOptions = { hideAttribution: true };

/** True for a drop on empty canvas (not on a node, a handle, the minimap or the controls). */
/**
 * Marks the canvas `data-ready` once its nodes are measured and the first view is fitted, so
 * browser tests (and the benchmark) act on a canvas that no longer moves.
 */
function ReadyMarker({ empty }: { empty: boolean }) {
  const measured = useNodesInitialized();
  useEffect(() => {
    if (!measured && !empty) return;
    let second = 0;
    const first = requestAnimationFrame(() => {
      second = requestAnimationFrame(() =>
        document.querySelector('[data-testid="canvas"]')?.setAttribute("data-ready", "true"),
      );
    });
    return () => {
      cancelAnimationFrame(first);
      cancelAnimationFrame(second);
    };
  }, [measured, empty]);
  return null;
}

function isPane(target: EventTarget | null): boolean {
  if (!(target instanceof Element) || !target.closest(".react-flow")) return false;
  return !target.closest(".react-flow__node, .react-flow__handle, .react-flow__minimap, .react-flow__controls");
}

function minimapColor(node: EditorNode): string {
  return node.type === "note" ? "#f5e6a8" : "#8ea2c8";
}

/** The store's nodes as xyflow should see them: params edits (typing) leave the canvas alone. */
function useCanvasNodes(nodes: EditorNode[]): EditorNode[] {
  const last = useRef<{ from: EditorNode[]; shown: EditorNode[] } | null>(null);
  return useMemo(() => {
    const shown = canvasNodes(last.current, nodes);
    last.current = { from: nodes, shown };
    return shown;
  }, [nodes]);
}

/** The graph canvas: xyflow bound to the editor store, with palette drops and typed connections. */
export function EditorCanvas() {
  const { editor } = useStoreApis();
  const { storeNodes, edges, readOnly } = useEditorStore(
    useShallow((s) => ({ storeNodes: s.nodes, edges: s.edges, readOnly: s.readOnly })),
  );
  // xyflow's copies may hold stale params (see canvasNodes): actions read nodes from the store.
  const nodes = useCanvasNodes(storeNodes);
  const onNodesChange = useEditorStore((s) => s.onNodesChange);
  const onEdgesChange = useEditorStore((s) => s.onEdgesChange);
  const { onDragOver, onDrop } = useDragAndDrop();
  const quickAdd = useQuickAdd();
  const { screenToFlowPosition } = useReactFlow();
  const empty = useEditorStore((s) => !s.nodes.some(isKyraNode));
  const [details, setDetails] = useState<string | null>(null);
  const onNodeDoubleClick = useCallback((_: unknown, node: EditorNode) => {
    if (isKyraNode(node)) setDetails(node.id);
  }, []);
  const closeDetails = useCallback(() => setDetails(null), []);
  const [templates, setTemplates] = useState(false);
  const closeTemplates = useCallback(() => setTemplates(false), []);
  const [menu, setMenu] = useState<MenuState | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);
  // Read through a ref: a new callback per render would re-render every node wrapper (drags).
  const executor = useExecuteNode();
  const executorRef = useRef(executor);
  executorRef.current = executor;
  const { specs } = useCatalogue();
  const onNodeContextMenu = useCallback(
    (e: ReactMouseEvent, shown: EditorNode) => {
      if (readOnly) return;
      e.preventDefault();
      const s = editor.getState();
      const node = s.nodes.find((n) => n.id === shown.id) ?? shown;
      const copy = () => rememberCopy({ nodes: [node], edges: [] });
      const remove: MenuItem = { label: "Delete", danger: true, onSelect: () => s.removeNodes([node.id]) };
      if (!isKyraNode(node)) {
        setMenu({ x: e.clientX, y: e.clientY, label: "Note", items: [{ label: "Copy", onSelect: copy }, remove] });
        return;
      }
      const spec = specs.get(node.data.doc.type);
      const disabled = isDisabled(node.data.doc.settings);
      const executor = executorRef.current;
      const items: MenuItem[] = [
        { label: "Open details", onSelect: () => setDetails(node.id) },
        ...(executor ? [{ label: "Execute this node", disabled, onSelect: () => void executor.execute(node.id) }] : []),
        { label: "Rename", onSelect: () => useRenaming.getState().start(node.id) },
        ...(spec?.trigger
          ? []
          : [{ label: disabled ? "Enable" : "Disable", onSelect: () => toggleDisabled(editor, node.id) }]),
        { label: "Duplicate", onSelect: () => s.paste({ nodes: [node], edges: [] }, { x: 40, y: 40 }) },
        { label: "Copy", onSelect: copy },
        {
          label: "Documentation",
          onSelect: () => window.open(`/docs/nodes/${encodeURIComponent(node.data.doc.type)}`, "_blank", "noopener"),
        },
        remove,
      ];
      setMenu({ x: e.clientX, y: e.clientY, label: `Node ${node.id}`, items });
    },
    [editor, readOnly, specs],
  );
  const onPaneContextMenu = useCallback(
    (e: ReactMouseEvent | MouseEvent) => {
      if (readOnly) return;
      e.preventDefault();
      const at = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const s = editor.getState();
      const clip = lastCopy();
      const pasteHere = () => {
        if (!clip?.nodes.length) return;
        const left = Math.min(...clip.nodes.map((n) => n.position.x));
        const top = Math.min(...clip.nodes.map((n) => n.position.y));
        s.paste(clip, { x: at.x - left, y: at.y - top });
      };
      const items: MenuItem[] = [
        ...(quickAdd ? [{ label: "Add node here…", onSelect: () => quickAdd({ at }) }] : []),
        { label: "Add note here", onSelect: () => s.addNote(at) },
        { label: "Paste here", disabled: !clip, onSelect: pasteHere },
        { label: "Select all", onSelect: () => s.selectAll() },
      ];
      setMenu({ x: e.clientX, y: e.clientY, label: "Canvas", items });
    },
    [editor, quickAdd, readOnly, screenToFlowPosition],
  );
  const onEdgeMouseEnter = useCallback((_: unknown, edge: KyraEdge) => useEdgeHover.getState().enter(edge.id), []);
  const onEdgeMouseLeave = useCallback(() => useEdgeHover.getState().leave(), []);
  // Fit a loaded graph once; an empty new graph keeps zoom 1 so the view does not jump on the first drop.
  const [fitOnOpen] = useState(() => nodes.length > 0);

  const isValidConnection = useCallback(
    (c: Connection | KyraEdge) => connectionRefusal(c, editor.getState().connectionContext()) === null,
    [editor],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const reason = editor.getState().connect(c);
      if (reason) toast("error", reason);
    },
    [editor],
  );

  const onConnectEnd: OnConnectEnd = useCallback(
    (event, state) => {
      const dragged = state.fromHandle;
      if (!state.toHandle && dragged?.type === "source" && quickAdd && isPane(event.target)) {
        // A connection dropped on empty canvas: pick the node it should lead to.
        const point = "changedTouches" in event ? event.changedTouches[0] : event;
        const at = screenToFlowPosition({ x: point.clientX, y: point.clientY - 20 });
        quickAdd({ at, link: { from: { node: dragged.nodeId, port: dragged.id ?? "out" } } });
        return;
      }
      if (state.isValid !== false || !state.fromHandle || !state.toHandle) return;
      const [from, to] =
        state.fromHandle.type === "source" ? [state.fromHandle, state.toHandle] : [state.toHandle, state.fromHandle];
      const reason = connectionRefusal(
        { source: from.nodeId, sourceHandle: from.id ?? null, target: to.nodeId, targetHandle: to.id ?? null },
        editor.getState().connectionContext(),
      );
      if (reason) toast("error", `Connection refused: ${reason}`);
    },
    [editor, quickAdd, screenToFlowPosition],
  );

  const onBeforeDelete = useCallback(async () => {
    if (editor.getState().readOnly) return false;
    editor.getState().checkpoint();
    return true;
  }, [editor]);

  const onDragStart = useCallback(() => editor.getState().checkpoint(), [editor]);

  const wrapper = useRef<HTMLDivElement>(null);
  const onMoveStart = useCallback(() => wrapper.current?.classList.add("is-moving"), []);
  // A pointer pan raises the shield (see styles.css) once the view really moves: raised on the
  // press itself, it would swallow clicks on nodes that cannot be dragged (the run view). A wheel
  // zoom must keep reaching the pane.
  const onMove = useCallback((event: MouseEvent | TouchEvent | null) => {
    if (event && event.type !== "wheel") wrapper.current?.classList.add("is-panning");
  }, []);
  const onMoveEnd = useCallback(() => wrapper.current?.classList.remove("is-moving", "is-panning"), []);

  return (
    <>
      <ReactFlow<EditorNode, KyraEdge>
        data-testid="canvas"
        ref={wrapper}
        onMoveStart={onMoveStart}
        onMove={onMove}
        onMoveEnd={onMoveEnd}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onNodeDoubleClick={onNodeDoubleClick}
        onEdgeMouseEnter={onEdgeMouseEnter}
        onEdgeMouseLeave={onEdgeMouseLeave}
        // Double-click opens node details; as a zoom it would also swallow the event on nodes
        // that cannot be dragged (the run view).
        zoomOnDoubleClick={false}
        isValidConnection={isValidConnection}
        onBeforeDelete={onBeforeDelete}
        onNodeDragStart={onDragStart}
        onSelectionDragStart={onDragStart}
        onNodeContextMenu={onNodeContextMenu}
        onPaneContextMenu={onPaneContextMenu}
        onDragOver={onDragOver}
        onDrop={onDrop}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={readOnly ? null : deleteKeys}
        multiSelectionKeyCode={["Meta", "Control"]}
        selectionKeyCode="Shift"
        onlyRenderVisibleElements={nodes.length > LARGE_GRAPH}
        connectionLineType={ConnectionLineType.Bezier}
        defaultEdgeOptions={defaultEdgeOptions}
        fitView={fitOnOpen}
        fitViewOptions={fitViewOptions}
        minZoom={0.05}
        proOptions={proOptions}
      >
        <div className="pan-shield" aria-hidden="true" />
        <ReadyMarker empty={empty} />
        {empty && !readOnly && quickAdd && (
          <div className="canvas-invite" data-testid="canvas-invite">
            <button type="button" className="invite-add" onClick={() => quickAdd({ triggers: true })}>
              + Add a trigger to start
            </button>
            <p className="muted">or press Tab to add any node, or drag one from the palette</p>
            <button type="button" className="link" onClick={() => setTemplates(true)}>
              Start from a template
            </button>
          </div>
        )}
        <Background gap={20} />
        <Controls />
        <MiniMap<EditorNode> pannable zoomable nodeColor={minimapColor} />
      </ReactFlow>
      {details && <NodeDetails nodeId={details} onClose={closeDetails} />}
      {menu && <ContextMenu menu={menu} onClose={closeMenu} />}
      {templates && (
        <Suspense fallback={null}>
          <CanvasTemplateDialog onClose={closeTemplates} />
        </Suspense>
      )}
    </>
  );
}
