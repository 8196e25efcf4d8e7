import { useState } from "react";
import { api } from "../api/client";
import type { JsonObject } from "../api/types";
import { useSaver } from "../editor/save-context";
import { upstreamOf } from "../lib/graph";
import { knownPorts } from "../lib/sample-data";
import { useStoreApis } from "../store/editor-context";
import { toast } from "../ui/toasts";

/**
 * "Execute this node": save what is on screen, then run just that node (and any node before it
 * that has no data yet) against the pinned outputs and the last run's outputs of the nodes before
 * it, with the test payload. The result is shown over the current run: other nodes keep theirs.
 */
export function useExecuteNode(): { execute: (nodeId: string) => Promise<void>; busy: boolean } | null {
  const saver = useSaver();
  const { editor, run: runStore } = useStoreApis();
  const [busy, setBusy] = useState(false);
  if (!saver) return null;
  const execute = async (nodeId: string) => {
    setBusy(true);
    try {
      const graphId = await saver.ensureSaved();
      if (!graphId) return;
      const s = editor.getState();
      const r = runStore.getState();
      const sources = { pinned: s.meta.editor?.pinned, nodeRuns: r.nodeRuns };
      const pinned: Record<string, JsonObject> = {};
      for (const id of upstreamOf(nodeId, s.edges)) {
        const ports = knownPorts(id, sources);
        if (ports && (s.meta.editor?.pinned?.[id] || r.nodeRuns[id]?.status === "succeeded"))
          pinned[id] = ports as JsonObject;
      }
      const inputs = s.meta.editor?.test_payload ?? r.run?.trigger ?? {};
      const run = await api.testRun(graphId, {
        inputs,
        pinned,
        until: nodeId,
        mode: "sync",
        version: s.version ?? undefined,
      });
      runStore.getState().mergeRun({ ...run, node_runs: run.node_runs ?? [] });
      const mine = run.node_runs?.find((n) => n.node_id === nodeId);
      if (mine?.status === "failed") toast("error", `${nodeId} failed: ${mine.error?.message ?? "see its output"}`);
    } catch (e) {
      toast("error", `Could not execute ${nodeId}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return { execute, busy };
}
