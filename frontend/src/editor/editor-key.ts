import { useRef } from "react";

/** Graphs created by the "new graph" editor that is showing them: their address keeps that editor. */
const adopted = new Set<string>();
let counter = 0;

/** Record that the open new-graph editor saved its graph as `graphId` and is moving to its address. */
export function adoptNewGraph(graphId: string): void {
  adopted.add(graphId);
}

/**
 * A React key for the editor page: a new one for each graph opened, but the same one when a new
 * graph is saved for the first time, so its canvas, view and run survive the change of address.
 * `graphId` is null for a new graph; `active` is false on other pages.
 */
export function useEditorKey(active: boolean, graphId: string | null): string {
  const last = useRef<{ key: string; graphId: string | null } | null>(null);
  if (!active) {
    last.current = null;
    return "";
  }
  const cur = last.current;
  if (cur && cur.graphId === graphId) return cur.key;
  if (cur && cur.graphId === null && graphId !== null && adopted.delete(graphId)) {
    last.current = { key: cur.key, graphId };
    return cur.key;
  }
  last.current = { key: `editor-${++counter}`, graphId };
  return last.current.key;
}
