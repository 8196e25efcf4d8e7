import { useReactFlow } from "@xyflow/react";
import { useEffect, useRef } from "react";
import type { Clipboard } from "../lib/graph";
import { useStoreApis } from "../store/editor-context";

export interface ShortcutHandlers {
  save: () => void;
  layout: () => void;
  /** Open the node picker (Tab on the canvas, Ctrl+K anywhere). */
  quickAdd: () => void;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

function inDialog(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('[role="dialog"], .popover') !== null;
}

const CLIPBOARD_MIME = "kyra.fragment/1";

/**
 * Editor keyboard shortcuts: Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and redo, Ctrl+C / Ctrl+X /
 * Ctrl+V copy, cut and paste, Ctrl+D duplicate, Ctrl+A select all, Ctrl+S save, Shift+L layout,
 * Shift+F fit view, Tab / Ctrl+K add a node. Keys typed into fields are left alone.
 */
export function useShortcuts(handlers: ShortcutHandlers) {
  const { editor } = useStoreApis();
  const { fitView } = useReactFlow();
  const clipboard = useRef<Clipboard | null>(null);
  const pasteCount = useRef(0);
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === "s") {
        e.preventDefault();
        latest.current.save();
        return;
      }
      if (mod && key === "k") {
        e.preventDefault();
        latest.current.quickAdd();
        return;
      }
      if (isTyping(e.target) || inDialog(e.target)) return;
      if (key === "tab" && !mod && !e.shiftKey && !e.altKey) {
        e.preventDefault();
        latest.current.quickAdd();
        return;
      }
      const s = editor.getState();
      if (mod && key === "z") {
        e.preventDefault();
        if (e.shiftKey) s.redo();
        else s.undo();
      } else if (mod && key === "y") {
        e.preventDefault();
        s.redo();
      } else if (mod && (key === "c" || key === "x")) {
        const clip = s.copySelection();
        if (!clip) return;
        e.preventDefault();
        clipboard.current = clip;
        pasteCount.current = 0;
        void navigator.clipboard?.writeText(JSON.stringify({ [CLIPBOARD_MIME]: clip })).catch(() => undefined);
        if (key === "x" && !s.readOnly) s.deleteSelected();
      } else if (mod && key === "v") {
        if (!clipboard.current || s.readOnly) return;
        e.preventDefault();
        pasteCount.current += 1;
        s.paste(clipboard.current, { x: 40 * pasteCount.current, y: 40 * pasteCount.current });
      } else if (mod && key === "d") {
        const clip = s.copySelection();
        if (!clip || s.readOnly) return;
        e.preventDefault();
        s.paste(clip, { x: 40, y: 40 });
      } else if (mod && key === "a") {
        e.preventDefault();
        s.selectAll();
      } else if (!mod && e.shiftKey && key === "l") {
        latest.current.layout();
      } else if (!mod && e.shiftKey && key === "f") {
        void fitView({ duration: 200 });
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [editor, fitView]);
}
