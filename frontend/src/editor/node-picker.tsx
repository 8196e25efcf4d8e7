import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from "react";
import type { NodeSpec } from "../api/types";
import { searchNodes } from "../lib/node-search";

interface Props {
  specs: readonly NodeSpec[];
  /** What the picked node is for, shown under the search box ("after request.out"). */
  context?: string;
  onPick: (type: string) => void;
  onClose: () => void;
}

const SHOWN = 40;

/** The quick-add dialog: type to find a node (titles, types, synonyms), Enter or click adds it. */
export function NodePicker({ specs, context, onPick, onClose }: Props) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const listId = useId();
  const input = useRef<HTMLInputElement>(null);
  const results = useMemo(() => searchNodes(specs, query).slice(0, SHOWN), [specs, query]);
  useEffect(() => input.current?.focus(), []);
  useEffect(() => setActive(0), [query]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") onClose();
    else if (e.key === "ArrowDown") setActive((a) => Math.min(a + 1, results.length - 1));
    else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
    else if (e.key === "Enter" && results[active]) onPick(results[active].type);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="node-picker" role="dialog" aria-modal="true" aria-label="Add node" onKeyDown={onKeyDown}>
        <input
          ref={input}
          type="search"
          className="node-picker-search"
          placeholder="Search nodes: “fetch url”, “condition”, “every day”…"
          aria-label="Search nodes"
          aria-controls={listId}
          aria-activedescendant={results[active] ? `${listId}-${active}` : undefined}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        {context && <p className="muted small node-picker-context">{context}</p>}
        <ul className="node-picker-list" role="listbox" id={listId} aria-label="Nodes" data-query={query}>
          {results.length === 0 && <li className="muted">No node matches “{query}”.</li>}
          {results.map((spec, i) => (
            <li
              key={spec.type}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? "active" : undefined}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => {
                e.preventDefault();
                onPick(spec.type);
              }}
            >
              <span className="node-picker-title">{spec.title}</span>
              <span className="node-picker-category">{spec.category}</span>
              <span className="node-picker-description">{spec.description}</span>
            </li>
          ))}
        </ul>
        <p className="muted small node-picker-hint">↑ ↓ to choose · Enter to add · Esc to close</p>
      </div>
    </div>
  );
}
