"""Graphs deployed to chat channels (Telegram bots, …), one deployment per graph and kind."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from kyra.db.models._columns import jsonb_column, timestamp_column, utcnow


class ChannelDeployment(SQLModel, table=True):
    __tablename__ = "channel_deployments"
    __table_args__ = (
        UniqueConstraint("graph_id", "kind", name="uq_channel_deployments_graph_kind"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    graph_id: uuid.UUID = Field(foreign_key="graphs.id", index=True, ondelete="CASCADE")
    #: Registered deployer name, e.g. "telegram".
    kind: str = Field(max_length=32)
    #: Set when the deployment answers with an agent (its own graph is ``graph_id``).
    agent_id: uuid.UUID | None = Field(
        default=None, foreign_key="ai_agents.agent_id", ondelete="CASCADE"
    )
    credential_id: uuid.UUID = Field(foreign_key="credentials.id", ondelete="CASCADE")
    #: Fernet token of the secret the channel sends back with every update.
    secret_enc: bytes
    #: What the deployer recorded (bot name, webhook URL); never secrets.
    config: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column(default=dict))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
