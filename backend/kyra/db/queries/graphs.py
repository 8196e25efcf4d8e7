"""Graphs, versions and their derived webhook routes, always scoped by owner."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.db.models import AiAgent, Graph, GraphVersion, Webhook
from kyra.db.queries.schedules import sync_schedules
from kyra.errors import ConflictError, NotFoundError


async def create_graph(
    session: AsyncSession, *, owner_id: uuid.UUID, document: dict[str, Any]
) -> Graph:
    """Create a graph from a validated document (version 1).

    Raises:
        ConflictError: the owner already has a graph with that name.
    """
    graph = Graph(
        owner_id=owner_id,
        name=document["name"],
        description=document.get("description", ""),
        settings=document.get("settings") or {},
        version=1,
    )
    session.add(graph)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ConflictError(f"a graph named {document['name']!r} already exists") from exc
    session.add(GraphVersion(graph_id=graph.id, version=1, document=document))
    await sync_webhooks(session, graph, document)
    await sync_schedules(session, graph, document)
    await session.flush()
    return graph


async def save_version(
    session: AsyncSession, graph: Graph, document: dict[str, Any]
) -> GraphVersion:
    """Store ``document`` as the graph's next immutable version."""
    locked = await session.get(Graph, graph.id, with_for_update=True)
    assert locked is not None
    locked.version += 1
    locked.name = document["name"]
    locked.description = document.get("description", "")
    locked.settings = document.get("settings") or {}
    version = GraphVersion(graph_id=graph.id, version=locked.version, document=document)
    session.add(version)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ConflictError(f"a graph named {document['name']!r} already exists") from exc
    await sync_webhooks(session, locked, document)
    await sync_schedules(session, locked, document)
    return version


async def sync_webhooks(session: AsyncSession, graph: Graph, document: dict[str, Any]) -> None:
    """Make the webhook routes match the graph's ``Webhook.trigger`` nodes.

    Raises:
        ConflictError: a path is already used by another graph.
    """
    await session.execute(delete(Webhook).where(Webhook.graph_id == graph.id))
    for node in document.get("nodes", []):
        if node.get("type") != "Webhook.trigger":
            continue
        params = node.get("params") or {}
        path = str(params.get("path", "")).strip("/")
        taken = await session.scalar(select(Webhook.graph_id).where(Webhook.path == path))
        if taken is not None:
            raise ConflictError(f"webhook path {path!r} is already used by another graph")
        session.add(
            Webhook(
                owner_id=graph.owner_id,
                graph_id=graph.id,
                node_id=node["id"],
                path=path,
                methods=list(params.get("methods") or ["POST"]),
                reply_mode=params.get("reply", "sync"),
            )
        )
        await session.flush()


async def get_graph(session: AsyncSession, *, owner_id: uuid.UUID, graph_id: uuid.UUID) -> Graph:
    """The owner's graph.

    Raises:
        NotFoundError: no such graph for this owner.
    """
    graph = await session.scalar(
        select(Graph).where(Graph.id == graph_id, Graph.owner_id == owner_id)
    )
    if graph is None:
        raise NotFoundError(f"graph {graph_id} not found")
    return graph


async def find_graph_by_name(
    session: AsyncSession, *, owner_id: uuid.UUID, name: str
) -> Graph | None:
    return await session.scalar(select(Graph).where(Graph.owner_id == owner_id, Graph.name == name))


async def list_graphs(session: AsyncSession, *, owner_id: uuid.UUID) -> list[Graph]:
    """The owner's graphs, except those that only back a saved agent (listed as agents)."""
    backs_an_agent = select(AiAgent.agent_id).where(AiAgent.graph_id == Graph.id).exists()
    rows = await session.scalars(
        select(Graph).where(Graph.owner_id == owner_id, ~backs_an_agent).order_by(Graph.name)
    )
    return list(rows)


async def latest_version(session: AsyncSession, graph_id: uuid.UUID) -> GraphVersion:
    version = await session.scalar(
        select(GraphVersion)
        .where(GraphVersion.graph_id == graph_id)
        .order_by(GraphVersion.version.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    if version is None:
        raise NotFoundError(f"graph {graph_id} has no versions")
    return version


async def get_version(session: AsyncSession, graph_id: uuid.UUID, version: int) -> GraphVersion:
    found = await session.scalar(
        select(GraphVersion).where(
            GraphVersion.graph_id == graph_id, GraphVersion.version == version
        )
    )
    if found is None:
        raise NotFoundError(f"graph {graph_id} has no version {version}")
    return found


async def list_versions(session: AsyncSession, graph_id: uuid.UUID) -> list[GraphVersion]:
    rows = await session.scalars(
        select(GraphVersion)
        .where(GraphVersion.graph_id == graph_id)
        .order_by(GraphVersion.version.desc())  # type: ignore[attr-defined]
    )
    return list(rows)


async def delete_graph(session: AsyncSession, graph: Graph) -> None:
    await session.delete(graph)


async def list_webhooks(session: AsyncSession, graph_id: uuid.UUID) -> list[Webhook]:
    return list(await session.scalars(select(Webhook).where(Webhook.graph_id == graph_id)))


async def find_webhook(session: AsyncSession, path: str) -> Webhook | None:
    return await session.scalar(select(Webhook).where(Webhook.path == path.strip("/")))
