"""Compiled graph versions, cached per process (versions are immutable)."""

from __future__ import annotations

import uuid
from typing import Any

from kyra.db.direct import Driver
from kyra.db.models import GraphVersion
from kyra.db.queries.queue_runs import graph_version
from kyra.engine.scheduler import CompiledGraph, compile_graph
from kyra.engine.services import EngineServices
from kyra.errors import NotFoundError
from kyra.graph.document import GraphDocument

#: Compiled versions kept per process.
CACHE_SIZE = 512


def compiled_version(services: EngineServices, version: GraphVersion) -> CompiledGraph:
    """The compiled form of a version row already loaded."""
    cached = services.graph_cache.get(version.id)
    if cached is None:
        cached = _remember(services, version.id, version.document, version.version)
    return cached[0]


async def load_compiled(
    services: EngineServices, connection: Driver, version_id: uuid.UUID
) -> tuple[CompiledGraph, int]:
    """The compiled version and its number; the document is read only on a cache miss."""
    cached = services.graph_cache.get(version_id)
    if cached is None:
        found = await graph_version(connection, version_id)
        if found is None:
            raise NotFoundError(f"graph version {version_id} not found")
        cached = _remember(services, version_id, *found)
    return cached


def _remember(
    services: EngineServices, version_id: uuid.UUID, document: dict[str, Any], number: int
) -> tuple[CompiledGraph, int]:
    cache = services.graph_cache
    compiled = compile_graph(GraphDocument.model_validate(document), services.registry)
    if len(cache) >= CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[version_id] = entry = (compiled, number)
    return entry
