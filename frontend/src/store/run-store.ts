import { createStore } from "zustand/vanilla";
import type { NodeRunRead, RunRead } from "../api/types";

export interface RunState {
  run: RunRead | null;
  /** Latest node run per node id for the shown run. */
  nodeRuns: Record<string, NodeRunRead>;
  /** True while the event stream of the shown run is open. */
  live: boolean;
  /** Agent steps (LLM calls, tool calls, sub-agents) of the shown run by node-run id, from `step` events. */
  steps: Record<string, NodeRunRead>;
}

export interface RunActions {
  /** Show a run (its node runs replace the current ones when present). */
  setRun: (run: RunRead | null) => void;
  /** Show a partial run (one node executed) over the shown one: other nodes keep their results. */
  mergeRun: (run: RunRead) => void;
  /** Merge run fields from an `event: run` message. */
  patchRun: (run: Partial<RunRead>) => void;
  /** Record one node run from an `event: node` message. */
  upsertNodeRun: (nodeRun: NodeRunRead) => void;
  /** Record one agent step from an `event: step` message (or a child row in an `event: node`). */
  upsertStep: (step: NodeRunRead) => void;
  setLive: (live: boolean) => void;
}

export type RunStore = RunState & RunActions;

export const FINAL_STATUSES: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

function byNode(nodeRuns: readonly NodeRunRead[] | undefined): Record<string, NodeRunRead> {
  const out: Record<string, NodeRunRead> = {};
  for (const nr of nodeRuns ?? []) out[nr.node_id] = nr;
  return out;
}

/** Build the store holding the run shown on a canvas and its per-node statuses. */
export const createRunStore = () =>
  createStore<RunStore>()((set, get) => ({
    run: null,
    nodeRuns: {},
    live: false,
    steps: {},
    setRun: (run) =>
      set({
        run,
        nodeRuns: run?.node_runs ? byNode(run.node_runs) : run ? get().nodeRuns : {},
        steps: run && run.id === get().run?.id ? get().steps : {},
      }),
    mergeRun: (run) => set({ run, nodeRuns: { ...get().nodeRuns, ...byNode(run.node_runs) } }),
    patchRun: (patch) => {
      const run = get().run;
      if (run && (patch.id === undefined || patch.id === run.id))
        set({ run: { ...run, ...patch, node_runs: run.node_runs } });
    },
    upsertNodeRun: (nr) => {
      if (nr.parent_node_run_id) get().upsertStep(nr);
      else set({ nodeRuns: { ...get().nodeRuns, [nr.node_id]: nr } });
    },
    upsertStep: (step) => {
      const prev = get().steps[step.id];
      // A finished step is not replaced by an older, unfinished copy that arrived late.
      if (prev?.finished_at && !step.finished_at) return;
      set({ steps: { ...get().steps, [step.id]: prev ? { ...prev, ...step } : step } });
    },
    setLive: (live) => set({ live }),
  }));

export type RunStoreApi = ReturnType<typeof createRunStore>;
