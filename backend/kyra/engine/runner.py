"""Run ONE attempt of one graph node: the handler call (:mod:`kyra.engine.invoke`) with the
node's inputs, settings, approval and replay, captured as an :class:`Outcome` with its cost.

Both dispatchers (inline and queue) call :func:`attempt_node`; retries (after
:func:`retry_policy`), persistence and scheduling are theirs.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any
from uuid import UUID

from kyra.engine.invoke import Failure, RetryPolicy, attempt_handler
from kyra.engine.ports import ReplaySource
from kyra.engine.scheduler import CompiledGraph, NodeState, collect_inputs, primary_output
from kyra.engine.services import EngineServices
from kyra.errors import ApprovalRejectedError
from kyra.hooks import NodeAttempt
from kyra.spec import NodeSpec
from kyra.status import NodeRunStatus

_log = logging.getLogger("kyra.engine")


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
    replay: ReplaySource | None = None
    #: Side effects recorded by attempts of inline node runs (node id -> key -> value); queue
    #: mode keeps them on the node run row.
    effects: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The run's W3C trace context (``Run.traceparent``), for the spans of its node attempts.
    traceparent: str | None = None

    #: ``nodes`` as templates see it, kept in step with ``outputs`` by :meth:`add_output`.
    _nodes_view: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _run_view: dict[str, Any] | None = field(default=None, repr=False)

    def add_output(self, node_id: str, ports: dict[str, Any]) -> None:
        """Record a finished node's ports, for the nodes and templates that read them."""
        self.outputs[node_id] = ports
        self._nodes_view[node_id] = self._node_view(node_id, ports)

    def _node_view(self, node_id: str, ports: dict[str, Any]) -> dict[str, Any]:
        state = self.states.get(node_id)
        status = state.status if state is not None else None
        return {"output": primary_output(ports), "outputs": ports, "status": status}

    def template_context(self) -> dict[str, Any]:
        """What templates see (a new top-level dict: callers may add names to it)."""
        if len(self._nodes_view) != len(self.outputs):  # outputs set without add_output
            self._nodes_view = {n: self._node_view(n, p) for n, p in self.outputs.items()}
        if self._run_view is None:
            self._run_view = {
                "id": str(self.run_id),
                "graph_id": str(self.graph_id),
                "version": self.version,
                "mode": self.mode,
                "started_at": self.started_at.isoformat(),
            }
        return {"trigger": self.trigger, "nodes": self._nodes_view, "run": self._run_view}


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

    def failure(self) -> Failure | None:
        """The attempt's failure, for the retry policy (None unless it failed)."""
        if self.status != "failed":
            return None
        return Failure(self.error or {}, self.retryable, self.retry_after)


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
    """Execute one attempt of ``node_id`` inside the hooks' ``node_attempt`` contexts, then
    tell them ``node_attempted``; never raises for node failures."""
    observed = NodeAttempt(
        run_id=scope.run_id, graph_id=scope.graph_id, version=scope.version, mode=scope.mode,
        node_id=node_id, node_type=scope.graph.specs[node_id].type, attempt=attempt,
        node_run_id=node_run_id, traceparent=scope.traceparent,
    )  # fmt: skip
    hooks = services.hooks
    with hooks.node_attempt(observed) or contextlib.nullcontext():
        try:
            outcome = observed.outcome = await _attempt_node(
                services, scope, node_id, attempt=attempt, node_run_id=node_run_id
            )
        finally:
            hooks.node_attempted(observed)
    return outcome


async def _attempt_node(
    services: EngineServices,
    scope: RunScope,
    node_id: str,
    *,
    attempt: int,
    node_run_id: UUID | None,
) -> Outcome:
    from kyra.engine.context import EngineNodeContext

    spec = scope.graph.specs[node_id]
    node = scope.graph.nodes[node_id]
    inputs = collect_inputs(scope.graph, node_id, scope.outputs, scope.states)
    if node.settings.disabled:
        now = datetime.now(UTC)
        ports = passed_through(spec, node.params, inputs)
        return Outcome(
            NodeRunStatus.succeeded, inputs, ports=ports, started_at=now, finished_at=now
        )
    ctx = EngineNodeContext(services, scope, node_id, attempt=attempt, node_run_id=node_run_id)
    approval = node.settings.requires_approval and scope.replay is None
    started_at, started = datetime.now(UTC), time.perf_counter()
    called = await attempt_handler(
        spec, ctx, node.params, inputs,
        context=scope.template_context(),
        timeout=node.settings.timeout_s or spec.timeout_s,
        execute=scope.replay.executor(spec, node_id) if scope.replay is not None else None,
        before=partial(_approved, ctx, spec) if approval else None,
    )  # fmt: skip
    outcome = Outcome(
        NodeRunStatus.succeeded,
        inputs,
        params=called.params,
        ports=called.ports,
        started_at=started_at,
        children=ctx.children,
        steps=ctx.steps,
    )
    failure = called.failure
    if failure is not None:
        outcome.error = failure.error
        fails = scope.graph.document.settings.on_budget_exceeded == "fail"
        if failure.pause_reason and not (failure.pause_reason == "budget_exceeded" and fails):
            outcome.status, outcome.pause_reason = NodeRunStatus.paused, failure.pause_reason
        else:
            outcome.status, outcome.retryable = NodeRunStatus.failed, failure.retryable
            outcome.retry_after = failure.retry_after
    if ctx.secrets:
        outcome.ports = ctx.credentials.mask(outcome.ports)
        outcome.error = ctx.credentials.mask(outcome.error)
    outcome.duration_ms = (time.perf_counter() - started) * 1000
    outcome.finished_at = datetime.now(UTC)
    outcome.cost_usd, outcome.input_tokens, outcome.output_tokens = ctx.cost
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


def retry_policy(scope: RunScope, node_id: str) -> RetryPolicy:
    """The node's attempts and backoff: its settings, else its spec's defaults."""
    settings = scope.graph.nodes[node_id].settings
    retries = settings.retries
    if retries is None:
        retries = scope.graph.specs[node_id].retries
    return _policy(1 + retries, settings.retry_backoff_s)


@lru_cache(maxsize=256)
def _policy(attempts: int, backoff_s: float) -> RetryPolicy:
    """Policies are immutable and few: one made per node attempt cost more than a lookup."""
    return RetryPolicy(attempts=attempts, backoff_s=backoff_s)
