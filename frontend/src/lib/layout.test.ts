import { describe, expect, it } from "vitest";
import type { GraphDocument } from "../api/types";
import { documentToFlow } from "./graph";
import { layoutPositions } from "./layout";

const edge = (source: string, sourcePort: string, target: string) => ({ source, sourcePort, target, targetPort: "in" });
const PORTS: Record<string, string[]> = { sw: ["a", "b", "c", "default"], check: ["true", "false"] };
const rank = (node: string, port: string) => (PORTS[node] ?? ["out"]).indexOf(port);

function branchy(order: (edges: ReturnType<typeof edge>[]) => ReturnType<typeof edge>[]): GraphDocument {
  const cases = PORTS.sw;
  const ids = ["start", "sw", "check", "yes", "no", ...cases.map((c) => `n_${c}`), ...cases.map((c) => `m_${c}`)];
  const edges = [
    edge("start", "out", "sw"),
    ...cases.map((c) => edge("sw", c, `n_${c}`)),
    ...cases.map((c) => edge(`n_${c}`, "out", `m_${c}`)),
    edge("m_a", "out", "check"),
    edge("check", "true", "yes"),
    edge("check", "false", "no"),
  ];
  return { schema: "kyra.graph/1", name: "g", nodes: ids.map((id) => ({ id, type: "Core.set" })), edges: order(edges) };
}

describe("layoutPositions", () => {
  it.each([
    ["as written", (e: ReturnType<typeof edge>[]) => e],
    ["reversed", (e: ReturnType<typeof edge>[]) => [...e].reverse()],
    ["false first", (e: ReturnType<typeof edge>[]) => [...e].sort((a, b) => b.sourcePort.localeCompare(a.sourcePort))],
  ])("lays branches out top to bottom in port order (edges %s)", async (_name, order) => {
    const flow = documentToFlow(branchy(order));
    const pos = await layoutPositions(flow.nodes, flow.edges, rank);
    expect(pos.yes.y).toBeLessThan(pos.no.y);
    const ys = PORTS.sw.map((c) => pos[`n_${c}`].y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
  });
});
