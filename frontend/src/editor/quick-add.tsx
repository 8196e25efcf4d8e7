import { useReactFlow, type XYPosition } from "@xyflow/react";
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import { useCatalogue } from "../api/catalogue";
import { isKyraNode, type NodeLink } from "../lib/graph";
import { useStoreApis } from "../store/editor-context";
import type { EditorStore } from "../store/editor-store";
import { toast } from "../ui/toasts";
import { NodePicker } from "./node-picker";

/** What the picked node hooks into. */
export interface QuickAddTarget {
  /** Flow position for the node (default: right of what it links to, or the middle of the view). */
  at?: XYPosition;
  link?: NodeLink;
  /** Offer triggers only (an empty canvas). */
  triggers?: boolean;
}

type OpenQuickAdd = (target?: QuickAddTarget) => void;

const QuickAddContext = createContext<OpenQuickAdd | null>(null);

/** Open the "Add node" picker; null where nodes cannot be added (the read-only run view). */
export function useQuickAdd(): OpenQuickAdd | null {
  return useContext(QuickAddContext);
}

/** Room between a node and the one added after it. */
const GAP_X = 120;

/** Where a new node goes: right of the node it follows, mid-edge, or in the middle of the view. */
function placement(s: EditorStore, target: QuickAddTarget, viewCenter: () => XYPosition): XYPosition {
  if (target.at) return target.at;
  const byId = (id: string) => s.nodes.find((n) => n.id === id);
  const edge = target.link?.edgeId ? s.edges.find((e) => e.id === target.link?.edgeId) : undefined;
  const from = edge ? byId(edge.source) : target.link?.from ? byId(target.link.from.node) : undefined;
  if (edge && from) return { x: from.position.x + (from.measured?.width ?? 220) + GAP_X, y: from.position.y };
  if (from) {
    const taken = s.edges.filter((e) => e.source === from.id).length;
    return { x: from.position.x + (from.measured?.width ?? 220) + GAP_X, y: from.position.y + taken * 140 };
  }
  const c = viewCenter();
  return { x: c.x - 100, y: c.y - 40 };
}

function describe(target: QuickAddTarget): string | undefined {
  if (target.triggers) return "Start the graph with a trigger.";
  if (target.link?.edgeId) return "Inserted on the connection.";
  if (target.link?.from) return `Connected after ${target.link.from.node}.${target.link.from.port}.`;
  return undefined;
}

/** Hosts the quick-add picker of an editor and adds the picked node, wired where it came from. */
export function QuickAddProvider({ children }: { children: ReactNode }) {
  const { editor } = useStoreApis();
  const { list } = useCatalogue();
  const { screenToFlowPosition, getViewport, setViewport } = useReactFlow();
  const [target, setTarget] = useState<QuickAddTarget | null>(null);

  const open = useCallback<OpenQuickAdd>(
    (t = {}) => {
      if (editor.getState().readOnly) return;
      setTarget(t);
    },
    [editor],
  );

  const offered = useMemo(() => {
    if (!target) return [];
    if (target.triggers) return list.filter((s) => s.trigger);
    if (target.link) return list.filter((s) => s.inputs.length > 0);
    return list;
  }, [list, target]);

  /** Bring a node just added into view when it landed outside it, panning as little as needed. */
  const revealNode = (id: string) => {
    const pane = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    const box = document.querySelector(`.react-flow__node[data-id="${CSS.escape(id)}"]`)?.getBoundingClientRect();
    if (!pane || !box) return;
    const margin = 40;
    const dx = Math.min(0, pane.right - margin - box.right) || Math.max(0, pane.left + margin - box.left);
    const dy = Math.min(0, pane.bottom - margin - box.bottom) || Math.max(0, pane.top + margin - box.top);
    if (dx || dy) {
      const vp = getViewport();
      void setViewport({ x: vp.x + dx, y: vp.y + dy, zoom: vp.zoom }, { duration: 200 });
    }
  };

  const pick = (type: string) => {
    if (!target) return;
    const s = editor.getState();
    const viewCenter = () => {
      const pane = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
      const point = pane ? { x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 } : { x: 400, y: 300 };
      return screenToFlowPosition(point);
    };
    const position = placement(s, target, viewCenter);
    let id: string;
    if (target.link) {
      const added = s.addLinkedNode(type, position, target.link);
      id = added.id;
      if (added.refused) toast("error", `Added, but not connected: ${added.refused}`);
    } else id = s.addNode(type, position);
    setTarget(null);
    requestAnimationFrame(() => revealNode(id));
  };

  return (
    <QuickAddContext.Provider value={open}>
      {children}
      {target && (
        <NodePicker specs={offered} context={describe(target)} onPick={pick} onClose={() => setTarget(null)} />
      )}
    </QuickAddContext.Provider>
  );
}

/** The node a Tab press follows: the single selected node, linked from its first output. */
export function followSelection(s: EditorStore): NodeLink | undefined {
  const selected = s.nodes.filter((n) => n.selected);
  if (selected.length !== 1 || !isKyraNode(selected[0])) return undefined;
  const spec = s.specs.get(selected[0].data.doc.type);
  const port = (s.dynamicPorts[selected[0].id] ?? spec?.outputs ?? []).find((p) => p.name !== "error");
  return port ? { from: { node: selected[0].id, port: port.name } } : undefined;
}
