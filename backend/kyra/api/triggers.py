"""Trigger settings of graphs: webhook signing secrets, the schedules' next fire times, and
every trigger of every graph in one list, each one enabled or disabled."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.api.fields import Flag
from kyra.api.hooks import forget_targets
from kyra.api.schemas.graphs import ScheduleRead, WebhookSecretRead
from kyra.api.schemas.triggers import TriggerRead, TriggerToggled, trigger_read
from kyra.crypto import encrypt_text
from kyra.db.queries import graphs as graph_queries
from kyra.db.queries import schedules as schedule_queries
from kyra.db.queries import triggers as trigger_queries
from kyra.db.queries import webhooks as webhook_queries
from kyra.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, new_secret


class TriggerController(Controller):
    tags = ["triggers"]

    @post("/api/graphs/{graph_id:uuid}/webhook-secret", status_code=201)
    async def rotate_secret(
        self, graph_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> WebhookSecretRead:
        """Create or rotate the graph's webhook signing secret; it is shown only this once."""
        graph = await graph_queries.get_graph(
            db_session, owner_id=principal.user_id, graph_id=graph_id
        )
        secret = new_secret()
        await webhook_queries.set_secret(db_session, graph, encrypt_text(secret))
        forget_targets()
        return WebhookSecretRead(
            secret=secret,
            headers=[TIMESTAMP_HEADER, SIGNATURE_HEADER],
            signature='sha256=<hex HMAC-SHA256 of "{timestamp}.{raw body}">',
        )

    @delete("/api/graphs/{graph_id:uuid}/webhook-secret")
    async def remove_secret(
        self, graph_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> None:
        graph = await graph_queries.get_graph(
            db_session, owner_id=principal.user_id, graph_id=graph_id
        )
        await webhook_queries.set_secret(db_session, graph, None)
        forget_targets()

    @get("/api/schedules")
    async def list_schedules(
        self, db_session: AsyncSession, principal: Principal
    ) -> list[ScheduleRead]:
        rows = await schedule_queries.list_schedules(db_session, owner_id=principal.user_id)
        return [ScheduleRead.of(s) for s in rows]


class TriggerToggle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: Flag


class TriggerListController(Controller):
    """Every trigger of the caller's graphs in one list (the schedules & webhooks page)."""

    tags = ["triggers"]

    @get("/api/triggers")
    async def list_triggers(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, principal: Principal
    ) -> list[TriggerRead]:
        """Webhooks (with their URL), schedules (with the next fire time) and chat channels,
        each with its graph and the last run it started."""
        base = str(request.base_url).rstrip("/")
        rows = await trigger_queries.list_triggers(db_session, owner_id=principal.user_id)
        return [
            trigger_read({**row, "url": f"{base}{row['url']}" if row.get("url") else None})
            for row in rows
        ]

    @patch("/api/triggers/{kind:str}/{trigger_id:uuid}")
    async def toggle(
        self, kind: str, trigger_id: uuid.UUID, data: TriggerToggle, db_session: AsyncSession,
        principal: Principal,
    ) -> TriggerToggled:  # fmt: skip
        """Enable or disable a webhook or a schedule."""
        row = await trigger_queries.set_enabled(
            db_session, owner_id=principal.user_id, kind=kind, trigger_id=trigger_id,
            enabled=data.enabled,
        )  # fmt: skip
        forget_targets()
        return TriggerToggled(id=trigger_id, kind=kind, enabled=row)
