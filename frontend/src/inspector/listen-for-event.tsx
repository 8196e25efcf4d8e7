import { useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import { useSaver } from "../editor/save-context";
import { useStoreApis } from "../store/editor-context";
import { toast } from "../ui/toasts";

const POLL_MS = 1000;
const LISTEN_MS = 120_000;

/**
 * "Listen for test event" on a webhook trigger: wait for the next real delivery, then show its run
 * live on the canvas and keep its payload as the graph's test payload.
 */
export function ListenForTestEvent() {
  const saver = useSaver();
  const { editor, run: runStore } = useStoreApis();
  const [listening, setListening] = useState(false);
  const stop = useRef<(() => void) | null>(null);
  useEffect(() => () => stop.current?.(), []);
  if (!saver) return null;

  const listen = async () => {
    const graphId = await saver.ensureSaved();
    if (!graphId) return;
    const latest = async () => (await api.listRuns(graphId, 1, 0, { trigger: ["webhook"] }))[0]?.id ?? null;
    const before = await latest();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    stop.current = () => {
      cancelled = true;
      clearTimeout(timer);
      setListening(false);
    };
    setListening(true);
    const deadline = Date.now() + LISTEN_MS;
    const poll = async () => {
      if (cancelled) return;
      try {
        const found = await latest();
        if (found && found !== before && !cancelled) {
          const run = await api.getRun(found);
          runStore.getState().setRun({ ...run, node_runs: run.node_runs ?? [] });
          editor.getState().setTestPayload(run.trigger);
          toast("success", "Test event received: its payload is now the test payload.");
          stop.current?.();
          return;
        }
      } catch {
        /* keep listening until the deadline */
      }
      if (Date.now() > deadline) {
        toast("info", "No webhook call arrived in 2 minutes; stopped listening.");
        stop.current?.();
      } else timer = setTimeout(() => void poll(), POLL_MS);
    };
    timer = setTimeout(() => void poll(), POLL_MS);
  };

  return listening ? (
    <p className="listening" role="status">
      <span className="live-dot" /> Waiting for a call to the webhook URL…{" "}
      <button type="button" className="link" onClick={() => stop.current?.()}>
        Stop listening
      </button>
    </p>
  ) : (
    <button type="button" onClick={() => void listen()}>
      Listen for test event
    </button>
  );
}
