import type { XYPosition } from "@xyflow/react";
import { type EditorNode, isKyraNode, type KyraEdge } from "./graph";

const DEFAULT_SIZE = { width: 200, height: 90 };

/** Where a node's output port is among its outputs (0 for the first); orders branches top to bottom. */
export type PortRank = (nodeId: string, port: string) => number;

/**
 * Edges in the order dagre should see them so that a node's branches come out top to bottom in
 * port order (If: true above false; Switch: cases in order). In a left-to-right layout dagre puts
 * the successors it meets later above the earlier ones, so each node's edges go in by descending
 * port rank, and the nodes' groups in reverse.
 */
export function edgesForLayout(edges: readonly KyraEdge[], rank: PortRank): KyraEdge[] {
  const groups = new Map<string, KyraEdge[]>();
  for (const e of edges) groups.set(e.source, [...(groups.get(e.source) ?? []), e]);
  const rankOf = (e: KyraEdge) => rank(e.source, e.sourceHandle ?? "out");
  return [...groups.values()].reverse().flatMap((group) => [...group].sort((a, b) => rankOf(b) - rankOf(a)));
}

/** Left-to-right layered layout of the graph's nodes (notes stay where they are). */
export async function layoutPositions(
  nodes: readonly EditorNode[],
  edges: readonly KyraEdge[],
  rank: PortRank = () => 0,
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
  for (const e of edgesForLayout(edges, rank))
    if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
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
