import type { EdgeTypes, NodeTypes } from "@xyflow/react";
import GenericNode from "./generic-node";
import KyraEdge from "./kyra-edge";
import NoteNode from "./note-node";

/** Module scope, so xyflow sees the same object on every render (error002). */
export const nodeTypes: NodeTypes = { kyra: GenericNode, note: NoteNode };

/** Module scope too: every connection is a `kyra` edge (a curve with a "+" to insert a node). */
export const edgeTypes: EdgeTypes = { kyra: KyraEdge };
