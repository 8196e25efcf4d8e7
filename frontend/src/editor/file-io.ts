import type { GraphDocument } from "../api/types";
import { documentProblem } from "../lib/graph";

/** Serialise a document the way export writes it (2-space JSON, trailing newline). */
export function serializeDocument(doc: GraphDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function downloadDocument(doc: GraphDocument): void {
  const blob = new Blob([serializeDocument(doc)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `${(doc.name || "graph").replace(/[^\w.-]+/g, "_")}.kyra.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Read a `kyra.graph/1` file chosen by the user; throws an Error naming what is wrong. */
export async function readDocumentFile(file: File): Promise<GraphDocument> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await file.text());
  } catch {
    throw new Error(`${file.name} is not valid JSON`);
  }
  const problem = documentProblem(parsed);
  if (problem) throw new Error(`${file.name}: ${problem}`);
  return parsed as GraphDocument;
}
