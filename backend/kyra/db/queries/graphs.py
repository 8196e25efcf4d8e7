"""Graphs, versions and their derived webhook routes, always scoped by owner."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.db.models import AiAgent, Graph, GraphVersion, Webhook
from kyra.db.queries.polls import sync_polls
from kyra.db.queries.schedules import sync_schedules
from kyra.errors import ConflictError, NotFoundError
from kyra.spec import NodeSpec

#: ``reply_mode`` of the webhook route of a trigger a service calls (its spec answers).
INBOUND = "inbound"
#: Trigger types that poll or receive (``Registry.service_triggers()``), by type name.
ServiceTriggers = Mapping[str, NodeSpec]


async def create_graph(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    document: dict[str, Any],
    triggers: ServiceTriggers | None = None,
) -> Graph:
    """Create a graph from a validated document (version 1); ``triggers`` names the trigger
    types that get a poll or an inbound route.

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
    await _sync_triggers(session, graph, document, triggers or {})
    await session.flush()
    return graph


async def _sync_triggers(
    session: AsyncSession, graph: Graph, document: dict[str, Any], triggers: ServiceTriggers
) -> None:
    await sync_webhooks(session, graph, document, triggers)
    await sync_schedules(session, graph, document)
    await sync_polls(session, graph, document, triggers)


async def save_version(
    session: AsyncSession,
    graph: Graph,
    document: dict[str, Any],
    *,
    triggers: ServiceTriggers | None = None,
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
    await _sync_triggers(session, locked, document, triggers or {})
    return version


def inbound_path(graph_id: uuid.UUID, node: Mapping[str, Any]) -> str:
    """The ``/hooks/`` path of a trigger a service calls, e.g. ``slack/<graph id>/<node id>``."""
    service = str(node["type"]).split(".", 1)[0].lower()
    return f"{service}/{graph_id}/{node['id']}"


async def sync_webhooks(
    session: AsyncSession,
    graph: Graph,
    document: dict[str, Any],
    triggers: ServiceTriggers | None = None,
) -> None:
    """Make the webhook routes match the graph's ``Webhook.trigger`` nodes and the triggers
    services call (``inbound``, answered by their spec).

    Raises:
        ConflictError: a path is already used by another graph.
    """
    await session.execute(delete(Webhook).where(Webhook.graph_id == graph.id))
    for node in document.get("nodes", []):
        params = node.get("params") or {}
        spec = (triggers or {}).get(node.get("type", ""))
        if spec is not None and spec.receive is not None:
            path, methods, mode = inbound_path(graph.id, node), ["GET", "POST"], INBOUND
        elif node.get("type") == "Webhook.trigger":
            path = str(params.get("path", "")).strip("/")
            methods, mode = list(params.get("methods") or ["POST"]), params.get("reply", "sync")
        else:
            continue
        taken = await session.scalar(select(Webhook.graph_id).where(Webhook.path == path))
        if taken is not None:
            raise ConflictError(f"webhook path {path!r} is already used by another graph")
        session.add(
            Webhook(
                owner_id=graph.owner_id,
                graph_id=graph.id,
                node_id=node["id"],
                path=path,
                methods=methods,
                reply_mode=mode,
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
