"""Runs of graph versions and the node runs inside them: the durable record of execution."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Column, Index, Numeric, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from kyra.db.models._columns import jsonb_column, table_of, timestamp_column, utcnow
from kyra.status import NodeRunStatus, RunStatus


def _money() -> Any:
    return Column(Numeric(12, 6), nullable=False, default=Decimal(0), server_default=text("0"))


def _tokens() -> Any:
    return Column(BigInteger, nullable=False, default=0, server_default=text("0"))


class Run(SQLModel, table=True):
    __tablename__ = "runs"
    __table_args__ = (
        Index(
            "uq_runs_owner_idempotency_key",
            "owner_id",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
        Index("ix_runs_graph_created", "graph_id", "created_at"),
        Index(
            "ix_runs_active",
            "status",
            "updated_at",
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    graph_id: uuid.UUID = Field(foreign_key="graphs.id", ondelete="CASCADE")
    graph_version_id: uuid.UUID = Field(foreign_key="graph_versions.id", ondelete="CASCADE")
    status: str = Field(default=RunStatus.queued, max_length=16)
    #: "queue" (Dramatiq workers) or "sync" (inline in the API process).
    mode: str = Field(default="queue", max_length=8)
    #: The Dramatiq queue of a queue run: only the reapers of that queue recover it.
    queue: str | None = Field(default=None, max_length=64)
    #: What started it: manual, api, webhook, schedule, channel, subgraph.
    trigger_kind: str = Field(default="manual", max_length=16)
    trigger: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column(default=dict))
    output: Any = Field(default=None, sa_column=jsonb_column())
    error: dict[str, Any] | None = Field(default=None, sa_column=jsonb_column())
    pause_reason: str | None = Field(default=None, max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=200)
    parent_run_id: uuid.UUID | None = Field(
        default=None, foreign_key="runs.id", index=True, ondelete="CASCADE"
    )
    #: Key of this child run inside its parent node run (loop item, sub-graph call).
    parent_key: str | None = Field(default=None, max_length=200)
    #: The run whose outputs this run reuses (re-run from a node).
    source_run_id: uuid.UUID | None = Field(
        default=None, foreign_key="runs.id", ondelete="SET NULL"
    )
    budget_usd: Decimal | None = Field(default=None, sa_column=Column(Numeric(12, 6)))
    #: W3C ``traceparent`` of whatever started the run (a webhook's caller, an API request):
    #: every process working on the run puts its spans in that trace.
    traceparent: str | None = Field(default=None, max_length=55)
    #: The API process executing a sync run stored while it runs, and until when it owns it
    #: (renewed while it runs; an expired lease fails the run).
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_expires_at: datetime | None = Field(
        default=None, sa_column=timestamp_column(nullable=True)
    )
    cost_usd: Decimal = Field(default=Decimal(0), sa_column=_money())
    reserved_usd: Decimal = Field(default=Decimal(0), sa_column=_money())
    input_tokens: int = Field(default=0, sa_column=_tokens())
    output_tokens: int = Field(default=0, sa_column=_tokens())
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(onupdate=True))
    started_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class NodeRun(SQLModel, table=True):
    __tablename__ = "node_runs"
    __table_args__ = (
        UniqueConstraint("run_id", "node_id", name="uq_node_runs_run_node"),
        Index(
            "ix_node_runs_leases",
            "status",
            "lease_expires_at",
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
        # Only agent steps have a parent: graph nodes, most rows, are not in the index.
        Index(
            "ix_node_runs_parent",
            "parent_node_run_id",
            postgresql_where=text("parent_node_run_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    #: Looked up through uq_node_runs_run_node (run_id first): no index of its own.
    run_id: uuid.UUID = Field(foreign_key="runs.id", ondelete="CASCADE")
    node_id: str = Field(max_length=100)
    node_type: str = Field(max_length=100)
    status: str = Field(default=NodeRunStatus.queued, max_length=16)
    #: Attempts started so far, crashes included (leases that expired count too).
    attempt: int = 0
    inputs: Any = Field(default=None, sa_column=jsonb_column())
    params: Any = Field(default=None, sa_column=jsonb_column())
    #: Port name -> value for the ports the node emitted.
    output: Any = Field(default=None, sa_column=jsonb_column())
    error: dict[str, Any] | None = Field(default=None, sa_column=jsonb_column())
    #: Copied from an earlier run instead of executed (re-run from a node).
    reused: bool = False
    #: Side effects an attempt recorded (e.g. the id of a sent message), so that a retry or a
    #: redelivered message does not repeat them; key -> JSON value.
    effects: dict[str, Any] | None = Field(default=None, sa_column=jsonb_column())
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_expires_at: datetime | None = Field(
        default=None, sa_column=timestamp_column(nullable=True)
    )
    next_attempt_at: datetime | None = Field(
        default=None, sa_column=timestamp_column(nullable=True)
    )
    cost_usd: Decimal = Field(default=Decimal(0), sa_column=_money())
    input_tokens: int = Field(default=0, sa_column=_tokens())
    output_tokens: int = Field(default=0, sa_column=_tokens())
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(onupdate=True))
    started_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    duration_ms: float | None = None
    #: Agent steps (LLM calls, tool calls, sub-agents) are children of the node run that ran them.
    parent_node_run_id: uuid.UUID | None = Field(
        default=None, foreign_key="node_runs.id", ondelete="CASCADE"
    )
    #: "node" for graph nodes; "llm_call", "tool_call" or "agent" for agent steps.
    kind: str = Field(default="node", max_length=16)
    #: Position of a step in its agent's loop ("2.tool.0"), stable across retries and replays.
    step_key: str | None = Field(default=None, max_length=200)
    sequence: int | None = None
    #: Human decision on a pause for approval: {"status", "comment", "decided_at", "request"}.
    approval: dict[str, Any] | None = Field(default=None, sa_column=jsonb_column())


def _column_defaults(model: type[SQLModel]) -> dict[str, Any]:
    """Column name → the model's default (None where a factory makes it per row)."""
    fields = model.model_fields
    return {
        column.key: None if fields[column.key].default_factory else fields[column.key].default
        for column in table_of(model).columns
    }


class _UnstoredRow:
    """A row that is not stored yet, with its model's column attributes and defaults.

    Runs executed in memory build these instead of SQLModel entities: an entity costs tens of
    microseconds (an attribute event per column, defaults inspected), this about one (two dict
    updates); they are written with a Core insert of :meth:`as_row`.

    A row given no id draws one when it is first read: the node runs of a run that is not
    stored (``save_runs: none``) never are, and drawing the three of a 3-node graph took about
    4 % of such a webhook request's CPU (py-spy; each ``uuid4`` is a system call).
    """

    _defaults: ClassVar[dict[str, Any]]
    created_at: datetime
    updated_at: datetime

    def __init__(self, **values: Any) -> None:
        fields = self.__dict__
        fields.update(self._defaults)
        fields.update(values)
        if len(fields) != len(self._defaults):  # a name that is not a column was added
            unknown = sorted(values.keys() - self._defaults.keys())
            raise TypeError(f"not {type(self).__name__} columns: {unknown}")
        if fields["created_at"] is None:
            fields["created_at"] = utcnow()
        if fields["updated_at"] is None:
            fields["updated_at"] = fields["created_at"]

    @property
    def id(self) -> uuid.UUID:
        fields = self.__dict__
        drawn: uuid.UUID | None = fields["id"]
        if drawn is None:
            drawn = fields["id"] = uuid.uuid4()
        return drawn

    @id.setter
    def id(self, value: uuid.UUID) -> None:
        self.__dict__["id"] = value

    def as_row(self) -> dict[str, Any]:
        """Column name → value, for an insert."""
        return {**self.__dict__, "id": self.id}


class RunRow(_UnstoredRow):
    """A run executed in memory (``sync`` mode) before it is stored, with :class:`Run`'s
    attributes."""

    _defaults = _column_defaults(Run)
    # Run's columns, declared for the type checker (the instance dict holds them).
    owner_id: uuid.UUID
    graph_id: uuid.UUID
    graph_version_id: uuid.UUID
    status: str
    mode: str
    queue: str | None
    trigger_kind: str
    trigger: dict[str, Any]
    output: Any
    error: dict[str, Any] | None
    pause_reason: str | None
    idempotency_key: str | None
    parent_run_id: uuid.UUID | None
    parent_key: str | None
    source_run_id: uuid.UUID | None
    budget_usd: Decimal | None
    traceparent: str | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    cost_usd: Decimal
    reserved_usd: Decimal
    input_tokens: int
    output_tokens: int
    started_at: datetime | None
    finished_at: datetime | None


class NodeRunRow(_UnstoredRow):
    """A node run executed in memory before it is stored, with :class:`NodeRun`'s attributes
    (inline runs build one per node)."""

    _defaults = _column_defaults(NodeRun)
    # NodeRun's columns, declared for the type checker (the instance dict holds them).
    run_id: uuid.UUID
    node_id: str
    node_type: str
    status: str
    attempt: int
    inputs: Any
    params: Any
    output: Any
    error: dict[str, Any] | None
    reused: bool
    effects: dict[str, Any] | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    next_attempt_at: datetime | None
    cost_usd: Decimal
    input_tokens: int
    output_tokens: int
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: float | None
    parent_node_run_id: uuid.UUID | None
    kind: str
    step_key: str | None
    sequence: int | None
    approval: dict[str, Any] | None
