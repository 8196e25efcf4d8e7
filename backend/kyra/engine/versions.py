"""Compiled graph versions, cached per process (versions are immutable)."""

from __future__ import annotations

from kyra.db.models import GraphVersion
from kyra.engine.scheduler import CompiledGraph, compile_graph
from kyra.engine.services import EngineServices
from kyra.graph.document import GraphDocument

#: Compiled versions kept per process.
CACHE_SIZE = 512


def compiled_version(services: EngineServices, version: GraphVersion) -> CompiledGraph:
    cache = services.graph_cache
    compiled = cache.get(version.id)
    if compiled is None:
        document = GraphDocument.model_validate(version.document)
        compiled = compile_graph(document, services.registry)
        if len(cache) >= CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[version.id] = compiled
    return compiled
