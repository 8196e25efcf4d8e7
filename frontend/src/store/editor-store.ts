import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange, type XYPosition } from "@xyflow/react";
import { createStore } from "zustand/vanilla";
import type { DocNode, FieldError, GraphDocument, JsonObject, PortSpec } from "../api/types";
import {
  type Clipboard,
  type ConnectionContext,
  cloneFragment,
  connectionRefusal,
  docEdgeToFlow,
  documentToFlow,
  downstreamOf,
  type EditorNode,
  flowToDocument,
  isKyraNode,
  isNoteNode,
  type KyraEdge,
  type KyraNode,
  linkEdges,
  newNode,
  type NodeLink,
  newNote,
  NOTE_PREFIX,
  type SpecIndex,
  uniqueId,
  uniqueNoteId,
} from "../lib/graph";

interface Snapshot {
  nodes: EditorNode[];
  edges: KyraEdge[];
  /** Name, description and the other top-level keys (an import replaces them too). */
  meta: GraphDocument;
}

const HISTORY_LIMIT = 100;
/** Width a node added on an edge needs, with the gap after it. */
const NEW_NODE_ROOM = 340;
/** Edits of the same field within this window become one undo step (typing in the inspector). */
const COALESCE_MS = 1000;

export interface EditorState {
  graphId: string | null;
  /** The saved version shown (null for a new graph or a run's version). */
  version: number | null;
  /** The loaded document; its top-level keys (and their order) are kept on export. */
  meta: GraphDocument;
  nodes: EditorNode[];
  edges: KyraEdge[];
  specs: SpecIndex;
  /** Computed output ports of nodes whose spec has `dynamic_outputs`. */
  dynamicPorts: Record<string, PortSpec[]>;
  /** Validation errors of the canvas (checked while editing and on save), by node id ("" for graph-level ones). */
  errors: Record<string, FieldError[]>;
  readOnly: boolean;
  dirty: boolean;
  past: Snapshot[];
  future: Snapshot[];
  lastEditKey: string | null;
  lastEditAt: number;
}

export interface EditorActions {
  /** Replace the canvas with a document (loading a graph, a version or an import). */
  load: (
    doc: GraphDocument,
    opts?: { graphId?: string | null; version?: number | null; readOnly?: boolean; dirty?: boolean },
  ) => void;
  /** Apply xyflow node changes (drag, select, resize, remove). */
  onNodesChange: (changes: NodeChange<EditorNode>[]) => void;
  /** Apply xyflow edge changes (select, remove). */
  onEdgesChange: (changes: EdgeChange<KyraEdge>[]) => void;
  /** Add an edge between two ports; returns the refusal reason when the ports are incompatible. */
  connect: (conn: {
    source: string;
    sourceHandle: string | null;
    target: string;
    targetHandle: string | null;
  }) => string | null;
  /** Add a node of `type` at a flow position; returns its id. */
  addNode: (type: string, position: XYPosition) => string;
  /**
   * Add a node wired after an output port or into an edge (quick add), as one undo step; returns
   * its id and why a wanted connection could not be made.
   */
  addLinkedNode: (type: string, position: XYPosition, link: NodeLink) => { id: string; refused: string | null };
  /** Add an empty sticky note at a flow position. */
  addNote: (position: XYPosition, text?: string) => void;
  /** Replace a node's params (inspector edits). */
  setParams: (id: string, params: JsonObject) => void;
  /** Change a top-level field of a document node: name, settings, credentials. */
  patchNode: (id: string, patch: Partial<Pick<DocNode, "name" | "settings" | "credentials">>) => void;
  /** Change the text of a sticky note. */
  setNoteText: (flowId: string, text: string) => void;
  /** Change the colour of a sticky note (a NOTE_COLORS name). */
  setNoteColor: (flowId: string, color: string) => void;
  /** Delete nodes (and their edges) by id, as one undo step. */
  removeNodes: (ids: readonly string[]) => void;
  /** Delete the selected nodes, notes and edges. */
  deleteSelected: () => void;
  /** The selected nodes and the edges among them. */
  copySelection: () => Clipboard | null;
  /** Paste a fragment shifted by `offset`, selecting the pasted nodes. */
  paste: (clip: Clipboard, offset: XYPosition) => void;
  /** Move nodes to computed positions (auto-layout). */
  setPositions: (positions: Record<string, XYPosition>) => void;
  /** Record the current canvas as an undo step (called before drags and xyflow deletions). */
  checkpoint: () => void;
  /** Undo the last change. */
  undo: () => void;
  /** Redo the last undone change. */
  redo: () => void;
  selectAll: () => void;
  setDynamicPorts: (id: string, outputs: PortSpec[]) => void;
  setErrors: (errors: FieldError[]) => void;
  /** Mark the canvas as saved under `graphId` as `version`, keeping undo history. */
  markSaved: (graphId: string, doc: GraphDocument, version: number) => void;
  setName: (name: string) => void;
  /** Pin a node's output ports for editor test runs (null unpins). */
  setPinned: (nodeId: string, ports: JsonObject | null) => void;
  /** The trigger payload of editor test runs, saved with the graph. */
  setTestPayload: (payload: unknown) => void;
  /** The current `kyra.graph/1` document. */
  toDocument: () => GraphDocument;
  connectionContext: () => ConnectionContext;
}

export type EditorStore = EditorState & EditorActions;

export function emptyDocument(name = "Untitled graph"): GraphDocument {
  return { schema: "kyra.graph/1", name, nodes: [], edges: [] };
}

function structural(changes: readonly (NodeChange<EditorNode> | EdgeChange<KyraEdge>)[]): boolean {
  return changes.some((c) => {
    if (c.type === "select") return false;
    if (c.type === "dimensions") return c.resizing !== undefined;
    return true;
  });
}

/** Build an editor store; one per open editor (the runs viewer builds a read-only one). */
export const createEditorStore = (specs: SpecIndex, initial: GraphDocument = emptyDocument()) =>
  createStore<EditorStore>()((set, get) => {
    const snapshot = (): Snapshot => ({ nodes: get().nodes, edges: get().edges, meta: get().meta });
    const pushHistory = (key: string | null = null) => {
      const now = Date.now();
      const s = get();
      if (key !== null && key === s.lastEditKey && now - s.lastEditAt < COALESCE_MS) {
        set({ lastEditAt: now });
        return;
      }
      set({ past: [...s.past.slice(-HISTORY_LIMIT + 1), snapshot()], future: [], lastEditKey: key, lastEditAt: now });
    };
    const mapKyra = (id: string, fn: (n: KyraNode) => KyraNode) =>
      set({ nodes: get().nodes.map((n) => (n.id === id && isKyraNode(n) ? fn(n) : n)), dirty: true });
    const takenIds = () => new Set(get().nodes.map((n) => n.id));

    const loaded = documentToFlow(initial);
    return {
      graphId: null,
      version: null,
      meta: initial,
      nodes: loaded.nodes,
      edges: loaded.edges,
      specs,
      dynamicPorts: {},
      errors: {},
      readOnly: false,
      dirty: false,
      past: [],
      future: [],
      lastEditKey: null,
      lastEditAt: 0,

      load: (doc, opts = {}) => {
        const flow = documentToFlow(doc);
        const keepHistory = opts.dirty === true;
        if (keepHistory) pushHistory();
        set({
          graphId: opts.graphId === undefined ? get().graphId : opts.graphId,
          version: opts.version === undefined ? get().version : opts.version,
          meta: doc,
          nodes: flow.nodes,
          edges: flow.edges,
          readOnly: opts.readOnly ?? false,
          dirty: opts.dirty ?? false,
          errors: {},
          dynamicPorts: {},
          ...(keepHistory ? {} : { past: [], future: [] }),
        });
      },

      onNodesChange: (changes) => {
        const s = get();
        if (s.readOnly) {
          const allowed = changes.filter((c) => c.type === "select" || c.type === "dimensions");
          set({ nodes: applyNodeChanges(allowed, s.nodes) });
          return;
        }
        const nodes = applyNodeChanges(changes, s.nodes).map((n) => {
          const moved = changes.some((c) => c.type === "position" && c.id === n.id && !c.dragging);
          if (moved && !n.data.hadPosition) return { ...n, data: { ...n.data, hadPosition: true } } as EditorNode;
          return n;
        });
        const removed = new Set(changes.flatMap((c) => (c.type === "remove" ? [c.id] : [])));
        const edges = removed.size ? s.edges.filter((e) => !removed.has(e.source) && !removed.has(e.target)) : s.edges;
        set({ nodes, edges, dirty: s.dirty || structural(changes) });
      },

      onEdgesChange: (changes) => {
        const s = get();
        const allowed = s.readOnly ? changes.filter((c) => c.type === "select") : changes;
        set({ edges: applyEdgeChanges(allowed, s.edges), dirty: s.dirty || structural(allowed) });
      },

      connect: (conn) => {
        const reason = connectionRefusal(conn, get().connectionContext());
        if (reason) return reason;
        pushHistory();
        const edge = docEdgeToFlow({
          source: conn.source,
          sourcePort: conn.sourceHandle ?? "out",
          target: conn.target,
          targetPort: conn.targetHandle ?? "in",
        });
        set({ edges: [...get().edges, edge], dirty: true });
        return null;
      },

      addNode: (type, position) => {
        pushHistory();
        const id = uniqueId(type, takenIds());
        const nodes = get().nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
        set({ nodes: [...nodes, { ...newNode(type, id, position), selected: true }], dirty: true });
        return id;
      },

      addLinkedNode: (type, position, link) => {
        const id = get().addNode(type, position);
        const wiring = linkEdges(id, link, get().connectionContext());
        const edges = [...get().edges.filter((e) => e.id !== wiring.remove), ...wiring.add];
        const split = wiring.remove ? get().edges.find((e) => e.id === wiring.remove) : undefined;
        // A node put on an edge pushes what follows to the right when there is no room for it.
        const after = split ? get().nodes.find((n) => n.id === split.target) : undefined;
        const dx = after ? position.x + NEW_NODE_ROOM - after.position.x : 0;
        const moved = dx > 0 && after ? downstreamOf(after.id, edges) : new Set<string>();
        moved.delete(id);
        const nodes = get().nodes.map((n) =>
          moved.has(n.id) ? ({ ...n, position: { x: n.position.x + dx, y: n.position.y } } as EditorNode) : n,
        );
        set({ nodes, edges });
        return { id, refused: wiring.refused };
      },

      addNote: (position, text = "") => {
        pushHistory();
        set({ nodes: [...get().nodes, newNote(uniqueNoteId(takenIds()), position, text)], dirty: true });
      },

      setParams: (id, params) => {
        pushHistory(`params:${id}`);
        mapKyra(id, (n) => ({ ...n, data: { ...n.data, doc: { ...n.data.doc, params } } }));
      },

      patchNode: (id, patch) => {
        pushHistory(`patch:${id}:${Object.keys(patch).join(",")}`);
        mapKyra(id, (n) => {
          const doc: DocNode = { ...n.data.doc, ...patch };
          for (const [k, v] of Object.entries(patch)) if (v === undefined || v === "") delete doc[k];
          return { ...n, data: { ...n.data, doc } };
        });
      },

      setNoteText: (flowId, text) => {
        pushHistory(`note:${flowId}`);
        set({
          nodes: get().nodes.map((n) =>
            n.id === flowId && isNoteNode(n) ? { ...n, data: { ...n.data, doc: { ...n.data.doc, text } } } : n,
          ),
          dirty: true,
        });
      },

      setNoteColor: (flowId, color) => {
        pushHistory();
        set({
          nodes: get().nodes.map((n) =>
            n.id === flowId && isNoteNode(n) ? { ...n, data: { ...n.data, doc: { ...n.data.doc, color } } } : n,
          ),
          dirty: true,
        });
      },

      removeNodes: (ids) => {
        const gone = new Set(ids);
        const s = get();
        if (!s.nodes.some((n) => gone.has(n.id))) return;
        pushHistory();
        set({
          nodes: s.nodes.filter((n) => !gone.has(n.id)),
          edges: s.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)),
          dirty: true,
        });
      },

      deleteSelected: () => {
        const s = get();
        const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
        const edges = s.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
        if (!gone.size && edges.length === s.edges.length) return;
        pushHistory();
        set({ nodes: s.nodes.filter((n) => !gone.has(n.id)), edges, dirty: true });
      },

      copySelection: () => {
        const s = get();
        const nodes = s.nodes.filter((n) => n.selected);
        if (!nodes.length) return null;
        const ids = new Set(nodes.map((n) => n.id));
        return { nodes, edges: s.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) };
      },

      paste: (clip, offset) => {
        pushHistory();
        const frag = cloneFragment(clip, takenIds(), offset);
        const s = get();
        set({
          nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...frag.nodes],
          edges: [...s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...frag.edges],
          dirty: true,
        });
      },

      setPositions: (positions) => {
        pushHistory();
        set({
          nodes: get().nodes.map((n) => {
            const p = positions[n.id];
            return p ? ({ ...n, position: p, data: { ...n.data, hadPosition: true } } as EditorNode) : n;
          }),
          dirty: true,
        });
      },

      checkpoint: () => pushHistory(),

      undo: () => {
        const s = get();
        const prev = s.past[s.past.length - 1];
        if (!prev || s.readOnly) return;
        set({ ...prev, past: s.past.slice(0, -1), future: [...s.future, snapshot()], dirty: true, lastEditKey: null });
      },

      redo: () => {
        const s = get();
        const next = s.future[s.future.length - 1];
        if (!next || s.readOnly) return;
        set({ ...next, future: s.future.slice(0, -1), past: [...s.past, snapshot()], dirty: true, lastEditKey: null });
      },

      selectAll: () =>
        set({
          nodes: get().nodes.map((n) => (n.selected ? n : { ...n, selected: true })),
          edges: get().edges.map((e) => (e.selected ? e : { ...e, selected: true })),
        }),

      setDynamicPorts: (id, outputs) => set({ dynamicPorts: { ...get().dynamicPorts, [id]: outputs } }),

      setErrors: (errors) => {
        const byNode: Record<string, FieldError[]> = {};
        for (const e of errors) (byNode[e.node_id ?? ""] ??= []).push(e);
        set({ errors: byNode });
      },

      markSaved: (graphId, doc, version) => set({ graphId, version, meta: doc, dirty: false, errors: {} }),

      setName: (name) => {
        pushHistory("name");
        set({ meta: { ...get().meta, name }, dirty: true });
      },

      setPinned: (nodeId, ports) => {
        pushHistory();
        const editorData = { ...(get().meta.editor ?? {}) };
        const pinned = { ...(editorData.pinned ?? {}) };
        if (ports) pinned[nodeId] = ports;
        else delete pinned[nodeId];
        editorData.pinned = pinned;
        set({ meta: { ...get().meta, editor: editorData }, dirty: true });
      },

      setTestPayload: (payload) => {
        pushHistory("test-payload");
        set({ meta: { ...get().meta, editor: { ...(get().meta.editor ?? {}), test_payload: payload } }, dirty: true });
      },

      toDocument: () => {
        const s = get();
        return flowToDocument(s.meta, s.nodes, s.edges);
      },

      connectionContext: () => {
        const s = get();
        return { nodes: s.nodes, edges: s.edges, specs: s.specs, dynamicPorts: s.dynamicPorts };
      },
    };
  });

export type EditorStoreApi = ReturnType<typeof createEditorStore>;
export { NOTE_PREFIX };
