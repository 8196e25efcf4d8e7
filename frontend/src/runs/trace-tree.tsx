import { useState } from "react";
import type { TraceNode } from "../api/platform-types";
import { stepLabel, traceTotals } from "../lib/trace";
import { formatCost, formatDuration, toJsonText } from "./format";

function tokens(n: TraceNode): string {
  const total = (n.input_tokens ?? 0) + (n.output_tokens ?? 0);
  return total ? `${n.input_tokens ?? 0}→${n.output_tokens ?? 0} tok` : "";
}

function Summary({ node }: { node: TraceNode }) {
  const s = node.summary;
  const error = node.error?.message;
  if (!s && !error) return null;
  return (
    <div className="trace-summary small">
      {error && <p className="error-text">{error}</p>}
      {s?.text && <p>{s.text}</p>}
      {s?.tool_calls && s.tool_calls.length > 0 && <p className="muted">asks for: {s.tool_calls.join(", ")}</p>}
      {s?.content !== undefined && s?.content !== null && <pre>{toJsonText(s.content)}</pre>}
    </div>
  );
}

function Details({ node }: { node: TraceNode }) {
  return (
    <div className="trace-details">
      <Summary node={node} />
      {node.inputs !== undefined && node.inputs !== null && (
        <details>
          <summary>Inputs</summary>
          <pre>{toJsonText(node.inputs)}</pre>
        </details>
      )}
      {node.output !== undefined && node.output !== null && (
        <details>
          <summary>Output</summary>
          <pre>{toJsonText(node.output)}</pre>
        </details>
      )}
    </div>
  );
}

function TraceItem({ node, depth }: { node: TraceNode; depth: number }) {
  const [open, setOpen] = useState(depth < 2);
  const [showDetails, setShowDetails] = useState(false);
  const hasChildren = node.children.length > 0;
  return (
    <li className={`trace-item kind-${node.kind ?? "node"}`} data-testid="trace-item" data-kind={node.kind ?? "node"}>
      <div className="trace-row">
        <button
          type="button"
          className="trace-toggle"
          aria-label={open ? "Collapse" : "Expand"}
          aria-expanded={hasChildren ? open : undefined}
          disabled={!hasChildren}
          onClick={() => setOpen(!open)}
        >
          {hasChildren ? (open ? "▾" : "▸") : "·"}
        </button>
        <button type="button" className="trace-label link" onClick={() => setShowDetails(!showDetails)}>
          {stepLabel(node)}
        </button>
        <span className={`status-badge status-${node.status}`}>{node.status}</span>
        <span className="trace-metrics muted small">
          {tokens(node)} {node.cost_usd !== null && node.cost_usd !== undefined ? formatCost(node.cost_usd) : ""}{" "}
          {formatDuration(node.duration_ms)}
        </span>
      </div>
      {showDetails && <Details node={node} />}
      {hasChildren && open && (
        <ul className="trace-list">
          {node.children.map((c) => (
            <TraceItem key={c.id} node={c} depth={depth + 1} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** A trace tree (agent → LLM calls → tool calls → sub-agents) with tokens, cost and duration per step. */
export function TraceTree({ tree, emptyText = "No steps yet." }: { tree: TraceNode[]; emptyText?: string }) {
  if (!tree.length) return <p className="muted small">{emptyText}</p>;
  const t = traceTotals(tree);
  return (
    <div className="trace" data-testid="trace">
      <p className="muted small" data-testid="trace-totals">
        {t.agents > 0 && `${t.agents} sub-agents · `}
        {t.llm_calls} LLM calls · {t.tool_calls} tool calls · {t.input_tokens + t.output_tokens} tokens ·{" "}
        {formatCost(t.cost_usd)}
      </p>
      <ul className="trace-list trace-root">
        {tree.map((n) => (
          <TraceItem key={n.id} node={n} depth={0} />
        ))}
      </ul>
    </div>
  );
}
