"""The seed's agent tables: ai_agents, agent_runs and agent_memories (pgvector)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    Computed,
    Index,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlmodel import Field, SQLModel

from kyra.db.models._columns import jsonb_column, timestamp_column, utcnow


class AgentStatus(StrEnum):
    queued = "queued"
    running = "running"
    paused = "paused"
    succeeded = "succeeded"
    failed = "failed"


class MemoryKind(StrEnum):
    core = "core"
    episodic = "episodic"
    semantic = "semantic"
    note = "note"
    summary = "summary"


class AiAgent(SQLModel, table=True):
    __tablename__ = "ai_agents"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_ai_agents_owner_name"),)

    agent_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    default_prompt: str = ""
    tools: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(String), nullable=False))
    memory_schema: dict[str, Any] = Field(
        default_factory=dict, sa_column=jsonb_column(default=dict)
    )
    status: str = Field(default=AgentStatus.queued, max_length=16)
    temperature: float = 0.7
    max_iterations: int = 3
    total_input_tokens: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0"))
    )
    total_output_tokens: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0"))
    )
    total_cost: Decimal = Field(
        default=Decimal(0),
        sa_column=Column(Numeric(12, 6), nullable=False, server_default=text("0")),
    )
    webhook_secret: str | None = Field(default=None, max_length=200)
    #: Catalogue model key or "auto", and optionally the provider name serving it.
    model: str = Field(default="auto", max_length=200)
    provider: str | None = Field(default=None, max_length=200)
    #: Loop settings: tool_settings, on_max_iterations, max_depth, max_tokens.
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column(default=dict))
    #: The one-node graph that runs this agent in ``tracked`` and ``queue`` modes.
    graph_id: uuid.UUID | None = Field(default=None, foreign_key="graphs.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(onupdate=True))


class AgentRun(SQLModel, table=True):
    __tablename__ = "agent_runs"

    run_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    agent_id: uuid.UUID = Field(foreign_key="ai_agents.agent_id", index=True, ondelete="CASCADE")
    #: The graph run that records this agent run's steps, when tracked.
    flow_run_id: uuid.UUID | None = Field(default=None, foreign_key="runs.id", ondelete="SET NULL")
    status: str = Field(default=AgentStatus.queued, max_length=16)
    goal: str
    owner_id: uuid.UUID | None = None
    #: direct, tracked or queue (or "node" when an agent node of a graph ran it).
    mode: str | None = Field(default=None, max_length=16)
    cost_usd: Decimal = Field(
        default=Decimal(0),
        sa_column=Column(Numeric(12, 6), nullable=False, server_default=text("0")),
    )
    result: Any = Field(default=None, sa_column=jsonb_column())
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(onupdate=True))


class AgentMemory(SQLModel, table=True):
    """One long-term memory of an agent (see ``kyra.memory``); indexes are in migration 0007.

    ``embedding`` has no fixed size: vectors of several models coexist, each dimension with its
    own partial HNSW index on ``embedding::vector(n)``.
    """

    __tablename__ = "agent_memories"

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    agent_id: uuid.UUID = Field(foreign_key="ai_agents.agent_id", index=True, ondelete="CASCADE")
    kind: str = Field(default=MemoryKind.note, max_length=16)
    content: str
    #: Core facts and episodes of a run: unique per agent and kind (idempotent stores).
    key: str | None = Field(default=None, max_length=300)
    #: Semantic memories: a subject-relation-object triple.
    subject: str | None = None
    relation: str | None = None
    object: str | None = None
    importance: float = 0.5
    session_id: str | None = Field(default=None, max_length=200)
    embedding: list[float] | None = Field(default=None, sa_column=Column(Vector()))
    embedding_dims: int | None = None
    embedding_model: str | None = Field(default=None, max_length=300)
    content_tsv: Any = Field(
        default=None,
        sa_column=Column(TSVECTOR, Computed("to_tsvector('english', content)", persisted=True)),
    )
    metadatas: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column(default=dict))
    #: When the remembered thing happened (recency and decay rank by it).
    occurred_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class AgentSessionMessage(SQLModel, table=True):
    """A message of a session window kept by the ``postgres`` short-term backend."""

    __tablename__ = "agent_session_messages"
    __table_args__ = (
        UniqueConstraint("agent_id", "session_id", "key", name="uq_agent_session_messages_key"),
        Index("ix_agent_session_messages_session", "agent_id", "session_id", "id"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    agent_id: uuid.UUID = Field(foreign_key="ai_agents.agent_id", ondelete="CASCADE")
    session_id: str = Field(max_length=200)
    key: str = Field(max_length=300)
    message: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column(nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
