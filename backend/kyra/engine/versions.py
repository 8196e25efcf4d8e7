"""Compiled graph versions, cached per process (versions are immutable)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kyra.db.models import GraphVersion
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
        cached = _remember(services, version)
    return cached[0]


async def load_compiled(
    services: EngineServices, session: AsyncSession, version_id: uuid.UUID
) -> tuple[CompiledGraph, int]:
    """The compiled version and its number; the document is read only on a cache miss."""
    cached = services.graph_cache.get(version_id)
    if cached is None:
        version = await session.get(GraphVersion, version_id)
        if version is None:
            raise NotFoundError(f"graph version {version_id} not found")
        cached = _remember(services, version)
    return cached


def _remember(services: EngineServices, version: GraphVersion) -> tuple[CompiledGraph, int]:
    cache = services.graph_cache
    document = GraphDocument.model_validate(version.document)
    entry = (compile_graph(document, services.registry), version.version)
    if len(cache) >= CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[version.id] = entry
    return entry
