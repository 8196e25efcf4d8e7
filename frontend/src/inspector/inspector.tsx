import { useEffect, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { useCatalogue } from "../api/catalogue";
import { isKyraNode } from "../lib/graph";
import { NodeResult } from "../runs/node-result";
import { useEditorStore, useRunStore } from "../store/editor-context";
import { ApprovalPanel } from "../runs/approval-panel";
import { RunPanel } from "../runs/run-panel";
import { NodeParameters } from "./node-parameters";

function useSelectedNodeId(): string | null {
  return useEditorStore((s) => {
    let found: string | null = null;
    for (const n of s.nodes) {
      if (!n.selected) continue;
      if (found !== null || !isKyraNode(n)) return null;
      found = n.id;
    }
    return found;
  });
}

function NodeInspector({ id }: { id: string }) {
  const { specs } = useCatalogue();
  const type = useEditorStore((s) => {
    const n = s.nodes.find((x) => x.id === id);
    return n && isKyraNode(n) ? n.data.doc.type : null;
  });
  const hasResult = useRunStore((s) => s.nodeRuns[id] !== undefined);
  const [tab, setTab] = useState<"params" | "result">(hasResult ? "result" : "params");
  useEffect(() => setTab(hasResult ? "result" : "params"), [id, hasResult]);
  if (type === null) return null;
  const spec = specs.get(type);
  return (
    <div className="inspector-body">
      <header className="inspector-header">
        <h2>{spec?.title ?? type}</h2>
        <code className="muted">{type}</code>{" "}
        <a href={`/docs/nodes/${encodeURIComponent(type)}`} target="_blank" rel="noopener" className="small">
          Docs
        </a>
        {spec?.description && <p className="muted">{spec.description}</p>}
      </header>
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === "params"} onClick={() => setTab("params")}>
          Parameters
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === "result"}
          onClick={() => setTab("result")}
          disabled={!hasResult}
        >
          Result
        </button>
      </div>
      {tab === "result" ? <NodeResult nodeId={id} /> : <NodeParameters id={id} />}
    </div>
  );
}

function GraphInspector() {
  const { description, errors, count, readOnly } = useEditorStore(
    useShallow((s) => ({
      description: s.meta.description,
      errors: s.errors[""],
      count: s.nodes.length,
      readOnly: s.readOnly,
    })),
  );
  return (
    <div className="inspector-body">
      <h2>Graph</h2>
      <p className="muted">
        {count} nodes. {description}
      </p>
      {errors && errors.length > 0 && (
        <ul className="field-errors" role="alert">
          {errors.map((e, i) => (
            <li key={i}>{e.message}</li>
          ))}
        </ul>
      )}
      <RunPanel />
      {!readOnly && <EditingShortcuts />}
    </div>
  );
}

function EditingShortcuts() {
  return (
    <>
      <h3>Shortcuts</h3>
      <dl className="shortcuts">
        <dt>Drag from palette</dt>
        <dd>add a node</dd>
        <dt>Delete / Backspace</dt>
        <dd>delete selection</dd>
        <dt>Ctrl+Z / Ctrl+Shift+Z</dt>
        <dd>undo / redo</dd>
        <dt>Ctrl+C / Ctrl+V / Ctrl+D</dt>
        <dd>copy / paste / duplicate</dd>
        <dt>Ctrl+A</dt>
        <dd>select all</dd>
        <dt>Shift+drag</dt>
        <dd>box select</dd>
        <dt>Ctrl+S</dt>
        <dd>save</dd>
        <dt>Shift+L / Shift+F</dt>
        <dd>auto-layout / fit view</dd>
        <dt>Tab / Ctrl+K</dt>
        <dd>add a node</dd>
        <dt>F2 / double-click a title</dt>
        <dd>rename</dd>
        <dt>Right-click</dt>
        <dd>node and canvas menus</dd>
      </dl>
    </>
  );
}

/** Right-hand panel: the selected node's parameters and run result, or graph information. */
export function Inspector() {
  const id = useSelectedNodeId();
  return (
    <aside className="inspector" aria-label="Inspector">
      <ApprovalPanel />
      {id ? <NodeInspector key={id} id={id} /> : <GraphInspector />}
    </aside>
  );
}
