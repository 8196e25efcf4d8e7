import { api } from "../api/client";
import type { RunRead } from "../api/types";
import { useStoreApis } from "../store/editor-context";
import { FINAL_STATUSES } from "../store/run-store";
import { toast } from "../ui/toasts";

/** Cancel for an unfinished run, Resume for a paused one. */
export function RunActions({ run }: { run: RunRead }) {
  const { run: runStore } = useStoreApis();
  const act = async (verb: "Cancel" | "Resume") => {
    try {
      const next = verb === "Cancel" ? await api.cancelRun(run.id) : await api.resumeRun(run.id);
      runStore.getState().patchRun(next);
    } catch (e) {
      toast("error", `${verb} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  if (FINAL_STATUSES.has(run.status)) return null;
  return (
    <>
      {run.status === "paused" && (
        <button type="button" onClick={() => void act("Resume")} title={run.pause_reason ?? undefined}>
          Resume
        </button>
      )}
      <button type="button" onClick={() => void act("Cancel")}>
        Cancel
      </button>
    </>
  );
}
