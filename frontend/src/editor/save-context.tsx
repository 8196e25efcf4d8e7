import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import { api, ApiError } from "../api/client";
import { useStoreApis } from "../store/editor-context";
import { useTriggerStoreApi } from "../store/trigger-context";
import { navigate } from "../ui/router";
import { toast } from "../ui/toasts";
import { adoptNewGraph } from "./editor-key";

export interface Saver {
  /** Save the canvas as a new version (or create the graph); the graph id, or null when refused. */
  save: () => Promise<string | null>;
  /** Save only when there are unsaved changes; the graph id to run, or null when saving failed. */
  ensureSaved: () => Promise<string | null>;
  saving: boolean;
}

const SaveContext = createContext<Saver | null>(null);

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Saving for the editor: Save, Run and Replay all run what is on screen, saved first. */
export function SaveProvider({ children }: { children: ReactNode }) {
  const { editor } = useStoreApis();
  const triggers = useTriggerStoreApi();
  const [saving, setSaving] = useState(false);

  const save = useCallback(async (): Promise<string | null> => {
    const s = editor.getState();
    const doc = s.toDocument();
    setSaving(true);
    try {
      const saved = s.graphId ? await api.saveGraph(s.graphId, doc) : await api.createGraph(doc);
      editor.getState().markSaved(saved.id, doc, saved.version);
      triggers?.getState().setFromGraph(saved);
      toast("success", `Saved version ${saved.version}`);
      if (!s.graphId) {
        // The same editor goes on showing the graph under its new address (with its run).
        adoptNewGraph(saved.id);
        navigate(`/graphs/${encodeURIComponent(saved.id)}`, true);
      }
      return saved.id;
    } catch (e) {
      if (e instanceof ApiError && e.errors.length) {
        editor.getState().setErrors(e.errors);
        const first = e.errors[0];
        toast(
          "error",
          `Not saved: ${first.node_id ? `${first.node_id}.` : ""}${first.field ? `${first.field}: ` : ""}${first.message}${e.errors.length > 1 ? ` (+${e.errors.length - 1} more)` : ""}`,
        );
      } else if (e instanceof ApiError && e.status === 409) {
        toast("error", `Not saved: ${e.message}. Choose another name.`);
        document.querySelector<HTMLInputElement>('input[aria-label="Graph name"]')?.focus();
      } else toast("error", `Not saved: ${errorText(e)}`);
      return null;
    } finally {
      setSaving(false);
    }
  }, [editor, triggers]);

  const ensureSaved = useCallback(async () => {
    const s = editor.getState();
    if (s.graphId && !s.dirty) return s.graphId;
    return save();
  }, [editor, save]);

  const value = useMemo(() => ({ save, ensureSaved, saving }), [save, ensureSaved, saving]);
  return <SaveContext.Provider value={value}>{children}</SaveContext.Provider>;
}

/** Saving of the surrounding editor; null in the read-only run view. */
export function useSaver(): Saver | null {
  return useContext(SaveContext);
}
