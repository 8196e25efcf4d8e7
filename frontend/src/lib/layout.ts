import type { XYPosition } from "@xyflow/react";
import { type EditorNode, isKyraNode, type KyraEdge } from "./graph";

const DEFAULT_SIZE = { width: 200, height: 90 };

/** Left-to-right layered layout of the graph's nodes (notes stay where they are). */
export async function layoutPositions(
  nodes: readonly EditorNode[],
  edges: readonly KyraEdge[],
): Promise<Record<string, XYPosition>> {
  const { default: dagre } = await import("@dagrejs/dagre");
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  const kyraNodes = nodes.filter(isKyraNode);
  for (const n of kyraNodes) {
    g.setNode(n.id, {
      width: n.measured?.width ?? DEFAULT_SIZE.width,
      height: n.measured?.height ?? DEFAULT_SIZE.height,
    });
  }
  for (const e of edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const out: Record<string, XYPosition> = {};
  for (const n of kyraNodes) {
    const p = g.node(n.id);
    const w = n.measured?.width ?? DEFAULT_SIZE.width;
    const h = n.measured?.height ?? DEFAULT_SIZE.height;
    out[n.id] = { x: Math.round(p.x - w / 2), y: Math.round(p.y - h / 2) };
  }
  return out;
}
