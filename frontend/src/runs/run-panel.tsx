import { useRunStore } from "../store/editor-context";
import { TraceTree } from "./trace-tree";
import { useRunTraceTree } from "./use-run-trace";

/** The shown run in the inspector: the trace of every step. */
export function RunPanel() {
  const hasRun = useRunStore((s) => s.run !== null);
  const tree = useRunTraceTree();
  if (!hasRun) return null;
  return (
    <section className="run-panel" aria-label="Run trace">
      <h3>Run trace</h3>
      <TraceTree tree={tree} emptyText="No node has run yet." />
    </section>
  );
}
