"""The trace of a run: node runs with their agent steps nested below them, costs per step."""

from __future__ import annotations

from typing import Any

from kyra.db.queries.runs import node_run_view


def _response_summary(view: dict[str, Any]) -> dict[str, Any] | None:
    """What a step answered, short: the model's text and tool calls, or the tool's content."""
    output = view.get("output") or {}
    if view["kind"] == "llm_call" and "response" in output:
        message = output["response"].get("message", {})
        calls = [c["function"]["name"] for c in message.get("tool_calls") or []]
        return {"text": message.get("content"), "tool_calls": calls}
    if "content" in output:
        return {"content": output["content"]}
    return None


def build_trace(rows: list[Any]) -> list[dict[str, Any]]:
    """Nest ``rows`` (node runs and steps of one run) into a tree, children in start order."""
    views: dict[Any, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    ordered = sorted(
        rows, key=lambda r: (r.parent_node_run_id is not None, r.sequence or 0, r.created_at)
    )
    for row in ordered:
        view = node_run_view(row) | {"children": []}
        view["summary"] = _response_summary(view)
        views[row.id] = view
    for row in ordered:
        parent = views.get(row.parent_node_run_id) if row.parent_node_run_id else None
        (parent["children"] if parent is not None else roots).append(views[row.id])
    return roots


def trace_totals(tree: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts of LLM and tool calls and the tokens and cost of the calls, over the whole tree."""
    totals = {"llm_calls": 0, "tool_calls": 0, "agents": 0, "input_tokens": 0,
              "output_tokens": 0, "cost_usd": 0.0}  # fmt: skip

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            kind = node["kind"]
            if kind == "llm_call":
                totals["llm_calls"] += 1
            elif kind == "tool_call":
                totals["tool_calls"] += 1
            elif kind == "agent":
                totals["agents"] += 1
            if kind in ("llm_call", "tool_call"):
                totals["input_tokens"] += node["input_tokens"] or 0
                totals["output_tokens"] += node["output_tokens"] or 0
                totals["cost_usd"] += node["cost_usd"] or 0.0
            walk(node["children"])

    walk(tree)
    totals["cost_usd"] = round(totals["cost_usd"], 6)
    return totals
