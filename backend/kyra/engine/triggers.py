"""Triggers that poll a service or that a service calls: their context (credentials of the
trigger node, the guarded HTTP client) and the one way their events start runs, each once."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from kyra.context import TriggerEvent
from kyra.credentials import ServiceClient
from kyra.db.models import Graph, GraphVersion
from kyra.engine.credentials import CredentialSource
from kyra.engine.services import EngineServices
from kyra.engine.start import start_run
from kyra.spec import NodeSpec

#: Longest run idempotency key stored (longer event keys are hashed).
MAX_KEY = 200


class EngineTriggerContext:
    """The :class:`~kyra.context.TriggerContext` of one trigger node of a saved graph."""

    def __init__(
        self,
        services: EngineServices,
        *,
        graph: Graph,
        node: Mapping[str, Any],
        spec: NodeSpec,
    ) -> None:
        self.services = services
        self.owner_id = graph.owner_id
        self.graph_id = graph.id
        self.node_id = str(node["id"])
        self.log = logging.LoggerAdapter(
            logging.getLogger("kyra.trigger"), {"graph_id": str(graph.id), "node_id": self.node_id}
        )
        self.credentials = CredentialSource(
            services,
            owner_id=graph.owner_id,
            spec=spec,
            attached=node.get("credentials") or {},
            missing=f"trigger {self.node_id} needs a {{kind!r}} credential",
        )

    @property
    def http(self) -> httpx.AsyncClient:
        return self.services.http

    async def credential(self, kind: str) -> dict[str, Any]:
        return await self.credentials.fields(kind)

    async def service(self, kind: str) -> ServiceClient:
        return await self.credentials.client(kind, self.http)


def trigger_node(version: GraphVersion, node_id: str) -> dict[str, Any] | None:
    """The node ``node_id`` of a saved version's document."""
    return next((n for n in version.document.get("nodes", []) if n.get("id") == node_id), None)


def event_key(graph_id: uuid.UUID, node_id: str, key: str) -> str:
    """The run idempotency key of one event of one trigger node."""
    full = f"event:{graph_id}:{node_id}:{key}"
    if len(full) <= MAX_KEY:
        return full
    return f"event:{graph_id}:{hashlib.sha256(full.encode()).hexdigest()}"


async def start_event_runs(
    services: EngineServices,
    *,
    graph: Graph,
    version: GraphVersion,
    node_id: str,
    events: Iterable[TriggerEvent],
    trigger_kind: str,
) -> list[uuid.UUID]:
    """Start a queued run per event; an event seen before starts nothing. New run ids."""
    started: list[uuid.UUID] = []
    for event in events:
        run = await start_run(
            services, graph=graph, version=version, trigger=event.payload,
            trigger_kind=trigger_kind, idempotency_key=event_key(graph.id, node_id, event.key),
        )  # fmt: skip
        if not run.existing:
            started.append(run.run.id)
    return started
