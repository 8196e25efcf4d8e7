import type { NodeTypes } from "@xyflow/react";
import GenericNode from "./generic-node";
import NoteNode from "./note-node";

/** Module scope, so xyflow sees the same object on every render (error002). */
export const nodeTypes: NodeTypes = { kyra: GenericNode, note: NoteNode };
