import { useEffect, useMemo, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { api } from "../api/client";
import { errorText, isUnavailable, platformApi } from "../api/platform";
import type { PendingApproval } from "../api/platform-types";
import type { JsonObject, NodeRunRead, RunRead } from "../api/types";
import { useRunStore, useStoreApis } from "../store/editor-context";
import { toast } from "../ui/toasts";
import { formatTime, toJsonText } from "./format";

/** Paused node runs and steps that carry an approval request (when the server gives no list). */
function pendingFromRows(rows: readonly NodeRunRead[]): PendingApproval[] {
  return rows
    .filter((r) => {
      const details = r.error?.details;
      return r.status === "paused" && !!details && typeof details === "object" && "approval" in details;
    })
    .map((r) => ({
      node_run_id: r.id,
      node_id: r.node_id,
      kind: r.kind ?? "node",
      step_key: r.step_key ?? null,
      request: ((r.error?.details as { approval?: JsonObject }).approval ?? null) as JsonObject | null,
      since: r.finished_at,
    }));
}

/**
 * Calls the shown paused run waits on: the server's `pending_approval` list (re-read when the
 * run pauses), else the paused rows with an approval request.
 */
function usePendingApprovals(run: RunRead | null): PendingApproval[] {
  const { nodeRuns, steps } = useRunStore(useShallow((s) => ({ nodeRuns: s.nodeRuns, steps: s.steps })));
  const [fetched, setFetched] = useState<PendingApproval[] | null>(null);
  const paused = run?.status === "paused";
  const runId = run?.id ?? null;
  useEffect(() => {
    setFetched(null);
    if (!paused || !runId) return;
    let cancelled = false;
    api.getRun(runId).then(
      (r) => !cancelled && setFetched(r.pending_approval ?? null),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [paused, runId]);
  return useMemo(() => {
    if (!paused) return [];
    if (fetched) return fetched;
    if (run?.pending_approval) return run.pending_approval;
    return pendingFromRows([...Object.values(nodeRuns), ...Object.values(steps)]);
  }, [paused, fetched, run, nodeRuns, steps]);
}

/** Human in the loop: what a paused run waits for, with Approve and Reject. */
export function ApprovalPanel() {
  const run = useRunStore((s) => s.run);
  const { run: runStore } = useStoreApis();
  const pending = usePendingApprovals(run);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [unavailable, setUnavailable] = useState(false);
  if (!run || !pending.length) return null;
  const decide = async (approve: boolean) => {
    setBusy(true);
    try {
      const next = approve ? await platformApi.approve(run.id, comment) : await platformApi.reject(run.id, comment);
      runStore.getState().setRun({ ...run, ...next, node_runs: next.node_runs ?? run.node_runs });
      toast("success", approve ? "Approved; the run goes on." : "Rejected; the run goes on without it.");
      setComment("");
    } catch (e) {
      if (isUnavailable(e)) setUnavailable(true);
      else toast("error", `Decision not recorded: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="approval-panel" role="region" aria-label="Pending approval" data-testid="approval-panel">
      <h3>Waiting for approval</h3>
      {pending.map((p) => (
        <div key={p.node_run_id} className="approval-item">
          <p className="small">
            <code>{p.node_id}</code> <span className="muted">({p.kind})</span>
            {p.since && <span className="muted"> since {formatTime(p.since)}</span>}
          </p>
          {p.request && <pre>{toJsonText(p.request)}</pre>}
        </div>
      ))}
      {unavailable ? (
        <p className="muted small">Approvals are not available on this server; use Resume.</p>
      ) : (
        <>
          <label className="field">
            <span>Comment (optional)</span>
            <input value={comment} onChange={(e) => setComment(e.target.value)} maxLength={5000} />
          </label>
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void decide(true)}>
              Approve
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => void decide(false)}>
              Reject
            </button>
          </div>
        </>
      )}
    </section>
  );
}
