"""Graphs and their immutable versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from kyra.db.models._columns import jsonb_column, timestamp_column, utcnow


class Graph(SQLModel, table=True):
    __tablename__ = "graphs"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_graphs_owner_name"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    description: str = ""
    #: Version number of the newest saved document.
    version: int = 1
    #: Per-graph settings: save_runs (all|failures|none), budget_usd, webhook reply timeout.
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column(default=dict))
    #: Fernet-encrypted webhook signing secret; null means unsigned webhooks are accepted.
    webhook_secret_enc: bytes | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(onupdate=True))


class GraphVersion(SQLModel, table=True):
    __tablename__ = "graph_versions"
    __table_args__ = (
        UniqueConstraint("graph_id", "version", name="uq_graph_versions_graph_version"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    graph_id: uuid.UUID = Field(foreign_key="graphs.id", index=True, ondelete="CASCADE")
    version: int
    document: dict[str, Any] = Field(sa_column=jsonb_column(nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
