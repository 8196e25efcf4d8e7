import { type NodeProps, NodeResizer } from "@xyflow/react";
import { lazy, memo, Suspense, useState } from "react";
import type { NoteNode as NoteNodeType } from "../lib/graph";
import { useEditorStore } from "../store/editor-context";

export const NOTE_COLORS = ["yellow", "blue", "green", "pink", "grey"] as const;

// The Markdown renderer loads with the first note on screen, not with the editor.
const NoteMarkdown = lazy(() => import("./note-markdown"));

/**
 * A sticky note in Markdown: shown rendered, edited as text on double-click (a new, empty note
 * opens for writing), resizable, with a colour picked when it is selected.
 */
function NoteNode({ id, data, selected }: NodeProps<NoteNodeType>) {
  const setNoteText = useEditorStore((s) => s.setNoteText);
  const setNoteColor = useEditorStore((s) => s.setNoteColor);
  const readOnly = useEditorStore((s) => s.readOnly);
  const [editing, setEditing] = useState(!readOnly && data.doc.text === "");
  const color = typeof data.doc.color === "string" ? data.doc.color : "yellow";
  return (
    <div className={`note-node note-${color}`} data-testid="note" data-color={color}>
      <NodeResizer isVisible={selected && !readOnly} minWidth={120} minHeight={60} />
      {editing && !readOnly ? (
        <textarea
          className="nodrag nowheel nokey"
          aria-label="Note text"
          autoFocus
          value={data.doc.text}
          placeholder="Write a note… (Markdown: **bold**, - lists, [links](https://…))"
          onChange={(e) => setNoteText(id, e.target.value)}
          onBlur={() => setEditing(false)}
          onKeyDown={(e) => e.key === "Escape" && setEditing(false)}
        />
      ) : (
        <div
          className="note-markdown nowheel"
          data-testid="note-text"
          title={readOnly ? undefined : "Double-click to edit"}
          onDoubleClick={readOnly ? undefined : () => setEditing(true)}
        >
          {data.doc.text ? (
            <Suspense fallback={<p className="note-plain">{data.doc.text}</p>}>
              <NoteMarkdown text={data.doc.text} />
            </Suspense>
          ) : (
            <p className="muted">Double-click to write a note</p>
          )}
        </div>
      )}
      {selected && !readOnly && (
        <div className="note-colors nodrag" role="group" aria-label="Note colour">
          {NOTE_COLORS.map((c) => (
            <button
              key={c}
              type="button"
              className={`note-swatch note-${c}${c === color ? " is-on" : ""}`}
              aria-label={`Note colour ${c}`}
              aria-pressed={c === color}
              onClick={() => setNoteColor(id, c)}
            />
          ))}
        </div>
      )}
    </div>
  );
}

export default memo(NoteNode);
