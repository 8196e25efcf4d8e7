import { useEffect } from "react";
import { api } from "../api/client";
import type { GraphDocument } from "../api/types";
import type { EditorStoreApi } from "../store/editor-store";

/** Quiet time after the last edit before the canvas is checked. */
const DEBOUNCE_MS = 300;

/** The document without what validation ignores (positions, note sizes), as a comparison key. */
export function validationKey(doc: GraphDocument): string {
  return JSON.stringify({
    ...doc,
    nodes: doc.nodes.map(({ position: _p, ...rest }) => rest),
    notes: undefined,
  });
}

/**
 * Check the canvas while the user edits it, with the server's own validation (the one Save and
 * Run apply), and show the problems on the nodes and in the inspector as they appear.
 */
export function useLiveValidation(editor: EditorStoreApi): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastKey = "";
    let current: AbortController | null = null;
    const check = () => {
      const s = editor.getState();
      if (s.readOnly) return;
      const doc = s.toDocument();
      const key = validationKey(doc);
      if (key === lastKey) return;
      lastKey = key;
      current?.abort();
      const controller = new AbortController();
      current = controller;
      api.validateGraph(doc, controller.signal).then(
        (result) => {
          if (!controller.signal.aborted) editor.getState().setErrors(result.errors);
        },
        () => {
          lastKey = "";
        },
      );
    };
    const unsubscribe = editor.subscribe((s, prev) => {
      if (s.nodes === prev.nodes && s.edges === prev.edges && s.meta === prev.meta) return;
      clearTimeout(timer);
      timer = setTimeout(check, DEBOUNCE_MS);
    });
    timer = setTimeout(check, DEBOUNCE_MS);
    return () => {
      unsubscribe();
      clearTimeout(timer);
      current?.abort();
    };
  }, [editor]);
}
