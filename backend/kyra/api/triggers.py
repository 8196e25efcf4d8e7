"""Trigger settings of graphs: webhook signing secrets and the schedules' next fire times."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.api.hooks import forget_targets
from kyra.api.schemas.graphs import ScheduleRead, WebhookSecretRead
from kyra.crypto import encrypt_text
from kyra.db.queries import graphs as graph_queries
from kyra.db.queries import schedules as schedule_queries
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
