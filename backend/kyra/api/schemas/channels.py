"""Chat channel deployments as the API answers them."""

from __future__ import annotations

import uuid
from typing import Any

from kyra.api.schemas.base import ReadModel, Timestamp
from kyra.db.models import ChannelDeployment

__all__ = ["ChannelReceipt", "DeploymentRead"]


class DeploymentRead(ReadModel):
    """A graph deployed as a chat bot on one channel kind."""

    id: uuid.UUID
    graph_id: uuid.UUID
    #: The agent deployed as a bot (its graph is made for it), null for a graph's own bot.
    agent_id: uuid.UUID | None
    kind: str
    credential_id: uuid.UUID
    config: dict[str, Any]
    created_at: Timestamp

    @classmethod
    def of(cls, row: ChannelDeployment) -> DeploymentRead:
        return cls(
            id=row.id,
            graph_id=row.graph_id,
            agent_id=row.agent_id,
            kind=row.kind,
            credential_id=row.credential_id,
            config=row.config or {},
            created_at=row.created_at,
        )


class ChannelReceipt(ReadModel):
    """An update accepted from the chat service; ``run_id`` is null when nothing was started."""

    ok: bool
    run_id: uuid.UUID | None
