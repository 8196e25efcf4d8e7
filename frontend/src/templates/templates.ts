/** The example graphs of the repository's `graphs/` folder, offered as one-click templates. */

import type { GraphDocument } from "../api/types";

export interface GraphTemplate {
  /** Path under `graphs/` without `.json`, e.g. `services/s3`. */
  id: string;
  name: string;
  description: string;
  /** `graphs/` sub-folder: "" for the basics, else agents, integrations, services. */
  group: string;
  document: GraphDocument;
}

const files = import.meta.glob<GraphDocument>("../../../graphs/**/*.json", { eager: true, import: "default" });

export const TEMPLATES: GraphTemplate[] = Object.entries(files)
  .map(([path, document]) => {
    const id = path.replace(/^.*\/graphs\//, "").replace(/\.json$/, "");
    const group = id.includes("/") ? id.slice(0, id.indexOf("/")) : "";
    return { id, name: document.name, description: document.description ?? "", group, document };
  })
  .sort((a, b) => (a.group === b.group ? a.name.localeCompare(b.name) : a.group.localeCompare(b.group)));

export const GROUP_TITLES: Record<string, string> = {
  "": "Basics",
  agents: "Agents",
  integrations: "Integrations",
  services: "Services",
};

/** The first of `name`, `name 2`, `name 3`… that is not in `taken`. */
export function freeName(name: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(name)) return name;
  let n = 2;
  while (used.has(`${name} ${n}`)) n += 1;
  return `${name} ${n}`;
}

/**
 * A copy of a template to save as the user's own graph: a name they do not use yet and webhook
 * paths of its own (a path is served by one graph only).
 */
export function instantiate(template: GraphTemplate, takenNames: Iterable<string>, suffix: string): GraphDocument {
  const doc = structuredClone(template.document);
  doc.name = freeName(template.document.name, takenNames);
  for (const node of doc.nodes) {
    const params = node.params as Record<string, unknown> | undefined;
    if (node.type === "Webhook.trigger" && params && typeof params.path === "string" && params.path)
      params.path = `${params.path}-${suffix}`;
  }
  return doc;
}

/** Templates that use a node type, for its documentation page. */
export function templatesUsing(type: string): GraphTemplate[] {
  return TEMPLATES.filter((t) => t.document.nodes.some((n) => n.type === type));
}
