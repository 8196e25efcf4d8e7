import { type NodeProps, NodeResizer } from "@xyflow/react";
import { memo } from "react";
import type { NoteNode as NoteNodeType } from "../lib/graph";
import { useEditorStore } from "../store/editor-context";

/** A sticky note: plain text, resizable, stored in the document's `notes`. */
function NoteNode({ id, data, selected }: NodeProps<NoteNodeType>) {
  const setNoteText = useEditorStore((s) => s.setNoteText);
  const readOnly = useEditorStore((s) => s.readOnly);
  return (
    <div className="note-node" data-testid="note">
      <NodeResizer isVisible={selected && !readOnly} minWidth={120} minHeight={60} />
      <textarea
        className="nodrag nowheel nokey"
        aria-label="Note text"
        value={data.doc.text}
        readOnly={readOnly}
        placeholder="Write a note…"
        onChange={(e) => setNoteText(id, e.target.value)}
      />
    </div>
  );
}

export default memo(NoteNode);
