"""Run ONE attempt of one node: render params, call the handler, capture outputs, cost and errors.

Both dispatchers (inline and queue) call :func:`attempt_node`; retries, persistence and
scheduling are theirs.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from kyra.engine import templating
from kyra.engine.scheduler import CompiledGraph, NodeState, collect_inputs, primary_output
from kyra.engine.services import EngineServices
from kyra.engine.storable import check_storable, storable_text, unstorable
from kyra.errors import (
    ApprovalRejectedError,
    NodeError,
    NodeTimeoutError,
    ParamsInvalidError,
    PauseRequested,
)
from kyra.spec import NodeSpec

_log = logging.getLogger("kyra.engine")
#: Installation directories, longest first: kept out of error messages users read.
_SERVER_ROOTS = sorted(
    {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(__file__).resolve().parents[3])},
    key=len,
    reverse=True,
)


@dataclass
class RunScope:
    """The run-wide data a node attempt reads: graph, trigger and finished upstream outputs."""

    run_id: UUID
    owner_id: UUID
    graph_id: UUID
    version: int
    mode: str
    trigger: dict[str, Any]
    graph: CompiledGraph
    started_at: datetime
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    states: dict[str, NodeState] = field(default_factory=dict)
    #: Nesting depth of sub-graph runs (0 for a top-level run).
    depth: int = 0
    #: The top-level run (budgets are held there).
    root_run_id: UUID | None = None
    #: The top-level run's budget (inline runs are not stored while they run).
    budget_usd: Decimal | None = None
    #: Serves recorded outputs instead of executing (``POST /api/runs/{id}/replay``).
    replay: Any = None
    #: Side effects recorded by attempts of inline node runs (node id -> key -> value); queue
    #: mode keeps them on the node run row.
    effects: dict[str, dict[str, Any]] = field(default_factory=dict)

    def template_context(self) -> dict[str, Any]:
        nodes = {
            node_id: {
                "output": primary_output(ports),
                "outputs": ports,
                "status": self.states[node_id].status if node_id in self.states else None,
            }
            for node_id, ports in self.outputs.items()
        }
        run = {
            "id": str(self.run_id),
            "graph_id": str(self.graph_id),
            "version": self.version,
            "mode": self.mode,
            "started_at": self.started_at.isoformat(),
        }
        return {"trigger": self.trigger, "nodes": nodes, "run": run}


@dataclass
class Outcome:
    """The result of one attempt, ready to be recorded."""

    status: str
    inputs: dict[str, Any]
    params: Any = None
    ports: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    retryable: bool = False
    #: Seconds the next attempt must wait at least (the service's Retry-After).
    retry_after: float | None = None
    pause_reason: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    duration_ms: float = 0.0
    cost_usd: Decimal = Decimal(0)
    input_tokens: int = 0
    output_tokens: int = 0
    children: list[Any] = field(default_factory=list)
    #: Agent steps (child node runs) recorded in memory while the run is not stored.
    steps: list[Any] = field(default_factory=list)


def error_dict(exc: BaseException) -> dict[str, Any]:
    """An exception as a node run records it (always storable: messages are diagnostics)."""
    details = getattr(exc, "details", None) or {}
    return {
        "type": type(exc).__name__,
        "message": storable_text(str(exc) or type(exc).__name__),
        "details": details if unstorable(details) is None else {},
    }


def internal_error(exc: BaseException, node_type: str) -> dict[str, Any]:
    """What a user reads about a handler bug: its type and message, no server paths."""
    message = _without_server_paths(str(exc))[:500]
    return {
        "type": type(exc).__name__,
        "message": f"{node_type} failed unexpectedly: {type(exc).__name__}"
        + (f": {message}" if message else "")
        + " (the server log has the details)",
        "details": {},
    }


def _without_server_paths(text: str) -> str:
    for root in _SERVER_ROOTS:
        text = text.replace(root, "…")
    return text


def render_params(
    spec: NodeSpec, raw: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, Any]:
    """Render every param except the spec's ``raw_params`` (left for the handler)."""
    return {
        key: value if key in spec.raw_params else templating.render(value, context)
        for key, value in raw.items()
    }


def validate_params(spec: NodeSpec, rendered: dict[str, Any]) -> Any:
    try:
        return spec.params.model_validate(rendered)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        fields = ", ".join(p["field"] or "params" for p in problems)
        raise ParamsInvalidError(
            f"invalid parameters: {fields}", details={"errors": problems}
        ) from None


def check_ports(spec: NodeSpec, raw_params: Mapping[str, Any], result: Any) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise NodeError(f"{spec.type} returned {type(result).__name__}, expected a dict of ports")
    allowed = {p.name for p in spec.output_ports(raw_params)}
    unknown = set(result) - allowed
    if unknown:
        raise NodeError(f"{spec.type} emitted unknown output ports: {sorted(unknown)}")
    return result


def passed_through(
    spec: NodeSpec, raw_params: Mapping[str, Any], inputs: Mapping[str, Any]
) -> dict[str, Any]:
    """What a disabled node emits: its ``in`` (or first) input unchanged on its first output,
    so the nodes after it run as if it were not there."""
    outputs = spec.output_ports(raw_params)
    if not outputs:
        return {}
    value = inputs["in"] if "in" in inputs else next(iter(inputs.values()), None)
    return {outputs[0].name: value}


async def attempt_node(
    services: EngineServices,
    scope: RunScope,
    node_id: str,
    *,
    attempt: int,
    node_run_id: UUID | None = None,
) -> Outcome:
    """Execute one attempt of ``node_id``; never raises for node failures."""
    from kyra.engine.context import EngineNodeContext

    spec = scope.graph.specs[node_id]
    node = scope.graph.nodes[node_id]
    inputs = collect_inputs(scope.graph, node_id, scope.outputs, scope.states)
    outcome = Outcome(status="running", inputs=inputs)
    if node.settings.disabled:
        outcome.ports, outcome.status = passed_through(spec, node.params, inputs), "succeeded"
        outcome.duration_ms, outcome.finished_at = 0.0, datetime.now(UTC)
        return outcome
    ctx = EngineNodeContext(services, scope, node_id, attempt=attempt, node_run_id=node_run_id)
    started = time.perf_counter()
    try:
        rendered = render_params(spec, node.params, scope.template_context())
        check_storable(rendered, what="params")
        outcome.params = rendered
        params = validate_params(spec, rendered)
        if node.settings.requires_approval and scope.replay is None:
            await _approved(ctx, spec, rendered)
        timeout = node.settings.timeout_s or spec.timeout_s
        assert spec.execute is not None
        run = spec.execute if scope.replay is None else scope.replay.executor(spec, node_id)
        try:
            result = await asyncio.wait_for(run(ctx, params, inputs), timeout)
        except TimeoutError:
            raise NodeTimeoutError(f"timed out after {timeout:g}s") from None
        ports = check_ports(spec, node.params, result)
        check_storable(ports, what="output")
        outcome.ports = ports
        outcome.status = "succeeded"
    except PauseRequested as exc:
        outcome.error = error_dict(exc)
        if (
            exc.reason == "budget_exceeded"
            and scope.graph.document.settings.on_budget_exceeded == "fail"
        ):
            outcome.status = "failed"
        else:
            outcome.status, outcome.pause_reason = "paused", exc.reason
    except NodeError as exc:
        outcome.status, outcome.retryable, outcome.error = "failed", exc.retryable, error_dict(exc)
        outcome.retry_after = exc.retry_after
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        # A handler bug: keep the run alive and allow retries. The traceback (server paths,
        # library frames) goes to the log, never into the run the user reads.
        _log.error("run %s node %s (%s) raised", scope.run_id, node_id, spec.type, exc_info=exc)
        outcome.status, outcome.retryable = "failed", True
        outcome.error = internal_error(exc, spec.type)
    if ctx.credentials.secrets:
        outcome.ports = ctx.credentials.mask(outcome.ports)
        outcome.error = ctx.credentials.mask(outcome.error)
    outcome.duration_ms = (time.perf_counter() - started) * 1000
    outcome.finished_at = datetime.now(UTC)
    outcome.cost_usd, outcome.input_tokens, outcome.output_tokens = ctx.cost
    outcome.children = ctx.children
    outcome.steps = ctx.steps
    return outcome


async def _approved(ctx: Any, spec: NodeSpec, params: dict[str, Any]) -> None:
    """Wait for a human decision on a node marked ``requires_approval`` (pauses the run)."""
    decision = await ctx.request_approval({"node_type": spec.type, "params": params})
    if not decision["approved"]:
        raise ApprovalRejectedError(
            f"rejected by {decision.get('decided_by') or 'a human'}",
            details={"comment": decision.get("comment", "")},
        )


def routed_ports(outcome: Outcome, graph: CompiledGraph, node_id: str) -> dict[str, Any] | None:
    """Ports recorded for a final failure: the error port when the graph connects it."""
    if outcome.status != "failed":
        return outcome.ports
    if any(e.source_port == "error" for e in graph.outgoing.get(node_id, [])):
        return {"error": outcome.error}
    return None


def backoff_seconds(
    base: float, attempt: int, *, cap: float = 600.0, retry_after: float | None = None
) -> float:
    """Exponential backoff with jitter between half and all of the step, and never sooner than
    ``retry_after`` (what the service asked for, capped too)."""
    import random

    step = min(cap, base * 2.0 ** max(0, attempt - 1))
    return max(step * random.uniform(0.5, 1.0), min(cap, retry_after or 0.0))


def max_attempts(scope: RunScope, node_id: str) -> int:
    node = scope.graph.nodes[node_id]
    retries = node.settings.retries
    return 1 + (retries if retries is not None else scope.graph.specs[node_id].retries)
