/**
 * Copy and paste between graphs: a copy is kept in localStorage (every editor of this browser
 * sees it) and written to the system clipboard as JSON; a paste takes Kyra nodes from the
 * system clipboard (another tab, a node's documentation example) or else the last copy.
 */

import type { DocNode, GraphDocument } from "../api/types";
import { type Clipboard, documentToFlow } from "../lib/graph";

export const CLIPBOARD_MIME = "kyra.fragment/1";
const STORAGE_KEY = "kyra.clipboard";

function isDocNode(value: unknown): value is DocNode {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as DocNode).id === "string" &&
    typeof (value as DocNode).type === "string"
  );
}

function isClipboard(value: unknown): value is Clipboard {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as Clipboard).nodes) &&
    Array.isArray((value as Clipboard).edges)
  );
}

/** Kyra nodes in pasted text: a copied fragment, one document node, a list of them, or a graph. */
export function clipboardFromText(text: string): Clipboard | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const fragment = (value as Record<string, unknown>)[CLIPBOARD_MIME];
  if (isClipboard(fragment)) return fragment;
  const nodes = isDocNode(value) ? [value] : Array.isArray(value) && value.every(isDocNode) ? value : null;
  if (nodes && nodes.length) return documentToFlow({ schema: "kyra.graph/1", name: "", nodes, edges: [] });
  const doc = value as Partial<GraphDocument>;
  if (Array.isArray(doc.nodes) && doc.nodes.every(isDocNode) && Array.isArray(doc.edges))
    return documentToFlow({ schema: "kyra.graph/1", name: "", nodes: doc.nodes, edges: doc.edges, notes: doc.notes });
  return null;
}

/** Keep a copy for every editor of this browser, and on the system clipboard when allowed. */
export function rememberCopy(clip: Clipboard): void {
  const text = JSON.stringify({ [CLIPBOARD_MIME]: clip });
  try {
    localStorage.setItem(STORAGE_KEY, text);
  } catch {
    // storage full or disabled: the system clipboard below still carries it
  }
  void navigator.clipboard?.writeText(text).catch(() => undefined);
}

/** The last copy made in any editor of this browser. */
export function lastCopy(): Clipboard | null {
  const text = localStorage.getItem(STORAGE_KEY);
  return text ? clipboardFromText(text) : null;
}
