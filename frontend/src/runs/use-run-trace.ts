import { useEffect, useMemo } from "react";
import { useShallow } from "zustand/react/shallow";
import { isUnavailable, platformApi } from "../api/platform";
import type { TraceNode } from "../api/platform-types";
import { buildTraceTree, flattenTrace } from "../lib/trace";
import { useRunStore } from "../store/editor-context";
import type { RunStoreApi } from "../store/run-store";

let traceEndpoint: "unknown" | "present" | "absent" = "unknown";

/**
 * Load the agent steps of the shown run from `GET /api/runs/{id}/trace` into the run store,
 * again whenever the run's status changes (live steps arrive as `step` events in between).
 * Without the endpoint (older servers) the trace is built from the node events alone.
 */
export function useTraceLoader(runStore: RunStoreApi, runId: string | null, status: string | null) {
  useEffect(() => {
    if (!runId || traceEndpoint === "absent") return;
    let cancelled = false;
    platformApi.trace(runId).then(
      (trace) => {
        traceEndpoint = "present";
        if (cancelled || runStore.getState().run?.id !== runId) return;
        const st = runStore.getState();
        for (const row of flattenTrace(trace.tree)) if (row.parent_node_run_id) st.upsertStep(row);
      },
      (e: unknown) => {
        if (isUnavailable(e) && traceEndpoint === "unknown") traceEndpoint = "absent";
      },
    );
    return () => {
      cancelled = true;
    };
  }, [runStore, runId, status]);
}

/** The shown run as a trace tree: graph node runs with their agent steps nested below them. */
export function useRunTraceTree(): TraceNode[] {
  const { nodeRuns, steps } = useRunStore(useShallow((s) => ({ nodeRuns: s.nodeRuns, steps: s.steps })));
  return useMemo(() => buildTraceTree([...Object.values(nodeRuns), ...Object.values(steps)]), [nodeRuns, steps]);
}
