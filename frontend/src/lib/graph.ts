/**
 * Graph helpers shared by the store and the canvas: conversion between the `kyra.graph/1`
 * document and xyflow's nodes/edges, port typing and connection rules, and id generation.
 * Pure functions only; nothing here touches React or the network.
 */
import type { Connection, Edge, Node, XYPosition } from "@xyflow/react";
import type { DocEdge, DocNode, DocNote, GraphDocument, NodeSpec, PortSpec, PortType } from "../api/types";

export interface KyraNodeData extends Record<string, unknown> {
  /** The document node as loaded or created: params, name, settings and unknown keys live here. */
  doc: DocNode;
  /** Whether the document carries a position for this node (absent ones come from auto-layout). */
  hadPosition: boolean;
}
export interface NoteNodeData extends Record<string, unknown> {
  doc: DocNote;
  hadPosition: boolean;
}
export type KyraNode = Node<KyraNodeData, "kyra">;
export type NoteNode = Node<NoteNodeData, "note">;
export type EditorNode = KyraNode | NoteNode;
export interface KyraEdgeData extends Record<string, unknown> {
  doc: DocEdge;
}
export type KyraEdge = Edge<KyraEdgeData>;

export type SpecIndex = ReadonlyMap<string, NodeSpec>;

export const NOTE_PREFIX = "note:";
export const ERROR_PORT: PortSpec = { name: "error", type: "json", many: false, description: "Failure of this node" };
const DEFAULT_NOTE_SIZE = { width: 220, height: 120 };

export function isKyraNode(node: EditorNode): node is KyraNode {
  return node.type === "kyra";
}

export function isNoteNode(node: EditorNode): node is NoteNode {
  return node.type === "note";
}

export function edgeId(e: { source: string; sourcePort: string; target: string; targetPort: string }): string {
  return `${e.source}:${e.sourcePort}->${e.target}:${e.targetPort}`;
}

export function docEdgeToFlow(doc: DocEdge): KyraEdge {
  return {
    id: edgeId(doc),
    source: doc.source,
    sourceHandle: doc.sourcePort,
    target: doc.target,
    targetHandle: doc.targetPort,
    data: { doc },
  };
}

function docNodeToFlow(doc: DocNode, fallback: XYPosition): KyraNode {
  return {
    id: doc.id,
    type: "kyra",
    position: doc.position ? { x: doc.position.x, y: doc.position.y } : fallback,
    data: { doc, hadPosition: doc.position !== undefined },
  };
}

function docNoteToFlow(doc: DocNote, fallback: XYPosition): NoteNode {
  const size = doc.size ?? DEFAULT_NOTE_SIZE;
  return {
    id: NOTE_PREFIX + doc.id,
    type: "note",
    position: doc.position ? { x: doc.position.x, y: doc.position.y } : fallback,
    data: { doc, hadPosition: doc.position !== undefined },
    width: size.width,
    height: size.height,
    zIndex: -1,
  };
}

/** Turn a document into canvas nodes and edges; nodes without a position are laid on a grid. */
export function documentToFlow(doc: GraphDocument): { nodes: EditorNode[]; edges: KyraEdge[] } {
  const grid = (i: number): XYPosition => ({ x: (i % 6) * 260, y: Math.floor(i / 6) * 160 });
  const nodes: EditorNode[] = doc.nodes.map((n, i) => docNodeToFlow(n, grid(i)));
  (doc.notes ?? []).forEach((n, i) => nodes.push(docNoteToFlow(n, { x: i * 240, y: -200 })));
  return { nodes, edges: doc.edges.map(docEdgeToFlow) };
}

function samePosition(a: XYPosition | undefined, b: XYPosition): boolean {
  return a !== undefined && a.x === b.x && a.y === b.y;
}

function withPosition<T extends { position?: XYPosition }>(doc: T, position: XYPosition, keep: boolean): T {
  if (!keep) return doc;
  if (samePosition(doc.position, position)) return doc;
  return { ...doc, position: { x: position.x, y: position.y } };
}

/**
 * Rebuild the document from the canvas. Keys keep their original order and unknown keys are
 * carried over untouched, so loading and exporting a document gives it back byte for byte.
 */
export function flowToDocument(
  meta: GraphDocument,
  nodes: readonly EditorNode[],
  edges: readonly KyraEdge[],
): GraphDocument {
  const docNodes: DocNode[] = [];
  const docNotes: DocNote[] = [];
  for (const n of nodes) {
    if (isKyraNode(n)) docNodes.push(withPosition(n.data.doc, n.position, n.data.hadPosition));
    else if (isNoteNode(n)) {
      let note = withPosition(n.data.doc, n.position, n.data.hadPosition);
      const w = n.width ?? n.measured?.width;
      const h = n.height ?? n.measured?.height;
      if (w !== undefined && h !== undefined && note.size && (note.size.width !== w || note.size.height !== h)) {
        note = { ...note, size: { width: w, height: h } };
      } else if (
        w !== undefined &&
        h !== undefined &&
        !note.size &&
        (w !== DEFAULT_NOTE_SIZE.width || h !== DEFAULT_NOTE_SIZE.height)
      ) {
        note = { ...note, size: { width: w, height: h } };
      }
      docNotes.push(note);
    }
  }
  const out: GraphDocument = { ...meta, nodes: docNodes, edges: edges.map(edgeToDoc) };
  const pinned = meta.editor?.pinned;
  if (pinned && Object.keys(pinned).some((id) => !docNodes.some((n) => n.id === id))) {
    // Pins of deleted nodes go with them.
    const kept = Object.fromEntries(Object.entries(pinned).filter(([id]) => docNodes.some((n) => n.id === id)));
    out.editor = { ...meta.editor, pinned: kept };
  }
  if (meta.notes !== undefined || docNotes.length > 0) out.notes = docNotes;
  return out;
}

function edgeToDoc(e: KyraEdge): DocEdge {
  if (e.data?.doc) return e.data.doc;
  return {
    source: e.source,
    sourcePort: e.sourceHandle ?? "out",
    target: e.target,
    targetPort: e.targetHandle ?? "in",
  };
}

/** Check that parsed JSON looks like a `kyra.graph/1` document; returns a reason when it does not. */
export function documentProblem(value: unknown): string | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return "the file is not a JSON object";
  const doc = value as Record<string, unknown>;
  if (doc.schema !== "kyra.graph/1") return 'the "schema" is not "kyra.graph/1"';
  if (!Array.isArray(doc.nodes)) return '"nodes" must be a list';
  if (!Array.isArray(doc.edges)) return '"edges" must be a list';
  if (doc.notes !== undefined && !Array.isArray(doc.notes)) return '"notes" must be a list';
  for (const n of doc.nodes as unknown[]) {
    if (!n || typeof n !== "object") return "a node is not an object";
    const node = n as Record<string, unknown>;
    if (typeof node.id !== "string" || typeof node.type !== "string") return "every node needs a string id and type";
  }
  for (const e of doc.edges as unknown[]) {
    if (!e || typeof e !== "object") return "an edge is not an object";
    const edge = e as Record<string, unknown>;
    for (const k of ["source", "sourcePort", "target", "targetPort"]) {
      if (typeof edge[k] !== "string") return `every edge needs a string "${k}"`;
    }
  }
  for (const n of (doc.notes as unknown[] | undefined) ?? []) {
    if (!n || typeof n !== "object" || typeof (n as Record<string, unknown>).id !== "string")
      return "every note needs a string id";
  }
  return null;
}

export interface NodePorts {
  inputs: readonly PortSpec[];
  outputs: readonly PortSpec[];
}

/** Ports of a node: declared inputs, declared (or computed dynamic) outputs, plus `error`. */
export function portsOf(spec: NodeSpec | undefined, dynamicOutputs?: readonly PortSpec[]): NodePorts {
  if (!spec) return { inputs: [], outputs: [ERROR_PORT] };
  const outputs = dynamicOutputs ?? spec.outputs;
  return { inputs: spec.inputs, outputs: outputs.some((p) => p.name === "error") ? outputs : [...outputs, ERROR_PORT] };
}

const LOOSE: ReadonlySet<PortType> = new Set<PortType>(["any", "json"]);
const WIDENING: Partial<Record<PortType, ReadonlySet<PortType>>> = {
  number: new Set<PortType>(["text"]),
  boolean: new Set<PortType>(["text"]),
};

/** Same rule as the backend: any/json connect to all, number/boolean widen to text, else equal. */
export function portsCompatible(source: PortType, target: PortType): boolean {
  if (LOOSE.has(source) || LOOSE.has(target) || source === target) return true;
  return WIDENING[source]?.has(target) ?? false;
}

export interface ConnectionContext {
  nodes: readonly EditorNode[];
  edges: readonly KyraEdge[];
  specs: SpecIndex;
  dynamicPorts: Readonly<Record<string, readonly PortSpec[]>>;
}

interface ConnectionLike {
  source: Connection["source"];
  target: Connection["target"];
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

/** Why a connection is refused, or null when it is allowed. */
export function connectionRefusal(conn: ConnectionLike, ctx: ConnectionContext): string | null {
  const { source, target } = conn;
  if (source === target) return "A node cannot connect to itself.";
  const src = ctx.nodes.find((n) => n.id === source);
  const dst = ctx.nodes.find((n) => n.id === target);
  if (!src || !dst || !isKyraNode(src) || !isKyraNode(dst)) return "Only node ports can be connected.";
  const srcPorts = portsOf(ctx.specs.get(src.data.doc.type), ctx.dynamicPorts[source]);
  const dstPorts = portsOf(ctx.specs.get(dst.data.doc.type), ctx.dynamicPorts[target]);
  const out = srcPorts.outputs.find((p) => p.name === conn.sourceHandle);
  const inp = dstPorts.inputs.find((p) => p.name === conn.targetHandle);
  if (!out) return `“${nodeLabel(src)}” has no output port “${conn.sourceHandle ?? ""}”.`;
  if (!inp) return `“${nodeLabel(dst)}” has no input port “${conn.targetHandle ?? ""}”.`;
  if (!portsCompatible(out.type, inp.type)) {
    return `Incompatible ports: ${out.name} (${out.type}) cannot feed ${inp.name} (${inp.type}).`;
  }
  const duplicate = ctx.edges.some(
    (e) =>
      e.source === source &&
      e.target === target &&
      e.sourceHandle === conn.sourceHandle &&
      e.targetHandle === conn.targetHandle,
  );
  if (duplicate) return "These ports are already connected.";
  if (!inp.many && ctx.edges.some((e) => e.target === target && e.targetHandle === conn.targetHandle)) {
    return `Input “${inp.name}” of “${nodeLabel(dst)}” takes one connection; remove the existing one first.`;
  }
  if (reaches(target, source, ctx.edges)) return "This connection would create a cycle.";
  return null;
}

/** True when `to` can be reached from `from` following edges downstream. */
export function reaches(from: string, to: string, edges: readonly KyraEdge[]): boolean {
  const out = new Map<string, string[]>();
  for (const e of edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const cur = stack.pop() as string;
    if (cur === to) return true;
    if (seen.has(cur)) continue;
    seen.add(cur);
    stack.push(...(out.get(cur) ?? []));
  }
  return false;
}

/** `nodeId` and every node downstream of it. */
export function downstreamOf(nodeId: string, edges: readonly KyraEdge[]): Set<string> {
  const out = new Map<string, string[]>();
  for (const e of edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  const seen = new Set<string>([nodeId]);
  const stack = [nodeId];
  while (stack.length) {
    for (const next of out.get(stack.pop() as string) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

/** Every node upstream of `nodeId`, nearest first. */
export function upstreamOf(nodeId: string, edges: readonly KyraEdge[]): string[] {
  const incoming = new Map<string, string[]>();
  for (const e of edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source]);
  const order: string[] = [];
  const seen = new Set<string>([nodeId]);
  let frontier = [nodeId];
  while (frontier.length) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const s of incoming.get(id) ?? []) {
        if (seen.has(s)) continue;
        seen.add(s);
        order.push(s);
        next.push(s);
      }
    }
    frontier = next;
  }
  return order;
}

export function nodeLabel(node: EditorNode): string {
  if (isKyraNode(node)) return node.data.doc.name || node.id;
  return node.id;
}

/** A readable id unique in `taken`, derived from the node type (`Http.request` gives `request_2`). */
export function uniqueId(type: string, taken: ReadonlySet<string>): string {
  const base = (type.split(".").pop() ?? "node").replace(/[^a-zA-Z0-9_]/g, "_").toLowerCase() || "node";
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** A note id (`n1`, `n2`, ...) whose canvas id is not in `taken`. */
export function uniqueNoteId(taken: ReadonlySet<string>): string {
  for (let i = 1; ; i++) if (!taken.has(`${NOTE_PREFIX}n${i}`)) return `n${i}`;
}

export function newNote(id: string, position: XYPosition, text = ""): NoteNode {
  return docNoteToFlow({ id, text, position: { x: position.x, y: position.y } }, position);
}

export function newNode(type: string, id: string, position: XYPosition): KyraNode {
  return docNodeToFlow(
    { id, type, params: {}, position: { x: Math.round(position.x), y: Math.round(position.y) } },
    position,
  );
}

export interface Clipboard {
  nodes: EditorNode[];
  edges: KyraEdge[];
}

/** Copy nodes (and the edges among them) with fresh ids, shifted by `offset`. */
export function cloneFragment(clip: Clipboard, taken: ReadonlySet<string>, offset: XYPosition): Clipboard {
  const used = new Set(taken);
  const rename = new Map<string, string>();
  const nodes: EditorNode[] = clip.nodes.map((n) => {
    const position = { x: n.position.x + offset.x, y: n.position.y + offset.y };
    if (isKyraNode(n)) {
      const id = uniqueId(n.data.doc.type, used);
      used.add(id);
      rename.set(n.id, id);
      const doc: DocNode = { ...n.data.doc, id };
      return { ...n, id, position, selected: true, data: { doc, hadPosition: true } } satisfies KyraNode;
    }
    const noteId = uniqueNoteId(used);
    used.add(NOTE_PREFIX + noteId);
    const doc: DocNote = { ...(n as NoteNode).data.doc, id: noteId };
    return { ...(n as NoteNode), id: NOTE_PREFIX + doc.id, position, selected: true, data: { doc, hadPosition: true } };
  });
  const edges: KyraEdge[] = [];
  for (const e of clip.edges) {
    const source = rename.get(e.source);
    const target = rename.get(e.target);
    if (!source || !target) continue;
    const base = e.data?.doc ?? edgeToDoc(e);
    edges.push(docEdgeToFlow({ ...base, source, target }));
  }
  return { nodes, edges };
}

/** Rank of a node's output port among its outputs (for laying branches out in port order). */
export function outputRank(ctx: ConnectionContext): (nodeId: string, port: string) => number {
  return (nodeId, port) => {
    const node = ctx.nodes.find((n) => n.id === nodeId);
    if (!node || !isKyraNode(node)) return 0;
    const outputs = portsOf(ctx.specs.get(node.data.doc.type), ctx.dynamicPorts[nodeId]).outputs;
    return Math.max(
      0,
      outputs.findIndex((p) => p.name === port),
    );
  };
}

/** Where a new node hooks in: after an output port, into an existing edge, or both unset. */
export interface NodeLink {
  /** Connect this output port to the new node's first input that accepts it. */
  from?: { node: string; port: string };
  /** Put the new node on this edge: its source feeds the new node, which feeds its target. */
  edgeId?: string;
}

/** The edges that wire `nodeId` (just added) per `link`, and why a wanted one was refused. */
export function linkEdges(
  nodeId: string,
  link: NodeLink,
  ctx: ConnectionContext,
): { add: KyraEdge[]; remove: string | null; refused: string | null } {
  const node = ctx.nodes.find((n) => n.id === nodeId);
  if (!node || !isKyraNode(node)) return { add: [], remove: null, refused: null };
  const ports = portsOf(ctx.specs.get(node.data.doc.type));
  const split = link.edgeId ? ctx.edges.find((e) => e.id === link.edgeId) : undefined;
  const from = split ? { node: split.source, port: split.sourceHandle ?? "out" } : link.from;
  const context = { ...ctx, edges: split ? ctx.edges.filter((e) => e !== split) : ctx.edges };
  const add: KyraEdge[] = [];
  let refused: string | null = null;
  const tryConnect = (source: string, sourcePort: string, target: string, targetPorts: readonly PortSpec[]) => {
    let reason: string | null = targetPorts.length ? null : "the node has no port to connect there";
    for (const port of targetPorts) {
      const conn = { source, sourceHandle: sourcePort, target, targetHandle: port.name };
      reason = connectionRefusal(conn, { ...context, edges: [...context.edges, ...add] });
      if (!reason) {
        add.push(docEdgeToFlow({ source, sourcePort, target, targetPort: port.name }));
        return true;
      }
    }
    refused ??= reason;
    return false;
  };
  if (from) tryConnect(from.node, from.port, nodeId, ports.inputs);
  if (split) {
    const outputs = ports.outputs.filter((p) => p.name !== "error");
    for (const out of outputs) {
      const conn = { source: nodeId, sourceHandle: out.name, target: split.target, targetHandle: split.targetHandle };
      if (!connectionRefusal(conn, { ...context, edges: [...context.edges, ...add] })) {
        add.push(
          docEdgeToFlow({
            source: nodeId,
            sourcePort: out.name,
            target: split.target,
            targetPort: split.targetHandle ?? "in",
          }),
        );
        return { add, remove: split.id, refused };
      }
    }
    refused ??= "its output cannot feed the next node";
  }
  // An edge that cannot be split keeps its place; the new node then hangs after its source only.
  return { add, remove: null, refused };
}

/** True when `b` is `a` with other params and nothing else changed (an inspector edit). */
function sameButFor<T extends object>(a: T, b: T, key: keyof T): boolean {
  const ka = Object.keys(a) as (keyof T)[];
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => k === key || (k in b && a[k] === b[k]));
}

/** True when only `data.doc.params` differs between two versions of a node. */
export function onlyParamsChanged(a: EditorNode, b: EditorNode): boolean {
  return (
    isKyraNode(a) &&
    isKyraNode(b) &&
    sameButFor<EditorNode>(a, b, "data") &&
    sameButFor<KyraNodeData>(a.data, b.data, "doc") &&
    sameButFor<DocNode>(a.data.doc, b.data.doc, "params")
  );
}

/**
 * The nodes to hand xyflow: `next`, except that nodes whose params alone changed keep their
 * previously shown object (and the array its identity when nothing else changed). A node shows no
 * params, and every new array makes xyflow re-check all its nodes, edges and minimap entries: with
 * this, typing in the inspector does not touch the canvas. Read params from the editor store.
 */
export function canvasNodes(
  prev: { from: readonly EditorNode[]; shown: EditorNode[] } | null,
  next: EditorNode[],
): EditorNode[] {
  if (!prev || prev.from.length !== next.length) return next;
  let changed = false;
  const shown = next.map((n, i) => {
    const before = prev.from[i];
    if (n === before || (before.id === n.id && onlyParamsChanged(before, n))) return prev.shown[i];
    changed = true;
    return n;
  });
  return changed ? shown : prev.shown;
}
