import { useReactFlow } from "@xyflow/react";
import { type DragEvent, memo, useMemo, useState } from "react";
import { useCatalogue } from "../api/catalogue";
import type { NodeSpec } from "../api/types";
import { DRAG_MIME } from "../canvas/use-drag-and-drop";
import { nodeScore } from "../lib/node-search";
import { iconOf } from "../nodes/icons";
import { useStoreApis } from "../store/editor-context";

function onDragStart(event: DragEvent, type: string) {
  event.dataTransfer.setData(DRAG_MIME, type);
  event.dataTransfer.setData("text/plain", type);
  event.dataTransfer.effectAllowed = "move";
}

/** Searchable, categorised list of node types; drag an entry to the canvas (or press Enter). */
function Palette() {
  const { list } = useCatalogue();
  const { editor } = useStoreApis();
  const { screenToFlowPosition } = useReactFlow();
  const [query, setQuery] = useState("");
  const [collapsed, setCollapsed] = useState<Record<string, boolean>>({});

  const groups = useMemo(() => {
    const out = new Map<string, NodeSpec[]>();
    for (const spec of list) {
      if (nodeScore(spec, query) === 0) continue;
      out.set(spec.category, [...(out.get(spec.category) ?? []), spec]);
    }
    return [...out.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [list, query]);

  const addAtCenter = (type: string) => {
    const pane = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    const center = pane ? { x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 } : { x: 400, y: 300 };
    editor.getState().addNode(type, screenToFlowPosition(center));
  };

  return (
    <aside className="palette" aria-label="Node palette">
      <input
        className="palette-search"
        type="search"
        placeholder="Search nodes…"
        aria-label="Search nodes"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {/* data-query: which search the list shows (tests and bench/palette.py wait for it) */}
      <div className="palette-groups" data-query={query}>
        {groups.length === 0 && <p className="muted">No node matches “{query}”.</p>}
        {groups.map(([category, specs]) => {
          const closed = collapsed[category] && !query;
          return (
            <section key={category} className="palette-group">
              <button
                type="button"
                className="palette-category"
                aria-expanded={!closed}
                onClick={() => setCollapsed({ ...collapsed, [category]: !collapsed[category] })}
              >
                {closed ? "▸" : "▾"} {category} <span className="muted">{specs.length}</span>
              </button>
              {!closed &&
                specs.map((spec) => (
                  <div
                    key={spec.type}
                    className="palette-item"
                    data-testid={`palette-item-${spec.type}`}
                    draggable
                    tabIndex={0}
                    role="button"
                    aria-label={`Add ${spec.title}`}
                    title={spec.description}
                    onDragStart={(e) => onDragStart(e, spec.type)}
                    onKeyDown={(e) => e.key === "Enter" && addAtCenter(spec.type)}
                    onDoubleClick={() => addAtCenter(spec.type)}
                  >
                    <span className="palette-title">
                      <span className="node-icon" aria-hidden="true">
                        {iconOf(spec)}
                      </span>{" "}
                      {spec.title}
                    </span>
                    <span className="palette-type">{spec.type}</span>
                  </div>
                ))}
            </section>
          );
        })}
      </div>
    </aside>
  );
}

export default memo(Palette);
