import { useEffect } from "react";
import { api } from "../api/client";
import { streamEvents } from "../api/sse";
import type { NodeRunRead, RunRead } from "../api/types";
import type { RunStoreApi } from "../store/run-store";
import { FINAL_STATUSES } from "../store/run-store";

const REREAD_MS = 5000;

/**
 * Follow a run live: open `GET /api/runs/{id}/events` (fetch + stream, so the API key travels
 * in a header), apply snapshot/node/run/step events to the run store, and re-read the run when the
 * stream ends, when a node pauses, and every few seconds while the run is not final. Does nothing for a run that already finished.
 */
export function useRunEvents(runStore: RunStoreApi, runId: string | null) {
  useEffect(() => {
    const status = runStore.getState().run?.status;
    if (!runId || (status && FINAL_STATUSES.has(status))) return;
    const controller = new AbortController();
    const s = runStore.getState();
    s.setLive(true);
    // Re-read the run when events may not tell everything (a node pausing the run), and every
    // few seconds as a safety net while it is not final.
    let reading = false;
    const reread = async () => {
      if (reading || controller.signal.aborted) return;
      reading = true;
      try {
        const run = await api.getRun(runId);
        if (!controller.signal.aborted && runStore.getState().run?.id === runId) runStore.getState().setRun(run);
      } catch {
        /* the stream goes on */
      } finally {
        reading = false;
      }
    };
    const poll = setInterval(() => {
      const st = runStore.getState().run?.status;
      if (st && !FINAL_STATUSES.has(st)) void reread();
    }, REREAD_MS);
    const onMessage = (msg: { event: string; data: string }) => {
      let payload: unknown;
      try {
        payload = JSON.parse(msg.data);
      } catch {
        return;
      }
      const st = runStore.getState();
      if (msg.event === "snapshot") st.setRun(payload as RunRead);
      else if (msg.event === "node") {
        st.upsertNodeRun(payload as NodeRunRead);
        if ((payload as NodeRunRead).status === "paused") setTimeout(() => void reread(), 200);
      } else if (msg.event === "run") st.patchRun(payload as Partial<RunRead>);
      else if (msg.event === "step") st.upsertStep(payload as NodeRunRead);
    };
    const finish = async () => {
      clearInterval(poll);
      if (controller.signal.aborted) return;
      try {
        const run = await api.getRun(runId);
        if (!controller.signal.aborted) runStore.getState().setRun(run);
      } catch {
        /* keep what the stream gave us */
      }
      if (!controller.signal.aborted) runStore.getState().setLive(false);
    };
    streamEvents(`/api/runs/${encodeURIComponent(runId)}/events`, onMessage, controller.signal).then(finish, finish);
    return () => {
      clearInterval(poll);
      controller.abort();
      runStore.getState().setLive(false);
    };
  }, [runStore, runId]);
}
