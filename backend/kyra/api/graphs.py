"""Graphs and their versions: create, list, read, save a new version, rename, delete."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.api.fields import Name, Text, VersionParameter, unstorable_text
from kyra.api.hooks import forget_targets
from kyra.api.openapi import FieldErrorBody
from kyra.api.schemas.graphs import (
    GraphCheck,
    GraphRead,
    GraphSummary,
    PollRead,
    ScheduleRead,
    VersionRead,
    VersionSummary,
    WebhookRead,
)
from kyra.db.models import Graph
from kyra.db.queries import graphs as queries
from kyra.db.queries import schedules as schedule_queries
from kyra.db.queries.polls import list_polls
from kyra.engine.services import EngineServices
from kyra.errors import GraphInvalidError
from kyra.graph.document import GraphSettings
from kyra.graph.validate import GraphError, validate_document


class GraphUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Text | None = Field(None, max_length=10_000)
    settings: GraphSettings | None = None


def document_errors(raw: Any, services: EngineServices) -> list[GraphError]:
    """What Save and Run refuse in ``raw`` (the editor asks the same while the user types)."""
    settings = services.settings
    errors = validate_document(
        raw,
        services.registry,
        max_nodes=settings.max_graph_nodes,
        max_bytes=settings.max_graph_bytes,
    )
    where = unstorable_text(raw)
    if where is not None:
        errors.append(
            GraphError(None, where, "invalid_text", "text holds a NUL or a lone surrogate")
        )
    return errors


def checked_document(raw: Any, services: EngineServices) -> dict[str, Any]:
    """``raw`` if it is a valid graph document; otherwise 422 with every error."""
    errors = document_errors(raw, services)
    if errors:
        raise GraphInvalidError(errors)
    document: dict[str, Any] = raw
    return document


async def graph_read(
    session: AsyncSession, request: Request[Any, Any, Any], graph: Graph
) -> GraphRead:
    base = str(request.base_url).rstrip("/")
    schedules = await schedule_queries.list_schedules(session, graph_id=graph.id)
    return GraphRead.of_parts(
        graph,
        await queries.latest_version(session, graph.id),
        webhooks=[WebhookRead.of(h, base) for h in await queries.list_webhooks(session, graph.id)],
        schedules=[ScheduleRead.of(s) for s in schedules],
        polls=[PollRead.of(p) for p in await list_polls(session, graph_id=graph.id)],
    )


class GraphController(Controller):
    path = "/api/graphs"
    tags = ["graphs"]

    # In a worker thread: checking a large graph as the user types must not hold up the event
    # loop (and the template previews and saves it serves meanwhile).
    @post("/validate", status_code=200, sync_to_thread=True)
    def validate(self, data: Any, services: EngineServices) -> GraphCheck:
        errors = document_errors(data, services)
        found = [FieldErrorBody(**e.as_dict()) for e in errors]
        return GraphCheck(valid=not errors, errors=found)

    @post("/", opt={"errors": [422]})
    async def create(
        self, data: Any, request: Request[Any, Any, Any], db_session: AsyncSession,
        principal: Principal, services: EngineServices,
    ) -> GraphRead:  # fmt: skip
        document = checked_document(data, services)
        graph = await queries.create_graph(
            db_session, owner_id=principal.user_id, document=document,
            triggers=services.registry.service_triggers(),
        )  # fmt: skip
        return await graph_read(db_session, request, graph)

    @get("/")
    async def list_graphs(
        self, db_session: AsyncSession, principal: Principal
    ) -> list[GraphSummary]:
        return [
            GraphSummary.of(g)
            for g in await queries.list_graphs(db_session, owner_id=principal.user_id)
        ]

    @get("/{graph_id:uuid}")
    async def read(
        self,
        graph_id: uuid.UUID,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        principal: Principal,
    ) -> GraphRead:
        graph = await queries.get_graph(db_session, owner_id=principal.user_id, graph_id=graph_id)
        return await graph_read(db_session, request, graph)

    @put("/{graph_id:uuid}", opt={"errors": [422]})
    async def save(
        self, graph_id: uuid.UUID, data: Any, request: Request[Any, Any, Any],
        db_session: AsyncSession, principal: Principal, services: EngineServices,
    ) -> GraphRead:  # fmt: skip
        document = checked_document(data, services)
        graph = await queries.get_graph(db_session, owner_id=principal.user_id, graph_id=graph_id)
        await queries.save_version(
            db_session, graph, document, triggers=services.registry.service_triggers()
        )
        await db_session.refresh(graph)
        forget_targets()
        return await graph_read(db_session, request, graph)

    @patch("/{graph_id:uuid}")
    async def update(
        self, graph_id: uuid.UUID, data: GraphUpdate, request: Request[Any, Any, Any],
        db_session: AsyncSession, principal: Principal, services: EngineServices,
    ) -> GraphRead:  # fmt: skip
        graph = await queries.get_graph(db_session, owner_id=principal.user_id, graph_id=graph_id)
        version = await queries.latest_version(db_session, graph.id)
        document = dict(version.document)
        changes = data.model_dump(exclude_unset=True, mode="json")
        document.update({k: v for k, v in changes.items() if v is not None})
        if changes.keys() - {"settings"} or changes.get("settings") != version.document.get(
            "settings"
        ):
            await queries.save_version(
                db_session, graph, document, triggers=services.registry.service_triggers()
            )
            await db_session.refresh(graph)
            forget_targets()
        return await graph_read(db_session, request, graph)

    @delete("/{graph_id:uuid}")
    async def remove(
        self, graph_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> None:
        graph = await queries.get_graph(db_session, owner_id=principal.user_id, graph_id=graph_id)
        await queries.delete_graph(db_session, graph)
        forget_targets()

    @get("/{graph_id:uuid}/versions")
    async def versions(
        self, graph_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> list[VersionSummary]:
        graph = await queries.get_graph(db_session, owner_id=principal.user_id, graph_id=graph_id)
        return [
            VersionSummary(version=v.version, created_at=v.created_at)
            for v in await queries.list_versions(db_session, graph.id)
        ]

    @get("/{graph_id:uuid}/versions/{version:int}")
    async def version(
        self,
        graph_id: uuid.UUID,
        version: VersionParameter,
        db_session: AsyncSession,
        principal: Principal,
    ) -> VersionRead:
        graph = await queries.get_graph(db_session, owner_id=principal.user_id, graph_id=graph_id)
        found = await queries.get_version(db_session, graph.id, version)
        return VersionRead(
            version=found.version, created_at=found.created_at, document=found.document
        )
