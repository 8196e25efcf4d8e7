"""Runs, node runs, approvals and traces as the API answers them.

The engine builds the same views for the live events (``run_view``, ``node_run_view``,
``pending_view``, ``build_trace``), so these models validate those views rather than repeat
them: an answer and an event about the same run cannot drift apart.
"""

from __future__ import annotations

import uuid
from typing import Any

from kyra.api.schemas.base import ReadModel, Timestamp
from kyra.status import NodeRunStatus, RunMode, RunStatus

__all__ = [
    "NodeRunRead",
    "PendingApproval",
    "ReplayRead",
    "RunRead",
    "RunReplayed",
    "RunSummary",
    "TraceNode",
    "TraceRead",
    "TraceTotals",
]


class NodeRunRead(ReadModel):
    """One node's execution in a run (or one step of an agent inside it)."""

    id: uuid.UUID
    node_id: str
    node_type: str
    status: NodeRunStatus
    attempt: int
    inputs: Any
    params: Any
    output: Any
    error: dict[str, Any] | None
    reused: bool
    started_at: Timestamp | None
    finished_at: Timestamp | None
    duration_ms: float | None
    cost_usd: float | None
    input_tokens: int | None
    output_tokens: int | None
    kind: str
    parent_node_run_id: uuid.UUID | None
    step_key: str | None
    sequence: int | None


class RunSummary(ReadModel):
    """A run in a list: status, trigger, output, cost and timing, without its node runs."""

    id: uuid.UUID
    #: Who the run belongs to (admins read every owner's runs).
    owner_id: uuid.UUID
    graph_id: uuid.UUID
    graph_version_id: uuid.UUID
    graph_version: int | None
    parent_run_id: uuid.UUID | None
    status: RunStatus
    mode: RunMode
    trigger_kind: str
    trigger: dict[str, Any]
    output: Any
    error: dict[str, Any] | None
    pause_reason: str | None
    budget_usd: float | None
    cost_usd: float | None
    input_tokens: int
    output_tokens: int
    created_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None
    duration_ms: float | None
    #: The run's W3C trace context, to find its trace (null when tracing is off).
    traceparent: str | None

    @classmethod
    def of(cls, view: dict[str, Any]) -> RunSummary:
        """The model of ``kyra.db.queries.runs.run_view(run)``."""
        return cls.model_validate(view)


class PendingApproval(ReadModel):
    """A node or agent tool call a paused run waits on a human for."""

    node_run_id: uuid.UUID
    node_id: str
    kind: str
    step_key: str | None
    request: Any
    since: Timestamp | None


class RunRead(RunSummary):
    """A run with every node run and what it waits for, if anything."""

    node_runs: list[NodeRunRead]
    pending_approval: list[PendingApproval]

    @classmethod
    def of_view(cls, view: dict[str, Any], pending: list[dict[str, Any]]) -> RunRead:
        """The model of ``run_view(run, node_runs=...)`` and its pending approvals."""
        return cls.model_validate({**view, "pending_approval": pending})


class ReplayRead(ReadModel):
    """How a replay went: null ``divergence`` unless the graph no longer matched the record."""

    source_run_id: uuid.UUID
    diverged: bool
    divergence: dict[str, Any] | None


class RunReplayed(RunRead):
    replay: ReplayRead


class TraceNode(NodeRunRead):
    """A node run or agent step with the steps it made below it."""

    summary: dict[str, Any] | None
    children: list[TraceNode]


class TraceTotals(ReadModel):
    llm_calls: int
    tool_calls: int
    agents: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


class TraceRead(ReadModel):
    run_id: uuid.UUID
    status: RunStatus
    totals: TraceTotals
    tree: list[TraceNode]
