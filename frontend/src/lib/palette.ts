import type { NodeSpec } from "../api/types";

/** Whether every word of the query appears in the node's title, type, category or description. */
export function matchesQuery(spec: NodeSpec, query: string): boolean {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = `${spec.title} ${spec.type} ${spec.category} ${spec.description}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** The palette's groups: the node types matching the query, by category in alphabetical order. */
export function paletteGroups(list: readonly NodeSpec[], query: string): [string, NodeSpec[]][] {
  const out = new Map<string, NodeSpec[]>();
  for (const spec of list) {
    if (!matchesQuery(spec, query)) continue;
    out.set(spec.category, [...(out.get(spec.category) ?? []), spec]);
  }
  return [...out.entries()].sort(([a], [b]) => a.localeCompare(b));
}
