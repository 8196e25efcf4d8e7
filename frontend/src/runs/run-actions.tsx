import { api } from "../api/client";
import { platformApi } from "../api/platform";
import type { RunRead } from "../api/types";
import { useStoreApis } from "../store/editor-context";
import { FINAL_STATUSES } from "../store/run-store";
import { toast } from "../ui/toasts";

/** Cancel for an unfinished run, Resume for a paused one. */
export function RunActions({ run }: { run: RunRead }) {
  const { run: runStore } = useStoreApis();
  const act = async (verb: "Cancel" | "Resume") => {
    let budget: number | null = null;
    if (verb === "Resume" && run.pause_reason === "budget_exceeded") {
      const current = Number(run.budget_usd ?? 0);
      const answer = window.prompt(
        "The run reached its budget. New budget in USD:",
        String(current > 0 ? current * 2 : 1),
      );
      if (answer === null) return;
      budget = Number(answer);
      if (!Number.isFinite(budget) || budget <= current) {
        toast("error", `The new budget must be a number above ${current}.`);
        return;
      }
    }
    try {
      const next =
        verb === "Cancel"
          ? await api.cancelRun(run.id)
          : budget !== null
            ? await platformApi.resumeWithBudget(run.id, budget)
            : await api.resumeRun(run.id);
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
