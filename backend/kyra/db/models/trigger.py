"""Webhook routes, cron schedules and polling triggers derived from the trigger nodes of saved
graphs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from kyra.db.models._columns import jsonb_column, timestamp_column, utcnow


class Webhook(SQLModel, table=True):
    __tablename__ = "webhooks"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    graph_id: uuid.UUID = Field(foreign_key="graphs.id", index=True, ondelete="CASCADE")
    node_id: str = Field(max_length=100)
    path: str = Field(max_length=200, unique=True)
    methods: list[str] = Field(
        default_factory=lambda: ["POST"], sa_column=jsonb_column(default=list)
    )
    #: "sync" waits for Webhook.respond; "async" answers 202 with the run id at once.
    reply_mode: str = Field(default="sync", max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class Schedule(SQLModel, table=True):
    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("graph_id", "node_id", name="uq_schedules_graph_node"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    graph_id: uuid.UUID = Field(foreign_key="graphs.id", index=True, ondelete="CASCADE")
    node_id: str = Field(max_length=100)
    cron: str = Field(max_length=120)
    timezone: str = Field(default="UTC", max_length=64)
    #: What to do with occurrences missed while nothing ran: "skip" or "run_once".
    missed_policy: str = Field(default="skip", max_length=16)
    enabled: bool = True
    next_fire_at: datetime | None = Field(
        default=None, sa_column=timestamp_column(nullable=True, index=True)
    )
    last_fire_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column(default=dict))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class TriggerPoll(SQLModel, table=True):
    """A polling trigger node (e.g. Gmail.trigger): when to poll next and where it stopped."""

    __tablename__ = "trigger_polls"
    __table_args__ = (UniqueConstraint("graph_id", "node_id", name="uq_trigger_polls_graph_node"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    graph_id: uuid.UUID = Field(foreign_key="graphs.id", index=True, ondelete="CASCADE")
    node_id: str = Field(max_length=100)
    node_type: str = Field(max_length=100)
    interval_seconds: int = 60
    enabled: bool = True
    next_poll_at: datetime | None = Field(
        default=None, sa_column=timestamp_column(nullable=True, index=True)
    )
    last_polled_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    #: The last poll's failure, shown in the editor; None after a poll that worked.
    last_error: str | None = Field(default=None, max_length=1000)
    #: Where the service's feed was read up to (the handler's own shape, e.g. a history id).
    cursor: dict[str, Any] | None = Field(default=None, sa_column=jsonb_column())
    runs_started: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
