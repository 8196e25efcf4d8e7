import { useMemo } from "react";
import { upstreamOf } from "../lib/graph";
import { sampleContext } from "../lib/sample-data";
import { pathSuggestions, type Suggestion } from "../lib/template-complete";
import { useEditorStore, useRunStore } from "../store/editor-context";

export interface SampleData {
  /** What the node's templates would see: trigger, upstream outputs, run. */
  context: Record<string, unknown>;
  /** Field paths of that data, for autocomplete. */
  suggestions: Suggestion[];
  /** Upstream nodes nearest first (with or without data). */
  upstream: string[];
}

/**
 * The sample data of a node, from the test payload, pinned outputs and the shown run; rebuilt
 * when any of them or the wiring changes (not when nodes move).
 */
export function useSampleData(nodeId: string): SampleData {
  const edges = useEditorStore((s) => s.edges);
  // A past run (read-only view) shows its own data, not the editor's test data.
  const editorData = useEditorStore((s) => (s.readOnly ? undefined : s.meta.editor));
  const nodeRuns = useRunStore((s) => s.nodeRuns);
  const runTrigger = useRunStore((s) => s.run?.trigger);
  const upstream = useMemo(() => upstreamOf(nodeId, edges), [nodeId, edges]);
  return useMemo(() => {
    const context = sampleContext(upstream, {
      testPayload: editorData?.test_payload,
      pinned: editorData?.pinned,
      runTrigger,
      nodeRuns,
    });
    const bare = upstream.map((id) => `nodes.${id}.output`);
    return { context, suggestions: pathSuggestions(context, ["trigger", ...bare]), upstream };
  }, [upstream, editorData, nodeRuns, runTrigger]);
}
