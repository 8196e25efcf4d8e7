import { create } from "zustand";
import type { JsonObject } from "../api/types";
import type { EditorStoreApi } from "../store/editor-store";
import { isKyraNode } from "../lib/graph";

/** The node whose name is being edited on the canvas (double-click on its title, F2, menu). */
export const useRenaming = create<{ nodeId: string | null; start: (id: string) => void; stop: () => void }>()(
  (set) => ({
    nodeId: null,
    start: (nodeId) => set({ nodeId }),
    stop: () => set({ nodeId: null }),
  }),
);

/** Whether a node is disabled (skipped by runs, its input passed through). */
export function isDisabled(settings: unknown): boolean {
  return typeof settings === "object" && settings !== null && (settings as { disabled?: unknown }).disabled === true;
}

/** Disable or enable a node: `settings.disabled`, dropped again when enabled. */
export function toggleDisabled(editor: EditorStoreApi, nodeId: string): void {
  const node = editor.getState().nodes.find((n) => n.id === nodeId);
  if (!node || !isKyraNode(node)) return;
  const { disabled: _was, ...rest } = node.data.doc.settings ?? {};
  const settings: JsonObject = isDisabled(node.data.doc.settings) ? rest : { ...rest, disabled: true };
  editor.getState().patchNode(nodeId, { settings: Object.keys(settings).length ? settings : undefined });
}
