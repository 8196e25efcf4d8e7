import { useReactFlow } from "@xyflow/react";
import { useEffect, useRef } from "react";
import { type Clipboard, isKyraNode } from "../lib/graph";
import { useStoreApis } from "../store/editor-context";
import { toast } from "../ui/toasts";
import { clipboardFromText, lastCopy, rememberCopy } from "./clipboard";
import { useRenaming } from "./node-actions";

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

/**
 * Editor keyboard shortcuts: Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and redo, Ctrl+C / Ctrl+X /
 * Ctrl+V copy, cut and paste, Ctrl+D duplicate, Ctrl+A select all, F2 rename, Ctrl+S save, Shift+L layout,
 * Shift+F fit view, Tab / Ctrl+K add a node. Keys typed into fields are left alone. Copies
 * reach other graphs' editors (see ./clipboard).
 */
export function useShortcuts(handlers: ShortcutHandlers) {
  const { editor } = useStoreApis();
  const { fitView } = useReactFlow();
  const pasteCount = useRef(0);
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    const pasteClip = (clip: Clipboard) => {
      pasteCount.current += 1;
      editor.getState().paste(clip, { x: 40 * pasteCount.current, y: 40 * pasteCount.current });
    };
    // Ctrl+V: the paste event brings the system clipboard; without one (or with nothing in it),
    // the last copy made in this browser is pasted once the key's default action has run.
    let fallback: ReturnType<typeof setTimeout> | undefined;
    const onPaste = (e: ClipboardEvent) => {
      if (isTyping(e.target) || inDialog(e.target) || editor.getState().readOnly) return;
      const text = e.clipboardData?.getData("text/plain") ?? "";
      if (!text.trim()) return;
      clearTimeout(fallback);
      const clip = clipboardFromText(text);
      if (!clip)
        return toast("info", "The clipboard holds no Kyra nodes: copy nodes (Ctrl+C) or a node example first.");
      e.preventDefault();
      pasteClip(clip);
    };
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
        rememberCopy(clip);
        pasteCount.current = 0;
        if (key === "x" && !s.readOnly) s.deleteSelected();
      } else if (mod && key === "v") {
        if (s.readOnly) return;
        clearTimeout(fallback);
        fallback = setTimeout(() => {
          const clip = lastCopy();
          if (clip) pasteClip(clip);
        });
      } else if (mod && key === "d") {
        const clip = s.copySelection();
        if (!clip || s.readOnly) return;
        e.preventDefault();
        s.paste(clip, { x: 40, y: 40 });
      } else if (mod && key === "a") {
        e.preventDefault();
        s.selectAll();
      } else if (key === "f2" && !s.readOnly) {
        const selected = s.nodes.filter((n) => n.selected && isKyraNode(n));
        if (selected.length !== 1) return;
        e.preventDefault();
        useRenaming.getState().start(selected[0].id);
      } else if (!mod && e.shiftKey && key === "l") {
        latest.current.layout();
      } else if (!mod && e.shiftKey && key === "f") {
        void fitView({ duration: 200 });
      }
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener("paste", onPaste);
    return () => {
      clearTimeout(fallback);
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("paste", onPaste);
    };
  }, [editor, fitView]);
}
